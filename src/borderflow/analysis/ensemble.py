"""Ensembles: one scenario run under many independent seeds, summarised as bands.

Run ``i`` of an ensemble with seed ``s`` uses the seed
:func:`~borderflow.analysis.executor.task_seed` ``(s, i)``, the ``i``-th child of
``numpy.random.SeedSequence(s)``. It depends on ``s`` and ``i`` only, so the aggregate is
bit-identical whatever the number of workers or the backend, and whether the ensemble
ran in one go or was interrupted and resumed. Bands are taken over runs in run order
with NumPy's default (linear) quantiles.

Such bands carry the seed's noise only. With a calibration's posterior
(``posterior=``, :mod:`borderflow.analysis.posterior`) run ``i`` also draws one particle,
with probability proportional to its weight and from a stream of its own that depends on
``s`` and ``i`` only, and runs with that particle's values of the fitted parameters: the
bands then carry the parameters' uncertainty as well (``manifest["bands"]`` says which).

The ensemble folder::

    ensemble.json            what was asked: scenario, ensemble seed, runs, version, a
                             fingerprint of the scenario and the posterior drawn from (its
                             calibration folder and a fingerprint of its particles, or
                             null); resume refuses another scenario, seed or posterior;
                             written first
    scenario.json            the exact scenario
    shards/run-00017.parquet run 17, written atomically as soon as it finishes: its daily
                             table (date, place, state, group, n), with the run number, its
                             seed, its indicators and its targets' simulated values as JSON
                             in the Parquet metadata (key ``borderflow``); with a posterior
                             also the particle drawn and its parameter values
    daily.parquet            every (date, place, state, group) row present in any run: the
                             mean, p05, p25, median, p75 and p95 over runs of ``n`` (a row
                             missing from a run counts as 0 there)
    indicators.csv           every numeric headline indicator of ``summary.json``, dotted
                             (``waits_per_port.san_ysidro.mean_wait_days``): runs (how many
                             runs define it: a mean wait needs someone admitted), mean,
                             p05, p25, median, p75, p95
    targets.csv              the scenario's targets (id … note) with the simulated band:
                             mean, p05, p25, median, p75, p95; ``inside`` (the median falls
                             in the reported range), ``reported_in_90`` and
                             ``reported_in_50`` (the reported value falls in the 5–95% or
                             25–75% band)
    parameters.csv           with a posterior only: per run in the bands, its run number,
                             seed, the particle drawn and a column per fitted parameter
    manifest.json            written last: its kind (``ensemble``), runs asked, succeeded
                             and failed, each failure (run, seed, attempts, error), the
                             kind of band (``bands``: ``seed`` or ``parameters and seed``)
                             and the posterior, the files

Shards are written under a temporary name and renamed, so a file named ``run-*.parquet``
is always complete; a run that was cut off leaves no shard and is run again on resume.
Aggregation streams: it reads the shards' row keys one shard at a time, then fills the
bands ``chunk_rows`` rows at a time from every shard, so memory grows with
``chunk_rows × runs`` and one run's table, never with all runs' tables. Rows are keyed
date first and shards are sorted by date in row groups, so a chunk reads only the row
groups of its dates from each shard.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from borderflow._version import __version__
from borderflow.analysis.assumptions import scenario_with
from borderflow.analysis.calibrate.result import Calibration
from borderflow.analysis.executor import Executor, ExecutorOptions, Outcome, Task, task_seed
from borderflow.analysis.posterior import Draw, Posterior, load_posterior
from borderflow.engine.run import run as run_engine
from borderflow.results import store
from borderflow.results.indicators import flatten
from borderflow.results.results import Results
from borderflow.results.targets import inside, relative_error, target_frame, target_keys
from borderflow.scenario.schema import Scenario

SPEC = "ensemble.json"
SHARDS = "shards"
SCENARIO_FILE = "scenario.json"
#: The aggregate's files, rewritten at the end of every session.
AGGREGATE = ("daily.parquet", "indicators.csv", "targets.csv")
#: The parameters each run drew from the posterior (an ensemble with a posterior only).
PARAMETERS_FILE = "parameters.csv"
#: ``manifest["bands"]``: what the runs of an ensemble vary.
SEED_BANDS, POSTERIOR_BANDS = "seed", "parameters and seed"
#: An ensemble folder; ``ensemble.json``, written first, marks an unfinished one.
ENSEMBLE = store.Kind(
    "ensemble",
    frozenset(
        {
            SPEC,
            SCENARIO_FILE,
            SHARDS,
            *AGGREGATE,
            PARAMETERS_FILE,
            store.REPORT_FILE,
            store.FIGURES,
        }
    ),
    signature=SPEC,
    marker=SPEC,
    folders={store.FIGURES: store.FIGURE_FILES, SHARDS: r"run-\d+\.parquet"},
)
META_KEY = b"borderflow"
KEYS = ["date", "place", "state", "group"]
QUANTILES = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}
BAND_COLUMNS = ["mean", *QUANTILES]
#: Cells (rows × runs) of one aggregation chunk: 128 MB of int64.
CHUNK_CELLS = 1 << 24
#: Rows per Parquet row group of a shard: a chunk of dates reads only the groups it needs.
ROW_GROUP = 16_384

#: ``runner(scenario, seed) -> Results``: what simulates one run.
Runner = Callable[[Scenario, int], Results]
#: ``progress(done, failed, total)``: runs on disk, runs given up, runs asked.
Progress = Callable[[int, int, int], None]


@dataclass
class EnsembleResults:
    """An ensemble's bands.

    Attributes:
        daily: per (date, place, state, group): mean, p05, p25, median, p75, p95 over runs.
        indicators: per headline indicator: runs, mean, p05, p25, median, p75, p95.
        targets: the scenario's targets with the simulated band and whether the
            reported value falls inside it.
        failed: runs given up: run, seed, attempts, error.
        manifest: runs asked, succeeded, failed, and the rest of ``manifest.json``.
        folder: where it is written (``None`` when no folder was asked for).
        parameters: with a posterior, one row per run in the bands: run, seed, particle
            and the value of each fitted parameter it drew (``None`` without one).
    """

    daily: pd.DataFrame
    indicators: pd.DataFrame
    targets: pd.DataFrame
    failed: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    parameters: pd.DataFrame | None = None

    @property
    def runs(self) -> int:
        """How many runs succeeded (the bands are over these)."""
        return int(self.manifest["succeeded"])

    @property
    def bands(self) -> str:
        """What the runs vary: ``"seed"``, or ``"parameters and seed"`` with a posterior."""
        return str(self.manifest.get("bands", SEED_BANDS))

    @property
    def bands_sentence(self) -> str:
        """The kind of band in a sentence (see :func:`bands_sentence`)."""
        return bands_sentence(self.manifest)


def bands_sentence(manifest: dict[str, Any]) -> str:
    """Which kind of band an ensemble's manifest describes, in one sentence.

    ``Bands: 5–95% over 200 runs that vary the seed only.``, or, with a posterior,
    ``… that draw the fitted parameters (a, b) from calibration X's posterior and vary
    the seed.``
    """
    runs = manifest.get("succeeded", manifest.get("runs"))
    start = f"Bands: 5–95% over {runs} runs that"
    posterior = manifest.get("posterior")
    if manifest.get("bands", SEED_BANDS) != POSTERIOR_BANDS or not posterior:
        return f"{start} vary the seed only."
    names = ", ".join(posterior.get("parameters", []))
    label = posterior.get("label") or f"calibration {posterior.get('calibration')}"
    return (
        f"{start} draw the fitted parameters ({names}) from {label}'s posterior and vary the seed."
    )


def shard_name(index: int) -> str:
    """The file name of run ``index``'s shard."""
    return f"run-{index:05d}.parquet"


