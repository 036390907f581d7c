"""The Python API: load a scenario, change levers, run, read DataFrames."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Unpack

from borderflow.analysis import calibrate as _calibrate
from borderflow.analysis import ensemble as _ensemble
from borderflow.analysis import sensitivity as _sensitivity
from borderflow.analysis.calibrate import Calibration
from borderflow.analysis.calibrate.distance import Likelihood
from borderflow.analysis.ensemble import EnsembleResults
from borderflow.analysis.executor import Executor, ExecutorOptions
from borderflow.analysis.sensitivity import Sensitivity
from borderflow.engine.run import run as run_engine
from borderflow.flee import io as flee_io
from borderflow.flee.io import FleeScenario
from borderflow.flee.run import FleeOutput, run_flee
from borderflow.results.results import Results
from borderflow.results.targets import check_names
from borderflow.scenario import load as _load
from borderflow.scenario.bounds import (
    MAX_RETRIES,
    MAX_RUNS,
    MAX_SAMPLES,
    MAX_WORKERS,
    count_problem,
    seed_problem,
)
from borderflow.scenario.errors import Problem, ScenarioError
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
    """Run a scenario (object, bundled name or path) and return its :class:`Results`.

    Raises:
        ScenarioError: for a seed that is not a whole number in [0, 2**63 - 1], or a
            scenario with problems.
    """
    check_seed(seed, "run")
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return Results(run_engine(sc, seed, events=events, check=check, progress=progress))


def ensemble(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    runs: int = 200,
    seed: int = 1,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    posterior: str | Path | Calibration | None = None,
    executor: Executor | None = None,
    **executor_options: Unpack[ExecutorOptions],
) -> EnsembleResults:
    """Run a scenario under ``runs`` independent seeds; bands of every indicator and daily row.

    Run ``i`` uses seed stream ``i`` spawned from ``seed``, so the bands are the same with
    any ``workers`` and either ``backend`` (``"local"`` processes or ``"ray"``). With ``out``
    each finished run is kept as a shard there, and ``resume=True`` carries on an
    interrupted ensemble. ``progress(done, failed, total)`` is called as runs finish. With
    ``posterior`` (a calibration folder of this scenario, or the ``Calibration``) each run
    also draws the fitted parameters from the calibration's posterior, weight-proportional
    and the same for the same ``seed``, so the bands carry the parameters' uncertainty as
    well as the seed's (``EnsembleResults.bands`` says which, ``parameters`` what was drawn). See
    :mod:`borderflow.analysis.ensemble` for the folder format. The runs go to ``executor``,
    or to one built from ``workers``, ``backend``, ``ray_address`` and ``retries``
    (:class:`~borderflow.analysis.executor.Executor`).

    Raises:
        ScenarioError: for a seed that is not a whole number in [0, 2**63 - 1], or a
            scenario with problems.
        PosteriorError: (a ``ValueError``) ``posterior`` is not a readable calibration of
            this scenario; the message names the folder, the file and what was expected.
    """
    check_seed(seed, "ensemble")
    check_counts("ensemble", runs=(runs, 1, MAX_RUNS), **_executor_counts(executor_options))
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return _ensemble.ensemble(
        sc,
        runs,
        seed,
        out=out,
        resume=resume,
        progress=progress,
        posterior=posterior,
        executor=executor,
        **executor_options,
    )


def check_counts(call: str, **counts: tuple[object, int, int]) -> None:
    """Raise a :class:`ScenarioError` naming each count that is not a whole number in range.

    ``counts`` maps an argument's name to (value, lowest, highest); checked before any
    work is planned, so a count of a billion runs is refused rather than laid out.
    """
    problems = [
        Problem(f"borderflow.{call}", name, problem)
        for name, (value, low, high) in counts.items()
        if (problem := count_problem(value, low, high)) is not None
    ]
    if problems:
        raise ScenarioError(problems)


def _executor_counts(options: ExecutorOptions) -> dict[str, tuple[object, int, int]]:
    """The executor's counts among ``options`` for :func:`check_counts`, with their limits."""
    counts: dict[str, tuple[object, int, int]] = {}
    if "workers" in options:
        counts["workers"] = (options["workers"], 1, MAX_WORKERS)
    if "retries" in options:
        counts["retries"] = (options["retries"], 0, MAX_RETRIES)
    return counts


def check_seed(seed: object, call: str) -> None:
    """Raise a :class:`ScenarioError` naming ``seed`` unless it can seed a run.

    A seed is a whole number in [0, :data:`~borderflow.scenario.bounds.MAX_SEED`];
    checked before anything runs, so a bad one never reaches NumPy as a traceback.
    """
    problem = seed_problem(seed)
    if problem is not None:
        # The value is in the message already (or too large to write out).
        raise ScenarioError([Problem(f"borderflow.{call}", "seed", problem)])


def read_ensemble(folder: str | Path) -> EnsembleResults:
    """Read an ensemble folder written by :func:`ensemble` (its bands and manifest)."""
    return _ensemble.read_ensemble(folder)


