"""The ``borderflow`` command line."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from typer.core import TyperGroup

from borderflow.analysis.backends import BackendError
from borderflow.analysis.calibrate import Calibration
from borderflow.analysis.ensemble import EnsembleResults
from borderflow.analysis.sensitivity import SENSITIVITY
from borderflow.engine.plan import describe
from borderflow.flee.out import FLEE_RUN, write_out
from borderflow.interfaces import api
from borderflow.model.kernels import kernel_problem
from borderflow.report.compare import COMPARE, write_compare
from borderflow.report.html import Written, write_report
from borderflow.results import store
from borderflow.results.results import RUN, Results
from borderflow.scenario.bounds import MAX_RETRIES, MAX_RUNS, MAX_SAMPLES, MAX_SEED, MAX_WORKERS
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.load import apply_settings, bundled_names
from borderflow.scenario.load import load_scenario as _raw_load
from borderflow.scenario.schema import Scenario


class _Commands(TyperGroup):
    """The commands; a path refused or a write the system refused ends in one line, no traceback.

    A refused output path (it holds what borderflow did not write) exits with 2, like any
    other bad argument; a failure of the operating system (disk full, read-only, name too
    long, permission) exits with 1.
    """

    def invoke(self, ctx: typer.Context) -> Any:
        problem = kernel_problem()
        if problem is not None:  # checked before any work: a typo never runs the other kernel
            _stop(ValueError(f"borderflow: {problem}"))
        try:
            return super().invoke(ctx)
        except store.OutputRefusedError as exc:
            _say(exc)
            raise typer.Exit(code=2) from None
        except OSError as exc:
            _say(exc)
            raise typer.Exit(code=1) from None


def _stop(problem: Exception) -> NoReturn:
    """Print a problem with what was asked as one line, in red, and exit with 2."""
    errors.print(str(problem), style="bold red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _say(exc: OSError) -> None:
    """Print an operating-system error as one line: the path and the cause."""
    if isinstance(exc, store.OutputError):
        line = str(exc)
    elif exc.filename:
        line = f"{exc.filename}: {store.describe(exc)}"
    else:
        line = store.describe(exc)
    errors.print(f"borderflow: {line}", markup=False, highlight=False, soft_wrap=True)


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=False,
    help="Simulate the migration and asylum system at the U.S.-Mexico border.",
)
# Wide enough for the tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 140)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def _day_progress() -> Progress:
    """A progress bar counting simulated days."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


#: Options shared by the commands that run many simulations.
BackendOption = Annotated[str, typer.Option(help="local (processes on this machine) or ray")]
RayAddressOption = Annotated[
    str | None, typer.Option(help="an existing Ray cluster (e.g. auto, ray://head:10001)")
]


def _fail(exc: ScenarioError) -> NoReturn:
    errors.print(f"[bold red]The scenario has {len(exc.problems)} problem(s):[/]")
    for problem in exc.problems:
        errors.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _scenario(scenario: str, settings: list[str] | None) -> Scenario:
    """Load a scenario with ``--set`` applied, or print every problem and exit."""
    try:
        return apply_settings(api.load_scenario(scenario), settings or [])
    except ScenarioError as exc:
        _fail(exc)