def _default_runner(scenario: Scenario, seed: int) -> Results:
    return Results(run_engine(scenario, seed))


def simulate_shard(task: Task) -> bytes:
    """Run one member of an ensemble; its shard as Parquet bytes (the task function).

    ``task.data`` is ``(scenario, runner)`` or ``(scenario, runner, draw)``; ``runner``
    ``None`` is the engine; a :class:`~borderflow.analysis.posterior.Draw` sets the
    parameters it drew from the posterior (kept in the shard's metadata).
    """
    scenario, runner, *rest = task.data
    draw: Draw | None = rest[0] if rest else None
    if draw is not None:
        scenario = scenario_with(scenario, draw.names, draw.values)
    res = (runner or _default_runner)(scenario, task.seed)
    meta = {
        "run": task.index,
        "seed": task.seed,
        "indicators": flatten(res.summary_dict),
        "targets": {
            "key": [str(i) for i in res.targets["key"]],
            "simulated": [float(v) for v in res.targets["simulated"]],
        },
    }
    if draw is not None:
        meta["particle"] = draw.particle
        meta["parameters"] = draw.as_dict()
    # Sorted by date, so each row group covers a short span of days and aggregation can
    # skip the groups outside the dates it is filling.
    daily = res.daily[[*KEYS, "n"]].sort_values("date", kind="stable", ignore_index=True)
    table = pa.Table.from_pandas(daily, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode("utf-8")}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=ROW_GROUP)
    return bytes(sink.getvalue().to_pybytes())


