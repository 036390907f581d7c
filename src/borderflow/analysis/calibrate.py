"""Fit a scenario's assumptions to its observed targets.

Two questions, two methods:

* **Which values are consistent with the targets, and how sure are we?** A posterior sample
  by ABC-SMC (approximate Bayesian computation with sequential Monte Carlo; Beaumont et al.
  2009, "Adaptive approximate Bayesian computation", with the tolerance set each
  generation to the median distance of the last population, as in Del Moral et al. 2012).
  The prior is uniform on each assumption's declared range. Generation 0 draws ``2N``
  points from the prior and keeps the ``N`` closest; each later generation resamples the
  population by weight, moves each point with a Gaussian kernel (per-dimension variance
  twice the weighted variance, truncated to the range) and keeps proposals whose distance
  is within the tolerance, until ``N`` are accepted; weights are prior over proposal
  density (the truncated kernel mixture). It stops when the budget would be exceeded or
  the acceptance rate falls below 2%; the last complete population is the posterior.
* **Which single set of values to run with?** A point fit by Optuna (TPE) minimising the
  distance averaged over a few fixed seeds (common random numbers, so trials differ only
  by their parameters), started from the scenario's own values, the posterior's median
  and its closest particle, so the point fit is never worse than the scenario was on
  those seeds.

The distance between a run and the targets is the root mean square of
``(simulated - reported) / scale`` over the targets used in the fit, where a target's
scale is half its reported range ``(high - low) / 2``, or 5% of the reported figure if
the range is narrower (a single run is a random draw, so no fit is closer than that),
or 1 for a zero figure reported without a range. A target the run cannot compute (a rate
over no one) counts as 10 scales off.

Every simulation is a task of :func:`borderflow.analysis.backends.run_tasks` with a seed
spawned from the calibration's seed and the simulation's number, and proposals are
drawn from generators seeded by (seed, generation, batch), so a calibration gives the same
result with any number of workers, on either backend. Each finished simulation is
appended to ``simulations.jsonl`` in a work folder beside the output; ``resume`` replays
the calibration, reading what is stored instead of running it again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp, ndtr, ndtri

from borderflow._version import __version__
from borderflow.analysis.assumptions import (
    RunSpec,
    UnknownNameError,
    assumption_names,
    bounds,
    check_parameters,
    run_indicators,
)
from borderflow.analysis.backends import BACKENDS, BackendError, Task, run_tasks, task_seed
from borderflow.results import store
from borderflow.scenario.load import revalidate
from borderflow.scenario.schema import Scenario, Target
from borderflow.scenario.write import write_scenario

#: A progress callback: ``(simulations done, simulations planned, what is running)``.
Progress = Callable[[int, int, str], None]

#: Seed offsets of the stages, so each simulation's seed depends on its stage and number.
_SEED_BASE = {"abc": 0, "fit": 1 << 40, "band": 2 << 40, "screen": 3 << 40}
#: How far a target may be off, in scales, when the run cannot compute it.
MISSING_SCALES = 10.0
#: A parameter is fitted by default if moving it across its range moves some target by at
#: least this many scales (at a fixed seed).
SCREEN_THRESHOLD = 0.1
MIN_ACCEPTANCE = 0.02
#: Trials Optuna proposes at once (fixed, so the fit does not depend on the worker count).
FIT_BATCH = 4
#: The files of a calibration's folder (``scenario`` is the calibrated scenario's folder).
FILES = {
    "fitted": "fitted.json",
    "estimates": "estimates.csv",
    "fit": "fit.csv",
    "posterior": "posterior.parquet",
    "posterior_csv": "posterior.csv",
    "generations": "generations.csv",
    "trials": "trials.csv",
    "screening": "screening.csv",
    "scenario": "scenario",
    "simulations": "simulations.jsonl",
}
#: A calibration's folder.
CALIBRATION = store.Kind(
    "calibration",
    frozenset(FILES.values()),
    signature=FILES["fitted"],
    folders={FILES["scenario"]: r"scenario\.toml|places\.csv|routes\.csv"},
)
#: The work folder's description of the calibration it belongs to.
WORK_CONFIG = "config.json"


class CalibrationError(RuntimeError):
    """A calibration that cannot go on: failed runs, a stale work folder, nothing to fit."""


# ---------------------------------------------------------------------------- distance


def target_scales(targets: Sequence[Target]) -> np.ndarray:
    """Each target's scale: half its reported range, at least 5% of the figure (1 if zero)."""
    scales = []
    for t in targets:
        scale = max((t.high - t.low) / 2, 0.05 * abs(t.reported))
        scales.append(scale if scale > 0 else 1.0)
    return np.array(scales, float)