@app.command()
def run(
    scenario: Annotated[
        str, typer.Argument(help="bundled name or scenario file")
    ] = api.DEFAULT_SCENARIO,
    seed: Annotated[
        int,
        typer.Option(min=0, max=MAX_SEED, help="random seed; the same seed gives the same result"),
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            help="new or empty folder, or an earlier run's to replace "
            "(default: results/NAME-seedN; with --set, results/NAME-CHANGES-seedN)"
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="lever=value or parameter=value, e.g. quota.san_ysidro=40"),
    ] = None,
    events: Annotated[bool, typer.Option(help="also write the per-person event log")] = False,
    check: Annotated[bool, typer.Option(help="recount every stock each day (slow)")] = False,
    report: Annotated[bool, typer.Option(help="write report.html into the results folder")] = True,
    png: Annotated[
        bool, typer.Option(help="also write the report's figures as PNG (needs Kaleido)")
    ] = False,
    validation: Annotated[
        Path | None,
        typer.Option(help="Flee scenarios: validation folder [default: source_data/ inside]"),
    ] = None,
) -> None:
    """Run a scenario and write its results (daily, flows, waits, summary, targets).

    A folder with ``locations.csv`` (or ``input_csv/``) is a Flee scenario: it runs with
    Flee 3.1's rules and writes Flee's ``out.csv`` and a summary.
    """
    if api.is_flee_folder(scenario):
        given = {"--set": bool(set_), "--events": events, "--check": check, "--png": png}
        unused = [option for option, on in {**given, "--no-report": not report}.items() if on]
        if unused:
            _stop_flee(
                f"{', '.join(unused)}: not for a Flee folder (it takes --seed, --out, --validation)"
            )
        run_flee_folder(Path(scenario), seed, out, validation)
        return
    sc = _scenario(scenario, set_)
    folder = out or _default_folder(sc.name, *(set_ or []), f"seed{seed}")
    folder = store.claim_output(folder, RUN)
    with _day_progress() as bar:
        task = bar.add_task(f"{sc.name} (seed {seed})", total=sc.n_days)
        res = api.run(
            sc,
            seed,
            events=events,
            check=check,
            progress=lambda done, total: bar.update(task, completed=done),
        )
        bar.update(task, description="writing results")
        res.write(folder)
        written = None
        if report:
            bar.update(task, description="writing the report")
            written = _report_into(res, folder, png=png)
    show_summary(res)
    show_targets(res)
    console.print(f"Results in [bold]{folder}[/]")
    if written is not None:
        show_written(written)


def _default_folder(*parts: str) -> Path:
    """``results/`` and a folder name made of ``parts`` (the scenario, its changes, ...)."""
    return Path("results") / store.folder_name(*parts)


def _report_into(source: Results | Path, folder: Path, png: bool = False) -> Written:
    """Write the report into a finished results folder, or say the results are whole without it.

    Raises:
        typer.Exit: the report could not be written (code 1); the results are complete.
    """
    try:
        return write_report(source, folder, png=png)
    except OSError as exc:
        errors.print(
            f"borderflow: {exc}; the results in {folder} are complete, "
            f"`borderflow report {folder}` writes the report again",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=1) from None


def run_flee_folder(folder: Path, seed: int, out: Path | None, validation: Path | None) -> None:
    """Run a Flee scenario folder with Flee's rules; write ``out.csv`` and ``summary.json``."""
    try:
        sc = api.load_flee(folder, validation)
    except ScenarioError as exc:
        _fail(exc)
    show_flee_warnings(sc.warnings)
    target = out or _default_folder("flee", folder.resolve().name, f"seed{seed}")
    target = store.claim_output(target, FLEE_RUN)
    with _day_progress() as bar:
        task = bar.add_task(f"{folder.name} (Flee rules, seed {seed})", total=sc.length)
        res = api.run_flee_rules(
            sc, seed, progress=lambda done, total: bar.update(task, completed=done)
        )
        figures = write_out(res, target)
    ard = figures["averaged_relative_difference"]
    console.print(
        f"{folder.name}: {sc.length} days, {len(res.camp_names)} camps, "
        f"{figures['agents_at_end']:,} agents ({figures['in_camps_at_end']:,} in camps) at the end"
    )
    console.print(f"Averaged relative difference (Flee validation): [bold]{ard:.4f}[/]")
    console.print(f"Results in [bold]{target}[/]")


