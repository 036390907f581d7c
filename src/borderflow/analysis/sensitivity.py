"""Global sensitivity of one indicator to the scenario's assumptions, with SALib.

Each assumption varies uniformly over its declared range, all at once:

* ``sobol``: Saltelli's sampling (``n × (D + 2)`` runs for ``D`` assumptions, ``n`` a power
  of two) and Sobol' indices: ``S1``, the share of the indicator's variance due to the
  assumption alone, and ``ST``, its share with all its interactions; ranked by ``ST``.
* ``morris``: ``n`` Morris trajectories (``n × (D + 1)`` runs), elementary effects on 4
  levels: ``mu_star`` (mean absolute effect, in the indicator's units) and ``sigma``
  (their spread: non-linearity or interactions); ranked by ``mu_star``. Cheaper, for
  screening many assumptions.

Every run uses the same seed (common random numbers): the indices describe the model at
that seed, so differences between runs come from the assumptions and not from chance.
Repeat with other seeds to see how much the ranking depends on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd

from borderflow._version import __version__
from borderflow.analysis.assumptions import (
    Ranges,
    RunSpec,
    UnknownNameError,
    assumption_names,
    bounds,
    check_parameters,
    indicator_names,
    run_indicators,
)
from borderflow.analysis.executor import Executor, ExecutorOptions, Task
from borderflow.engine.run import run as run_engine
from borderflow.results import store
from borderflow.results.results import Results
from borderflow.results.targets import target_keys
from borderflow.scenario.schema import Scenario

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
FILES = {
    "indices_csv": "indices.csv",
    "indices": "indices.parquet",
    "samples": "samples.parquet",
}
#: A sensitivity analysis's folder.
SENSITIVITY = store.Kind("sensitivity", frozenset(FILES.values()), signature=FILES["indices_csv"])


class SensitivityError(RuntimeError):
    """Runs that failed, or an indicator the runs cannot compute."""


@dataclass
class Sensitivity:
    """Global sensitivity indices of one indicator.

    Attributes:
        indicator: the indicator (a target id or a summary path).
        method: ``"sobol"`` or ``"morris"``.
        indices: one row per assumption, ranked (rank 1 matters most): Sobol ``S1``,
            ``S1_conf``, ``ST``, ``ST_conf``, or Morris ``mu``, ``mu_star``, ``sigma``,
            ``mu_star_conf``; with each assumption's range.
        samples: the parameter values run, one row each, with the indicator's value.
        settings: seed, n, runs.
    """

    indicator: str
    method: str
    indices: pd.DataFrame
    samples: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def ranking(self) -> list[str]:
        """The assumptions, most influential first."""
        return self.indices["parameter"].tolist()

    def write(self, folder: str | Path) -> Path:
        """Write the indices (CSV and Parquet) and the samples to ``folder`` atomically.

        ``folder`` may be new, empty, or an earlier sensitivity analysis, which is
        replaced; anything else is refused (:func:`borderflow.results.store.claim_output`).
        """

        def fill(tmp: Path) -> None:
            store.write_csv(tmp / FILES["indices_csv"], self.indices)
            store.write_parquet(tmp / FILES["indices"], self.indices)
            store.write_parquet(tmp / FILES["samples"], self.samples)

        about = {
            "borderflow": __version__,
            "indicator": self.indicator,
            "method": self.method,
            **self.settings,
        }
        return store.write_atomically(folder, fill, SENSITIVITY, about)


def check_indicator(sc: Scenario, indicator: str, seed: int = 1) -> None:
    """Check that ``indicator`` names a target or a numeric summary indicator of ``sc``.

    Target keys are checked without a run; a summary path needs one run to list them.

    Raises:
        UnknownNameError: naming the indicator and listing the valid ones.
    """
    if indicator in target_keys(sc):
        return
    names = indicator_names(Results(run_engine(sc, seed)))
    if indicator not in names:
        raise UnknownNameError(f"unknown indicator {indicator!r}; valid: {', '.join(names)}")


def sensitivity(
    scenario: Scenario,
    output: str,
    *,
    method: str = "sobol",
    n: int = 64,
    seed: int = 1,
    params: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    **executor_options: Unpack[ExecutorOptions],
) -> Sensitivity:
    """Global sensitivity of indicator ``output`` to the scenario's assumptions.

    Args:
        scenario: the scenario.
        output: a target id or a summary indicator's dotted path
            (e.g. ``crossings_between_ports``, ``us_processing.court_backlog_final``).
        method: ``"sobol"`` (``n × (D + 2)`` runs; ``n`` a power of two) or ``"morris"``
            (``n`` trajectories, ``n × (D + 1)`` runs).
        n: base samples (Sobol) or trajectories (Morris).
        seed: the seed of every run and of the sampling.
        params: the assumptions to vary (default: all with a range).
        progress: called with (runs done, runs planned).
        executor: where the runs go (default: one built from ``executor_options``).
        **executor_options: ``workers``, ``backend``, ``ray_address``, ``retries`` of
            :class:`~borderflow.analysis.executor.Executor`, when no executor is given.

    Raises:
        UnknownNameError: an unknown indicator or parameter (the valid ones are listed).
        SensitivityError: failed runs, or an indicator undefined in some runs.
        BackendError: an unknown backend, or Ray asked for and not installed.
    """
    _check_design(method, n)
    executor = Executor.choose(executor, executor_options)
    names = check_parameters(scenario, params) if params is not None else None
    names = names or assumption_names(scenario)
    if len(names) < 2:
        raise ValueError("global sensitivity needs at least two parameters to compare")
    check_indicator(scenario, output, seed)
    ranges = bounds(scenario, names)
    problem = {"num_vars": len(names), "names": names, "bounds": ranges.pairs()}
    x = _sample(problem, method, n, seed)
    tasks = [
        Task(i, seed, RunSpec(scenario, tuple(names), tuple(map(float, row)), (output,)))
        for i, row in enumerate(x)
    ]
    y = _indicator_values(executor, tasks, output, progress)
    table = _ranked_indices(problem, method, x, y, seed, ranges)
    samples = pd.DataFrame(x, columns=names)
    samples[output] = y
    return Sensitivity(output, method, table, samples, {"seed": seed, "n": n, "runs": len(x)})


def _check_design(method: str, n: int) -> None:
    """Refuse an unknown method or a sample size it cannot use."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    if method == "sobol" and (n < 2 or n & (n - 1)):
        raise ValueError(f"Sobol sampling needs n to be a power of two (2, 4, 8, ...), not {n}")
    if n < 2:
        raise ValueError(f"n must be at least 2, not {n}")


