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
from borderflow.results.targets import role_scores, series_errors
from borderflow.scenario.bounds import shown_capacity
from borderflow.scenario.levers import lever_rows
from borderflow.scenario.schema import Scenario

if TYPE_CHECKING:
    from borderflow.analysis.calibrate import Calibration
    from borderflow.analysis.scorecard import Scorecard
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


#: What each role's table says of its figures.
ROLE_TITLES = {
    "check": "Checks (used for nothing but this comparison)",
    "fit": "Fits (their figures set or fitted the scenario: inside shows the fit worked)",
}


def _percent(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:+.0%}"


def _target_tables(t: pd.DataFrame, simulated: str, band: tuple[str, str] | None) -> None:
    """One table a role, checks first: point targets a row each, then one row a series.

    ``simulated`` names the column compared (``median`` for an ensemble); ``band`` the
    columns of its 5–95% band, if any.
    """
    scores = role_scores(t, simulated)
    errors_of = series_errors(t, simulated).set_index("id")
    for role in ("check", "fit"):
        rows = t[t["role"] == role]
        if rows.empty:
            continue
        table = Table(title=f"{ROLE_TITLES[role]}: {scores[role].counted}", title_justify="left")
        for col in ("target", "date", "simulated", "reported", "range", "in", "error"):
            table.add_column(col, no_wrap=True, justify="left" if col == "target" else "right")
        if band:
            table.add_column("5–95%", no_wrap=True, justify="right")
        table.add_column("quantity (source)", overflow="fold")
        for target_id, figures in rows.groupby("id", sort=False):
            if len(figures) == 1 and figures["key"].iloc[0] == target_id:
                table.add_row(*_point_cells(figures.iloc[0], simulated, band))
            else:
                table.add_row(*_series_cells(figures, errors_of.loc[target_id], band))
        console.print(table)


def _point_cells(row: pd.Series, simulated: str, band: tuple[str, str] | None) -> list[str]:
    value, reported, low, high = _target_cells(row, simulated, "reported", "low", "high")
    cells = [
        str(row["id"]),
        str(row["date"]),
        value,
        reported,
        f"{low}–{high}",
        _yes(row["inside"]),
        _percent(row["error"]),
    ]
    if band:
        cells.append("–".join(_target_cells(row, *band)))
    return [*cells, f"{row['quantity']} ({row['source']})"]


def _series_cells(
    figures: pd.DataFrame, errors: pd.Series, band: tuple[str, str] | None
) -> list[str]:
    """A series target in one row: its dates, figures inside and errors (rows in targets.csv)."""
    first, last = figures.iloc[0], figures.iloc[-1]
    tolerance = first["high"] / first["reported"] - 1 if first["reported"] else float("nan")
    cells = [
        str(first["id"]),
        f"{first['date']}…{last['date']}",
        f"{len(figures)} figures",
        "series",
        f"each ±{tolerance:.0%}",
        f"{int(errors['inside'])} of {len(figures)}",
        f"median {errors['median_error']:.0%}, bias {_percent(errors['bias'])}",
    ]
    if band:
        cells.append("")
    return [*cells, f"{first['quantity']} ({first['source']})"]


def show_targets(res: Results) -> None:
    """Print simulated against reported: checks and fits apart."""
    if not res.targets.empty:
        _target_tables(res.targets, "simulated", None)


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
    console.print(res.bands_sentence, markup=False, highlight=False, soft_wrap=True)
    for row in res.failed.itertuples():
        errors.print(
            f"run {row.run} (seed {row.seed}) failed after {row.attempts} attempts: {row.error}",
            highlight=False,
        )
    show_ensemble_targets(res.targets)


def show_ensemble_targets(t: pd.DataFrame) -> None:
    """Print an ensemble's targets: the median of the runs against the reported range."""
    if not t.empty:
        _target_tables(t, "median", ("p05", "p95"))


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
    for column in ("target", "role", "reported", "before", "after", "error before → after"):
        fit.add_column(column, justify="left" if column in ("target", "role") else "right")
    for r in cal.fit.itertuples():
        fit.add_row(
            str(r.key),
            _fit_role(str(r.role), bool(r.held_out)),
            f"{r.reported:,.4g}",
            f"{r.before_median:,.4g} [{r.before_q05:,.4g}, {r.before_q95:,.4g}]",
            f"{r.after_median:,.4g} [{r.after_q05:,.4g}, {r.after_q95:,.4g}]",
            f"{r.error_before:.2f} → {r.error_after:.2f}",
        )
    console.print(fit)
    series = cal.series
    if (series["figures"] > 1).any():
        by_series = Table(title="After the fit, per target (relative errors of the medians)")
        for column in ("target", "role", "figures", "inside", "median error", "bias"):
            by_series.add_column(
                column, justify="left" if column in ("target", "role") else "right"
            )
        for r in series.itertuples():
            by_series.add_row(
                str(r.id),
                _fit_role(str(r.role), not r.fitted_to),
                str(r.figures),
                str(r.inside),
                f"{r.median_error:.0%}",
                _percent(r.bias),
            )
        console.print(by_series)
    console.print(
        f"Mean error in scales (|median − reported| / scale): fitted to, in sample "
        f"[bold]{cal.in_sample_error:.2f}[/]; out of sample (checks, and fit targets held "
        "out) "
        + (
            f"[bold]{cal.out_of_sample_error:.2f}[/]"
            if cal.fit["held_out"].any()
            else "none (the scenario has no check target; hold a fit target out with --hold-out)"
        )
    )


def _fit_role(role: str, held_out: bool) -> str:
    """A target's part in a calibration: fitted to, a check, or a fit target held out."""
    if role == "check":
        return "check"
    return "fit, held out" if held_out else "fit"


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


def _score(figures: int, inside: int, error: float) -> str:
    if not figures:
        return "–"
    shown = "" if pd.isna(error) else f", {error:.0%}"
    return f"{inside} of {figures}{shown}"


def show_scorecard(card: Scorecard) -> None:
    """Print the scorecard: per scenario, then per target (checks first)."""
    table = Table(
        title=f"Against the record (median of {card.runs} runs): inside, median |error|",
        title_justify="left",
    )
    for col in ("scenario", "checks", "fits"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for r in card.scenarios.itertuples():
        table.add_row(
            str(r.scenario),
            _score(r.check_figures, r.check_inside, r.check_median_error),
            _score(r.fit_figures, r.fit_inside, r.fit_median_error),
        )
    console.print(table)
    targets = Table(title="Per target (bias: mean signed error)", title_justify="left")
    for col in ("scenario", "target", "role", "inside", "median |error|", "bias"):
        targets.add_column(
            col, justify="right" if col in ("inside", "median |error|", "bias") else "left"
        )
    for r in card.targets.itertuples():
        targets.add_row(
            str(r.scenario),
            str(r.id),
            str(r.role),
            f"{r.inside} of {r.figures}",
            "–" if pd.isna(r.median_error) else f"{r.median_error:.0%}",
            _percent(r.bias),
        )
    console.print(targets)
    console.print(
        "Checks were used for nothing but this comparison; fits set or fitted something in "
        "their scenario, so being inside only shows the fit worked."
    )
