"""The figures of the U.S. side: court decisions, time to decision, custody, re-crossings.

One function per figure, as in :mod:`borderflow.report.figures`: the run's tables in
(``decisions``, ``daily``, ``flows``, ``events``, ``households``), a
``plotly.graph_objects.Figure`` out; the numbers come from
:mod:`borderflow.report.us_side`. The report's U.S.-side section
(:mod:`borderflow.report.us_side_section`) and the dashboard draw with these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from borderflow.report import us_side
from borderflow.report.figures import HEIGHT, STAGE_OF_STATE, _empty, _layout
from borderflow.results.summary import household_kinds
from borderflow.scenario.schema import Scenario

__all__ = [
    "BREAKDOWN_TITLES",
    "OUTCOME_STYLES",
    "custody_against_beds",
    "custody_panels",
    "decision_times_per_docket",
    "decisions_by_group",
    "outcome_style",
    "people_and_households",
    "recrossings_by_month",
]


#: Each outcome of a decided case: its label and colour (another outcome: its name, grey).
OUTCOME_STYLES: dict[str, tuple[str, str]] = {
    "asylum_granted": ("asylum granted", "#2e7d32"),
    "other_relief": ("other relief", "#9ccc65"),
    "voluntary_departure": ("voluntary departure", "#8d6e63"),
    "removal_ordered": ("removal ordered", "#c62828"),
    "removed_in_absentia": ("ordered removed in absentia", "#6a1b9a"),
    "terminated": ("case terminated", "#90a4ae"),
    "backlog_decided": ("start backlog: outcome not simulated", "#cfd8dc"),
}
#: Each breakdown of the decisions, as its panel is titled.
BREAKDOWN_TITLES = {
    "docket": "by docket",
    "nationality": "by nationality",
    "representation": "by representation",
    "household": "by household role",
}
DOCKET_COLOURS = {
    "regular": "#1e88e5",
    "mpp": "#d81b60",
    "detained": "#283593",
    us_side.START_BACKLOG: "#757575",
}


def outcome_style(outcome: str) -> tuple[str, str]:
    """An outcome's label and colour (:data:`OUTCOME_STYLES`)."""
    return OUTCOME_STYLES.get(outcome, (outcome.replace("_", " "), "#9e9e9e"))


def decisions_by_group(decisions: pd.DataFrame) -> go.Figure:
    """Decided cases by outcome, as shares of each group's cases.

    A panel per breakdown (docket, nationality, representation, household role), each
    group a bar with its cases counted in its label; the start backlog's cases apart.
    """
    title = "Court decisions by outcome, per group (share of the group's cases decided)"
    tables = {name: us_side.decision_breakdown(decisions, name) for name in us_side.BREAKDOWNS}
    if all(t.empty for t in tables.values()):
        return _empty("Court decisions", "No court case was decided before the run ended.")
    cols = 2
    rows = -(-len(tables) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[BREAKDOWN_TITLES.get(name, name) for name in tables],
        horizontal_spacing=0.25,
        vertical_spacing=0.18,
    )
    shown: set[str] = set()
    for i, t in enumerate(tables.values()):
        row, col = i // cols + 1, i % cols + 1
        groups = [
            f"{g.replace('_', ' ')} ({n:,})" for g, n in zip(t.index, t["cases"], strict=True)
        ]
        for outcome in us_side.OUTCOMES:
            if outcome not in t or not t[outcome].any():
                continue
            label, colour = outcome_style(outcome)
            fig.add_trace(
                go.Bar(
                    y=groups,
                    x=(t[outcome] / t["cases"]).to_numpy(),
                    customdata=t[outcome].to_numpy(),
                    orientation="h",
                    name=label,
                    marker_color=colour,
                    legendgroup=outcome,
                    showlegend=outcome not in shown,
                    hovertemplate="%{y}: %{customdata:,} " + label + " (%{x:.0%})<extra></extra>",
                ),
                row=row,
                col=col,
            )
            shown.add(outcome)
    fig.update_layout(barmode="stack", bargap=0.25)
    _layout(fig, title, y="", height=max(HEIGHT, 260 * rows))
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    fig.update_layout(hovermode="closest")
    return fig


