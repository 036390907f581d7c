"""One function per figure: plain result tables in, a ``plotly.graph_objects.Figure`` out.

The report (:mod:`borderflow.report.html`) and the dashboard both draw with these, so a
figure looks the same wherever it is shown. Every function takes the tables of
:class:`borderflow.results.results.Results` (``res.daily``, ``res.flows``…) or of
:func:`borderflow.report.tables.load_results` (the same tables read back from a folder),
plus the :class:`~borderflow.scenario.schema.Scenario` where places or levers matter.
The U.S. side's figures are in :mod:`borderflow.report.us_side_figures`.
Stocks missing from ``daily`` on a day are zero there (the table is sparse).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from borderflow.scenario import vocabulary
from borderflow.scenario.bounds import is_unlimited
from borderflow.scenario.levers import build_schedule
from borderflow.scenario.schema import Scenario

# Stages of the stacked-area figure, in stacking order (bottom first), with the states
# each one holds and its colour; every state of the model belongs to exactly one stage.
STAGES: dict[str, tuple[tuple[str, ...], str]] = {
    "on the road": (("transit",), "#9e9e9e"),
    "deported by Mexico": (("deported_by_mexico",), "#795548"),
    "waiting at a port, sheltered": (("waiting_sheltered",), "#ffb74d"),
    "waiting at a port, unsheltered": (("waiting_unsheltered",), "#e65100"),
    "holding a number, waiting away": (("waiting_away",), "#ffe0b2"),
    "waiting in Mexico under MPP": (("mpp_waiting",), "#d81b60"),
    "in U.S. custody": (
        ("in_custody", "prosecution", "awaiting_credible_fear", "hhs_custody"),
        "#5c6bc0",
    ),
    "in ICE detention": (("detained", "family_detention"), "#283593"),
    "released, awaiting a hearing": (("released_pending_hearing",), "#42a5f5"),
    "evaded Border Patrol": (("evaded",), "#26a69a"),
    "awaiting removal": (("awaiting_removal",), "#8d6e63"),
    "granted asylum or relief": (("asylum_granted", "other_relief"), "#2e7d32"),
    "stayed in Mexico": (("refuge_in_mexico", "settled_in_mexico"), "#9ccc65"),
    "went home or removed": (
        ("returned_home", "removed", "voluntary_departure", "ordered_removed_in_absentia"),
        "#616161",
    ),
}
STAGE_OF_STATE: dict[str, str] = {s: stage for stage, (states, _) in STAGES.items() for s in states}
WAITING = tuple(s.label for s in vocabulary.WAITING)
US_CUSTODY_STATES = (
    "in_custody",
    "prosecution",
    "awaiting_credible_fear",
    "detained",
    "family_detention",
)
TEMPLATE = "plotly_white"
HEIGHT = 380

__all__ = [
    "STAGES",
    "city_of_place",
    "court_backlog",
    "crossings_over_time",
    "daily_pivot",
    "detention_over_time",
    "flow_sankey",
    "mpp_population",
    "shelter_occupancy",
    "stocks_over_time",
    "time_to_decision",
    "violence_over_time",
    "wait_distribution",
    "waitlist_per_city",
]


# ---------------------------------------------------------------- helpers


def city_of_place(scenario: Scenario) -> dict[str, str]:
    """Border city of each port of entry and of each border city itself."""
    out = {p.id: p.id for p in scenario.places if p.kind == "border_city"}
    out |= {p.id: p.parent for p in scenario.places if p.kind == "port_of_entry" and p.parent}
    return out


def _names(scenario: Scenario) -> dict[str, str]:
    return {p.id: p.name for p in scenario.places}


def _dates(scenario: Scenario) -> pd.DatetimeIndex:
    return pd.date_range(scenario.start, scenario.end, freq="D")


def daily_pivot(
    daily: pd.DataFrame,
    scenario: Scenario,
    *,
    states: Iterable[str] | None = None,
    by: str = "state",
    key: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """People per day (rows: every simulated date) and per ``by`` column (columns).

    Args:
        daily: the ``daily`` table.
        scenario: the scenario run (gives the dates, so days with nobody count as 0).
        states: keep only these states (all when ``None``).
        by: the column to spread (``state``, ``place`` or ``group``).
        key: relabel the ``by`` values first (e.g. port -> city); unmapped rows are dropped.
    """
    d = daily
    if states is not None:
        d = d[_text(d["state"]).isin(list(states))]
    return _spread(d, by, key, scenario)


def _text(column: pd.Series) -> pd.Series:
    """A column as strings, fast for categoricals (the result tables' columns are)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.asarray(column.cat.categories.astype(str), dtype=object)
        codes = column.cat.codes.to_numpy()
        out = np.where(codes >= 0, names[np.maximum(codes, 0)], None)
        return pd.Series(out, index=column.index, dtype=object)
    return column.astype(str)


def _spread(
    d: pd.DataFrame, by: str, key: Mapping[str, str] | None, scenario: Scenario
) -> pd.DataFrame:
    # sum per (date, value) first: far fewer rows to relabel than the table has
    d = d.groupby(["date", by], observed=True, sort=False)["n"].sum().reset_index()
    labels = _text(d[by])
    if key is not None:
        labels = labels.map(key)
    frame = pd.DataFrame({"date": pd.to_datetime(d["date"]), "by": labels, "n": d["n"]})
    frame = frame.dropna(subset=["by"])
    wide = frame.groupby(["date", "by"])["n"].sum().unstack("by", fill_value=0)
    wide.columns = wide.columns.astype(str)
    wide.columns.name = None
    return wide.reindex(_dates(scenario), fill_value=0)


def _flow_pivot(
    flows: pd.DataFrame,
    scenario: Scenario,
    transitions: Sequence[str],
    *,
    by: str = "transition",
    key: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    f = flows[_text(flows["transition"]).isin(list(transitions))]
    return _spread(f, by, key, scenario)


def _layout(fig: go.Figure, title: str, *, y: str = "people", height: int = HEIGHT) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template=TEMPLATE,
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.15, "x": 0},
        hovermode="x unified",
    )
    fig.update_yaxes(title_text=y, rangemode="tozero")
    return fig