def _stop_flee(message: str) -> NoReturn:
    """Refuse what a Flee folder cannot do: one line, exit 2."""
    errors.print(f"borderflow: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def refuse_flee_folder(scenario: str, what: str) -> None:
    """Exit 2 with one line when ``scenario`` is a Flee folder: ``what`` is not supported."""
    if api.is_flee_folder(scenario):
        _stop_flee(
            f"{scenario} is a Flee folder; {what} of Flee folders are not supported "
            "(borderflow run and borderflow validate take one)"
        )


def show_flee_warnings(warnings: tuple[object, ...]) -> None:
    """Print what a Flee folder does that Flee allows but probably did not mean, in yellow."""
    for warning in warnings:
        errors.print(
            f"  warning: {warning}", style="yellow", markup=False, highlight=False, soft_wrap=True
        )


def validate_flee_folder(folder: Path, validation: Path | None) -> None:
    """Check a Flee folder: print every problem and exit 2, or OK with a summary."""
    try:
        sc = api.load_flee(folder, validation)
    except ScenarioError as exc:
        _fail(exc)
    show_flee_warnings(sc.warnings)
    camps = [loc.name for loc in sc.locations if "camp" in loc.location_type.lower()]
    series = sum(camp in sc.validation for camp in camps)
    console.print(
        f"[green]OK[/] {folder.name} (Flee): {len(sc.locations)} locations, {len(camps)} camps, "
        f"{len(sc.routes)} routes, {len(sc.closures)} closures, {sc.length} days from "
        f"{sc.start_date}, "
        + (f"validation data for {series} camps" if sc.validation else "no validation data")
        + (f", {len(sc.warnings)} warning(s)" if sc.warnings else "")
    )


def show_summary(res: Results) -> None:
    """Print the headline indicators."""
    s = res.summary_dict
    table = Table(title=f"{res.scenario.title} — seed {res.seed}", show_header=True)
    table.add_column("indicator")
    table.add_column("value", justify="right")
    rows = [
        ("people entered", s["people_entered"]),
        *[(f"arrivals at {k}", v) for k, v in s["arrivals_per_border_city"].items()],
        *[(f"waitlist peak at {k}", v) for k, v in s["waitlist_peak_per_port"].items()],
        *[
            (f"mean wait at {k} (days)", round(v.get("mean_wait_days", 0), 1))
            for k, v in s["waits_per_port"].items()
            if v["admitted"]
        ],
        ("admitted at ports", s["admitted_at_ports"]),
        ("crossings between ports", s["crossings_between_ports"]),
        ("apprehensions", s["apprehensions"]),
        ("evasions", s["evasions"]),
        *[
            (f"unsheltered person-days in {k}", v)
            for k, v in s["unsheltered_person_days_per_city"].items()
        ],
        ("violence incidents", s["violence_incidents"]),
        ("deported by Mexico", s["deported_by_mexico"]),
        ("stayed in Mexico (refuge or settled)", s["stayed_in_mexico"]),
        ("went home", s["returned_home"]),
    ]
    us = s["us_processing"]
    decided = us["time_to_decision"]
    rows += [
        ("in custody (peak)", us["in_custody_peak"]),
        ("in detention (peak)", us["in_detention_peak"]),
        ("detention bed-days", us["detention_bed_days"]),
        ("released for lack of a bed", us["released_no_bed"]),
        ("returned to Mexico (MPP)", us["mpp_returned"]),
        ("violence incidents among MPP returnees", us["mpp_violence_incidents"]),
        ("credible-fear interviews", us["credible_fear_interviews"]),
        ("court backlog at the end", us["court_backlog_final"]),
        ("asylum granted", us["asylum_granted"]),
        (
            "removal orders (merits / in absentia)",
            f"{us['removal_orders_merits']:,} / {us['removal_orders_in_absentia']:,}",
        ),
        ("removals carried out", us["removals_carried_out"]),
    ]
    if decided["n"]:
        rows.append(("mean days from custody to a decision", round(decided["mean_days"], 1)))
    for name, value in rows:
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


def show_targets(res: Results) -> None:
    """Print simulated against reported."""
    t = res.targets
    if t.empty:
        return
    table = Table(title=f"Simulated against reported ({int(t['inside'].sum())} of {len(t)} inside)")
    table.add_column("target", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("simulated", justify="right", no_wrap=True)
    table.add_column("reported", justify="right", no_wrap=True)
    table.add_column("range", no_wrap=True)
    table.add_column("in", no_wrap=True)
    table.add_column("quantity (source)", overflow="fold")
    for row in t.itertuples():
        table.add_row(
            str(row.id),
            str(row.date),
            f"{row.simulated:,.0f}",
            f"{row.reported:,.0f}",
            f"{row.low:,.0f}–{row.high:,.0f}",
            "[green]yes[/]" if row.inside else "[red]no[/]",
            f"{row.quantity} ({row.source})",
        )
    console.print(table)


@app.command()
def ensemble(
    scenario: Annotated[
        str, typer.Argument(help="bundled name or scenario file")
    ] = api.DEFAULT_SCENARIO,
    runs: Annotated[
        int, typer.Option(min=1, max=MAX_RUNS, help="runs, each with its own seed stream")
    ] = 200,
    seed: Annotated[
        int,
        typer.Option(
            min=0, max=MAX_SEED, help="the ensemble's seed; run i uses stream i spawned from it"
        ),
    ] = 1,
    workers: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="runs at the same time")] = 1,
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
) -> None:
    """Run a scenario under many seeds; write the median and 5–95% and 25–75% bands.

    Every indicator, every row of daily.parquet and every target gets its bands; each
    finished run is kept as a shard in OUT/shards, so an interrupted ensemble carries on
    with --resume. The bands are the same with any --workers and either --backend.
    """
    refuse_flee_folder(scenario, "ensembles")
    sc = _scenario(scenario, set_)
    folder = out or _default_folder(sc.name, *(set_ or []), "ensemble", f"seed{seed}")
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs, [red]{task.fields[failed]} failed[/]"),
        TimeElapsedColumn(),
        TextColumn("elapsed,"),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=console,
        transient=True,
    )
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
            )
    except KeyboardInterrupt:
        kept = len(list((folder / "shards").glob("run-*.parquet")))
        errors.print(
            f"Interrupted: {kept} finished run(s) kept in {folder}; "
            "run the same command with --resume to carry on."
        )
        raise typer.Exit(code=130) from None
    except (BackendError, ValueError, RuntimeError) as exc:
        _stop(exc)
    write_ensemble_extras(res)
    show_ensemble(res)
    console.print(f"Ensemble in [bold]{folder}[/]")


