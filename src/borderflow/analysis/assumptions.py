"""What calibration and sensitivity analysis share: the assumptions, indicators, and one run.

An *assumption* is a parameter the reports do not give (no ``source``): it has a default
and a plausible range ``[low, high]``, which calibration searches and sensitivity analysis
sweeps. An *indicator* is a number read from one run: a target's simulated value (by its
id) or a headline indicator of ``summary_dict`` (by its dotted path, e.g.
``us_processing.court_backlog_final``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from borderflow.analysis.executor import Task
from borderflow.engine.run import run as run_engine
from borderflow.results.indicators import flatten
from borderflow.results.results import Results
from borderflow.results.targets import target_keys
from borderflow.scenario.schema import Scenario


class UnknownNameError(ValueError):
    """A parameter, target or indicator name that does not exist; the message lists valid ones."""


def assumption_names(sc: Scenario) -> list[str]:
    """The scenario's assumptions (parameters without a source) that have a range to search."""
    return [
        name
        for name, p in sc.parameters.items()
        if p.is_assumption and p.high > p.low  # a point range leaves nothing to fit
    ]


def check_parameters(sc: Scenario, names: Iterable[str]) -> list[str]:
    """``names`` as a list, after checking each is a parameter with a range.

    Raises:
        UnknownNameError: naming the unknown ones and listing the valid names.
    """
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in sc.parameters]
    if unknown:
        raise UnknownNameError(
            f"unknown parameter(s) {', '.join(unknown)}; parameters of {sc.name}: "
            + ", ".join(sorted(sc.parameters))
        )
    fixed = [n for n in names if sc.parameters[n].high <= sc.parameters[n].low]
    if fixed:
        raise UnknownNameError(
            f"parameter(s) {', '.join(fixed)} have a point range (low = high): nothing to vary; "
            "widen the range in the scenario"
        )
    return names


@dataclass(frozen=True)
class Ranges:
    """The declared ranges of named parameters: ``names[i]`` runs from ``low[i]`` to ``high[i]``."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray

    def at(self, unit: np.ndarray) -> np.ndarray:
        """Points of the unit cube carried into the ranges (0 is ``low``, 1 is ``high``)."""
        return self.low + unit * (self.high - self.low)

    def pairs(self) -> list[list[float]]:
        """``[[low, high], ...]``, the form SALib's problem takes."""
        return [[float(lo), float(hi)] for lo, hi in zip(self.low, self.high, strict=True)]


def bounds(sc: Scenario, names: Sequence[str]) -> Ranges:
    """The declared ranges of the named parameters."""
    low = np.array([sc.parameters[n].low for n in names], float)
    high = np.array([sc.parameters[n].high for n in names], float)
    return Ranges(tuple(names), low, high)


def indicator_names(results: Results) -> list[str]:
    """Every indicator of a run: its targets' figure keys, then the summary's dotted paths.

    A point target's key is its id; a series target has one key a row (``id@date``).
    """
    summary = list(flatten(results.summary_dict))
    return target_keys(results.scenario) + summary


def indicator_values(results: Results, names: Sequence[str]) -> list[float]:
    """The named indicators of one run (target figure keys first, then summary paths).

    Raises:
        UnknownNameError: naming the unknown indicator and listing the valid ones.
    """
    targets = set(target_keys(results.scenario))
    simulated: dict[str, float] = {}
    if any(n in targets for n in names):
        table = results.targets
        simulated = dict(zip(table["key"], table["simulated"].astype(float), strict=True))
    summary: dict[str, float] | None = None
    values = []
    for name in names:
        if name in simulated:
            values.append(simulated[name])
            continue
        if summary is None:
            summary = flatten(results.summary_dict)
        if name not in summary:
            raise UnknownNameError(
                f"unknown indicator {name!r}; valid: target keys "
                + (", ".join(sorted(targets)) or "(none)")
                + "; summary indicators "
                + ", ".join(summary)
            )
        values.append(summary[name])
    return values


def scenario_with(sc: Scenario, names: Sequence[str], values: Sequence[float]) -> Scenario:
    """A copy of ``sc`` with the named parameters set (clipped into their range)."""
    changes = {}
    for name, value in zip(names, values, strict=True):
        p = sc.parameters[name]
        # Floating-point round-off from the unit cube must not fall outside the range.
        changes[name] = min(max(float(value), p.low), p.high)
    return sc.with_parameters(**changes) if changes else sc


@dataclass(frozen=True)
class RunSpec:
    """What one task runs: the scenario, the parameters to set, the indicators to read."""

    scenario: Scenario
    names: tuple[str, ...]
    values: tuple[float, ...]
    indicators: tuple[str, ...]


def run_indicators(task: Task) -> list[float]:
    """Run ``task.data`` (a :class:`RunSpec`) with ``task.seed``; its indicator values.

    Module-level, so local worker processes and Ray can call it.
    """
    spec: RunSpec = task.data
    sc = scenario_with(spec.scenario, spec.names, spec.values)
    results = Results(run_engine(sc, task.seed))
    return indicator_values(results, spec.indicators)
