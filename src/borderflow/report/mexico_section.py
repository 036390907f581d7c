"""Mexico's enforcement in a run's report: detentions and returns by month against INM's.

:func:`mexico_figures` draws the section's figure (``fig-mexico``) when the run has any
Mexican detention: the people Mexico detained on the road each month (those at its
southern border apart), beside INM's published returns and detentions, with refuge in
Mexico beside COMAR's applicants, and the dated changes of Mexico's enforcement levers
marked (the June 2019 deal in the national scenario). :data:`MEXICO_TABLES` gives the
table printed below it. The numbers are the run's ``mexico`` table
(:mod:`borderflow.results.mexico`), worked out from its flows for a results folder
written before that table existed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from borderflow.report.figures import _empty, _layout
from borderflow.report.inputs import ReportInput
from borderflow.report.markup import Num, table
from borderflow.results.mexico import mexico_table, record_scale, southern_places
from borderflow.scenario.schema import Scenario

FIGURE = "fig-mexico"
SECTION = "section-mexico"
TITLE = "Mexico's enforcement"
#: The levers whose dated changes the figure marks.
MARKED_LEVERS = ("mexico_enforcement", "mexico_southern_enforcement")
#: Colours: the run's detentions, those at the southern border, INM's returns and
#: detentions, the run's refuge and COMAR's applicants.
COLOURS = {
    "detained": "#8d6e63",
    "south": "#4e342e",
    "inm_returned": "#d81b60",
    "inm_presented": "#fb8c00",
    "refuge": "#9ccc65",
    "comar": "#2e7d32",
}

MEXICO_NOTE = (
    "People detained by Mexico on the road in each month of the run (darker: those detained "
    "at its southern border, where mexico_southern_enforcement applies), against INM's "
    "published monthly figures: foreigners returned to their countries, and foreigners "
    "presented to INM (detained; events: a person detained twice counts twice). The model "
    "holds nobody in Mexico's detention: every person detained is sent home the same day, "
    "so its detentions and returns are one count. Below: refuge in Mexico against COMAR's "
    "asylum applicants. INM and COMAR count every foreigner, the run only the people it "
    "simulates; their figures are preliminary, as the press reported them. Dashed lines: "
    "the dated changes of Mexico's enforcement levers (mexico_enforcement across Mexico, "
    "mexico_southern_enforcement at its southern border)."
)
NO_MEXICO = "Nobody was detained by Mexico in this run."
ENSEMBLE_MESSAGE = (
    "Drawn for a single run: an ensemble keeps its runs' daily stocks, not their monthly "
    "flows. Open one run's report for Mexico's detentions by month."
)


def monthly(inp: ReportInput) -> pd.DataFrame:
    """The run's ``mexico`` table, or worked out from its flows where the folder has none."""
    found = inp.tables.get("mexico")
    return found if found is not None else mexico_table(inp.tables["flows"], inp.scenario)


def lever_changes(scenario: Scenario) -> list[tuple[dt.date, str]]:
    """Each dated policy that changes a lever of :data:`MARKED_LEVERS`: its date and what."""
    out = []
    for policy in sorted(scenario.policies, key=lambda p: p.date):
        changes = [f"{k} ×{v:g}" for k, v in policy.set.items() if k in MARKED_LEVERS]
        if changes:
            out.append((policy.date, ", ".join(changes)))
    return out


def _names(scenario: Scenario, ids: list[str]) -> str:
    names = {p.id: p.name for p in scenario.places}
    return ", ".join(names.get(i, i) for i in ids)


def _month_bars(x: pd.Series, y: Any, name: str, colour: str, **kw: Any) -> go.Bar:
    return go.Bar(
        x=x, y=y, name=name, marker_color=colour, xperiod="M1", xperiodalignment="middle", **kw
    )


def _published(x: pd.Series, y: pd.Series, name: str, colour: str) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        name=name,
        mode="markers+lines",
        connectgaps=False,
        line={"color": colour, "dash": "dot"},
        marker={"color": colour, "size": 9, "symbol": "diamond"},
        xperiod="M1",
        xperiodalignment="middle",
    )