def write_ensemble_extras(res: EnsembleResults) -> None:
    """Files written into a finished ensemble's folder beside its bands.

    The one place for what is made from the bands after an ensemble (e.g. a report).
    """
    if res.folder is not None:
        show_written(_report_into(res.folder, res.folder))


#: Indicators the ensemble summary shows (all are in indicators.csv).
ENSEMBLE_SHOWN = (
    "people_entered",
    "admitted_at_ports",
    "crossings_between_ports",
    "apprehensions",
    "evasions",
    "violence_incidents",
    "deported_by_mexico",
    "stayed_in_mexico",
    "returned_home",
    "us_processing.court_backlog_final",
    "us_processing.removals_carried_out",
)


def show_ensemble(res: EnsembleResults) -> None:
    """Print the bands of the headline indicators and the targets."""
    m = res.manifest
    failed = f", [red]{m['failed']} failed[/]" if m["failed"] else ""
    ind = res.indicators.set_index("indicator")
    shown = [n for n in ind.index if n.startswith("waitlist_peak_per_port.")]
    shown += [n for n in ENSEMBLE_SHOWN if n in ind.index]
    table = Table(title=f"{m['scenario']}: {m['succeeded']} of {m['runs']} runs{failed}")
    for col in ("indicator", "median", "25–75%", "5–95%"):
        table.add_column(col, justify="left" if col == "indicator" else "right")
    for name in shown:
        r = ind.loc[name]
        table.add_row(
            name,
            f"{r['median']:,.0f}",
            f"{r['p25']:,.0f}–{r['p75']:,.0f}",
            f"{r['p05']:,.0f}–{r['p95']:,.0f}",
        )
    console.print(table)
    for row in res.failed.itertuples():
        errors.print(
            f"run {row.run} (seed {row.seed}) failed after {row.attempts} attempts: {row.error}",
            highlight=False,
        )
    t = res.targets
    if t.empty:
        return
    tt = Table(
        title=f"Reported against the simulated 5–95% band "
        f"({int(t['reported_in_90'].sum())} of {len(t)} inside)"
    )
    for col in ("target", "date", "reported", "median", "5–95%", "in"):
        tt.add_column(col, no_wrap=True, justify="right" if col != "target" else "left")
    tt.add_column("quantity", overflow="fold")
    for row in t.itertuples():
        tt.add_row(
            str(row.id),
            str(row.date),
            f"{row.reported:,.0f}",
            f"{row.median:,.0f}",
            f"{row.p05:,.0f}–{row.p95:,.0f}",
            "[green]yes[/]" if row.reported_in_90 else "[red]no[/]",
            str(row.quantity),
        )
    console.print(tt)


