"""The commands that run one scenario or read results: run, report, compare and the rest.

What they print is drawn in :mod:`borderflow.interfaces.cli.show`; the commands that run
many simulations (ensemble, calibrate, sensitivity) are in ``commands_analysis.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from borderflow.engine.plan import describe
from borderflow.interfaces import api
from borderflow.interfaces.cli.common import (
    ScenarioArgument,
    WorkersOption,
    console,
    default_folder,
    errors,
    fail,
    load,
    reading,
    report_into,
)
from borderflow.interfaces.cli.flee import (
    refuse_flee_folder,
    run_flee_folder,
    stop_flee,
    validate_flee_folder,
)
from borderflow.interfaces.cli.show import (
    progress_bar,
    show_params,
    show_scenarios,
    show_summary,
    show_targets,
    show_written,
)
from borderflow.report.compare import COMPARE, write_compare
from borderflow.report.html import write_report
from borderflow.results import store
from borderflow.results.results import RUN
from borderflow.scenario.bounds import MAX_SEED
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.load import bundled_names
from borderflow.scenario.load import load_scenario as _raw_load
from borderflow.scenario.settings import apply_settings


def run(
    scenario: ScenarioArgument = api.DEFAULT_SCENARIO,
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
            stop_flee(
                f"{', '.join(unused)}: not for a Flee folder (it takes --seed, --out, --validation)"
            )
        run_flee_folder(Path(scenario), seed, out, validation)
        return
    sc = load(scenario, set_)
    folder = out or default_folder(sc.name, *(set_ or []), f"seed{seed}")
    folder = store.claim_output(folder, RUN)
    with progress_bar("days") as bar:
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
            written = report_into(res, folder, png=png)
    show_summary(res)
    show_targets(res)
    console.print(f"Results in [bold]{folder}[/]")
    if written is not None:
        show_written(written)


def report(
    folder: Annotated[Path, typer.Argument(help="a results folder or an ensemble folder")],
    png: Annotated[
        bool, typer.Option(help="also write the figures as PNG in FOLDER/figures (needs Kaleido)")
    ] = False,
) -> None:
    """Rebuild report.html in a results or ensemble folder (and the PNG figures with --png)."""
    with reading(folder):
        written = write_report(folder, png=png)
    show_written(written)


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
        target = store.claim_output(out or default_folder("compare", *names), COMPARE)
        # A folder that is not a run or an ensemble is a refused input, as in `report`.
        with reading(a, b):
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
        fail(exc)
    target = store.claim_output(out or default_folder("compare", sc_a.name, *set_), COMPARE)
    results = []
    with progress_bar("days") as bar:
        for label, sc in (("A", sc_a), ("B", sc_b)):
            task = bar.add_task(f"{label}: {sc.name} (seed {seed})", total=sc.n_days)
            res = api.run(sc, seed, progress=lambda d, t, task=task: bar.update(task, completed=d))
            results.append(res)
    path = write_compare(results[0], results[1], target, labels=("A", "B"), with_runs=True)
    console.print(f"A: {sc_a.name} as it is; B: with {', '.join(set_)}")
    console.print(f"Comparison in [bold]{path}[/]")


def scenarios() -> None:
    """List the bundled scenarios."""
    show_scenarios([_raw_load(name) for name in bundled_names()])


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
        fail(exc)
    console.print(
        f"[green]OK[/] {sc.name}: {len(sc.places)} places, {len(sc.routes)} routes, "
        f"{len(sc.caravans)} caravan(s), {len(sc.policies)} dated policies, "
        f"{len(sc.targets)} targets, {sc.n_days} days"
    )


def params(
    scenario: ScenarioArgument = api.DEFAULT_SCENARIO,
) -> None:
    """Print a scenario's parameters: value, range, and source or the reason for the assumption."""
    try:
        sc = api.load_scenario(scenario)
    except ScenarioError as exc:
        fail(exc)
    show_params(sc)


def plan() -> None:
    """Print the order of events within a simulated day."""
    console.print(describe(), markup=False)


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
    workers: WorkersOption = 1,
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
