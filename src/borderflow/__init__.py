"""borderflow: simulate the migration and asylum system at the U.S.-Mexico border.

``load_scenario`` a bundled scenario or a file, change levers with
``Scenario.with_levers`` / ``with_policy``, ``run`` it, and read the
``Results`` tables (``daily``, ``flows``, ``waits``, ``summary``, ``targets``).
``ensemble`` runs a scenario under many seeds and returns bands (``read_ensemble`` reads
its folder back). ``calibrate`` fits the assumptions to the targets (a posterior sample and a
point fit); ``sensitivity`` ranks the assumptions by their effect on an indicator;
``scorecard`` compares every bundled scenario with the record, fit and check apart. The
three take ``executor=Executor(workers=…, backend="local" | "ray")``, or its keywords.
``write_report`` draws a run's or an ensemble's ``report.html``; ``write_compare`` two
results side by side.
``load_flee`` reads a Flee 3.1 scenario folder and ``run_flee_rules`` runs it with Flee's rules.
"""

from borderflow._version import __version__
from borderflow.analysis.ensemble import EnsembleResults
from borderflow.analysis.executor import Executor
from borderflow.analysis.scorecard import Scorecard, scorecard
from borderflow.interfaces.api import (
    calibrate,
    ensemble,
    load_flee,
    load_scenario,
    read_ensemble,
    run,
    run_flee_rules,
    scenarios,
    sensitivity,
    write_compare,
    write_report,
)
from borderflow.results.results import Results
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.schema import Scenario
from borderflow.scenario.settings import apply_settings

__all__ = [
    "EnsembleResults",
    "Executor",
    "Results",
    "Scenario",
    "ScenarioError",
    "Scorecard",
    "__version__",
    "apply_settings",
    "calibrate",
    "ensemble",
    "load_flee",
    "load_scenario",
    "read_ensemble",
    "run",
    "run_flee_rules",
    "scenarios",
    "scorecard",
    "sensitivity",
    "write_compare",
    "write_report",
]