def decision_times_per_docket(decisions: pd.DataFrame) -> go.Figure:
    """The distribution of days to a decision per docket (and the start backlog's cases).

    One empirical distribution function a docket: the share of its decided cases decided
    within so many days, with its median (diamond) and mean (circle) marked.
    """
    times = us_side.decision_times(decisions)
    if times.empty:
        return _empty("Time to decision", "No court case was decided before the run ended.")
    stats = us_side.decision_time_stats(decisions)
    fig = go.Figure()
    for docket, part in times.groupby("docket", sort=False):
        name = str(docket)
        s: Any = stats.loc[name]
        colour = DOCKET_COLOURS.get(name, "#9e9e9e")
        days, share = part["days"].to_numpy(), part["share"].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=days,
                y=share,
                mode="lines",
                line={"color": colour, "shape": "hv"},
                name=f"{name} ({int(s['n']):,} cases)",
                legendgroup=name,
                hovertemplate="%{x} days: %{y:.0%} decided<extra>" + name + "</extra>",
            )
        )
        marks = [float(s["median_days"]), float(s["mean_days"])]
        at = [share[days <= m].max(initial=0.0) for m in marks]
        fig.add_trace(
            go.Scatter(
                x=marks,
                y=at,
                mode="markers",
                marker={"color": colour, "symbol": ["diamond", "circle"], "size": 10},
                customdata=["median", "mean"],
                legendgroup=name,
                showlegend=False,
                hovertemplate=name + ": %{customdata} %{x:,.1f} days<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="days from custody to the decision (start backlog: from filing)")
    _layout(
        fig,
        "Time to a court decision per docket (diamond: median; circle: mean)",
        y="share of the docket's cases decided",
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    fig.update_layout(hovermode="closest")
    return fig


NO_BED_COLOURS = ("#e65100", "#ffb74d", "#8e24aa")


def custody_panels(
    held: Mapping[str, pd.DataFrame],
    beds: pd.DataFrame,
    no_bed: pd.DataFrame | None,
    title: str,
) -> go.Figure:
    """People held in each kind of custody against its beds, a panel a kind.

    Args:
        held: ``median`` (a run: the run itself) -> dates x kinds of custody, and for an
            ensemble its bands (``p05``, ``p25``, ``p75``, ``p95``) too.
        beds: dates x kinds: the beds (NaN where unbounded), drawn as a line.
        no_bed: dates x what tells a kind's beds were short that day
            (:func:`~borderflow.report.us_side.custody_no_bed`), drawn as bars in its
            kind's panel (None: not known, as for an ensemble).
        title: the figure's title.
    """
    med = held["median"]
    top = held.get("p95", med)
    kinds = [k for k in med.columns if top[k].to_numpy().any()]
    if not kinds:
        return _empty("Custody against beds", "Nobody was held in U.S. custody in this run.")
    short = {k.label: [what for _, what in k.no_bed] for k in us_side.CUSTODY}
    fig = make_subplots(
        rows=len(kinds),
        cols=1,
        shared_xaxes=True,
        subplot_titles=kinds,
        vertical_spacing=min(0.08, 0.4 / len(kinds)),
    )
    shown: set[str] = set()

    def add(trace: go.BaseTraceType, group: str, row: int) -> None:
        show = group not in shown and trace.showlegend is not False
        trace.update(legendgroup=group, showlegend=show)
        if show:
            shown.add(group)
        fig.add_trace(trace, row=row, col=1)

    for row, kind in enumerate(kinds, start=1):
        x = med.index
        for lo, hi, alpha in (("p05", "p95", 0.12), ("p25", "p75", 0.22)):
            if lo in held and hi in held:
                add(
                    go.Scatter(
                        x=list(x) + list(x[::-1]),
                        y=list(held[hi][kind]) + list(held[lo][kind][::-1]),
                        fill="toself",
                        fillcolor=f"rgba(40,53,147,{alpha})",
                        line={"width": 0},
                        hoverinfo="skip",
                        name=f"{lo}–{hi} of the runs",
                        showlegend=False,
                    ),
                    "held",
                    row,
                )
        add(
            go.Scatter(x=x, y=med[kind], name="people held", line={"color": "#283593"}),
            "held",
            row,
        )
        if kind in beds and beds[kind].notna().any():
            add(
                go.Scatter(
                    x=beds.index,
                    y=beds[kind],
                    name="beds",
                    line={"color": "#212121", "dash": "dash", "shape": "hv"},
                ),
                "beds",
                row,
            )
        for what, colour in zip(short.get(kind, []), NO_BED_COLOURS, strict=False):
            if no_bed is not None and what in no_bed and no_bed[what].any():
                add(
                    go.Bar(
                        x=no_bed.index, y=no_bed[what], name=f"{what} (a day)", marker_color=colour
                    ),
                    what,
                    row,
                )
    fig.update_layout(bargap=0, barmode="stack")
    return _layout(fig, title, height=max(HEIGHT, 200 * len(kinds)))


def custody_against_beds(daily: pd.DataFrame, flows: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """People in each kind of U.S. custody against its beds, and those who found none.

    ICE detention counts the people arrested in the interior (``interior_detained``).
    """
    return custody_panels(
        {"median": us_side.custody_occupancy(daily, scenario)},
        us_side.custody_beds(scenario),
        us_side.custody_no_bed(flows, scenario),
        "Custody against beds, end of day",
    )


#: Where people were sent back from -> the colour of setting out again, and of being
#: apprehended after.
RECROSSING_COLOURS = {
    "removed by the U.S.": ("#c62828", "#ef9a9a"),
    "deported by Mexico": ("#6d4c41", "#bcaaa4"),
}


def recrossings_by_month(
    flows: pd.DataFrame, events: pd.DataFrame | None, scenario: Scenario
) -> go.Figure:
    """People sent back who set out again, and who were apprehended after, per month.

    Sent back: removed by the U.S. or deported by Mexico. The apprehensions at the U.S.
    border after setting out again come from the event log, when the run kept it.
    """
    table = us_side.recrossings_by_month(flows, events, scenario.start, scenario.end)
    if not table.to_numpy().any():
        return _empty("Re-crossings", "Nobody sent back set out again in this run.")
    fig = go.Figure()
    for column in table.columns:
        if not table[column].any():
            continue
        set_out, apprehended = RECROSSING_COLOURS[column.split(", ", 1)[1]]
        colour = set_out if column.startswith("set out") else apprehended
        fig.add_trace(
            go.Bar(
                x=table.index,
                y=table[column],
                name=f"{column} ({int(table[column].sum()):,})",
                marker_color=colour,
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    _layout(fig, "People sent back who set out again, per month", y="people a month")
    fig.update_layout(hovermode="closest")
    return fig


def people_and_households(households: pd.DataFrame) -> go.Figure:
    """People and households side by side: by kind of household, and where they end.

    A household (a single adult, a family, an unaccompanied child) is counted once, its
    people each; where it ends is its lead's state, which the family shares.
    """
    kinds = household_kinds(households)
    kinds = kinds[kinds["households"] > 0]
    if kinds.empty:
        return _empty("People and households", "Nobody set out in this run.")
    at_end = us_side.households_at_end(households, STAGE_OF_STATE)
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.3, 0.7],
        subplot_titles=["by kind of household", "by where they are at the end"],
        horizontal_spacing=0.08,
    )
    bars = (("people", "#1e88e5"), ("households", "#ffb74d"))
    for col, (table, labels) in enumerate(
        ((kinds, [k.replace("_", " ") for k in kinds.index]), (at_end, list(at_end.index))),
        start=1,
    ):
        for what, colour in bars:
            fig.add_trace(
                go.Bar(
                    x=labels,
                    y=table[what].to_numpy(),
                    name=what,
                    marker_color=colour,
                    legendgroup=what,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
    fig.update_layout(barmode="group")
    _layout(fig, "People and households side by side", y="people or households", height=440)
    fig.update_layout(hovermode="closest")
    return fig
