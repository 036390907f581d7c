"""The U.S. side's section of a run's report: its figures by id, and the table under each.

:func:`us_side_figures` draws the section's figures (with
:mod:`borderflow.report.us_side_figures`; the dashboard shows the same);
:data:`US_SIDE_TABLES` gives, per figure id, the HTML table printed below that figure
in a run's report (:mod:`borderflow.report.html`). The numbers come from
:mod:`borderflow.report.us_side`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from borderflow.report import us_side
from borderflow.report import us_side_figures as us_figs
from borderflow.report.inputs import ReportInput
from borderflow.report.markup import Num, table
from borderflow.results.indicators import formatted
from borderflow.results.summary import household_kinds


def us_side_figures(inp: ReportInput) -> dict[str, go.Figure]:
    """The figures of a run's U.S.-side section, by figure id (the dashboard's U.S. side)."""
    sc, t = inp.scenario, inp.tables
    return {
        "fig-us-decisions": us_figs.decisions_by_group(t["decisions"]),
        "fig-us-decision-times": us_figs.decision_times_per_docket(t["decisions"]),
        "fig-us-custody": us_figs.custody_against_beds(t["daily"], t["flows"], sc),
        "fig-us-recrossings": us_figs.recrossings_by_month(t["flows"], t.get("events"), sc),
        "fig-us-households": us_figs.people_and_households(t["households"]),
    }


# ---------------------------------------------------------------- the tables under the figures


def _share(value: float) -> Num:
    return Num("–" if pd.isna(value) else f"{value:.0%}")


def _days(value: float) -> Num:
    return Num(formatted(value, "days"))


def decisions_table(inp: ReportInput) -> str:
    """Decided cases per group of each breakdown and outcome, with rates.

    The grant rate and the share ordered removed in absentia are of the cases whose
    outcome is simulated (the start backlog's are not).
    """
    tables = us_side.decision_breakdowns(inp.tables["decisions"])
    present = [t for t in tables.values() if not t.empty]
    if not present:
        return ""
    outcomes = [o for o in us_side.OUTCOMES if any(t[o].any() for t in present)]
    header = ["breakdown", "group", "cases", *(us_figs.outcome_style(o)[0] for o in outcomes)]
    header += ["grant rate", "in absentia"]
    rows = [
        (
            us_figs.BREAKDOWN_TITLES.get(name, name),
            str(group).replace("_", " "),
            int(r["cases"]),
            *(int(r[o]) for o in outcomes),
            _share(r["grant_rate"]),
            _share(r["in_absentia_share"]),
        )
        for name, t in tables.items()
        for group, r in t.iterrows()
    ]
    return table(header, rows)


def decision_times_table(inp: ReportInput) -> str:
    """Per docket: cases decided, and the mean, median and 90th percentile of the days."""
    stats = us_side.decision_time_stats(inp.tables["decisions"])
    if stats.empty:
        return ""
    rows = [
        (
            docket,
            "filing" if docket == us_side.START_BACKLOG else "custody",
            int(s["n"]),
            _days(s["mean_days"]),
            _days(s["median_days"]),
            _days(s["p90_days"]),
        )
        for docket, s in stats.iterrows()
    ]
    header = ["docket", "days from", "cases decided", "mean days", "median", "90th percentile"]
    return table(header, rows)


def custody_summary_table(inp: ReportInput) -> str:
    """Per kind of custody: people held at the peak and on average, beds, and no bed."""
    t = us_side.custody_table(inp.tables["daily"], inp.scenario)
    no_bed = us_side.custody_no_bed(inp.tables["flows"], inp.scenario).sum()
    rows = []
    for kind, r in zip(us_side.CUSTODY, (r for _, r in t.iterrows()), strict=True):
        if pd.isna(r["beds_min"]):
            beds = "unbounded"
        elif r["beds_min"] == r["beds_max"]:
            beds = f"{r['beds_max']:,.0f}"
        else:
            beds = f"{r['beds_min']:,.0f} – {r['beds_max']:,.0f}"
        short = "; ".join(f"{no_bed[what]:,} {what}" for _, what in kind.no_bed) or "–"
        rows.append(
            (
                kind.label,
                int(r["peak"]),
                Num(f"{r['mean']:,.1f}"),
                int(r["person_days"]),
                Num(beds),
                int(r["days_full"]),
                short,
            )
        )
    header = ["custody", "peak", "mean", "person-days", "beds", "days all beds taken"]
    return table([*header, "beds short"], rows)


def recrossings_table(inp: ReportInput) -> str:
    """People sent back who set out again (and apprehended after), per month with any."""
    t = inp.tables
    sc = inp.scenario
    months = us_side.recrossings_by_month(t["flows"], t.get("events"), sc.start, sc.end)
    months = months[months.sum(axis=1) > 0]
    if months.empty:
        return ""
    rows = [(f"{m:%b %Y}", *(int(v) for v in r)) for m, r in months.iterrows()]
    rows.append(("total", *(int(v) for v in months.sum())))
    return table(["month", *months.columns], rows)


def households_table(inp: ReportInput) -> str:
    """Per kind of household: households, their people and the mean size."""
    kinds = household_kinds(inp.tables["households"])
    rows = [
        (
            str(kind).replace("_", " "),
            int(r["households"]),
            int(r["people"]),
            Num("–" if pd.isna(r["mean_size"]) else f"{r['mean_size']:.2f}"),
        )
        for kind, r in kinds.iterrows()
    ]
    total = kinds[["households", "people"]].sum()
    rows.append(("all", int(total["households"]), int(total["people"]), Num("")))
    return table(["household", "households", "people", "mean size"], rows)


#: Each U.S.-side figure's table, printed below it in a run's report.
US_SIDE_TABLES = {
    "fig-us-decisions": decisions_table,
    "fig-us-decision-times": decision_times_table,
    "fig-us-custody": custody_summary_table,
    "fig-us-recrossings": recrossings_table,
    "fig-us-households": households_table,
}
