"""Ensembles: one scenario run under many independent seeds, summarised as bands.

Run ``i`` of an ensemble with seed ``s`` uses the seed
:func:`~borderflow.analysis.executor.task_seed` ``(s, i)``, the ``i``-th child of
``numpy.random.SeedSequence(s)``. It depends on ``s`` and ``i`` only, so the aggregate is
bit-identical whatever the number of workers or the backend, and whether the ensemble
ran in one go or was interrupted and resumed. Bands are taken over runs in run order
with NumPy's default (linear) quantiles.

The ensemble folder::

    ensemble.json            what was asked: scenario, ensemble seed, runs, version, and a
                             fingerprint of the scenario (resume refuses another scenario
                             or seed); written first
    scenario.json            the exact scenario
    shards/run-00017.parquet run 17, written atomically as soon as it finishes: its daily
                             table (date, place, state, group, n), with the run number, its
                             seed, its indicators and its targets' simulated values as JSON
                             in the Parquet metadata (key ``borderflow``)
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
    manifest.json            written last: its kind (``ensemble``), runs asked, succeeded
                             and failed, each failure (run, seed, attempts, error), the files

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
from borderflow.analysis.executor import Executor, ExecutorOptions, Outcome, Task, task_seed
from borderflow.engine.run import run as run_engine
from borderflow.results import store
from borderflow.results.indicators import flatten
from borderflow.results.results import Results
from borderflow.results.targets import inside
from borderflow.scenario.schema import Scenario

SPEC = "ensemble.json"
SHARDS = "shards"
SCENARIO_FILE = "scenario.json"
#: The aggregate's files, rewritten at the end of every session.
AGGREGATE = ("daily.parquet", "indicators.csv", "targets.csv")
#: An ensemble folder; ``ensemble.json``, written first, marks an unfinished one.
ENSEMBLE = store.Kind(
    "ensemble",
    frozenset({SPEC, SCENARIO_FILE, SHARDS, *AGGREGATE, store.REPORT_FILE, store.FIGURES}),
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
    """

    daily: pd.DataFrame
    indicators: pd.DataFrame
    targets: pd.DataFrame
    failed: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    @property
    def runs(self) -> int:
        """How many runs succeeded (the bands are over these)."""
        return int(self.manifest["succeeded"])


def shard_name(index: int) -> str:
    """The file name of run ``index``'s shard."""
    return f"run-{index:05d}.parquet"


def _default_runner(scenario: Scenario, seed: int) -> Results:
    return Results(run_engine(scenario, seed))


def simulate_shard(task: Task) -> bytes:
    """Run one member of an ensemble; its shard as Parquet bytes (the task function).

    ``task.data`` is ``(scenario, runner)``; ``runner`` ``None`` is the engine.
    """
    scenario, runner = task.data
    res = (runner or _default_runner)(scenario, task.seed)
    meta = {
        "run": task.index,
        "seed": task.seed,
        "indicators": flatten(res.summary_dict),
        "targets": {
            "id": [str(i) for i in res.targets["id"]],
            "simulated": [float(v) for v in res.targets["simulated"]],
        },
    }
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


