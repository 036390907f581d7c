"""What the commands print: rich tables of results, and the one progress bar.

The commands (``commands*.py``) decide what to run; this module only draws. Headline
indicators are labelled and formatted by :mod:`borderflow.results.indicators`, and a
target is inside as :func:`borderflow.results.targets.inside` says, so the terminal, the
report and the dashboard agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from borderflow.analysis.ensemble import EnsembleResults
from borderflow.interfaces.cli.common import console, errors
from borderflow.report.html import Written
from borderflow.results.indicators import Format, flatten, formatted, labelled, target_format
from borderflow.results.results import Results
from borderflow.results.targets import inside_count
from borderflow.scenario.bounds import shown_capacity
from borderflow.scenario.levers import lever_rows
from borderflow.scenario.schema import Scenario

if TYPE_CHECKING:
    from borderflow.analysis.calibrate import Calibration
    from borderflow.analysis.sensitivity import Sensitivity


def progress_bar(unit: str, *, time_left: bool = False) -> Progress:
    """A transient progress bar counting ``unit`` (days, runs, simulations).

    Args:
        unit: the text after the count; it may name the task's fields
            (``{task.fields[failed]}``).
        time_left: also estimate the time left (for work whose total is known).
    """
    columns: list[ProgressColumn | str] = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
    ]
    if time_left:
        columns += [TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left")]
    return Progress(*columns, console=console, transient=True)


def place_names(scenario: Scenario) -> dict[str, str]:
    """Place id -> name, for the indicators' labels."""
    return {p.id: p.name for p in scenario.places}


def show_summary(res: Results) -> None:
    """Print the headline indicators of one run."""
    table = Table(title=f"{res.scenario.title} — seed {res.seed}", show_header=True)
    table.add_column("indicator")
    table.add_column("value", justify="right")
    flat = flatten(res.summary_dict)
    for name, label, indicator in labelled(flat, place_names(res.scenario), "run"):
        table.add_row(label, formatted(flat[name], indicator.fmt))
    console.print(table)


def _target_cells(row: pd.Series, *columns: str) -> list[str]:
    fmt = target_format(str(row["measure"]))
    return [formatted(float(row[c]), fmt) for c in columns]


def _yes(flag: object) -> str:
    return "[green]yes[/]" if flag else "[red]no[/]"


def show_targets(res: Results) -> None:
    """Print simulated against reported."""
    t = res.targets
    if t.empty:
        return
    table = Table(title=f"Simulated against reported ({inside_count(t['inside'])})")
    table.add_column("target", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("simulated", justify="right", no_wrap=True)
    table.add_column("reported", justify="right", no_wrap=True)
    table.add_column("range", no_wrap=True)
    table.add_column("in", no_wrap=True)
    table.add_column("quantity (source)", overflow="fold")
    for _, row in t.iterrows():
        simulated, reported, low, high = _target_cells(row, "simulated", "reported", "low", "high")
        table.add_row(
            str(row["id"]),
            str(row["date"]),
            simulated,
            reported,
            f"{low}–{high}",
            _yes(row["inside"]),
            f"{row['quantity']} ({row['source']})",
        )
    console.print(table)


def _band(row: pd.Series, fmt: Format, *columns: str) -> str:
    return "–".join(formatted(float(row[c]), fmt) for c in columns)


def show_ensemble(res: EnsembleResults, places: Mapping[str, str] | None = None) -> None:
    """Print the bands of the headline indicators and the targets.

    Args:
        res: the ensemble.
        places: place id -> name, for the labels (ids are shown without it).
    """
    m = res.manifest
    failed = f", [red]{m['failed']} failed[/]" if m["failed"] else ""
    ind = res.indicators.set_index("indicator")
    table = Table(title=f"{m['scenario']}: {m['succeeded']} of {m['runs']} runs{failed}")
    for col in ("indicator", "median", "25–75%", "5–95%"):
        table.add_column(col, justify="left" if col == "indicator" else "right")
    for name, label, indicator in labelled(ind.index, places or {}, "ensemble"):
        r, fmt = ind.loc[name], indicator.fmt
        table.add_row(
            label, _band(r, fmt, "median"), _band(r, fmt, "p25", "p75"), _band(r, fmt, "p05", "p95")
        )
    console.print(table)
    for row in res.failed.itertuples():
        errors.print(
            f"run {row.run} (seed {row.seed}) failed after {row.attempts} attempts: {row.error}",
            highlight=False,
        )
    show_ensemble_targets(res.targets)


def show_ensemble_targets(t: pd.DataFrame) -> None:
    """Print an ensemble's targets: the median of the runs against the reported range."""
    if t.empty:
        return
    tt = Table(
        title=f"Simulated (median of the runs) against reported ({inside_count(t['inside'])})"
    )
    for col in ("target", "date", "reported", "range", "median", "5–95%", "in"):
        tt.add_column(col, no_wrap=True, justify="right" if col != "target" else "left")
    tt.add_column("quantity", overflow="fold")
    for _, row in t.iterrows():
        reported, low, high, median, p05, p95 = _target_cells(
            row, "reported", "low", "high", "median", "p05", "p95"
        )
        tt.add_row(
            str(row["id"]),
            str(row["date"]),
            reported,
            f"{low}–{high}",
            median,
            f"{p05}–{p95}",
            _yes(row["inside"]),
            str(row["quantity"]),
        )
    console.print(tt)


def show_written(written: Written) -> None:
    """Say where the report is and what became of the PNG figures."""
    console.print(f"Report in [bold]{written.path}[/]")
    if written.png is not None:
        colour = "green" if written.png.ok else "yellow"
        console.print(f"[{colour}]{written.png.message}[/]", highlight=False)


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


def show_sensitivity(res: Sensitivity, output: str, method: str, seed: int) -> None:
    """Print the assumptions ranked by their effect on ``output``."""
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


def show_scenarios(scenarios: list[Scenario]) -> None:
    """Print the bundled scenarios: name, period, title."""
    table = Table(show_header=True)
    table.add_column("name")
    table.add_column("period")
    table.add_column("title")
    for sc in scenarios:
        table.add_row(sc.name, f"{sc.start} → {sc.end}", sc.title)
    console.print(table)


def _lever_value(value: object) -> str:
    """A lever's value as ``params`` shows it: "unlimited" for no limit, places by name."""
    if isinstance(value, dict):
        return ", ".join(f"{place} {_lever_value(v)}" for place, v in value.items()) or "—"
    if isinstance(value, bool):
        return str(value).lower()
    return shown_capacity(float(value)) if isinstance(value, int | float) else str(value)


def show_params(sc: Scenario) -> None:
    """Print a scenario's parameters, then its levers and dated policies."""
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
    for col in ("lever", "per", "unit", "value"):
        lever_table.add_column(col, overflow="fold")
    lever_table.add_column("meaning", overflow="fold", min_width=20)
    values = sc.levers.model_dump()
    for name, per, unit, _, meaning in lever_rows():
        lever_table.add_row(name, per, unit, _lever_value(values[name]), meaning)
    for pol in sc.policies:
        lever_table.add_row(f"from {pol.date}", f"{pol.set}  ({pol.source or pol.note or ''})")
    console.print(lever_table)


def show_flee_warnings(warnings: tuple[object, ...]) -> None:
    """Print what a Flee folder does that Flee allows but probably did not mean, in yellow."""
    for warning in warnings:
        errors.print(
            f"  warning: {warning}", style="yellow", markup=False, highlight=False, soft_wrap=True
        )