def _sample(problem: dict[str, Any], method: str, n: int, seed: int) -> np.ndarray:
    """The parameter values to run, one row per run."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method == "sobol":
        return np.asarray(sobol_sample.sample(problem, n, calc_second_order=False, seed=seed))
    return np.asarray(morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed))


def _indicator_values(
    executor: Executor,
    tasks: list[Task],
    output: str,
    progress: Callable[[int, int], None] | None,
) -> np.ndarray:
    """The indicator's value in each task's run, in task order.

    Raises:
        SensitivityError: some runs failed, or the indicator is undefined in some.
    """
    y = np.full(len(tasks), np.nan)
    failed = []
    done = 0
    for outcome in executor.run(run_indicators, tasks):
        done += 1
        if outcome.ok:
            y[outcome.index] = outcome.value[0]
        else:
            failed.append(f"run {outcome.index}: {outcome.error}")
        if progress is not None:
            progress(done, len(tasks))
    if failed:
        raise SensitivityError(f"{len(failed)} run(s) failed: " + "; ".join(failed[:5]))
    missing = int((~np.isfinite(y)).sum())
    if missing:
        raise SensitivityError(
            f"{output} is undefined (NaN) in {missing} of {len(y)} runs (a rate over no "
            "one?): choose another indicator or narrow the ranges"
        )
    return y


def _ranked_indices(
    problem: dict[str, Any],
    method: str,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    ranges: Ranges,
) -> pd.DataFrame:
    """One row per assumption with its range and indices, most influential first."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    table = pd.DataFrame({"parameter": list(ranges.names), "low": ranges.low, "high": ranges.high})
    if method == "sobol":
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            table[key] = np.nan_to_num(np.asarray(si[key], float))
        by = "ST"
    else:
        si = morris_analyze.analyze(problem, x, y, num_levels=MORRIS_LEVELS, seed=seed)
        for key in ("mu", "mu_star", "sigma", "mu_star_conf"):
            table[key] = np.asarray(si[key], float)
        by = "mu_star"
    table = table.sort_values(by, ascending=False, kind="stable", ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