def show_written(written: Written) -> None:
    """Say where the report is and what became of the PNG figures."""
    console.print(f"Report in [bold]{written.path}[/]")
    if written.png is not None:
        colour = "green" if written.png.ok else "yellow"
        console.print(f"[{colour}]{written.png.message}[/]", highlight=False)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="a results folder or an ensemble folder")],
    png: Annotated[
        bool, typer.Option(help="also write the figures as PNG in FOLDER/figures (needs Kaleido)")
    ] = False,
) -> None:
    """Rebuild report.html in a results or ensemble folder (and the PNG figures with --png)."""
    with _reading(folder):
        written = write_report(folder, png=png)
    show_written(written)


@contextlib.contextmanager
def _reading(*folders: str | Path) -> Iterator[None]:
    """Stop with one line when a finished result cannot be read: missing, damaged or changed.

    A write the system refuses is not a reading problem: it goes on to the command group,
    which says so in its own line.
    """
    try:
        yield
    except store.OutputError:
        raise
    except FileNotFoundError as exc:
        _stop(exc)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Parquet, JSON and CSV readers each raise their own subclass of these.
        cause = " ".join(str(exc).split())[:200] or type(exc).__name__
        where = " or ".join(str(f) for f in folders)
        _stop(
            ValueError(
                f"borderflow: cannot read the result in {where} (a file is damaged or was "
                f"changed): {type(exc).__name__}: {cause}; run it again to write it anew"
            )
        )