def write_shard(shards: Path, index: int, data: bytes) -> Path:
    """Write a shard atomically: a temporary file, flushed to disk, then renamed."""

    def synced(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    return store.replace_file(shards / shard_name(index), synced)


def read_shard_meta(path: Path) -> dict[str, Any]:
    """A shard's run number, seed, indicators and targets (from the Parquet footer)."""
    meta = pq.read_schema(path).metadata or {}
    return dict(json.loads(meta[META_KEY]))


def complete_shards(
    shards: Path, seed: int, runs: int, draws: list[Draw] | None = None
) -> dict[int, Path]:
    """Shards on disk for runs ``0 .. runs-1`` that are whole and belong to ``seed``.

    A shard that cannot be read (a disk that lost its last write) or names another run
    or seed, or other parameters than ``draws[run]`` (none without ``draws``), is
    removed, so that run is simulated again.
    """
    found: dict[int, Path] = {}
    for path in sorted(shards.glob("run-*.parquet")):
        try:
            index = int(path.stem.removeprefix("run-"))
        except ValueError:
            continue
        if index >= runs:
            continue
        try:
            meta = read_shard_meta(path)
            whole = meta["run"] == index and meta["seed"] == task_seed(seed, index)
            drawn = None if draws is None else draws[index].as_dict()
            whole = whole and meta.get("parameters") == drawn
        except Exception:
            whole = False
        if whole:
            found[index] = path
        else:
            path.unlink()
    return found


def ensemble(
    scenario: Scenario,
    runs: int = 200,
    seed: int = 1,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    runner: Runner | None = None,
    posterior: str | Path | Calibration | Posterior | None = None,
    executor: Executor | None = None,
    **executor_options: Unpack[ExecutorOptions],
) -> EnsembleResults:
    """Run ``scenario`` under ``runs`` independent seeds and summarise them as bands.

    Args:
        scenario: the scenario.
        runs: how many runs.
        seed: the ensemble's seed; run ``i`` uses ``task_seed(seed, i)``.
        posterior: a calibration of ``scenario`` (its folder, or the
            :class:`~borderflow.analysis.calibrate.Calibration`): each run then draws one
            particle of its posterior (weight-proportional, from a stream that depends
            on ``seed`` and the run only) and runs with its values of the fitted
            parameters, so the bands carry their uncertainty as well as the seed's.
        out: the ensemble folder (see the module's docstring); ``None`` keeps the shards
            in a temporary folder and returns the bands only.
        resume: carry on in ``out``: keep the whole shards there, run only the missing
            (or failed) runs. Without it an existing ensemble folder is an error.
        progress: called with (runs done, runs given up, runs asked) as runs finish.
        chunk_rows: daily rows aggregated at a time (default: 16M cells / runs).
        runner: ``runner(scenario, seed) -> Results`` simulating one run (default: the
            engine); it must be picklable.
        executor: where the runs go, and how often a failing one is retried (default:
            one built from ``executor_options``).
        **executor_options: ``workers``, ``backend``, ``ray_address``, ``retries`` of
            :class:`~borderflow.analysis.executor.Executor`, when no executor is given.

    Returns:
        The bands, also written to ``out``.

    Raises:
        BackendError: an unknown backend, or Ray asked for and not installed.
        OutputRefusedError: ``out`` holds an ensemble and ``resume`` is off, or holds something
            that is not an ensemble (a file, other files, another kind of result).
        OutputError: the system refused a write (disk full, read-only, ...); the runs
            finished so far are kept for ``resume``.
        ValueError: resuming an ensemble of another scenario, seed or posterior, or whose
            ``ensemble.json`` is damaged; ``runs`` or ``workers`` < 1.
        PosteriorError: (a ``ValueError``) the posterior's files are missing or damaged,
            it is a calibration of another scenario, or a particle lies outside a range;
            raised before anything is written or run.
        RuntimeError: every run failed.
        KeyboardInterrupt: after stopping the workers; the finished shards stay on disk.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, not {runs}")
    drawn_from = None if posterior is None else load_posterior(posterior)
    draws = None
    if drawn_from is not None:
        drawn_from.check(scenario)
        draws = [drawn_from.draw(seed, i) for i in range(runs)]
    executor = Executor.choose(executor, executor_options)
    with _folder_or_temporary(out) as chosen:
        folder = _prepare(chosen, scenario, runs, seed, resume, drawn_from)
        shards = folder / SHARDS
        ran = _run_missing(executor, shards, scenario, runs, seed, runner, progress, draws)
        res = _summarise(folder, scenario, runs, seed, ran, executor, chunk_rows, drawn_from, draws)
    if out is None:
        res.folder = None  # the temporary folder is gone with the shards
    return res


def _folder_or_temporary(out: str | Path | None) -> AbstractContextManager[str | Path]:
    """``out``, or else a temporary folder that is removed on leaving the block."""
    if out is None:
        return tempfile.TemporaryDirectory(prefix="borderflow-ensemble-")
    return nullcontext(out)


@dataclass
class _Session:
    """What one call of :func:`ensemble` ran: runs started, runs given up, time taken."""

    started: int
    failures: list[Outcome]
    seconds: float


def _run_missing(
    executor: Executor,
    shards: Path,
    scenario: Scenario,
    runs: int,
    seed: int,
    runner: Runner | None,
    progress: Progress | None,
    draws: list[Draw] | None = None,
) -> _Session:
    """Simulate the runs that have no whole shard yet, writing each shard as it finishes."""
    for leftover in shards.glob(".run-*.tmp"):
        leftover.unlink(missing_ok=True)
    have = complete_shards(shards, seed, runs, draws)
    missing = [
        Task(
            i,
            task_seed(seed, i),
            (scenario, runner) if draws is None else (scenario, runner, draws[i]),
        )
        for i in range(runs)
        if i not in have
    ]
    failures: list[Outcome] = []
    done = len(have)
    if progress is not None:
        progress(done, 0, runs)
    started = time.perf_counter()
    if missing:
        for outcome in executor.run(simulate_shard, missing):
            if outcome.ok:
                write_shard(shards, outcome.index, outcome.value)
                done += 1
            else:
                failures.append(outcome)
            if progress is not None:
                progress(done, len(failures), runs)
    return _Session(len(missing), failures, time.perf_counter() - started)


def _summarise(
    folder: Path,
    scenario: Scenario,
    runs: int,
    seed: int,
    ran: _Session,
    executor: Executor,
    chunk_rows: int | None,
    posterior: Posterior | None = None,
    draws: list[Draw] | None = None,
) -> EnsembleResults:
    """The bands over every whole shard in ``folder``, written beside them."""
    have = complete_shards(folder / SHARDS, seed, runs, draws)
    if not have:
        first = min(ran.failures, key=lambda o: o.index)
        raise RuntimeError(
            f"all {runs} runs failed; run {first.index} (seed {first.seed}): {first.error}"
        )
    failed = pd.DataFrame(
        [
            {"run": o.index, "seed": o.seed, "attempts": o.attempts, "error": o.error}
            for o in sorted(ran.failures, key=lambda o: o.index)
        ],
        columns=["run", "seed", "attempts", "error"],
    )
    paths = [have[i] for i in sorted(have)]
    daily = aggregate_daily(paths, chunk_rows)
    indicators, targets = aggregate_indicators_targets(scenario, paths)
    manifest = {
        "borderflow": __version__,
        "scenario": scenario.name,
        "seed": seed,
        "runs": runs,
        "bands": SEED_BANDS if posterior is None else POSTERIOR_BANDS,
        "posterior": None if posterior is None else posterior.spec(),
        "succeeded": len(paths),
        "failed": len(failed),
        "failures": failed.to_dict(orient="records"),
        "backend": executor.backend,
        "workers": executor.workers,
        "seconds_this_session": round(ran.seconds, 3),
        "runs_this_session": ran.started - len(failed),
    }
    parameters = None if posterior is None else parameters_table(paths, posterior.names)
    _write_aggregate(folder, daily, indicators, targets, manifest, parameters)
    return EnsembleResults(daily, indicators, targets, failed, manifest, folder, parameters)


def parameters_table(paths: list[Path], names: tuple[str, ...]) -> pd.DataFrame:
    """Run, seed, particle and each fitted parameter's value, from the shards' metadata."""
    rows = []
    for meta in map(read_shard_meta, paths):
        drawn = meta.get("parameters") or {}
        rows.append(
            {"run": meta["run"], "seed": meta["seed"], "particle": meta.get("particle")}
            | {name: drawn.get(name) for name in names}
        )
    return pd.DataFrame(rows, columns=["run", "seed", "particle", *names])


def _prepare(
    out: str | Path,
    scenario: Scenario,
    runs: int,
    seed: int,
    resume: bool,
    posterior: Posterior | None = None,
) -> Path:
    """Check and set up the ensemble folder; return it.

    ``ensemble.json`` is written first (atomically), so an interrupted folder is known
    to be an ensemble's; the shards folder comes after it.
    """
    folder = store.claim_output(out, ENSEMBLE, replace=False)
    spec_path = folder / SPEC
    spec = {
        "borderflow": __version__,
        "scenario": scenario.name,
        "fingerprint": scenario.fingerprint(),
        "seed": seed,
        "runs": runs,
        "posterior": None if posterior is None else posterior.spec(),
    }
    if spec_path.exists():
        if not resume:
            raise store.OutputRefusedError(
                folder,
                "it already holds an ensemble: resume it (--resume) or choose another folder",
            )
        old = _read_spec(spec_path)
        if (old["fingerprint"], old["seed"], _particles(old)) != (
            spec["fingerprint"],
            seed,
            _particles(spec),
        ):
            raise ValueError(
                f"{folder} holds an ensemble of another scenario or seed (or posterior), so it "
                f"cannot be resumed: {_what_differs(old, spec)}"
            )
    text = scenario.model_dump_json(indent=2, by_alias=True)
    with store.made_folder(folder):
        # The aggregate of an earlier session no longer describes the shards once runs are added.
        with store.reported_as(folder / store.MANIFEST):
            (folder / store.MANIFEST).unlink(missing_ok=True)
        store.replace_file(spec_path, lambda tmp: store.write_json(tmp, spec))
        store.replace_file(folder / SCENARIO_FILE, lambda tmp: store.write_text(tmp, text))
        with store.reported_as(folder / SHARDS):
            (folder / SHARDS).mkdir(exist_ok=True)
    return folder


def _what_differs(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What makes the ensemble asked for another than the one in the folder, in words."""
    differences = []
    if old["seed"] != new["seed"]:
        differences.append(f"it was run with seed {old['seed']}, not {new['seed']}")
    if old["fingerprint"] != new["fingerprint"]:
        if old.get("scenario") != new["scenario"]:
            differences.append(f"it is of scenario {old.get('scenario')}, not {new['scenario']}")
        else:
            differences.append(
                f"its scenario {new['scenario']} differs from the one asked for "
                "(a lever, parameter or policy changed, e.g. with --set)"
            )
    if _particles(old) != _particles(new):
        differences.append(_posterior_differs(old.get("posterior"), new.get("posterior")))
    return "; ".join(differences)


def _particles(spec: dict[str, Any]) -> str | None:
    """The fingerprint of the posterior an ensemble draws from (``None``: seed only)."""
    posterior = spec.get("posterior")
    return posterior.get("fingerprint") if isinstance(posterior, dict) else None


def _posterior_differs(old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    """How the posterior of the ensemble in the folder differs from the one asked for."""

    def named(posterior: dict[str, Any]) -> str:
        label = posterior.get("label") or f"calibration {posterior.get('calibration')}"
        return f"{label}'s posterior (particles {posterior.get('fingerprint')})"

    if old is None:
        return f"it varies the seed only (no posterior), not drawing from {named(new or {})}"
    if new is None:
        again = old.get("calibration") or "that calibration"
        return (
            f"it draws the parameters from {named(old)}, and none was asked for: resume it "
            f"with the same posterior (--posterior {again})"
        )
    return f"it draws the parameters from {named(old)}, not from {named(new)}"


def _read_spec(path: Path) -> dict[str, Any]:
    """An ensemble's ``ensemble.json``, or a ``ValueError`` naming it if it is damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "fingerprint" in data and "seed" in data:
            return data
        why = "it lacks the scenario's fingerprint or the seed"
    except (OSError, ValueError) as exc:
        why = store.describe(exc) if isinstance(exc, OSError) else f"not JSON: {exc}"
    raise ValueError(
        f"cannot resume: {path} is damaged ({why}), so the runs kept beside it cannot be "
        "checked against this scenario and seed; choose another folder to start over"
    )


class _Coder:
    """Row keys (date, place, state, group) as one sortable int64.

    Days since 1970, then the category codes, which are the scenario's and so the same
    in every run.
    """

    def __init__(self, first: pd.DataFrame):
        self.places = first["place"].cat.categories
        self.states = first["state"].cat.categories
        self.groups = first["group"].cat.categories
        self.sizes = (len(self.places), len(self.states), len(self.groups))

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        for column, cats in (
            ("place", self.places),
            ("state", self.states),
            ("group", self.groups),
        ):
            if not frame[column].cat.categories.equals(cats):
                raise ValueError(f"runs disagree on the {column} categories; not one scenario")
        days = frame["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        n_place, n_state, n_group = self.sizes
        key = days * n_place + frame["place"].cat.codes.to_numpy(np.int64)
        key = key * n_state + frame["state"].cat.codes.to_numpy(np.int64)
        return np.asarray(key * n_group + frame["group"].cat.codes.to_numpy(np.int64))

    def decode(self, keys: np.ndarray) -> pd.DataFrame:
        n_place, n_state, n_group = self.sizes
        rest, group = np.divmod(keys, n_group)
        rest, state = np.divmod(rest, n_state)
        days, place = np.divmod(rest, n_place)
        return pd.DataFrame(
            {
                "date": days.astype("datetime64[D]").astype("datetime64[ms]"),
                "place": pd.Categorical.from_codes(place, categories=self.places),
                "state": pd.Categorical.from_codes(state, categories=self.states),
                "group": pd.Categorical.from_codes(group, categories=self.groups),
            }
        )


def _shard_rows(
    path: Path, coder: _Coder | None = None, dates: tuple[pd.Timestamp, pd.Timestamp] | None = None
) -> tuple[np.ndarray, np.ndarray, _Coder]:
    # Row-group statistics let a date filter skip the groups outside the dates asked for.
    filters = None if dates is None else [("date", ">=", dates[0]), ("date", "<=", dates[1])]
    frame = pq.read_table(path, filters=filters).to_pandas()
    coder = coder or _Coder(frame)
    keys = coder.encode(frame)
    order = np.argsort(keys, kind="stable")
    return keys[order], frame["n"].to_numpy(np.int64)[order], coder


def bands(matrix: np.ndarray, *, overwrite: bool = False) -> dict[str, np.ndarray]:
    """Mean and quantile bands over the columns (runs) of each row; NaN cells left out.

    With ``overwrite`` the quantiles partition ``matrix`` in place instead of a copy
    (its contents are then scrambled), which halves the memory they need.
    """
    probs = list(QUANTILES.values())
    if matrix.dtype.kind == "f" and np.isnan(matrix).any():
        with warnings.catch_warnings():
            # A row that no run defines gets NaN bands, which is the answer, not a problem.
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nanquantile(matrix, probs, axis=1)
            mean = np.nanmean(matrix, axis=1)
    else:
        mean = matrix.mean(axis=1)
        q = np.quantile(matrix, probs, axis=1, overwrite_input=overwrite)
    return {"mean": mean} | {name: q[i] for i, name in enumerate(QUANTILES)}


def aggregate_daily(paths: list[Path], chunk_rows: int | None = None) -> pd.DataFrame:
    """Bands of ``n`` per daily row over the shards, holding ``chunk_rows`` rows × runs.

    Args:
        paths: the shards, in run order (the order of the columns the quantiles see).
        chunk_rows: rows filled at a time (default: 16M cells / runs).

    Returns:
        date, place, state, group, then mean, p05, p25, median, p75, p95.
    """
    n_runs = len(paths)
    chunk = chunk_rows or max(1, CHUNK_CELLS // n_runs)
    coder = _Coder(pq.read_table(paths[0]).to_pandas())
    # The union of the runs' row keys, merged a batch of shards at a time: one sort per
    # batch rather than per shard, with the batch held to about as many keys as a chunk.
    union = np.empty(0, dtype=np.int64)
    batch: list[np.ndarray] = []
    held = 0
    for i, path in enumerate(paths):
        keys, _, _ = _shard_rows(path, coder)
        batch.append(keys)
        held += len(keys)
        if held >= CHUNK_CELLS // 4 or i == n_runs - 1:
            union = np.unique(np.concatenate([union, *batch]))
            batch, held = [], 0
    parts = []
    for lo in range(0, len(union), chunk):
        block = union[lo : lo + chunk]
        part = coder.decode(block)
        dates = (part["date"].iloc[0], part["date"].iloc[-1])
        matrix = np.zeros((len(block), n_runs), dtype=np.int64)
        for r, path in enumerate(paths):
            keys, n, _ = _shard_rows(path, coder, dates)
            inside = (keys >= block[0]) & (keys <= block[-1])
            matrix[np.searchsorted(block, keys[inside]), r] = n[inside]
        for name, values in bands(matrix, overwrite=True).items():
            part[name] = values
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*KEYS, *BAND_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def aggregate_indicators_targets(
    scenario: Scenario, paths: list[Path]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bands of the headline indicators and of the targets' simulated values."""
    names: dict[str, int] = {}
    columns: list[dict[str, float]] = []
    target_values: list[list[float]] = []
    target_ids = target_keys(scenario)
    for meta in map(read_shard_meta, paths):
        for name in meta["indicators"]:
            names.setdefault(name, len(names))
        columns.append(meta["indicators"])
        by_id = dict(zip(meta["targets"]["key"], meta["targets"]["simulated"], strict=True))
        target_values.append([by_id.get(i, np.nan) for i in target_ids])
    matrix = np.full((len(names), len(columns)), np.nan)
    for r, values in enumerate(columns):
        for name, value in values.items():
            matrix[names[name], r] = value
    indicators = pd.DataFrame({"indicator": list(names)})
    indicators["runs"] = (~np.isnan(matrix)).sum(axis=1)
    for name, values in bands(matrix).items():
        indicators[name] = values
    # One row a target, one column a run.
    by_run = np.array(target_values, dtype=float).reshape(len(columns), len(target_ids))
    return indicators, _target_bands(scenario, by_run.transpose())


def _target_bands(scenario: Scenario, sims: np.ndarray) -> pd.DataFrame:
    """The targets' figures with the bands of their simulated values (``sims``: figure × run).

    ``inside`` and ``error`` are the median's; fit and check stay apart in ``role``.
    """
    targets = target_frame(scenario)
    empty = {c: np.empty(0) for c in BAND_COLUMNS}
    for name, values in (bands(sims) if len(targets) else empty).items():
        targets[name] = values
    targets["inside"] = inside(targets["median"], targets["low"], targets["high"]).astype(bool)
    targets["error"] = relative_error(targets["median"], targets["reported"])
    reported = targets["reported"]
    targets["reported_in_90"] = (targets["p05"] <= reported) & (reported <= targets["p95"])
    targets["reported_in_50"] = (targets["p25"] <= reported) & (reported <= targets["p75"])
    return targets


def _write_aggregate(
    folder: Path,
    daily: pd.DataFrame,
    indicators: pd.DataFrame,
    targets: pd.DataFrame,
    manifest: dict[str, Any],
    parameters: pd.DataFrame | None = None,
) -> None:
    # Each file replaces its old self atomically; the manifest goes last, so a folder
    # with a manifest has a whole, current aggregate.
    writes: tuple[Callable[[Path], None], ...] = (
        lambda path: store.write_parquet(path, daily),
        lambda path: store.write_csv(path, indicators),
        lambda path: store.write_csv(path, targets),
    )
    for name, write in zip(AGGREGATE, writes, strict=True):
        store.replace_file(folder / name, write)
    files = [SPEC, SCENARIO_FILE, *AGGREGATE]
    if parameters is not None:
        store.replace_file(folder / PARAMETERS_FILE, lambda path: store.write_csv(path, parameters))
        files.append(PARAMETERS_FILE)
    store.write_manifest(folder, ENSEMBLE, manifest, files)


def read_ensemble(folder: str | Path) -> EnsembleResults:
    """Read an ensemble folder written by :func:`ensemble`.

    Raises:
        FileNotFoundError: the folder has no finished aggregate (no ``manifest.json``):
            the ensemble was interrupted; resume it.
    """
    folder = Path(folder)
    if not store.is_complete(folder) or not (folder / SPEC).is_file():
        raise FileNotFoundError(
            f"{folder} is not a finished ensemble (no {store.MANIFEST}); resume it with --resume"
        )
    manifest = json.loads((folder / store.MANIFEST).read_text())
    failed = pd.DataFrame(manifest["failures"], columns=["run", "seed", "attempts", "error"])
    indicators = pd.read_csv(folder / "indicators.csv")
    targets = pd.read_csv(folder / "targets.csv")
    # An empty table read from CSV has untyped columns; give the bands their types.
    indicators = indicators.astype({"runs": "int64"} | dict.fromkeys(BAND_COLUMNS, "float64"))
    flags = ["inside", "reported_in_90", "reported_in_50"]
    targets = targets.astype(dict.fromkeys(BAND_COLUMNS, "float64") | dict.fromkeys(flags, bool))
    # CSV writes an empty text as nothing; read it back as the empty text it was.
    for column in ("fitted", "note"):
        if column in targets:
            text = targets[column].astype(object)
            targets[column] = text.where(text.notna(), "").astype(str)
    drawn = folder / PARAMETERS_FILE
    return EnsembleResults(
        daily=pd.read_parquet(folder / "daily.parquet"),
        indicators=indicators,
        targets=targets,
        failed=failed,
        manifest=manifest,
        folder=folder,
        parameters=pd.read_csv(drawn) if drawn.is_file() else None,
    )