def calibrate(
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    *,
    budget: int = 400,
    seed: int = 1,
    params: Iterable[str] | None = None,
    hold_out: Iterable[str] = (),
    population: int | None = None,
    check_runs: int = 20,
    likelihood: Likelihood = "distance",
    out: str | Path | None = None,
    resume: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    executor: Executor | None = None,
    **executor_options: Unpack[ExecutorOptions],
) -> Calibration:
    """Fit the scenario's assumptions to its targets: an ABC-SMC posterior and a point fit.

    Returns a :class:`~borderflow.analysis.calibrate.Calibration`: ``fitted`` values,
    ``estimates`` and ``posterior`` (DataFrames), the ``fit`` table (target, reported,
    simulated band before and after; checks and held-out targets marked) and the calibrated
    ``scenario``. With ``out`` it is written there (``scenario/scenario.toml`` runs with
    ``borderflow run``) and an interrupted calibration goes on with ``resume=True``. See
    :mod:`borderflow.analysis.calibrate` for the method. The simulations go to
    ``executor``, or to one built from ``workers``, ``backend``, ``ray_address`` and
    ``retries`` (:class:`~borderflow.analysis.executor.Executor`). Only ``fit`` targets
    are fitted to, never a ``check``; ``likelihood="negative_binomial"`` measures runs
    against the count figures by a negative binomial with its dispersion fitted.
    """
    check_seed(seed, "calibrate")
    check_counts(
        "calibrate",
        budget=(budget, 10, MAX_RUNS),
        check_runs=(check_runs, 2, MAX_RUNS),
        **_executor_counts(executor_options),
        **({} if population is None else {"population": (population, 5, MAX_RUNS)}),
    )
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return _calibrate.calibrate(
        sc,
        budget=budget,
        seed=seed,
        params=params,
        hold_out=hold_out,
        population=population,
        check_runs=check_runs,
        likelihood=likelihood,
        out=out,
        resume=resume,
        progress=progress,
        executor=executor,
        **executor_options,
    )


def sensitivity(
    scenario: Scenario | str | Path,
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
    """Global sensitivity (Sobol or Morris, SALib) of indicator ``output`` to the assumptions.

    ``output`` is a target id or a summary indicator's dotted path (e.g.
    ``us_processing.court_backlog_final``). Returns a
    :class:`~borderflow.analysis.sensitivity.Sensitivity` whose ``indices`` DataFrame is
    ranked, most influential first. The runs go to ``executor``, or to one built from
    ``workers``, ``backend``, ``ray_address`` and ``retries``
    (:class:`~borderflow.analysis.executor.Executor`).
    """
    check_seed(seed, "sensitivity")
    check_counts("sensitivity", n=(n, 2, MAX_SAMPLES), **_executor_counts(executor_options))
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return _sensitivity.sensitivity(
        sc,
        output,
        method=method,
        n=n,
        seed=seed,
        params=params,
        progress=progress,
        executor=executor,
        **executor_options,
    )


def write_report(
    source: Results | EnsembleResults | str | Path,
    folder: str | Path | None = None,
    *,
    png: bool = False,
) -> Path:
    """Write ``report.html`` of a run or an ensemble; return its path.

    Args:
        source: a run's :class:`Results`, an ensemble, or a results or ensemble folder.
        folder: where to write (default: the folder of ``source``).
        png: also write the figures as PNG where Kaleido can render (see the README).
    """
    # plotly is imported only when a report is asked for, not with borderflow itself
    from borderflow.report.html import write_report as _write

    if isinstance(source, EnsembleResults):
        if source.folder is None:
            raise ValueError("an ensemble's report is drawn from its folder: run it with out=")
        source = source.folder
    return _write(source, folder, png=png).path


def write_compare(
    a: Results | str | Path,
    b: Results | str | Path,
    out: str | Path,
) -> Path:
    """Write ``compare.html`` of two runs or results (or ensemble) folders into ``out``."""
    from borderflow.report.compare import write_compare as _write

    return _write(a, b, out)


def scenarios() -> list[str]:
    """Names of the bundled scenarios."""
    return _load.bundled_names()


def is_flee_folder(path: str | Path) -> bool:
    """Whether ``path`` is a Flee scenario folder (``locations.csv`` or ``input_csv/`` inside)."""
    p = Path(path)
    return p.is_dir() and ((p / "locations.csv").is_file() or (p / "input_csv").is_dir())


def load_flee(path: str | Path, validation: str | Path | None = None) -> FleeScenario:
    """Read and check a Flee 3.1 scenario folder (validation: ``source_data/`` unless given).

    Raises:
        ScenarioError: listing every problem, each naming the file, the line and the field.
    """
    return flee_io.load_flee(path, validation)


def run_flee_rules(
    scenario: FleeScenario | str | Path,
    seed: int = 1,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> FleeOutput:
    """Run a Flee scenario (object or folder) with borderflow's version of Flee 3.1's rules."""
    sc = scenario if isinstance(scenario, FleeScenario) else load_flee(scenario)
    return run_flee(sc, seed, progress=progress)