def mexico_figure(monthly: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Detentions by Mexico a month against INM's figures; refuge against COMAR's.

    Args:
        monthly: the run's ``mexico`` table (:func:`borderflow.results.mexico.mexico_table`).
        scenario: the scenario run (its southern border's places, its dated levers).
    """
    if not monthly["detained"].any():
        return _empty(TITLE, NO_MEXICO)
    x = pd.to_datetime(monthly["month"])
    south = _names(scenario, southern_places(scenario))
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.65, 0.35],
        vertical_spacing=0.08,
        subplot_titles=[
            "detained and sent home by Mexico, a month",
            "refuge in Mexico, a month",
        ],
    )
    total = int(monthly["detained"].sum())
    fig.add_trace(
        _month_bars(
            x, monthly["detained"], f"detained, simulated ({total:,})", COLOURS["detained"]
        ),
        row=1,
        col=1,
    )
    at_south = int(monthly["detained_southern_border"].sum())
    fig.add_trace(
        _month_bars(
            x,
            monthly["detained_southern_border"],
            f"of them at the southern border ({south or 'none'}; {at_south:,})",
            COLOURS["south"],
        ),
        row=1,
        col=1,
    )
    for column, name in (
        ("inm_returned", "INM: returned to their countries"),
        ("inm_presented", "INM: presented (detained; events)"),
    ):
        if monthly[column].notna().any():
            fig.add_trace(_published(x, monthly[column], name, COLOURS[column]), row=1, col=1)
    fig.add_trace(
        _month_bars(x, monthly["refuge"], "refuge in Mexico, simulated", COLOURS["refuge"]),
        row=2,
        col=1,
    )
    if monthly["comar_applications"].notna().any():
        fig.add_trace(
            _published(
                x, monthly["comar_applications"], "COMAR: asylum applicants", COLOURS["comar"]
            ),
            row=2,
            col=1,
        )
    for date, what in lever_changes(scenario):
        if scenario.start <= date <= scenario.end:
            fig.add_vline(x=str(date), line={"dash": "dash", "width": 1, "color": "#424242"})
            fig.add_annotation(
                x=str(date),
                y=1.0,
                xref="x",
                yref="paper",
                text=f"{date}: {what}",
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                font={"size": 10},
            )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    scale = record_scale(scenario)
    title = "Mexico's detentions by month, simulated against INM's"
    if scale != 1.0:
        title += f" (published figures ×{scale:g}, as the scaled scenario's targets)"
    _layout(fig, title, y="people a month", height=560)
    fig.update_layout(hovermode="x unified", margin={"t": 80})
    return fig


def mexico_figures(inp: ReportInput) -> dict[str, go.Figure]:
    """The section's figure by id, for a run with any Mexican detention; else none."""
    if inp.kind != "run" or not inp.indicators.get("deported_by_mexico", 0):
        return {}
    return {FIGURE: mexico_figure(monthly(inp), inp.scenario)}


def ensemble_figure() -> go.Figure:
    """What an ensemble's report shows in the section: where to find the figure."""
    return _empty(TITLE, ENSEMBLE_MESSAGE)


def _count(value: float) -> object:
    return "–" if pd.isna(value) else int(value)


def _ratio(simulated: float, published: float) -> Num:
    if pd.isna(published) or not published:
        return Num("–")
    return Num(f"{simulated / published:.2f}")


def mexico_table_html(inp: ReportInput) -> str:
    """Per month: the run's detentions and refuge beside INM's and COMAR's figures.

    Detentions at the southern border apart, and the ratio of detentions to INM's returns.
    """
    t = monthly(inp)
    if not t["detained"].any():
        return ""
    header = [
        "month",
        "days simulated",
        "detained (simulated)",
        "at the southern border",
        "INM returned",
        "simulated / INM returned",
        "INM presented (events)",
        "refuge (simulated)",
        "COMAR applicants",
    ]
    rows: list[list[object]] = [
        [
            f"{pd.Timestamp(r['month']):%b %Y}",
            int(r["days"]),
            int(r["detained"]),
            int(r["detained_southern_border"]),
            _count(r["inm_returned"]),
            _ratio(r["detained"], r["inm_returned"]),
            _count(r["inm_presented"]),
            int(r["refuge"]),
            _count(r["comar_applications"]),
        ]
        for _, r in t.iterrows()
    ]
    rows.append(
        [
            "total",
            int(t["days"].sum()),
            int(t["detained"].sum()),
            int(t["detained_southern_border"].sum()),
            "",
            "",
            "",
            int(t["refuge"].sum()),
            "",
        ]
    )
    return table(header, rows)


#: The section's figure's table, printed below it in a run's report.
MEXICO_TABLES = {FIGURE: mexico_table_html}