def distance(simulated: np.ndarray, reported: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Root mean square of the scaled errors, one per row of ``simulated``."""
    z = (np.atleast_2d(simulated) - reported) / scales
    z = np.where(np.isfinite(z), z, MISSING_SCALES)
    return np.sqrt(np.mean(z**2, axis=1))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under ``weights`` (inverted weighted CDF)."""
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(weights[order])
    cdf /= cdf[-1]
    return float(values[order][min(np.searchsorted(cdf, q), len(values) - 1)])


# ------------------------------------------------------------------------ simulations


class SimulationStore:
    """Every finished simulation by key (``"abc/17"``), kept in memory and, with a path, on disk.

    The file holds one JSON line per simulation, flushed to disk as it finishes; a line
    cut short by a crash is ignored, so the simulation is simply run again.
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self.values: dict[str, tuple[list[float], list[float]]] = {}
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                self.values[row["key"]] = (row["params"], row["values"])

    def get(self, key: str, params: Sequence[float]) -> list[float] | None:
        """The stored values of ``key``, if it was run with these ``params``.

        Raises:
            CalibrationError: if it was run with other parameter values.
        """
        if key not in self.values:
            return None
        stored_params, values = self.values[key]
        same = len(stored_params) == len(params) and np.allclose(
            stored_params, params, rtol=1e-12, atol=0
        )
        if not same:
            raise CalibrationError(
                f"the stored simulation {key} was run with other parameter values: the work "
                f"folder {self.path.parent if self.path else ''} belongs to another calibration"
            )
        return values

    def add(self, key: str, params: Sequence[float], values: Sequence[float]) -> None:
        """Keep a finished simulation (appended to the file at once)."""
        self.values[key] = (list(params), list(values))
        if self.path is not None:
            line = json.dumps({"key": key, "params": list(params), "values": list(values)})
            with store.reported_as(self.path), self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())


@dataclass
class _Runner:
    """Runs batches of simulations through the backend, skipping those already stored."""

    scenario: Scenario
    names: tuple[str, ...]
    indicators: tuple[str, ...]
    seed: int
    workers: int
    backend: str
    ray_address: str | None
    store: SimulationStore
    progress: Progress | None
    planned: int
    done: int = 0
    what: str = ""

    def run(
        self,
        stage: str,
        points: np.ndarray,
        first: int,
        seeds: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Indicator values (one row per point) of simulations ``first, first + 1, ...``."""
        points = np.atleast_2d(np.asarray(points, float))
        out = np.full((len(points), len(self.indicators)), np.nan)
        tasks = []
        for i, point in enumerate(points):
            number = first + i
            seed = (
                seeds[i] if seeds is not None else task_seed(self.seed, _SEED_BASE[stage] + number)
            )
            stored = self.store.get(f"{stage}/{number}", point)
            if stored is not None:
                out[i] = stored
                self._tick()
                continue
            spec = RunSpec(self.scenario, self.names, tuple(map(float, point)), self.indicators)
            tasks.append(Task(i, seed, spec))
        failed = []
        for outcome in run_tasks(
            run_indicators,
            tasks,
            workers=self.workers,
            backend=self.backend,
            ray_address=self.ray_address,
        ):
            if not outcome.ok:
                failed.append(
                    f"{stage} run {first + outcome.index} (seed {outcome.seed}): {outcome.error}"
                )
                continue
            out[outcome.index] = outcome.value
            self.store.add(f"{stage}/{first + outcome.index}", points[outcome.index], outcome.value)
            self._tick()
        if failed:
            raise CalibrationError(
                f"{len(failed)} simulation(s) failed after retries: " + "; ".join(failed[:5])
            )
        return out

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, max(self.planned, self.done), self.what)