@app.command()
def compare(
    a: Annotated[str, typer.Argument(help="results or ensemble folder A, or a scenario")],
    b: Annotated[
        str | None, typer.Argument(help="results or ensemble folder B (omit with --set)")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="B is scenario A with this change, e.g. quota.san_ysidro=30"),
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="seed of both runs (scenario and --set)")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            help="folder for compare.html: new, empty or an earlier comparison's "
            "(default: results/compare-A-B; with --set, results/compare-NAME-CHANGES)"
        ),
    ] = None,
) -> None:
    """Compare two results (compare A B), or a scenario with a change (compare SCENARIO --set).

    Writes compare.html: what changed, the key indicators A against B with the difference
    and the change in percent, and the time series overlaid; with bands when both are
    ensembles. With --set, both runs are written beside it (OUT/a, OUT/b).
    """
    if b is not None and set_:
        errors.print("[bold red]Give either two results folders or a scenario with --set.[/]")
        raise typer.Exit(code=2)
    refuse_flee_folder(a, "comparisons")
    if b is not None:
        for folder in (a, b):
            if not (Path(folder) / "manifest.json").is_file():
                errors.print(f"[bold red]{folder} is not a finished results folder[/]")
                raise typer.Exit(code=2)
        names = (store.output_path(a).name, store.output_path(b).name)
        target = store.claim_output(out or _default_folder("compare", *names), COMPARE)
        # A folder that is not a run or an ensemble is a refused input, as in `report`.
        with _reading(a, b):
            path = write_compare(Path(a), Path(b), target)
        console.print(f"Comparison in [bold]{path}[/]")
        return
    if not set_:
        errors.print("[bold red]compare needs two results folders, or a scenario and --set.[/]")
        raise typer.Exit(code=2)
    try:
        sc_a = api.load_scenario(a)
        sc_b = apply_settings(sc_a, set_)
    except ScenarioError as exc:
        _fail(exc)
    target = store.claim_output(out or _default_folder("compare", sc_a.name, *set_), COMPARE)
    results = []
    with _day_progress() as bar:
        for label, sc in (("A", sc_a), ("B", sc_b)):
            task = bar.add_task(f"{label}: {sc.name} (seed {seed})", total=sc.n_days)
            res = api.run(sc, seed, progress=lambda d, t, task=task: bar.update(task, completed=d))
            results.append(res)
    path = write_compare(results[0], results[1], target, labels=("A", "B"), with_runs=True)
    console.print(f"A: {sc_a.name} as it is; B: with {', '.join(set_)}")
    console.print(f"Comparison in [bold]{path}[/]")


@app.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    table = Table(show_header=True)
    table.add_column("name")
    table.add_column("period")
    table.add_column("title")
    for name in bundled_names():
        sc = _raw_load(name)
        table.add_row(name, f"{sc.start} → {sc.end}", sc.title)
    console.print(table)


@app.command()
def validate(
    scenario: Annotated[str, typer.Argument(help="scenario file, bundled name or Flee folder")],
    validation: Annotated[
        Path | None,
        typer.Option(help="Flee folders: validation folder [default: source_data/ inside]"),
    ] = None,
) -> None:
    """Check a scenario, or a Flee folder, and report every problem found."""
    if api.is_flee_folder(scenario):
        validate_flee_folder(Path(scenario), validation)
        return
    try:
        sc = api.load_scenario(scenario)
    except ScenarioError as exc:
        _fail(exc)
    console.print(
        f"[green]OK[/] {sc.name}: {len(sc.places)} places, {len(sc.routes)} routes, "
        f"{len(sc.caravans)} caravan(s), {len(sc.policies)} dated policies, "
        f"{len(sc.targets)} targets, {sc.n_days} days"
    )


@app.command()
def params(
    scenario: Annotated[
        str, typer.Argument(help="bundled name or scenario file")
    ] = api.DEFAULT_SCENARIO,
) -> None:
    """Print a scenario's parameters: value, range, and source or the reason for the assumption."""
    try:
        sc = api.load_scenario(scenario)
    except ScenarioError as exc:
        _fail(exc)
    table = Table(title=f"Parameters of {sc.name}", show_lines=False)
    for col in ("parameter", "value", "range", "unit", "status"):
        table.add_column(col, no_wrap=True)
    table.add_column("source or reason", overflow="fold", min_width=20)
    for name, p in sorted(sc.parameters.items()):
        table.add_row(
            name,
            f"{p.value:g}",
            f"{p.low:g}–{p.high:g}",
            p.unit,
            "[yellow]assumption[/]" if p.is_assumption else "[green]sourced[/]",
            p.reason if p.is_assumption else str(p.source),
        )
    for c in sc.caravans:
        for field in ("p_join_waitlist", "p_refuge_at_entry"):
            value = getattr(c, field)
            if value is not None:
                table.add_row(
                    f"{c.name}: {field}",
                    f"{value:g}",
                    "",
                    "share",
                    "[cyan]caravan[/]",
                    c.source or "",
                )
    console.print(table)
    lever_table = Table(title="Levers (initial values; dated policies follow)")
    lever_table.add_column("lever")
    lever_table.add_column("value", overflow="fold")
    for name, value in sc.levers.model_dump().items():
        lever_table.add_row(name, str(value))
    for pol in sc.policies:
        lever_table.add_row(f"from {pol.date}", f"{pol.set}  ({pol.source or pol.note or ''})")
    console.print(lever_table)


