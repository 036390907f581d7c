"""``calibrate()``: check what is asked, then screen, ABC-SMC, point fit, fit table, write.

Each phase is handed what it needs (the simulations with its parameters, the targets,
its share of the budget); nothing it is given changes under it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd

from borderflow.analysis.assumptions import (
    UnknownNameError,
    assumption_names,
    bounds,
    check_parameters,
)
from borderflow.analysis.calibrate.abc_smc import Population, abc_smc
from borderflow.analysis.calibrate.distance import (
    COUNT_MEASURES,
    LIKELIHOODS,
    FitTargets,
    Likelihood,
    band,
    target_scales,
    weighted_quantile,
)
from borderflow.analysis.calibrate.errors import CalibrationError
from borderflow.analysis.calibrate.point_fit import point_fit
from borderflow.analysis.calibrate.result import (
    CALIBRATION,
    FILES,
    Calibration,
    calibrated_scenario,
    estimates_table,
    fit_table,
)
from borderflow.analysis.calibrate.screening import screen
from borderflow.analysis.calibrate.simulations import (
    SEED_BASE,
    Phase,
    Progress,
    Simulations,
    SimulationStore,
    Tally,
)
from borderflow.analysis.calibrate.work import open_work, simulations_copier
from borderflow.analysis.executor import Executor, ExecutorOptions, task_seed
from borderflow.results import store
from borderflow.results.targets import target_keys
from borderflow.scenario.schema import Scenario, TargetPoint


@dataclass(frozen=True)
class _Plan:
    """A calibration as asked, checked: what to fit, to which targets, with which budget."""

    scenario: Scenario
    seed: int
    budget: int
    params: list[str] | None
    hold_out: list[str]
    held: np.ndarray
    population: int
    abc_budget: int
    trials: int
    repeats: int
    check_runs: int
    likelihood: Likelihood

    @property
    def points(self) -> list[TargetPoint]:
        """Every target's figures, in the target table's order."""
        return [p for t in self.scenario.targets for p in t.points]

    @property
    def targets(self) -> FitTargets:
        """The figures, with checks and held-out targets left out of the fit."""
        reported = np.array([p.reported for p in self.points])
        counts = np.array(
            [t.measure in COUNT_MEASURES for t in self.scenario.targets for _ in t.points], bool
        )
        return FitTargets(reported, target_scales(self.points), ~self.held, counts, self.likelihood)

    @property
    def planned(self) -> int:
        """Simulations planned: the budget, the fit table and, unless named, the screening."""
        screening = 0 if self.params else 2 * len(assumption_names(self.scenario)) + 1
        return self.budget + 2 * self.check_runs + screening

    def config(self) -> dict[str, Any]:
        """What a resumed calibration must have been asked the same."""
        return {
            "scenario": self.scenario.name,
            "fingerprint": self.scenario.fingerprint(),
            "seed": self.seed,
            "params": self.params,
            "hold_out": sorted(self.hold_out),
            "population": self.population,
            "repeats": self.repeats,
            "check_runs": self.check_runs,
            "likelihood": self.likelihood,
        }


@dataclass(frozen=True)
class _Folders:
    """Where a calibration writes its result, and its work folder beside it."""

    out: Path
    work: Path

    @classmethod
    def open(cls, out: str | Path, config: dict[str, Any], resume: bool) -> _Folders:
        """Claim ``out`` for a calibration and make (or check, to resume) the work folder.

        Called before the first simulation, so a refused folder costs nothing to learn.
        """
        claimed = store.claim_output(out, CALIBRATION)
        return cls(claimed, open_work(claimed, config, resume))

    @property
    def simulations(self) -> Path:
        """The file of the simulations finished so far."""
        return self.work / FILES["simulations"]

    def write(self, result: Calibration) -> None:
        """Write the result with its simulations, then remove the work folder."""
        result.write(self.out, extra=simulations_copier(self.work))
        shutil.rmtree(self.work, ignore_errors=True)


@dataclass(frozen=True)
class _Found:
    """What the phases found: the parameters fitted, the posterior, the point fit, the bands."""

    names: tuple[str, ...]
    screening: pd.DataFrame | None
    population: Population
    generations: list[dict[str, Any]]
    particles: np.ndarray
    point: np.ndarray
    trials: pd.DataFrame
    before: np.ndarray
    after: np.ndarray


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
    likelihood: Likelihood = "distance",
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    executor: Executor | None = None,
    **executor_options: Unpack[ExecutorOptions],
) -> Calibration:
    """Fit the scenario's assumptions to its targets: a posterior sample and a point fit.

    Args:
        scenario: the scenario; only its ``fit`` targets are fitted to, never a ``check``.
        budget: simulations for ABC-SMC (``1 - fit_share`` of them) and the point fit;
            screening (``2 × assumptions + 1``, unless ``params`` are named) and the fit
            table (``2 × check_runs``) come on top.
        seed: the calibration's seed; the same seed gives the same result.
        params: the assumptions to fit (default: those screening finds to move a target).
        hold_out: ``fit`` target ids to leave out of the fit too (reported out of
            sample, beside the checks).
        population: ABC-SMC's population size (default: budget / 8, within 20 to 200).
        fit_share: the share of the budget for the point fit.
        repeats: seeds each point-fit trial is averaged over.
        check_runs: runs (seeds) for each band of the fit table.
        likelihood: how a run is measured against the fitted figures: ``"distance"``
            (scaled errors) or ``"negative_binomial"`` (a count likelihood with its
            dispersion fitted; see :mod:`~borderflow.analysis.calibrate.distance`).
        out: where to write the result; the work folder for resuming is kept beside it.
        resume: go on with the interrupted calibration whose work folder is beside ``out``.
        progress: called with (simulations done, planned, stage) as simulations finish.
        executor: where the simulations go (default: one built from ``executor_options``).
        **executor_options: ``workers``, ``backend``, ``ray_address``, ``retries`` of
            :class:`~borderflow.analysis.executor.Executor`, when no executor is given.

    Raises:
        UnknownNameError: an unknown parameter or target id (the valid ones are listed).
        CalibrationError: nothing to fit, no fit target left to fit to (a scenario whose
            targets are all checks has none), failed runs, or a work
            folder left by an interrupted calibration when ``resume`` is not asked for.
        BackendError: an unknown backend, or Ray asked for and not installed.
        OutputRefusedError: ``out`` holds something other than a calibration (checked first).
        OutputError: the system refused a write (disk full, read-only, ...).
    """
    executor = Executor.choose(executor, executor_options)
    plan = _plan(
        scenario,
        budget,
        seed,
        params,
        hold_out,
        population,
        fit_share,
        repeats,
        check_runs,
        likelihood,
    )
    folders = None if out is None else _Folders.open(out, plan.config(), resume)
    tally = Tally(plan.planned, progress)
    ids = tuple(target_keys(scenario))
    sim_store = SimulationStore(folders.simulations if folders else None)
    with executor:  # Ray, if used, is started once for every phase
        found = _search(plan, Simulations(scenario, (), ids, seed, executor, sim_store, tally))
    result = _result(plan, found, tally.done)
    if folders is not None:
        folders.write(result)
    return result


def _plan(
    sc: Scenario,
    budget: int,
    seed: int,
    params: Iterable[str] | None,
    hold_out: Iterable[str],
    population: int | None,
    fit_share: float,
    repeats: int,
    check_runs: int,
    likelihood: Likelihood = "distance",
) -> _Plan:
    """The calibration asked for, checked before anything is written or run."""
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"unknown likelihood {likelihood!r}; expected one of {LIKELIHOODS}")
    if budget < 10:
        raise ValueError(f"budget must be at least 10 simulations, not {budget}")
    held_out = _checked_hold_out(sc, hold_out)
    held = np.array(
        [t.role == "check" or t.id in held_out for t in sc.targets for _ in t.points], bool
    )
    if not (~held).any():
        checks = sum(t.role == "check" for t in sc.targets)
        raise CalibrationError(
            f"{sc.name} has no fit target left to fit to: of its {len(sc.targets)} target(s), "
            f"{checks} are checks (never fitted to: they say how well the model reproduces "
            f"the record only if nothing was fitted to them) and {len(held_out)} held out"
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
    return _Plan(
        sc,
        seed,
        budget,
        chosen,
        held_out,
        held,
        n_pop,
        abc_budget,
        trials,
        repeats,
        check_runs,
        likelihood,
    )


def _checked_hold_out(sc: Scenario, hold_out: Iterable[str]) -> list[str]:
    """The target ids to hold out, each once, after checking they are targets of ``sc``.

    Holding out a check changes nothing (checks are never fitted) and is allowed.
    """
    ids = [t.id for t in sc.targets]
    held_out = list(dict.fromkeys(hold_out))
    unknown = [h for h in held_out if h not in ids]
    if unknown:
        raise UnknownNameError(
            f"unknown target(s) {', '.join(unknown)} to hold out; targets of {sc.name}: "
            + (", ".join(ids) or "(none)")
        )
    return held_out


def _search(plan: _Plan, simulations: Simulations) -> _Found:
    """Screen (unless the parameters are named), then ABC-SMC, the point fit, the fit table."""
    sc, targets = plan.scenario, plan.targets
    screening = None
    names = plan.params
    if names is None:
        screening, names = _screened(sc, simulations, targets)
    fitting = simulations.varying(names)
    ranges = bounds(sc, names)
    pop, generations = abc_smc(
        fitting,
        ranges.low,
        ranges.high,
        targets,
        plan.population,
        plan.abc_budget,
        plan.seed,
    )
    particles = ranges.at(pop.u)
    median = np.array(
        [weighted_quantile(particles[:, j], pop.weights, 0.5) for j in range(len(names))]
    )
    closest = particles[int(np.argmin(pop.distances))]
    before_point = np.array([sc.parameters[n].value for n in names])
    starts = [before_point, median, closest]
    point, trials = point_fit(
        fitting, ranges, targets, plan.trials, plan.repeats, starts, plan.seed
    )
    before, after = _fit_table_runs(fitting, before_point, point, plan)
    return _Found(
        tuple(names), screening, pop, generations, particles, point, trials, before, after
    )


def _screened(
    sc: Scenario, simulations: Simulations, targets: FitTargets
) -> tuple[pd.DataFrame, list[str]]:
    """The screening table and the assumptions it chose, in the scenario's order.

    Raises:
        CalibrationError: the scenario has no assumption with a range, or none moves the
            fitted targets enough.
    """
    everything = assumption_names(sc)
    if not everything:
        raise CalibrationError(f"{sc.name} has no assumption with a range to fit")
    screening = screen(simulations.varying(everything), sc, targets)
    chosen = set(screening.loc[screening["fitted"], "parameter"])
    if not chosen:
        raise CalibrationError(
            "no assumption moves the fitted targets by a tenth of their scale across "
            "its range; name the parameters to fit with params (--params)"
        )
    # Keep the parameters in the scenario's order, so the result does not depend on how
    # close two effects were.
    return screening, [n for n in everything if n in chosen]


def _fit_table_runs(
    fitting: Simulations, before_point: np.ndarray, point: np.ndarray, plan: _Plan
) -> tuple[np.ndarray, np.ndarray]:
    """Indicator values of ``check_runs`` runs at the scenario's values and at the point fit.

    Both use the same seeds, so the difference between them is the fit's.
    """
    runs = plan.check_runs
    seeds = [task_seed(plan.seed, SEED_BASE["band"] + i) for i in range(runs)]
    before_phase = Phase("band", "fit table: before")
    before = fitting.run(before_phase, np.tile(before_point, (runs, 1)), 0, seeds)
    if np.array_equal(point, before_point):
        return before, before  # the scenario's values won: the same runs, not run again
    after_phase = Phase("band", "fit table: after")
    return before, fitting.run(after_phase, np.tile(point, (runs, 1)), runs, seeds)


def _result(plan: _Plan, found: _Found, simulations: int) -> Calibration:
    """The calibration's tables and calibrated scenario from what the phases found."""
    sc, names, pop = plan.scenario, found.names, found.population
    targets = plan.targets
    estimates = estimates_table(sc, names, found.point, found.particles, pop.weights)
    fitted = {n: float(v) for n, v in zip(names, found.point, strict=True)}
    fitted_ids = list(
        dict.fromkeys(t.id for t in sc.targets if t.role == "fit" and t.id not in plan.hold_out)
    )
    posterior = pd.DataFrame(found.particles, columns=list(names))
    posterior["weight"] = pop.weights
    posterior["distance"] = pop.distances
    bands = (band(found.before), band(found.after), band(pop.values, pop.weights))
    return Calibration(
        scenario=calibrated_scenario(sc, fitted, estimates, fitted_ids, plan.seed),
        original=sc,
        parameters=list(names),
        fitted=fitted,
        estimates=estimates,
        posterior=posterior,
        fit=fit_table(sc, plan.held, targets.scales, *bands),
        generations=pd.DataFrame(found.generations),
        trials=found.trials,
        screening=found.screening,
        simulations=simulations,
        settings={
            "seed": plan.seed,
            "budget": plan.budget,
            "population": plan.population,
            "point_fit_trials": plan.trials,
            "repeats": plan.repeats,
            "check_runs": plan.check_runs,
            "likelihood": plan.likelihood,
            # JSON has no NaN: no count figure fitted is null.
            "dispersion": _finite_or_none(targets.dispersion(found.after)),
        },
    )


def _finite_or_none(value: float) -> float | None:
    return value if np.isfinite(value) else None
