"""The scorecard: every bundled scenario against the public record, fit and check apart.

Each scenario runs under a few seeds; each target figure's simulated value is the median
of those runs. A figure is ``fit`` when its target set or fitted something in the
scenario (being inside then shows the fit worked) and ``check`` when it was used for
nothing but this comparison: only the checks say how well the model reproduces the
record. The scorecard gives, per scenario, both counts and median errors; per target,
the figures inside, the median absolute relative error and the bias (mean signed
relative error); and per figure, the values themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd

from borderflow.analysis.assumptions import RunSpec, run_indicators
from borderflow.analysis.executor import Executor, ExecutorOptions, Task, task_seed
from borderflow.results import store
from borderflow.results.targets import (
    compared,
    role_scores,
    series_errors,
    target_frame,
    target_keys,
)
from borderflow.scenario.load import bundled_names, load_scenario
from borderflow.scenario.schema import Scenario

#: ``progress(runs done, runs planned)``.
Progress = Callable[[int, int], None]

#: A scorecard's folder.
FILES = {"scenarios": "scenarios.csv", "targets": "targets.csv", "figures": "figures.csv"}
SCORECARD = store.Kind("scorecard", frozenset(FILES.values()), signature=FILES["scenarios"])


@dataclass(frozen=True)
class Scorecard:
    """Every bundled scenario's targets against the record.

    Attributes:
        scenarios: one row a scenario: runs, then for fit and for check the figures,
            how many inside and the median absolute relative error.
        targets: one row a target: scenario, id, role, quantity, figures, inside,
            median_error and bias (checks first).
        figures: one row a figure: scenario, key, role, the median simulated value,
            reported, range, inside and the relative error.
        runs: seeds each scenario ran under.
        seed: the seed the runs' seeds come from.
    """

    scenarios: pd.DataFrame
    targets: pd.DataFrame
    figures: pd.DataFrame
    runs: int
    seed: int

    def write(self, folder: str | Path) -> Path:
        """Write the three tables to ``folder`` atomically (see ``results.store``)."""

        def fill(tmp: Path) -> None:
            for name, file in FILES.items():
                store.write_csv(tmp / file, getattr(self, name))

        about = {"runs": self.runs, "seed": self.seed}
        return store.write_atomically(folder, fill, SCORECARD, about)


def scorecard(
    names: Sequence[str | Path | Scenario] | None = None,
    *,
    runs: int = 3,
    seed: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
    **executor_options: Unpack[ExecutorOptions],
) -> Scorecard:
    """Run each scenario ``runs`` times and compare the medians with their targets.

    Args:
        names: bundled scenario names, scenario paths or scenarios (default: every
            bundled one).
        runs: seeds per scenario (run ``i`` uses ``task_seed(seed, i)``).
        seed: the scorecard's seed.
        progress: called with (runs done, runs planned) as runs finish.
        executor: where the runs go (default: one built from ``executor_options``).

    Raises:
        ScenarioError: a scenario that does not load.
        RuntimeError: a run that failed (its scenario, seed and error named).
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, not {runs}")
    scenarios = [
        n if isinstance(n, Scenario) else load_scenario(n) for n in (names or bundled_names())
    ]
    executor = Executor.choose(executor, executor_options)
    medians = _median_values(scenarios, runs, seed, executor, progress)
    figures = []
    for sc, values in zip(scenarios, medians, strict=True):
        figures.append(compared(target_frame(sc), values).assign(scenario=sc.name))
    every = pd.concat(figures, ignore_index=True) if figures else pd.DataFrame()
    return Scorecard(
        scenarios=_by_scenario(scenarios, figures, runs),
        targets=_by_target(scenarios, figures),
        figures=every[["scenario", *[c for c in every.columns if c != "scenario"]]]
        if len(every)
        else every,
        runs=runs,
        seed=seed,
    )


def _median_values(
    scenarios: Sequence[Scenario],
    runs: int,
    seed: int,
    executor: Executor,
    progress: Progress | None,
) -> list[np.ndarray]:
    """Each scenario's target figures, the median over its runs."""
    tasks, keys = [], [tuple(target_keys(sc)) for sc in scenarios]
    for s, sc in enumerate(scenarios):
        spec = RunSpec(sc, (), (), keys[s])
        tasks += [Task(s * runs + i, task_seed(seed, i), spec) for i in range(runs)]
    values = [np.full((runs, len(k)), np.nan) for k in keys]
    done = 0
    with executor:
        for outcome in executor.run(run_indicators, tasks):
            s, i = divmod(outcome.index, runs)
            if not outcome.ok:
                raise RuntimeError(
                    f"{scenarios[s].name}, seed {outcome.seed}: the run failed: {outcome.error}"
                )
            values[s][i] = outcome.value
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    return [np.median(v, axis=0) if v.shape[1] else np.empty(0) for v in values]


def _by_scenario(
    scenarios: Iterable[Scenario], figures: Sequence[pd.DataFrame], runs: int
) -> pd.DataFrame:
    rows = []
    for sc, table in zip(scenarios, figures, strict=True):
        row: dict[str, Any] = {"scenario": sc.name, "runs": runs}
        for role, score in role_scores(table).items():
            row |= {
                f"{role}_figures": score.figures,
                f"{role}_inside": score.inside,
                f"{role}_median_error": score.median_error,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def _by_target(scenarios: Iterable[Scenario], figures: Sequence[pd.DataFrame]) -> pd.DataFrame:
    parts = [
        series_errors(table).assign(scenario=sc.name)
        for sc, table in zip(scenarios, figures, strict=True)
    ]
    if not parts:
        return pd.DataFrame()
    table = pd.concat(parts, ignore_index=True)
    # Checks first: they are the test; fits only show the fit worked.
    table["_order"] = (table["role"] != "check").astype(int)
    table = table.sort_values(["_order"], kind="stable").drop(columns="_order")
    return table[["scenario", *[c for c in table.columns if c != "scenario"]]].reset_index(
        drop=True
    )