# --------------------------------------------------------------------------- ABC-SMC


@dataclass
class Population:
    """One ABC-SMC generation: points in the unit cube, weights, distances, indicator values."""

    u: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    values: np.ndarray


def _truncated_normal(rng: np.random.Generator, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Draws from normals truncated to [0, 1] (by inverting the CDF, so exact and without loops)."""
    lo, hi = ndtr(-mean / sd), ndtr((1 - mean) / sd)
    draw = ndtri(lo + rng.random(mean.shape) * (hi - lo))
    return np.clip(mean + sd * draw, 0.0, 1.0)


def _log_kernel(u: np.ndarray, centres: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """``log K(u_i | centre_j)`` of the truncated Gaussian kernel, shape (len(u), len(centres))."""
    z = (u[:, None, :] - centres[None, :, :]) / sd
    mass = ndtr((1 - centres) / sd) - ndtr(-centres / sd)
    log = -0.5 * z**2 - np.log(sd) - 0.5 * np.log(2 * np.pi) - np.log(mass)[None, :, :]
    return log.sum(axis=2)


def _abc_smc(
    runner: _Runner,
    lo: np.ndarray,
    hi: np.ndarray,
    reported: np.ndarray,
    scales: np.ndarray,
    fit: np.ndarray,
    n: int,
    budget: int,
    seed: int,
) -> tuple[Population, list[dict[str, Any]]]:
    def natural(u: np.ndarray) -> np.ndarray:
        return lo + u * (hi - lo)

    def dist(values: np.ndarray) -> np.ndarray:
        return distance(values[:, fit], reported[fit], scales[fit])

    d = len(lo)
    used = 0
    runner.what = "ABC-SMC generation 0"
    u = np.random.default_rng([seed, 0]).random((2 * n, d))
    values = runner.run("abc", natural(u), used)
    used += len(u)
    dists = dist(values)
    keep = np.argsort(dists, kind="stable")[:n]
    pop = Population(u[keep], np.full(n, 1.0 / n), dists[keep], values[keep])
    history = [_generation_row(0, float(dists[keep][-1]), 2 * n, pop)]
    generation = 1
    while True:
        eps = weighted_quantile(pop.distances, pop.weights, 0.5)
        mean = pop.weights @ pop.u
        sd = np.sqrt(np.maximum(2 * (pop.weights @ (pop.u - mean) ** 2), 1e-6))
        runner.what = f"ABC-SMC generation {generation} (tolerance {eps:.3g})"
        accepted: list[tuple[np.ndarray, float, np.ndarray]] = []
        tried = 0
        batch = 0
        while len(accepted) < n and used + n <= budget:
            rng = np.random.default_rng([seed, generation, batch])
            parents = rng.choice(n, size=n, p=pop.weights)
            proposals = _truncated_normal(rng, pop.u[parents], sd)
            values = runner.run("abc", natural(proposals), used)
            used += n
            tried += n
            batch += 1
            for k, dk in enumerate(dist(values)):
                if dk <= eps and len(accepted) < n:
                    accepted.append((proposals[k], float(dk), values[k]))
        if len(accepted) < n:
            break  # the budget ends within this generation: keep the last complete one
        new_u = np.array([a[0] for a in accepted])
        log_q = logsumexp(np.log(pop.weights)[None, :] + _log_kernel(new_u, pop.u, sd), axis=1)
        log_w = -log_q  # a uniform prior is constant on the range
        weights = np.exp(log_w - log_w.max())
        pop = Population(
            new_u,
            weights / weights.sum(),
            np.array([a[1] for a in accepted]),
            np.array([a[2] for a in accepted]),
        )
        history.append(_generation_row(generation, eps, tried, pop))
        if n / tried < MIN_ACCEPTANCE:
            break
        generation += 1
    return pop, history


def _generation_row(generation: int, eps: float, tried: int, pop: Population) -> dict[str, Any]:
    n = len(pop.weights)
    return {
        "generation": generation,
        "tolerance": eps,
        "simulations": tried,
        "acceptance": n / tried,
        "ess": float(1.0 / np.sum(pop.weights**2)),
        "median_distance": weighted_quantile(pop.distances, pop.weights, 0.5),
    }


# ------------------------------------------------------------------------ point fit


def _point_fit(
    runner: _Runner,
    names: Sequence[str],
    lo: np.ndarray,
    hi: np.ndarray,
    reported: np.ndarray,
    scales: np.ndarray,
    fit: np.ndarray,
    trials: int,
    repeats: int,
    starts: Sequence[np.ndarray],
    seed: int,
) -> tuple[np.ndarray, pd.DataFrame]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {
        n: optuna.distributions.FloatDistribution(float(a), float(b))
        for n, a, b in zip(names, lo, hi, strict=True)
    }
    study = optuna.create_study(direction="minimize")
    for start in starts:
        study.enqueue_trial(dict(zip(names, map(float, start), strict=True)))
    seeds = [task_seed(seed, _SEED_BASE["fit"] + r) for r in range(repeats)]
    rows = []
    done = 0
    batch = 0
    while done < trials:
        # Reseeded per batch: a batch's proposals depend on the trials before it and the
        # seed only, so a resumed fit proposes what the uninterrupted one would have.
        study.sampler = optuna.samplers.TPESampler(
            seed=task_seed(seed, _SEED_BASE["fit"] + (1 << 20) + batch) % (1 << 32),
            n_startup_trials=max(2, min(10, trials // 3)),
        )
        asked = [study.ask(dists) for _ in range(min(FIT_BATCH, trials - done))]
        points = np.array([[t.params[n] for n in names] for t in asked])
        runner.what = f"point fit (Optuna), trials {done + 1}-{done + len(asked)} of {trials}"
        values = runner.run(
            "fit", np.repeat(points, repeats, axis=0), done * repeats, seeds=seeds * len(asked)
        )
        dist = distance(values[:, fit], reported[fit], scales[fit]).reshape(len(asked), repeats)
        for trial, point, d in zip(asked, points, dist.mean(axis=1), strict=True):
            study.tell(trial, float(d))
            rows.append(
                {
                    "trial": trial.number,
                    **dict(zip(names, point, strict=True)),
                    "distance": float(d),
                }
            )
        done += len(asked)
        batch += 1
    best = study.best_trial
    return np.array([best.params[n] for n in names]), pd.DataFrame(rows)


# ------------------------------------------------------------------------ the result


@dataclass
class Calibration:
    """What a calibration found.

    Attributes:
        scenario: the calibrated scenario (the point fit's values, ranges kept).
        original: the scenario as it was.
        parameters: the names of the fitted assumptions.
        fitted: the point fit, by name.
        estimates: one row per fitted assumption: range, value before, point fit, posterior
            mean, sd and 5/50/95% quantiles.
        posterior: the last ABC-SMC population: one row per particle, the parameter values,
            its weight and its distance (a weighted sample of the posterior).
        fit: one row per target: reported, range, scale, whether held out, and the
            simulated 5/50/95% band before, after (at the point fit, same seeds) and under
            the posterior (the particles' own runs), with the scaled errors of the medians.
        generations: ABC-SMC's generations: tolerance, simulations, acceptance rate, ESS.
        trials: the point fit's Optuna trials.
        screening: per assumption, how far moving it across its range moves the targets
            (in scales), when the parameters were chosen by screening.
        simulations: simulations run (or read back when resumed), all stages.
        settings: what the calibration was asked (seed, budget, population, ...).
    """

    scenario: Scenario
    original: Scenario
    parameters: list[str]
    fitted: dict[str, float]
    estimates: pd.DataFrame
    posterior: pd.DataFrame
    fit: pd.DataFrame
    generations: pd.DataFrame
    trials: pd.DataFrame
    screening: pd.DataFrame | None
    simulations: int
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def in_sample_error(self) -> float:
        """Mean scaled error of the calibrated medians over the targets used in the fit."""
        rows = self.fit[~self.fit["held_out"]]
        return float(rows["error_after"].mean()) if len(rows) else float("nan")

    @property
    def out_of_sample_error(self) -> float:
        """Mean scaled error of the calibrated medians over the held-out targets."""
        rows = self.fit[self.fit["held_out"]]
        return float(rows["error_after"].mean()) if len(rows) else float("nan")

    def summary(self) -> dict[str, Any]:
        """The fitted values and the errors, as written to ``fitted.json``."""
        return {
            "scenario": self.original.name,
            "parameters": self.fitted,
            "targets_fitted": self.fit.loc[~self.fit["held_out"], "id"].tolist(),
            "targets_held_out": self.fit.loc[self.fit["held_out"], "id"].tolist(),
            # JSON has no NaN: no target of that kind is null.
            "in_sample_error": _or_none(self.in_sample_error),
            "out_of_sample_error": _or_none(self.out_of_sample_error),
            "simulations": self.simulations,
            "method": "ABC-SMC posterior (uniform prior on each range); Optuna TPE point fit",
            **self.settings,
        }

    def write(self, folder: str | Path, extra: Callable[[Path], None] | None = None) -> Path:
        """Write every table and the calibrated scenario to ``folder`` atomically.

        ``folder`` may be new, empty, or an earlier calibration, which is replaced;
        anything else is refused (:func:`borderflow.results.store.claim_output`).
        ``extra(tmp)`` may add more of the files in :data:`FILES`.
        """

        def fill(tmp: Path) -> None:
            store.write_json(tmp / FILES["fitted"], self.summary())
            store.write_csv(tmp / FILES["estimates"], self.estimates)
            store.write_csv(tmp / FILES["fit"], self.fit)
            store.write_parquet(tmp / FILES["posterior"], self.posterior)
            store.write_csv(tmp / FILES["posterior_csv"], self.posterior)
            store.write_csv(tmp / FILES["generations"], self.generations)
            store.write_csv(tmp / FILES["trials"], self.trials)
            if self.screening is not None:
                store.write_csv(tmp / FILES["screening"], self.screening)
            write_scenario(self.scenario, tmp / FILES["scenario"])
            if extra is not None:
                extra(tmp)

        about = {
            "borderflow": __version__,
            "scenario": self.original.name,
            "seed": self.settings.get("seed"),
        }
        return store.write_atomically(folder, fill, CALIBRATION, about)


def _or_none(value: float) -> float | None:
    return value if np.isfinite(value) else None


# ------------------------------------------------------------------------ calibrate


def work_folder(out: str | Path) -> Path:
    """Where an unfinished calibration writing to ``out`` keeps its simulations."""
    out = store.output_path(out)
    return out.parent / f".{out.name}.calibrating"


def _open_work(out: str | Path, config: dict[str, Any], resume: bool) -> Path:
    """The work folder of a calibration into ``out``: made, or checked when resuming.

    Raises:
        CalibrationError: a work folder is there and ``resume`` is off, or it belongs to
            another calibration, or its description is damaged.
    """
    work = work_folder(out)
    described = work / WORK_CONFIG
    if work.exists() and not resume:
        raise CalibrationError(
            f"an interrupted calibration left its simulations in {work}: go on with it "
            "(--resume) or delete that folder to start over"
        )
    if not work.exists():
        with store.reported_as(work):
            work.mkdir(parents=True)
        try:
            store.replace_file(described, lambda tmp: store.write_json(tmp, config))
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return work
    try:
        before = json.loads(described.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        why = store.describe(exc) if isinstance(exc, OSError) else f"not JSON: {exc}"
        raise CalibrationError(
            f"cannot resume: {described} is damaged ({why}); delete {work} to start over"
        ) from None
    differ = sorted(k for k in config if before.get(k) != config[k])
    if differ:
        raise CalibrationError(
            f"cannot resume: the calibration in {work} differs in {', '.join(differ)} "
            f"({', '.join(f'{k}={before.get(k)!r}' for k in differ)}); delete it to "
            "start over"
        )
    return work


@contextmanager
def _ray_once(backend: str, workers: int, address: str | None) -> Any:
    """Start Ray once for the whole calibration, not once per batch of simulations."""
    if backend != "ray":
        yield
        return
    try:
        import ray
    except ImportError as exc:
        raise BackendError(
            "the Ray backend needs Ray: pip install 'borderflow[ray]' (or --backend local)"
        ) from exc
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        started = True
    try:
        yield
    finally:
        if started:
            ray.shutdown()


def _screen(
    runner: _Runner, sc: Scenario, names: list[str], scales: np.ndarray, fit: np.ndarray
) -> pd.DataFrame:
    base = np.array([sc.parameters[n].value for n in names])
    points = [base]
    for i, name in enumerate(names):
        for end in (sc.parameters[name].low, sc.parameters[name].high):
            point = base.copy()
            point[i] = end
            points.append(point)
    seed = task_seed(runner.seed, _SEED_BASE["screen"])
    runner.what = "screening the assumptions"
    values = runner.run("screen", np.array(points), 0, seeds=[seed] * len(points))
    low, high = values[1::2][:, fit], values[2::2][:, fit]
    moved = np.nan_to_num(np.abs(high - low) / scales[fit], nan=MISSING_SCALES)
    effect = moved.max(axis=1) if moved.shape[1] else np.zeros(len(names))
    fitted_ids = [t for t, f in zip(_ids(sc), fit, strict=True) if f]
    return pd.DataFrame(
        {
            "parameter": names,
            "effect": effect,
            "fitted": effect >= SCREEN_THRESHOLD,
            "most_moved_target": [fitted_ids[int(row.argmax())] for row in moved]
            if moved.shape[1]
            else [""] * len(names),
        }
    ).sort_values("effect", ascending=False, kind="stable", ignore_index=True)


def _ids(sc: Scenario) -> list[str]:
    return [t.id for t in sc.targets]


def _band(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """5/50/95% quantiles of each column (weighted if ``weights``); NaN rows left out."""
    out = np.full((values.shape[1], 3), np.nan)
    for j in range(values.shape[1]):
        column = values[:, j]
        ok = np.isfinite(column)
        if not ok.any():
            continue
        w = np.ones(ok.sum()) if weights is None else weights[ok]
        out[j] = [weighted_quantile(column[ok], w, q) for q in (0.05, 0.5, 0.95)]
    return out


def _calibrated(
    sc: Scenario,
    fitted: dict[str, float],
    estimates: pd.DataFrame,
    fitted_ids: list[str],
    seed: int,
) -> Scenario:
    data = sc.model_dump(by_alias=True)
    by_name = estimates.set_index("parameter")
    for name, value in fitted.items():
        row = by_name.loc[name]
        entry = data["parameters"][name]
        was = entry.get("reason") or ""
        entry["value"] = value
        entry["reason"] = (
            f"calibrated (borderflow calibrate, seed {seed}) to targets "
            f"{', '.join(fitted_ids)}: posterior median {row['posterior_median']:.4g}, "
            f"90% interval [{row['posterior_q05']:.4g}, {row['posterior_q95']:.4g}]; "
            f"was {row['value_before']:.4g}: {was}"
        )
    data["name"] = f"{sc.name}-calibrated"[:80]
    data["title"] = f"{sc.title} (calibrated)"
    return revalidate(data, origin=f"{sc.name} (calibrated)")


def calibrate(
    scenario: Scenario,
    *,
    budget: int = 400,
    seed: int = 1,
    params: Iterable[str] | None = None,
    hold_out: Iterable[str] = (),
    population: int | None = None,
    fit_share: float = 0.2,
    repeats: int = 3,
    check_runs: int = 20,
    workers: int = 1,
    backend: str = "local",
    ray_address: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> Calibration:
    """Fit the scenario's assumptions to its targets: a posterior sample and a point fit.

    Args:
        scenario: the scenario; its targets marked ``held_out`` are not fitted.
        budget: simulations for the fit: ABC-SMC gets ``1 - fit_share`` of them, the point
            fit the rest. Screening (``2 × assumptions + 1`` runs, when ``params`` is not
            given) and the fit table (``2 × check_runs``) come on top.
        seed: the calibration's seed; the same seed gives the same result.
        params: the assumptions to fit (default: every assumption that moves a target by
            at least a tenth of its scale across its range, at a fixed seed).
        hold_out: more target ids to leave out of the fit (reported out of sample).
        population: ABC-SMC's population size (default: budget / 8, within 20 to 200).
        fit_share: the share of the budget for the point fit.
        repeats: seeds each point-fit trial is averaged over.
        check_runs: runs (seeds) for each band of the fit table.
        workers: processes (local) or CPUs (Ray).
        backend: ``"local"`` or ``"ray"``.
        ray_address: an existing Ray cluster's address.
        out: if given, the work folder for resuming is kept beside it and the result is
            written to it.
        resume: go on with the interrupted calibration whose work folder is beside ``out``.
        progress: called with (simulations done, planned, stage) as simulations finish.

    Raises:
        UnknownNameError: an unknown parameter or target id (the valid ones are listed).
        CalibrationError: nothing to fit, no target left to fit to, failed runs, or a work
            folder left by an interrupted calibration when ``resume`` is not asked for.
        OutputRefusedError: ``out`` holds something other than a calibration (checked first).
        OutputError: the system refused a write (disk full, read-only, ...).
    """
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if budget < 10:
        raise ValueError(f"budget must be at least 10 simulations, not {budget}")
    sc = scenario
    ids = _ids(sc)
    hold_out = list(dict.fromkeys(hold_out))
    unknown = [h for h in hold_out if h not in ids]
    if unknown:
        raise UnknownNameError(
            f"unknown target(s) {', '.join(unknown)} to hold out; targets of {sc.name}: "
            + (", ".join(ids) or "(none)")
        )
    held = np.array([t.held_out or t.id in hold_out for t in sc.targets], bool)
    fit_mask = ~held
    if not fit_mask.any():
        raise CalibrationError(
            f"{sc.name} has no target left to fit to ({len(ids)} target(s), all held out)"
        )
    chosen = check_parameters(sc, params) if params is not None else None
    if chosen is not None and not chosen:
        raise CalibrationError("no parameter to fit: name at least one")
    n_fit_budget = round(budget * fit_share)
    abc_budget = budget - n_fit_budget
    n_pop = population or int(np.clip(abc_budget // 8, 20, 200))
    if abc_budget < 3 * n_pop:
        raise ValueError(
            f"a budget of {budget} leaves {abc_budget} simulations for ABC-SMC, fewer than "
            f"three populations of {n_pop}: raise the budget or lower the population"
        )
    trials = max(n_fit_budget // repeats, 3)

    config = {
        "scenario": sc.name,
        "fingerprint": sc.fingerprint(),
        "seed": seed,
        "params": chosen,
        "hold_out": sorted(hold_out),
        "population": n_pop,
        "repeats": repeats,
        "check_runs": check_runs,
    }
    sim_store = SimulationStore()
    work = None
    if out is not None:
        # Refused before a single simulation, not after hours of them.
        out = store.claim_output(out, CALIBRATION)
        work = _open_work(out, config, resume)
        sim_store = SimulationStore(work / FILES["simulations"])

    targets = list(sc.targets)
    reported = np.array([t.reported for t in targets])
    scales = target_scales(targets)
    all_assumptions = assumption_names(sc)
    planned = budget + 2 * check_runs + (0 if chosen else 2 * len(all_assumptions) + 1)

    with _ray_once(backend, workers, ray_address):
        screening = None
        runner = _Runner(
            sc,
            tuple(all_assumptions),
            tuple(ids),
            seed,
            workers,
            backend,
            ray_address,
            sim_store,
            progress,
            planned,
        )
        if chosen is None:
            if not all_assumptions:
                raise CalibrationError(f"{sc.name} has no assumption with a range to fit")
            screening = _screen(runner, sc, all_assumptions, scales, fit_mask)
            chosen = screening.loc[screening["fitted"], "parameter"].tolist()
            if not chosen:
                raise CalibrationError(
                    "no assumption moves the fitted targets by a tenth of their scale across "
                    "its range; name the parameters to fit with params (--params)"
                )
            # Keep the parameters in the scenario's order, so the result does not depend on
            # how close two effects were.
            chosen = [n for n in all_assumptions if n in set(chosen)]
        names = tuple(chosen)
        runner.names = names
        lohi = bounds(sc, names)
        lo, hi = lohi[:, 0], lohi[:, 1]

        pop, history = _abc_smc(runner, lo, hi, reported, scales, fit_mask, n_pop, abc_budget, seed)
        particles = lo + pop.u * (hi - lo)
        median = np.array(
            [weighted_quantile(particles[:, j], pop.weights, 0.5) for j in range(len(names))]
        )
        closest = particles[int(np.argmin(pop.distances))]
        before_point = np.array([sc.parameters[n].value for n in names])
        point, trials_table = _point_fit(
            runner,
            names,
            lo,
            hi,
            reported,
            scales,
            fit_mask,
            trials,
            repeats,
            [before_point, median, closest],
            seed,
        )

        band_seeds = [task_seed(seed, _SEED_BASE["band"] + i) for i in range(check_runs)]
        runner.what = "fit table: before"
        before = runner.run("band", np.tile(before_point, (check_runs, 1)), 0, band_seeds)
        runner.what = "fit table: after"
        if np.array_equal(point, before_point):
            after = before  # the scenario's values won: the same runs, not run again
        else:
            after = runner.run("band", np.tile(point, (check_runs, 1)), check_runs, band_seeds)

    estimates = _estimates(sc, names, point, particles, pop.weights)
    fit_table = _fit_table(targets, held, scales, before, after, pop)
    fitted = {n: float(v) for n, v in zip(names, point, strict=True)}
    fitted_ids = [t.id for t, f in zip(targets, fit_mask, strict=True) if f]
    posterior = pd.DataFrame(particles, columns=list(names))
    posterior["weight"] = pop.weights
    posterior["distance"] = pop.distances
    result = Calibration(
        scenario=_calibrated(sc, fitted, estimates, fitted_ids, seed),
        original=sc,
        parameters=list(names),
        fitted=fitted,
        estimates=estimates,
        posterior=posterior,
        fit=fit_table,
        generations=pd.DataFrame(history),
        trials=trials_table,
        screening=screening,
        simulations=runner.done,
        settings={
            "seed": seed,
            "budget": budget,
            "population": n_pop,
            "point_fit_trials": trials,
            "repeats": repeats,
            "check_runs": check_runs,
        },
    )
    if out is not None and work is not None:

        def keep_simulations(tmp: Path) -> None:
            name = FILES["simulations"]
            with store.reported_as(tmp / name):
                shutil.copy(work / name, tmp / name)

        result.write(out, extra=keep_simulations)
        shutil.rmtree(work, ignore_errors=True)
    return result


def _estimates(
    sc: Scenario,
    names: Sequence[str],
    point: np.ndarray,
    particles: np.ndarray,
    weights: np.ndarray,
) -> pd.DataFrame:
    rows = []
    for j, name in enumerate(names):
        p = sc.parameters[name]
        column = particles[:, j]
        mean = float(weights @ column)
        rows.append(
            {
                "parameter": name,
                "unit": p.unit,
                "low": p.low,
                "high": p.high,
                "value_before": p.value,
                "fitted": float(point[j]),
                "posterior_mean": mean,
                "posterior_sd": float(np.sqrt(weights @ (column - mean) ** 2)),
                "posterior_q05": weighted_quantile(column, weights, 0.05),
                "posterior_median": weighted_quantile(column, weights, 0.5),
                "posterior_q95": weighted_quantile(column, weights, 0.95),
            }
        )
    return pd.DataFrame(rows)


def _fit_table(
    targets: Sequence[Target],
    held: np.ndarray,
    scales: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    pop: Population,
) -> pd.DataFrame:
    b, a, p = _band(before), _band(after), _band(pop.values, pop.weights)
    reported = np.array([t.reported for t in targets])
    table = pd.DataFrame(
        {
            "id": [t.id for t in targets],
            "quantity": [t.quantity for t in targets],
            "held_out": held,
            "reported": reported,
            "low": [t.low for t in targets],
            "high": [t.high for t in targets],
            "scale": scales,
            "before_q05": b[:, 0],
            "before_median": b[:, 1],
            "before_q95": b[:, 2],
            "after_q05": a[:, 0],
            "after_median": a[:, 1],
            "after_q95": a[:, 2],
            "posterior_q05": p[:, 0],
            "posterior_median": p[:, 1],
            "posterior_q95": p[:, 2],
        }
    )
    table["error_before"] = np.abs(table["before_median"] - reported) / scales
    table["error_after"] = np.abs(table["after_median"] - reported) / scales
    table["inside_after"] = (table["after_q05"] <= reported) & (reported <= table["after_q95"])
    return table