def complete_shards(shards: Path, seed: int, runs: int) -> dict[int, Path]:
    """Shards on disk for runs ``0 .. runs-1`` that are whole and belong to ``seed``.

    A shard that cannot be read (a disk that lost its last write) or names another run
    or seed is removed, so that run is simulated again.
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
    executor: Executor | None = None,
    **executor_options: Unpack[ExecutorOptions],
) -> EnsembleResults:
    """Run ``scenario`` under ``runs`` independent seeds and summarise them as bands.

    Args:
        scenario: the scenario.
        runs: how many runs.
        seed: the ensemble's seed; run ``i`` uses ``task_seed(seed, i)``.
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
        ValueError: resuming an ensemble of another scenario or seed, or whose
            ``ensemble.json`` is damaged; ``runs`` or ``workers`` < 1.
        RuntimeError: every run failed.
        KeyboardInterrupt: after stopping the workers; the finished shards stay on disk.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, not {runs}")
    executor = Executor.choose(executor, executor_options)
    with _folder_or_temporary(out) as chosen:
        folder = _prepare(chosen, scenario, runs, seed, resume)
        ran = _run_missing(executor, folder / SHARDS, scenario, runs, seed, runner, progress)
        res = _summarise(folder, scenario, runs, seed, ran, executor, chunk_rows)
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
) -> _Session:
    """Simulate the runs that have no whole shard yet, writing each shard as it finishes."""
    for leftover in shards.glob(".run-*.tmp"):
        leftover.unlink(missing_ok=True)
    have = complete_shards(shards, seed, runs)
    missing = [
        Task(i, task_seed(seed, i), (scenario, runner)) for i in range(runs) if i not in have
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
) -> EnsembleResults:
    """The bands over every whole shard in ``folder``, written beside them."""
    have = complete_shards(folder / SHARDS, seed, runs)
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
        "succeeded": len(paths),
        "failed": len(failed),
        "failures": failed.to_dict(orient="records"),
        "backend": executor.backend,
        "workers": executor.workers,
        "seconds_this_session": round(ran.seconds, 3),
        "runs_this_session": ran.started - len(failed),
    }
    _write_aggregate(folder, daily, indicators, targets, manifest)
    return EnsembleResults(daily, indicators, targets, failed, manifest, folder)


def _prepare(out: str | Path, scenario: Scenario, runs: int, seed: int, resume: bool) -> Path:
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
    }
    if spec_path.exists():
        if not resume:
            raise store.OutputRefusedError(
                folder,
                "it already holds an ensemble: resume it (--resume) or choose another folder",
            )
        old = _read_spec(spec_path)
        if (old["fingerprint"], old["seed"]) != (spec["fingerprint"], seed):
            raise ValueError(
                f"{folder} holds an ensemble of another scenario or seed, so it cannot be "
                f"resumed: {_what_differs(old, spec)}"
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
    return "; ".join(differences)


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


TARGET_COLUMNS = (
    "id",
    "quantity",
    "date",
    "measure",
    "reported",
    "low",
    "high",
    "held_out",
    "source",
    "note",
)


def aggregate_indicators_targets(
    scenario: Scenario, paths: list[Path]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bands of the headline indicators and of the targets' simulated values."""
    names: dict[str, int] = {}
    columns: list[dict[str, float]] = []
    target_values: list[list[float]] = []
    target_ids = [t.id for t in scenario.targets]
    for meta in map(read_shard_meta, paths):
        for name in meta["indicators"]:
            names.setdefault(name, len(names))
        columns.append(meta["indicators"])
        by_id = dict(zip(meta["targets"]["id"], meta["targets"]["simulated"], strict=True))
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
    """The targets with the bands of their simulated values (``sims``: target × run)."""
    targets = pd.DataFrame(
        [
            {**{c: getattr(t, c) for c in TARGET_COLUMNS}, "note": t.note or ""}
            for t in scenario.targets
        ],
        columns=list(TARGET_COLUMNS),
    )
    empty = {c: np.empty(0) for c in BAND_COLUMNS}
    for name, values in (bands(sims) if len(scenario.targets) else empty).items():
        targets[name] = values
    targets["inside"] = inside(targets["median"], targets["low"], targets["high"])
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
    store.write_manifest(folder, ENSEMBLE, manifest, [SPEC, SCENARIO_FILE, *AGGREGATE])


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
    flags = ["held_out", "inside", "reported_in_90", "reported_in_50"]
    targets = targets.astype(dict.fromkeys(BAND_COLUMNS, "float64") | dict.fromkeys(flags, bool))
    return EnsembleResults(
        daily=pd.read_parquet(folder / "daily.parquet"),
        indicators=indicators,
        targets=targets,
        failed=failed,
        manifest=manifest,
        folder=folder,
    )
