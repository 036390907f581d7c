"""The commands that run many simulations: ensemble, calibrate, sensitivity, scorecard.

Each loads the scenario, runs the analysis behind one progress bar, stops with one line
on a problem with what was asked, and prints what it found (:mod:`.show`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from borderflow.analysis.ensemble import EnsembleResults
from borderflow.analysis.executor import BackendError
from borderflow.analysis.sensitivity import SENSITIVITY
from borderflow.interfaces import api
from borderflow.interfaces.cli.common import (
    BackendOption,
    RayAddressOption,
    ScenarioArgument,
    WorkersOption,
    console,
    default_folder,
    errors,
    load,
    report_into,
    stop,
)
from borderflow.interfaces.cli.flee import refuse_flee_folder
from borderflow.interfaces.cli.show import (
    place_names,
    progress_bar,
    show_calibration,
    show_ensemble,
    show_scorecard,
    show_sensitivity,
    show_written,
)
from borderflow.results import store
from borderflow.scenario.bounds import MAX_RETRIES, MAX_RUNS, MAX_SAMPLES, MAX_SEED


def ensemble(
    scenario: ScenarioArgument = api.DEFAULT_SCENARIO,
    runs: Annotated[
        int, typer.Option(min=1, max=MAX_RUNS, help="runs, each with its own seed stream")
    ] = 200,
    seed: Annotated[
        int,
        typer.Option(
            min=0, max=MAX_SEED, help="the ensemble's seed; run i uses stream i spawned from it"
        ),
    ] = 1,
    workers: WorkersOption = 1,
    backend: BackendOption = "local",
    ray_address: RayAddressOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="new or empty folder, or an ensemble's with --resume "
            "(default: results/NAME-ensemble-seedS; with --set, NAME-CHANGES-ensemble-seedS)"
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="carry on in OUT: run only the runs not on disk yet")
    ] = False,
    retries: Annotated[
        int,
        typer.Option(
            min=0, max=MAX_RETRIES, help="times a failing run is retried before it is given up"
        ),
    ] = 2,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="lever=value or parameter=value, e.g. quota.san_ysidro=40"),
    ] = None,
    posterior: Annotated[
        Path | None,
        typer.Option(
            metavar="CALIBRATION_DIR",
            help="a calibration of this scenario (borderflow calibrate's OUT): each run draws "
            "the fitted parameters from its posterior, so the bands carry their uncertainty "
            "(default: seed only; the default OUT then ends in -posterior-ensemble-seedS)",
        ),
    ] = None,
) -> None:
    """Run a scenario under many seeds; write the median and 5–95% and 25–75% bands.

    Every indicator, every row of daily.parquet and every target gets its bands; each
    finished run is kept as a shard in OUT/shards, so an interrupted ensemble carries on
    with --resume. The bands are the same with any --workers and either --backend. With
    --posterior each run also draws the fitted parameters from a calibration's posterior
    (OUT/parameters.csv lists them), so the bands carry the parameters' uncertainty as
    well as the seed's.
    """
    refuse_flee_folder(scenario, "ensembles")
    sc = load(scenario, set_)
    kind = "posterior-ensemble" if posterior is not None else "ensemble"
    folder = out or default_folder(sc.name, *(set_ or []), kind, f"seed{seed}")
    bar = progress_bar("runs, [red]{task.fields[failed]} failed[/]", time_left=True)
    tasks: list[TaskID] = []

    def progress(done: int, failed: int, total: int) -> None:
        # The bar starts from the runs already on disk (resume), so they do not count
        # as speed in the estimate of the time left.
        if not tasks:
            name = f"{sc.name} ensemble"
            tasks.append(bar.add_task(name, total=total, completed=done, failed=failed))
        bar.update(tasks[0], completed=done + failed, failed=failed)

    try:
        with bar:
            res = api.ensemble(
                sc,
                runs,
                seed,
                workers=workers,
                backend=backend,
                ray_address=ray_address,
                out=folder,
                resume=resume,
                retries=retries,
                progress=progress,
                posterior=posterior,
            )
    except KeyboardInterrupt:
        kept = len(list((folder / "shards").glob("run-*.parquet")))
        errors.print(
            f"Interrupted: {kept} finished run(s) kept in {folder}; "
            "run the same command with --resume to carry on."
        )
        raise typer.Exit(code=130) from None
    except (BackendError, ValueError, RuntimeError) as exc:
        stop(exc)
    write_ensemble_extras(res)
    show_ensemble(res, place_names(sc))
    console.print(f"Ensemble in [bold]{folder}[/]")


def write_ensemble_extras(res: EnsembleResults) -> None:
    """Files written into a finished ensemble's folder beside its bands.

    The one place for what is made from the bands after an ensemble (e.g. a report).
    """
    if res.folder is not None:
        show_written(report_into(res.folder, res.folder))


def calibrate(
    scenario: ScenarioArgument = api.DEFAULT_SCENARIO,
    budget: Annotated[
        int,
        typer.Option(
            min=10, max=MAX_RUNS, help="simulations for the fit (ABC-SMC and the point fit)"
        ),
    ] = 400,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="the same seed gives the same fit")
    ] = 1,
    workers: WorkersOption = 1,
    backend: BackendOption = "local",
    ray_address: RayAddressOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="new or empty folder, or an earlier calibration's to replace "
            "(default: results/NAME-calibrated-seedS; with --set, NAME-CHANGES-calibrated-seedS)"
        ),
    ] = None,
    hold_out: Annotated[
        list[str] | None,
        typer.Option("--hold-out", help="a target id to leave out of the fit (repeatable)"),
    ] = None,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--params",
            help="an assumption to fit (repeatable) [default: those the targets respond to]",
        ),
    ] = None,
    population: Annotated[
        int | None,
        typer.Option(min=5, max=MAX_RUNS, help="ABC-SMC population [default: budget/8, 20-200]"),
    ] = None,
    check_runs: Annotated[
        int,
        typer.Option(
            min=2, max=MAX_RUNS, help="seeds for each band of the fit table (before, after)"
        ),
    ] = 20,
    likelihood: Annotated[
        str,
        typer.Option(
            help="how runs are measured against the fit targets: distance (scaled errors) "
            "or negative_binomial (a count likelihood, its dispersion fitted)"
        ),
    ] = "distance",
    resume: Annotated[
        bool, typer.Option(help="go on with an interrupted calibration into the same OUT")
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="lever=value or parameter=value, fixed before the fit"),
    ] = None,
) -> None:
    """Fit the scenario's assumptions to its observed targets (ABC-SMC and Optuna).

    Writes the fitted values, the posterior sample, a fit table (target, reported,
    simulated band before and after) and OUT/scenario/scenario.toml, a calibrated copy that
    `borderflow run OUT/scenario` runs. Only fit targets are fitted to: checks (and fit
    targets held out with --hold-out) are reported as out-of-sample error.
    """
    from borderflow.analysis.assumptions import UnknownNameError
    from borderflow.analysis.calibrate import CalibrationError, work_folder

    refuse_flee_folder(scenario, "calibrations")
    sc = load(scenario, set_)
    folder = out or default_folder(sc.name, *(set_ or []), "calibrated", f"seed{seed}")
    bar = progress_bar("simulations")
    task = bar.add_task(f"{sc.name}: calibrating", total=budget)

    def progress(done: int, planned: int, what: str) -> None:
        bar.update(task, completed=done, total=planned, description=what)

    try:
        with bar:
            cal = api.calibrate(
                sc,
                budget=budget,
                seed=seed,
                params=params,
                hold_out=hold_out or (),
                population=population,
                check_runs=check_runs,
                likelihood=likelihood,  # type: ignore[arg-type]  # checked by calibrate
                workers=workers,
                backend=backend,
                ray_address=ray_address,
                out=folder,
                resume=resume,
                progress=progress,
            )
    except KeyboardInterrupt:
        errors.print(
            f"Interrupted: the simulations done are kept in {work_folder(folder)}; "
            "run the same command with --resume to go on."
        )
        raise typer.Exit(code=130) from None
    except (UnknownNameError, CalibrationError, BackendError, ValueError) as exc:
        stop(exc)
    show_calibration(cal)
    console.print(
        f"Results in [bold]{folder}[/]; run the calibrated scenario with "
        f"[bold]borderflow run {folder / 'scenario'}[/]"
    )


def sensitivity(
    output: Annotated[
        str,
        typer.Option(
            help="the indicator: a target id or a summary path (us_processing.court_backlog_final)"
        ),
    ],
    scenario: ScenarioArgument = api.DEFAULT_SCENARIO,
    method: Annotated[str, typer.Option(help="sobol or morris")] = "sobol",
    n: Annotated[
        int,
        typer.Option(
            min=2,
            max=MAX_SAMPLES,
            help="Sobol: base samples (a power of 2; n×(D+2) runs); Morris: trajectories",
        ),
    ] = 64,
    seed: Annotated[
        int,
        typer.Option(min=0, max=MAX_SEED, help="the seed of every run and of the sampling"),
    ] = 1,
    params: Annotated[
        list[str] | None,
        typer.Option("--params", help="an assumption to vary (repeatable) [default: all]"),
    ] = None,
    workers: WorkersOption = 1,
    backend: BackendOption = "local",
    ray_address: RayAddressOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="new or empty folder, or an earlier analysis's to replace "
            "(default: results/NAME-sensitivity-OUTPUT-METHOD; with --set, "
            "NAME-CHANGES-sensitivity-OUTPUT-METHOD)"
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="lever=value or parameter=value, fixed for every run"),
    ] = None,
) -> None:
    """Rank the assumptions by their effect on one indicator (Sobol or Morris, SALib).

    Each assumption varies over its declared range; prints the ranking and writes the
    indices (indices.csv, indices.parquet) and the runs (samples.parquet).
    """
    from borderflow.analysis.assumptions import UnknownNameError
    from borderflow.analysis.sensitivity import SensitivityError

    refuse_flee_folder(scenario, "sensitivity analyses")
    sc = load(scenario, set_)
    folder = out or default_folder(sc.name, *(set_ or []), "sensitivity", output, method)
    folder = store.claim_output(folder, SENSITIVITY)
    bar = progress_bar("runs", time_left=True)
    task = bar.add_task(f"{sc.name}: {method} for {output}", total=None)
    try:
        with bar:
            res = api.sensitivity(
                sc,
                output,
                method=method,
                n=n,
                seed=seed,
                params=params,
                workers=workers,
                backend=backend,
                ray_address=ray_address,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except (UnknownNameError, SensitivityError, BackendError, ValueError) as exc:
        stop(exc)
    res.write(folder)
    show_sensitivity(res, output, method, seed)
    console.print(f"Indices in [bold]{folder}[/]")


def scorecard(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="bundled scenario names or scenario files [default: every bundled one]"
        ),
    ] = None,
    runs: Annotated[
        int, typer.Option(min=1, max=MAX_RUNS, help="seeds per scenario (the median is compared)")
    ] = 3,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="the seed of the runs")] = 1,
    workers: WorkersOption = 1,
    out: Annotated[
        Path | None,
        typer.Option(help="also write scenarios.csv, targets.csv and figures.csv to this folder"),
    ] = None,
) -> None:
    """Every scenario against the public record: fit and check targets, counted apart.

    Runs each scenario under a few seeds and compares the median with its targets. A fit
    target's figure set or fitted something, so inside only shows the fit worked; a check
    was used for nothing else: the checks are the test.
    """
    from borderflow.analysis.scorecard import SCORECARD
    from borderflow.analysis.scorecard import scorecard as make_scorecard

    chosen = [load(name, None) for name in scenarios or []] or None
    if out is not None:
        out = store.claim_output(out, SCORECARD)
    bar = progress_bar("runs", time_left=True)
    task = bar.add_task("scorecard", total=None)
    try:
        with bar:
            card = make_scorecard(
                chosen,
                runs=runs,
                seed=seed,
                workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except (BackendError, RuntimeError, ValueError) as exc:
        stop(exc)
    show_scorecard(card)
    if out is not None:
        card.write(out)
        console.print(f"Tables in [bold]{out}[/]")