def _empty(title: str, message: str) -> go.Figure:
    """A figure that says why there is nothing to draw (so every section keeps its figure)."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, y="", height=220)


def _cities_with(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].to_numpy().any()]


# ---------------------------------------------------------------- figures


def stocks_over_time(daily: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """People in each stage at the end of each day, as stacked areas."""
    wide = daily_pivot(daily, scenario, by="state", key=STAGE_OF_STATE)
    fig = go.Figure()
    for stage, (_, colour) in STAGES.items():
        if stage not in wide or not wide[stage].any():
            continue
        fig.add_trace(
            go.Scatter(
                x=wide.index,
                y=wide[stage],
                name=stage,
                mode="lines",
                stackgroup="stages",
                line={"width": 0.5, "color": colour},
                fillcolor=colour,
            )
        )
    return _layout(fig, "People in each stage, end of day", height=460)


def waitlist_per_city(daily: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Length of the port waitlist in each border city (sheltered and not), per day."""
    wide = daily_pivot(daily, scenario, states=WAITING, by="place", key=city_of_place(scenario))
    cities = _cities_with(wide)
    if not cities:
        return _empty("Waitlist per border city", "Nobody waited on a port's list in this run.")
    names = _names(scenario)
    fig = go.Figure()
    for city in sorted(cities, key=lambda c: -wide[c].max()):
        fig.add_trace(go.Scatter(x=wide.index, y=wide[city], name=names.get(city, city)))
    return _layout(fig, "Waitlist per border city, end of day")


