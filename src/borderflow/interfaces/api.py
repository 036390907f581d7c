"""The Python API: load a scenario, change levers, run, read DataFrames."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from borderflow.engine.run import run as run_engine
from borderflow.results.results import Results
from borderflow.results.targets import check_names
from borderflow.scenario import load as _load
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.schema import Scenario

DEFAULT_SCENARIO = "caravan-2018-fall"


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    """Load and validate a bundled scenario (by name) or a scenario file.

    Raises:
        ScenarioError: listing every problem found, each naming file, field and value.
    """
    sc = _load.load_scenario(name_or_path)
    problems = check_names(sc, str(name_or_path))
    if problems:
        raise ScenarioError(problems)
    return sc


def run(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    seed: int = 1,
    *,
    events: bool = False,
    check: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run a scenario (object, bundled name or path) and return its :class:`Results`."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return Results(run_engine(sc, seed, events=events, check=check, progress=progress))


def scenarios() -> list[str]:
    """Names of the bundled scenarios."""
    return _load.bundled_names()
