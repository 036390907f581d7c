"""The calibration's simulations: run in batches through the executor, each kept once.

Every simulation has a key, its phase and number (``"abc/17"``), and a seed spawned from
the calibration's seed and that key, so a calibration gives the same result with any
number of workers, on either backend. Each finished simulation is appended to a
:class:`SimulationStore`; a resumed calibration reads it back instead of running it again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from borderflow.analysis.assumptions import RunSpec, run_indicators
from borderflow.analysis.calibrate.errors import CalibrationError
from borderflow.analysis.executor import Executor, Task, task_seed
from borderflow.results import store
from borderflow.scenario.schema import Scenario

#: A progress callback: ``(simulations done, simulations planned, what is running)``.
Progress = Callable[[int, int, str], None]

#: Seed offsets of the phases, so each simulation's seed depends on its phase and number.
SEED_BASE = {"abc": 0, "fit": 1 << 40, "band": 2 << 40, "screen": 3 << 40}


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


class Tally:
    """Simulations done (run or read back) against those planned, told to ``progress``."""

    def __init__(self, planned: int, progress: Progress | None) -> None:
        self.planned = planned
        self.progress = progress
        self.done = 0

    def tick(self, label: str) -> None:
        """Count one more simulation done during ``label``."""
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, max(self.planned, self.done), label)


@dataclass(frozen=True)
class Phase:
    """What a batch of simulations is for.

    Attributes:
        name: ``"screen"``, ``"abc"``, ``"fit"`` or ``"band"``: it numbers the batch's
            seeds and stored keys.
        label: what the progress callback is told is running.
    """

    name: str
    label: str


@dataclass(frozen=True)
class Simulations:
    """Runs batches of one scenario with the named parameters set, skipping stored ones.

    Attributes:
        scenario: the scenario the parameters are set in.
        names: the parameters a point gives values to, in order.
        indicators: the values read from each run (the target ids).
        seed: the calibration's seed.
        executor: where the simulations run.
        store: the simulations finished so far.
        tally: the count of simulations done, shared by every phase.
    """

    scenario: Scenario
    names: tuple[str, ...]
    indicators: tuple[str, ...]
    seed: int
    executor: Executor
    store: SimulationStore
    tally: Tally

    def varying(self, names: Sequence[str]) -> Simulations:
        """The same simulations with the points giving values to ``names``."""
        return replace(self, names=tuple(names))

    def run(
        self,
        phase: Phase,
        points: np.ndarray,
        first: int,
        seeds: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Indicator values (one row per point) of simulations ``first, first + 1, ...``.

        Args:
            phase: what the batch is for.
            points: one row of parameter values per simulation.
            first: the number of the first simulation in its phase.
            seeds: each simulation's seed (default: spawned from its phase and number).

        Raises:
            CalibrationError: some simulations failed after their retries, or a stored one
                was run with other parameter values.
        """
        points = np.atleast_2d(np.asarray(points, float))
        out = np.full((len(points), len(self.indicators)), np.nan)
        tasks = []
        for i, point in enumerate(points):
            number = first + i
            stored = self.store.get(f"{phase.name}/{number}", point)
            if stored is not None:
                out[i] = stored
                self.tally.tick(phase.label)
                continue
            seed = seeds[i] if seeds is not None else self._seed(phase, number)
            spec = RunSpec(self.scenario, self.names, tuple(map(float, point)), self.indicators)
            tasks.append(Task(i, seed, spec))
        failed = []
        for outcome in self.executor.run(run_indicators, tasks):
            number = first + outcome.index
            if not outcome.ok:
                failed.append(f"{phase.name} run {number} (seed {outcome.seed}): {outcome.error}")
                continue
            out[outcome.index] = outcome.value
            self.store.add(f"{phase.name}/{number}", points[outcome.index], outcome.value)
            self.tally.tick(phase.label)
        if failed:
            raise CalibrationError(
                f"{len(failed)} simulation(s) failed after retries: " + "; ".join(failed[:5])
            )
        return out

    def _seed(self, phase: Phase, number: int) -> int:
        return task_seed(self.seed, SEED_BASE[phase.name] + number)