def wait_distribution(waits: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Distribution of finished waits per border city: admitted and left the list."""
    city = city_of_place(scenario)
    w = waits.assign(city=waits["port"].astype(str).map(city)).dropna(subset=["city"])
    w = w[w["n"] > 0]
    if w.empty:
        return _empty("Distribution of waits", "No wait on a port's list finished in this run.")
    names = _names(scenario)
    cities = w.groupby("city")["n"].sum().sort_values(ascending=False).index.tolist()
    fig = make_subplots(
        rows=len(cities),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[names.get(c, c) for c in cities],
        vertical_spacing=min(0.08, 0.4 / max(len(cities), 1)),
    )
    colours = {"admitted": "#1e88e5", "left_list": "#e65100"}
    labels = {"admitted": "admitted at the port", "left_list": "left the list"}
    for row, c in enumerate(cities, start=1):
        part = w[w["city"] == c]
        for outcome in ("admitted", "left_list"):
            sel = part[part["outcome"].astype(str) == outcome]
            per_day = sel.groupby("waited_days")["n"].sum()
            fig.add_trace(
                go.Bar(
                    x=per_day.index,
                    y=per_day.to_numpy(),
                    name=labels[outcome],
                    marker_color=colours[outcome],
                    legendgroup=outcome,
                    showlegend=row == 1,
                ),
                row=row,
                col=1,
            )
    fig.update_layout(barmode="stack", bargap=0.05)
    fig.update_xaxes(title_text="days waited", row=len(cities), col=1)
    _layout(fig, "Distribution of waits on the port lists", height=max(HEIGHT, 170 * len(cities)))
    fig.update_layout(hovermode="closest")
    return fig


def shelter_occupancy(daily: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Per border city: people in shelter beds, the beds there, and people without a bed."""
    city = city_of_place(scenario)
    sheltered = daily_pivot(daily, scenario, states=["waiting_sheltered"], by="place", key=city)
    unsheltered = daily_pivot(daily, scenario, states=["waiting_unsheltered"], by="place", key=city)
    schedule = build_schedule(scenario)
    index = {p.id: i for i, p in enumerate(scenario.places)}
    cities = sorted(
        set(_cities_with(sheltered)) | set(_cities_with(unsheltered)),
        key=lambda c: -(sheltered.get(c, 0) + unsheltered.get(c, 0)).max(),
    )
    if not cities:
        return _empty("Shelter occupancy", "Nobody waited in a border city in this run.")
    names = _names(scenario)
    fig = make_subplots(
        rows=len(cities),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[names.get(c, c) for c in cities],
        vertical_spacing=min(0.08, 0.4 / len(cities)),
    )
    dates = sheltered.index
    for row, c in enumerate(cities, start=1):
        first = row == 1
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=sheltered.get(c, pd.Series(0, index=dates)),
                name="in a shelter bed",
                line={"color": "#ffb74d"},
                fill="tozeroy",
                legendgroup="sheltered",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=unsheltered.get(c, pd.Series(0, index=dates)),
                name="without a bed",
                line={"color": "#e65100"},
                legendgroup="unsheltered",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=schedule.beds[:, index[c]],
                name="shelter beds",
                line={"color": "#212121", "dash": "dash", "shape": "hv"},
                legendgroup="beds",
                showlegend=first,
            ),
            row=row,
            col=1,
        )
    height = max(HEIGHT, 190 * len(cities))
    return _layout(fig, "Shelter occupancy against beds, per border city", height=height)


CROSSING_SERIES: dict[str, tuple[str, str]] = {
    "admitted_at_port": ("admitted at a port", "#1e88e5"),
    "cross_between_ports": ("crossed between ports", "#8e24aa"),
    "apprehended": ("apprehended by Border Patrol", "#c62828"),
    "evaded": ("evaded Border Patrol", "#26a69a"),
}