@app.command()
def plan() -> None:
    """Print the order of events within a simulated day."""
    console.print(describe(), markup=False)


@app.command()
def serve(
    port: Annotated[int, typer.Option(min=1, max=65_535, help="port to listen on")] = 8050,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    allow_remote: Annotated[
        bool,
        typer.Option("--allow-remote", help="allow an address other than this machine's loopback"),
    ] = False,
    max_people: Annotated[
        int | None,
        typer.Option(envvar="BORDERFLOW_MAX_PEOPLE", help="most people one request may set out"),
    ] = None,
    max_days: Annotated[
        int | None,
        typer.Option(envvar="BORDERFLOW_MAX_DAYS", help="most simulated days per request"),
    ] = None,
    max_runs: Annotated[
        int | None,
        typer.Option(envvar="BORDERFLOW_MAX_RUNS", help="most runs (ensemble size) per request"),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="runs at the same time")] = 1,
    cache_size: Annotated[int, typer.Option(min=1, help="answers kept in memory")] = 16,
    cache_mb: Annotated[
        int,
        typer.Option(
            min=1, envvar="BORDERFLOW_CACHE_MB", help="memory for the answers kept, in MB"
        ),
    ] = 256,
) -> None:
    """Start the web dashboard: move levers, run, compare with the unchanged scenario."""
    from rich.markup import escape

    from borderflow.interfaces.web import INSTALL_HINT
    from borderflow.interfaces.web.requests import Limits, check_host

    try:
        warning = check_host(host, allow_remote)
        limits = Limits.from_env(people=max_people, days=max_days, runs=max_runs)
    except (PermissionError, ValueError) as exc:
        errors.print(f"[bold red]{escape(str(exc))}[/]", highlight=False)
        raise typer.Exit(code=2) from None
    if warning:
        errors.print(f"[bold yellow]{escape(warning)}[/]", highlight=False)
    try:
        from borderflow.interfaces.web.app import serve as serve_app
    except ImportError as exc:
        if exc.name is None or not exc.name.startswith("dash"):
            raise
        errors.print(f"[bold red]{escape(INSTALL_HINT)}[/] ({escape(str(exc))})", highlight=False)
        raise typer.Exit(code=2) from None
    shown = escape(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    console.print(
        f"borderflow dashboard on [bold]http://{shown}:{port}/[/] — limits: "
        f"{limits.people:,} people, {limits.days:,} days, {limits.runs} runs per request; "
        f"answers kept in up to {cache_mb:,} MB. Ctrl+C stops it."
    )
    serve_app(
        host,
        port,
        limits=limits,
        cache_size=cache_size,
        workers=workers,
        max_bytes=cache_mb * 1_000_000,
    )


@app.command()
def calibrate(
    scenario: Annotated[
        str, typer.Argument(help="bundled name or scenario file")
    ] = api.DEFAULT_SCENARIO,
    budget: Annotated[
        int,
        typer.Option(
            min=10, max=MAX_RUNS, help="simulations for the fit (ABC-SMC and the point fit)"
        ),
    ] = 400,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="the same seed gives the same fit")
    ] = 1,
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_WORKERS, help="simulations at the same time")
    ] = 1,
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
    `borderflow run OUT/scenario` runs. Targets held out are not fitted and are reported
    as out-of-sample error.
    """
    from borderflow.analysis.assumptions import UnknownNameError
    from borderflow.analysis.calibrate import CalibrationError, work_folder

    refuse_flee_folder(scenario, "calibrations")
    sc = _scenario(scenario, set_)
    folder = out or _default_folder(sc.name, *(set_ or []), "calibrated", f"seed{seed}")
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("simulations"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
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
        _stop(exc)
    show_calibration(cal)
    console.print(
        f"Results in [bold]{folder}[/]; run the calibrated scenario with "
        f"[bold]borderflow run {folder / 'scenario'}[/]"
    )


def show_calibration(cal: Calibration) -> None:
    """Print the fitted assumptions and the fit table."""
    est = Table(title=f"Fitted assumptions ({cal.simulations:,} simulations)")
    for column in ("assumption", "range", "before", "fitted", "posterior median [5–95%]"):
        est.add_column(column, justify="left" if column == "assumption" else "right")
    for r in cal.estimates.itertuples():
        est.add_row(
            str(r.parameter),
            f"{r.low:.4g}–{r.high:.4g}",
            f"{r.value_before:.4g}",
            f"[bold]{r.fitted:.4g}[/]",
            f"{r.posterior_median:.4g} [{r.posterior_q05:.4g}, {r.posterior_q95:.4g}]",
        )
    console.print(est)
    fit = Table(title="Targets: reported against simulated (median [5–95%])")
    for column in ("target", "reported", "before", "after", "error before → after"):
        fit.add_column(column, justify="left" if column == "target" else "right")
    for r in cal.fit.itertuples():
        fit.add_row(
            f"{r.id}{' (held out)' if r.held_out else ''}",
            f"{r.reported:,.4g}",
            f"{r.before_median:,.4g} [{r.before_q05:,.4g}, {r.before_q95:,.4g}]",
            f"{r.after_median:,.4g} [{r.after_q05:,.4g}, {r.after_q95:,.4g}]",
            f"{r.error_before:.2f} → {r.error_after:.2f}",
        )
    console.print(fit)
    console.print(
        f"Mean error in scales (|median − reported| / scale): in sample "
        f"[bold]{cal.in_sample_error:.2f}[/], out of sample "
        + (
            f"(held out) [bold]{cal.out_of_sample_error:.2f}[/]"
            if cal.fit["held_out"].any()
            else "none (no target held out: mark one with --hold-out)"
        )
    )


@app.command()
def sensitivity(
    output: Annotated[
        str,
        typer.Option(
            help="the indicator: a target id or a summary path (us_processing.court_backlog_final)"
        ),
    ],
    scenario: Annotated[
        str, typer.Argument(help="bundled name or scenario file")
    ] = api.DEFAULT_SCENARIO,
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
    workers: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="runs at the same time")] = 1,
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
    sc = _scenario(scenario, set_)
    folder = out or _default_folder(sc.name, *(set_ or []), "sensitivity", output, method)
    folder = store.claim_output(folder, SENSITIVITY)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
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
        _stop(exc)
    res.write(folder)
    columns = ["S1", "ST", "ST_conf"] if method == "sobol" else ["mu_star", "sigma", "mu_star_conf"]
    table = Table(
        title=f"Sensitivity of {output} ({method}, {res.settings['runs']:,} runs, seed {seed})"
    )
    table.add_column("rank", justify="right")
    table.add_column("assumption")
    table.add_column("range", justify="right")
    for column in columns:
        table.add_column(column, justify="right")
    for r in res.indices.itertuples():
        table.add_row(
            str(r.rank),
            str(r.parameter),
            f"{r.low:.4g}–{r.high:.4g}",
            *[f"{getattr(r, c):.3g}" for c in columns],
        )
    console.print(table)
    console.print(f"Indices in [bold]{folder}[/]")


def main() -> None:
    """Entry point of the ``borderflow`` command."""
    try:
        app()
    except KeyboardInterrupt:
        errors.print("Interrupted: no results folder was left half-written.")
        sys.exit(130)
