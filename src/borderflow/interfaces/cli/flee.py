"""A Flee folder on the command line: run or check it, or refuse what it cannot do."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from borderflow.flee.out import FLEE_RUN, write_out
from borderflow.interfaces import api
from borderflow.interfaces.cli.common import console, default_folder, errors, fail
from borderflow.interfaces.cli.show import progress_bar, show_flee_warnings
from borderflow.results import store
from borderflow.scenario.errors import ScenarioError


def run_flee_folder(folder: Path, seed: int, out: Path | None, validation: Path | None) -> None:
    """Run a Flee scenario folder with Flee's rules; write ``out.csv`` and ``summary.json``."""
    try:
        sc = api.load_flee(folder, validation)
    except ScenarioError as exc:
        fail(exc)
    show_flee_warnings(sc.warnings)
    target = out or default_folder("flee", folder.resolve().name, f"seed{seed}")
    target = store.claim_output(target, FLEE_RUN)
    with progress_bar("days") as bar:
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


def stop_flee(message: str) -> NoReturn:
    """Refuse what a Flee folder cannot do: one line, exit 2."""
    errors.print(f"borderflow: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def refuse_flee_folder(scenario: str, what: str) -> None:
    """Exit 2 with one line when ``scenario`` is a Flee folder: ``what`` is not supported."""
    if api.is_flee_folder(scenario):
        stop_flee(
            f"{scenario} is a Flee folder; {what} of Flee folders are not supported "
            "(borderflow run and borderflow validate take one)"
        )


def validate_flee_folder(folder: Path, validation: Path | None) -> None:
    """Check a Flee folder: print every problem and exit 2, or OK with a summary."""
    try:
        sc = api.load_flee(folder, validation)
    except ScenarioError as exc:
        fail(exc)
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