def crossings_over_time(flows: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Per day: admissions at ports, crossings between ports, apprehensions and evasions."""
    wide = _flow_pivot(flows, scenario, list(CROSSING_SERIES))
    fig = go.Figure()
    for transition, (label, colour) in CROSSING_SERIES.items():
        y = wide[transition] if transition in wide else np.zeros(len(wide))
        fig.add_trace(go.Scatter(x=wide.index, y=y, name=label, line={"color": colour}))
    return _layout(fig, "Admissions and crossings between ports, per day", y="people a day")


def violence_over_time(flows: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Violent incidents per day in each border city (port waitlists and MPP returnees)."""
    wide = _flow_pivot(
        flows, scenario, ["violence_incident"], by="place", key=city_of_place(scenario)
    )
    cities = _cities_with(wide)
    if not cities:
        return _empty("Violence incidents", "No violent incident was simulated in this run.")
    names = _names(scenario)
    fig = go.Figure()
    for c in sorted(cities, key=lambda c: -wide[c].sum()):
        fig.add_trace(
            go.Bar(x=wide.index, y=wide[c], name=f"{names.get(c, c)} ({int(wide[c].sum()):,})")
        )
    fig.update_layout(barmode="stack", bargap=0)
    return _layout(fig, "Violent incidents per day, per border city", y="incidents a day")


def mpp_population(daily: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """People waiting in each Mexican border city under MPP, per day."""
    wide = daily_pivot(daily, scenario, states=["mpp_waiting"], by="place")
    cities = _cities_with(wide)
    if not cities:
        return _empty("MPP population", "Nobody was returned to Mexico under MPP in this run.")
    names = _names(scenario)
    fig = go.Figure()
    for c in sorted(cities, key=lambda c: wide[c].max()):
        fig.add_trace(
            go.Scatter(
                x=wide.index, y=wide[c], name=names.get(c, c), mode="lines", stackgroup="mpp"
            )
        )
    return _layout(fig, "Waiting in Mexico under MPP (Remain in Mexico), per border city")


def detention_over_time(daily: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """People in U.S. custody and ICE detention per day, with the detention beds."""
    wide = daily_pivot(daily, scenario, states=US_CUSTODY_STATES, by="state")
    labels = {
        "in_custody": "in CBP custody",
        "prosecution": "held for prosecution",
        "awaiting_credible_fear": "awaiting a credible-fear interview",
        "detained": "in ICE detention",
        "family_detention": "in ICE family residential detention",
    }
    fig = go.Figure()
    for state, label in labels.items():
        if state in wide and wide[state].any():
            fig.add_trace(go.Scatter(x=wide.index, y=wide[state], name=label, stackgroup="us"))
    beds = build_schedule(scenario).detention_beds
    if not is_unlimited(float(beds.max())):
        fig.add_trace(
            go.Scatter(
                x=wide.index,
                y=beds,
                name="detention beds",
                line={"color": "#212121", "dash": "dash", "shape": "hv"},
            )
        )
    return _layout(fig, "U.S. custody and detention, end of day")


def court_backlog(courts: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Each immigration-court docket's backlog per day: waiting and in hearings."""
    if courts is None or courts.empty or not (courts["backlog"] > 0).any():
        return _empty("Court backlog", "No court case was pending in this run.")
    fig = go.Figure()
    c = courts.assign(date=pd.to_datetime(courts["date"]))
    for docket, part in c.groupby(c["docket"].astype(str), sort=False):
        if not (part["backlog"] > 0).any():
            continue
        fig.add_trace(go.Scatter(x=part["date"], y=part["backlog"], name=f"{docket}: backlog"))
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["in_hearings"],
                name=f"{docket}: in hearings",
                line={"dash": "dot"},
            )
        )
    return _layout(fig, "Immigration-court backlog per docket", y="cases")


DECISION_LABELS = {
    "asylum_granted": "asylum granted",
    "other_relief": "other relief",
    "removal_ordered": "removal ordered",
    "removed_in_absentia": "ordered removed in absentia",
    "voluntary_departure": "voluntary departure",
}


def time_to_decision(decisions: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """Days from custody to a court decision, per outcome (decided cases only)."""
    d = decisions[decisions["outcome"].astype(str).isin(list(DECISION_LABELS))]
    d = d[d["n"] > 0]
    if d.empty:
        return _empty("Time to decision", "No court case was decided before the run ended.")
    # a week per bar once decisions spread over months: single days are mostly noise
    width = 7 if d["days"].max() > 70 else 1
    fig = go.Figure()
    for outcome, label in DECISION_LABELS.items():
        part = d[d["outcome"].astype(str) == outcome]
        if part.empty:
            continue
        per = part.groupby(part["days"] // width * width)["n"].sum()
        fig.add_trace(
            go.Bar(
                x=per.index + (width - 1) / 2,
                y=per.to_numpy(),
                width=width,
                name=f"{label} ({int(per.sum()):,})",
            )
        )
    fig.update_layout(barmode="stack", bargap=0)
    unit = "weeks of 7 days" if width == 7 else "days"
    fig.update_xaxes(title_text=f"days from custody to the decision (bars: {unit})")
    _layout(fig, "Time from custody to a court decision (cases decided in the run)", y="cases")
    fig.update_layout(hovermode="closest")
    return fig


# ---------------------------------------------------------------- the Sankey diagram


def _outcome_of_final(state: str) -> str:
    return STAGE_OF_STATE.get(state, state)


def flow_sankey(flows: pd.DataFrame, daily: pd.DataFrame, scenario: Scenario) -> go.Figure:
    """From origins through transit and the border cities to outcomes (counts of moves).

    Links count transitions over the whole run: someone deported by Mexico who sets
    out again is counted once per journey, so a node's in- and outflow need not match.
    The last column is where people are at the end of the run.
    """
    city = city_of_place(scenario)
    names = _names(scenario)
    kinds = {p.id: p.kind for p in scenario.places}
    f = flows[flows["n"] > 0]
    tr, place, to_place, from_state = (
        _text(f[c]) for c in ("transition", "place", "to_place", "from_state")
    )
    links: dict[tuple[str, str], float] = {}

    def add(src: str, dst: str, n: float) -> None:
        if n > 0:
            links[(src, dst)] = links.get((src, dst), 0) + float(n)

    transit = "on the road through Mexico"
    # entries: an origin city, a town on the road (joiners), or a border city (already there)
    enter = f[tr.isin(["depart", "join_caravan"])]
    for p, n in enter.groupby(place[enter.index])["n"].sum().items():
        if kinds.get(p) == "border_city":
            add("already at the border", transit, n)
        elif kinds.get(p) == "origin":
            add(f"from {names.get(p, p)}", transit, n)
        else:
            add("joined on the road", transit, n)
    again = f[tr == "set_out_again"]["n"].sum()
    add("deported by Mexico", transit, again)
    # leaving the road
    off_road = f[(from_state == "transit") & tr.isin(["deported_by_mexico", "refuge_in_mexico"])]
    for t, n in off_road.groupby(tr[off_road.index])["n"].sum().items():
        add(transit, "deported by Mexico" if t == "deported_by_mexico" else "stayed in Mexico", n)
    gave = f[(from_state == "transit") & tr.isin(["give_up", "settle"])]
    for t, n in gave.groupby(tr[gave.index])["n"].sum().items():
        add(transit, "went home" if t == "give_up" else "stayed in Mexico", n)
    # reaching a border city: the waitlist (arrive_border) or straight to a crossing
    reach = f[tr == "reach_border_city"]
    for c, n in reach.groupby(to_place[reach.index].map(city))["n"].sum().items():
        add(transit, f"reached {names.get(c, c)}", n)
    if reach.empty:
        arrive = f[tr == "arrive_border"]
        for c, n in arrive.groupby(to_place[arrive.index].map(city))["n"].sum().items():
            add(transit, f"reached {names.get(c, c)}", n)
    # from the border city (waitlist or MPP) to what happened there
    at_border = f[from_state.isin([*WAITING, "mpp_waiting"])]
    b_city = place[at_border.index].map(city)
    outcome_of = {
        "admitted_at_port": "admitted at a port",
        "cross_between_ports": "crossed between ports",
        "give_up": "went home",
        "settle": "stayed in Mexico",
        "refuge_in_mexico": "stayed in Mexico",
    }
    b_tr = tr[at_border.index]
    sel = b_tr.isin(list(outcome_of))
    grouped = at_border[sel].groupby([b_city[sel], b_tr[sel]])
    for (c, t), n in grouped["n"].sum().items():
        add(f"reached {names.get(c, c)}", outcome_of[t], n)
    # a crossing between ports ends in an apprehension or an evasion
    crossed = f[tr.isin(["apprehended", "evaded"])]
    for t, n in crossed.groupby(tr[crossed.index])["n"].sum().items():
        add("crossed between ports", "apprehended" if t == "apprehended" else "evaded", n)
    custody = "in U.S. custody"
    for step in ("admitted at a port", "apprehended"):
        add(step, custody, sum(v for (_, dst), v in links.items() if dst == step))
    mpp = f[tr == "returned_to_mexico"]["n"].sum()
    add(custody, "returned to Mexico (MPP)", mpp)
    # where the U.S. side ends: the stocks on the last day of people who left custody
    last = daily[pd.to_datetime(daily["date"]) == pd.Timestamp(scenario.end)]
    us_end = {
        "in_custody": "still in custody",
        "prosecution": "still in custody",
        "awaiting_credible_fear": "still in custody",
        "detained": "in ICE detention",
        "family_detention": "in ICE detention",
        "hhs_custody": "in HHS care (children)",
        "released_pending_hearing": "released, awaiting a hearing",
        "awaiting_removal": "awaiting removal",
        "removed": "removed",
        "asylum_granted": "granted asylum or relief",
        "other_relief": "granted asylum or relief",
        "ordered_removed_in_absentia": "ordered removed in absentia",
        "voluntary_departure": "voluntary departure",
    }
    end = last[last["state"].astype(str).isin(list(us_end))]
    for s, n in end.groupby(end["state"].astype(str))["n"].sum().items():
        add(custody, us_end[s], n)
    if not links:
        return _empty("Flows", "No flow was recorded in this run.")
    nodes = list(dict.fromkeys([x for pair in links for x in pair]))
    at = {n: i for i, n in enumerate(nodes)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": nodes, "pad": 12, "thickness": 14},
            link={
                "source": [at[s] for s, _ in links],
                "target": [at[t] for _, t in links],
                "value": list(links.values()),
            },
            valueformat=",.0f",
        )
    )
    fig.update_layout(
        title={"text": "From origins through Mexico and the border to outcomes", "x": 0.01},
        template=TEMPLATE,
        # room for a label per border city reached, the tallest column
        height=max(560, 48 * sum(n.startswith("reached ") for n in nodes)),
        margin={"l": 20, "r": 20, "t": 50, "b": 20},
    )
    return fig
