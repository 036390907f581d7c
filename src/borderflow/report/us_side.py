"""The U.S. side of one run as tables: decisions, custody against beds, re-crossings.

Court decisions broken down (by docket, nationality, representation and household role),
the time to a decision per docket, custody against its beds, and re-crossings by month.

Pure functions: a run's tables in (``decisions``, ``daily``, ``flows``, ``events``, as
:class:`~borderflow.results.results.Results` holds them or a results folder reads them
back), DataFrames out. The report's and the dashboard's U.S.-side figures
(:mod:`borderflow.report.figures`) and tables are drawn from them.

The start backlog's cases (pending when the run starts; their people are not simulated)
are counted apart, with the other receipts' where a scenario files them (cases of people
not simulated, filed during the run): their decisions are ``backlog_decided``, with the
days since filing, and the outcome is not simulated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from borderflow.results.summary import distribution
from borderflow.scenario.bounds import UNLIMITED
from borderflow.scenario.levers import build_schedule, stock_counts
from borderflow.scenario.schema import Scenario
from borderflow.scenario.vocabulary import (
    COURT_OUTCOMES,
    CourtOutcome,
    State,
    Transition,
)

#: The row of the cases pending when the run starts (anonymous: no nationality, lawyer...).
START_BACKLOG = "start backlog"
HEARINGS_BEGAN = CourtOutcome.HEARINGS_BEGAN.label
BACKLOG_DECIDED = CourtOutcome.BACKLOG_DECIDED.label
GRANTED = CourtOutcome.ASYLUM_GRANTED.label
IN_ABSENTIA = CourtOutcome.REMOVED_IN_ABSENTIA.label
#: The outcomes of a decided case, in code order, and last ``backlog_decided``: a
#: start-backlog case decided, its outcome not simulated.
OUTCOMES: tuple[str, ...] = (
    *(o for o in COURT_OUTCOMES if o not in (HEARINGS_BEGAN, BACKLOG_DECIDED)),
    BACKLOG_DECIDED,
)

#: How the decisions are broken down: name -> the column of the decisions table (whose
#: categories are its groups, in order). A case missing one (a case of someone not
#: simulated) is the start backlog's.
BREAKDOWNS: dict[str, str] = {
    "docket": "docket",
    "nationality": "nationality",
    "representation": "lawyer",
    "household": "household",
}


def _text(column: pd.Series) -> pd.Series:
    """A column of labels as text, missing values as None."""
    return column.astype(object).where(column.notna(), None)


def decided(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decisions table's decided cases: every row but the start of hearings."""
    return decisions[~decisions["outcome"].isin([HEARINGS_BEGAN])]


def _rows(d: pd.DataFrame, breakdown: str) -> pd.Series:
    rows = _text(d[BREAKDOWNS[breakdown]]).fillna(START_BACKLOG)
    return rows.where(_text(d["outcome"]) != BACKLOG_DECIDED, START_BACKLOG)


def _order(decisions: pd.DataFrame, breakdown: str) -> list[str]:
    """The groups of a breakdown in the order of its categories, the start backlog last."""
    return [*map(str, decisions[BREAKDOWNS[breakdown]].cat.categories), START_BACKLOG]


def decision_breakdown(decisions: pd.DataFrame, breakdown: str = "docket") -> pd.DataFrame:
    """Decided cases per group of ``breakdown`` (a key of :data:`BREAKDOWNS`) and outcome.

    Returns:
        One row per group with cases (in the order of its codes, the start backlog last;
        groups without a case left out): a column per outcome (:data:`OUTCOMES`), ``cases``
        (all decided), ``decided`` (those with a simulated outcome: all but the start
        backlog's), ``grant_rate`` (asylum granted / decided) and ``in_absentia_share``
        (ordered removed in absentia / decided), NaN where nothing was decided.
    """
    d = decided(decisions)
    rows = _rows(d, breakdown)
    counts = (
        d.groupby([rows.to_numpy(), _text(d["outcome"]).to_numpy()])["n"]
        .sum()
        .unstack(fill_value=0)
        .reindex(columns=list(OUTCOMES), fill_value=0)
    )
    order = _order(decisions, breakdown)
    counts = counts.reindex([r for r in order if r in counts.index])
    counts = counts[counts.sum(axis=1) > 0].astype(np.int64)
    out = counts.copy()
    out["cases"] = counts.sum(axis=1)
    out["decided"] = out["cases"] - counts[BACKLOG_DECIDED]
    known = out["decided"].where(out["decided"] > 0)
    out["grant_rate"] = counts[GRANTED] / known
    out["in_absentia_share"] = counts[IN_ABSENTIA] / known
    out.index.name = breakdown
    out.columns.name = None
    return out


def decision_breakdowns(decisions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`decision_breakdown` for every breakdown of :data:`BREAKDOWNS`, by name."""
    return {name: decision_breakdown(decisions, name) for name in BREAKDOWNS}


def decision_times(decisions: pd.DataFrame) -> pd.DataFrame:
    """Days to a decision per docket (the start backlog apart), with their cumulative share.

    Days run from custody to the decision, and for the start backlog from filing.

    Returns:
        Columns ``docket`` (a docket's label or :data:`START_BACKLOG`), ``days``, ``n``
        (cases decided after that many days) and ``share`` (of the docket's cases decided
        within that many days: the empirical distribution function); by docket, then days.
    """
    d = decided(decisions)
    d = d[d["n"] > 0]
    rows = _rows(d, "docket")
    per = d.groupby([rows.to_numpy(), d["days"].to_numpy()])["n"].sum()
    out = per.rename_axis(["docket", "days"]).reset_index()
    order = {r: i for i, r in enumerate(_order(decisions, "docket"))}
    out = out.sort_values(
        ["docket", "days"], key=lambda c: c.map(order) if c.name == "docket" else c
    )
    out["n"] = out["n"].astype(np.int64)
    out["share"] = out.groupby("docket")["n"].cumsum() / out.groupby("docket")["n"].transform("sum")
    return out.reset_index(drop=True)


def decision_time_stats(decisions: pd.DataFrame) -> pd.DataFrame:
    """Per docket (the start backlog apart): cases decided, mean, median and 90th percentile days.

    The statistics are those of the run's summary
    (:func:`~borderflow.results.summary.distribution`).
    """
    times = decision_times(decisions)
    stats = {
        str(docket): distribution(rows) for docket, rows in times.groupby("docket", sort=False)
    }
    out = pd.DataFrame.from_dict(stats, orient="index")
    out.index.name = "docket"
    return out.reindex(columns=["n", "mean_days", "median_days", "p90_days"])


# ---------------------------------------------------------------- custody against beds


@dataclass(frozen=True)
class Custody:
    """A kind of custody: the states its people are in, and the beds they hold.

    Attributes:
        label: its name in figures and tables.
        states: the states of the people it holds.
        beds: the lever of its beds (``None``: not bounded by a lever).
        held_elsewhere: the lever of people not simulated who hold its beds too.
        place_kind: only the people in ``states`` at places of this kind (``None``: all).
        no_bed: what tells its beds were short: (transition, what it counts) pairs.
    """

    label: str
    states: tuple[str, ...]
    beds: str | None = None
    held_elsewhere: str | None = None
    place_kind: str | None = None
    no_bed: tuple[tuple[str, str], ...] = ()


#: The kinds of custody, in the order of the figure's panels.
CUSTODY: tuple[Custody, ...] = (
    Custody(
        "ICE detention",
        (State.DETAINED.label, State.AWAITING_CREDIBLE_FEAR.label),
        beds="detention_beds",
        held_elsewhere="interior_detained",
        no_bed=((Transition.RELEASED_NO_BED.label, "released for lack of a bed"),),
    ),
    Custody(
        "HHS custody (unaccompanied children)",
        (State.HHS_CUSTODY.label,),
        beds="hhs_beds",
        no_bed=((Transition.WAITING_FOR_HHS_BED.label, "child-days waiting in CBP for a bed"),),
    ),
    Custody(
        "ICE family residential detention",
        (State.FAMILY_DETENTION.label,),
        beds="family_beds",
    ),
    # The ports' own holding is not bounded: Border Patrol's stations are the U.S. sectors.
    Custody(
        "Border Patrol holding (CBP)",
        (State.IN_CUSTODY.label,),
        beds="cbp_holding_capacity",
        place_kind="us_sector",
        no_bed=(
            (Transition.HELD_OVER_CAPACITY.label, "person-days held above capacity"),
            (
                Transition.RELEASED_FROM_HOLDING.label,
                "family members released from holding (holding full, or no family bed)",
            ),
            (Transition.HELD_PAST_TIME_LIMIT.label, "person-days held past the time limit"),
        ),
    ),
)


def _dates(scenario: Scenario) -> pd.DatetimeIndex:
    return pd.date_range(scenario.start, scenario.end, freq="D")


def _per_day(frame: pd.DataFrame, key: pd.Series, columns: list[str], sc: Scenario) -> pd.DataFrame:
    """People per day (every simulated date) and per ``key`` (rows without one left out)."""
    keep = key.notna().to_numpy()
    part = frame[keep]
    per = part.groupby([part["date"].to_numpy(), key[keep].to_numpy()])["n"].sum()
    wide = per.unstack(fill_value=0) if len(per) else pd.DataFrame()
    wide.index = pd.to_datetime(wide.index)
    out = wide.reindex(index=_dates(sc), columns=columns, fill_value=0).astype(np.int64)
    out.columns.name = None
    return out


def custody_occupancy(daily: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """People held in each kind of custody (:data:`CUSTODY`) at the end of each day.

    ICE detention counts the people arrested in the interior (``interior_detained``), who
    hold its beds without being simulated.

    Returns:
        Every simulated date (rows) x every kind's label (columns).
    """
    states = [state for kind in CUSTODY for state in kind.states]
    part = daily[daily["state"].isin(states)]
    state = _text(part["state"])
    place_kind = _text(part["place"]).map({p.id: p.kind for p in scenario.places})
    key = pd.Series(None, index=part.index, dtype=object)
    for kind in CUSTODY:
        held = state.isin(kind.states)
        if kind.place_kind is not None:
            held &= place_kind == kind.place_kind
        key[held] = kind.label
    out = _per_day(part, key, [k.label for k in CUSTODY], scenario)
    schedule = build_schedule(scenario)
    for kind in CUSTODY:
        if kind.held_elsewhere is not None:
            out[kind.label] += stock_counts(getattr(schedule, kind.held_elsewhere))
    return out


def custody_beds(scenario: Scenario) -> pd.DataFrame:
    """The beds of each kind of custody on each day; NaN where unlimited or unbounded."""
    schedule = build_schedule(scenario)
    out = pd.DataFrame(index=_dates(scenario))
    for kind in CUSTODY:
        beds = np.full(scenario.n_days, np.nan)
        if kind.beds is not None:
            counts = stock_counts(getattr(schedule, kind.beds)).astype(float)
            beds = np.where(counts >= UNLIMITED, np.nan, counts)
        out[kind.label] = beds
    return out


def custody_no_bed(flows: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per day, what tells each kind's beds were short (:attr:`Custody.no_bed`).

    Returns:
        Every simulated date (rows) x what each no-bed transition counts (columns, in the
        order of :data:`CUSTODY`).
    """
    what = {t: w for kind in CUSTODY for t, w in kind.no_bed}
    part = flows[flows["transition"].isin(list(what))]
    return _per_day(part, _text(part["transition"]).map(what), list(what.values()), scenario)


def custody_table(daily: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per kind of custody: people held, and its beds.

    Columns: people held at the peak (``peak``) and on average (``mean``), ``person_days``,
    the fewest and most beds (``beds_min``, ``beds_max``; NaN: unbounded), and the days all
    its beds were taken (``days_full``).
    """
    held = custody_occupancy(daily, scenario)
    beds = custody_beds(scenario)
    rows = []
    for kind in CUSTODY:
        people, bed = held[kind.label], beds[kind.label]
        bounded = bed.notna()
        rows.append(
            {
                "custody": kind.label,
                "peak": int(people.max()),
                "mean": float(people.mean()),
                "person_days": int(people.sum()),
                "beds_min": float(bed.min()) if bounded.any() else np.nan,
                "beds_max": float(bed.max()) if bounded.any() else np.nan,
                "days_full": int((bounded & (people >= bed)).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("custody")


# ---------------------------------------------------------------- re-crossings

SET_OUT_AGAIN = Transition.SET_OUT_AGAIN.label
APPREHENDED = Transition.APPREHENDED.label
#: Where people set out again from, and how the columns name them.
SENT_BACK: dict[str, str] = {
    State.REMOVED.label: "removed by the U.S.",
    State.DEPORTED_BY_MEXICO.label: "deported by Mexico",
}


def _months(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    return pd.period_range(start, end, freq="M").to_timestamp()


def _by_month(dates: pd.Series, n: pd.Series | np.ndarray) -> pd.Series:
    month = pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp()
    return pd.Series(np.asarray(n), index=month.to_numpy()).groupby(level=0).sum()


def recrossings_by_month(
    flows: pd.DataFrame, events: pd.DataFrame | None, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """People sent back who set out again, and who were apprehended at the border after, by month.

    Args:
        flows: the run's flows.
        events: the run's per-person event log, or None when it was not kept: then the
            apprehensions after setting out again, which only the log can tell, are left out.
        start: the run's first day.
        end: the run's last day.

    Returns:
        The first day of each month of the run (rows) x, for each of :data:`SENT_BACK`,
        ``set out again, <removed by the U.S.>`` (transition ``set_out_again``) and, with
        the log, ``apprehended after setting out again, <removed by the U.S.>``: the
        apprehensions by Border Patrol, in the month they happened, of people who had set
        out again from there.
    """
    months = _months(start, end)
    out = pd.DataFrame(index=months)
    f = flows[flows["transition"].isin([SET_OUT_AGAIN])]
    came_from = _text(f["from_state"])
    for state, what in SENT_BACK.items():
        rows = f[came_from == state]
        out[f"set out again, {what}"] = _by_month(rows["date"], rows["n"]).reindex(
            months, fill_value=0
        )
    if events is not None:
        # the log can be long: pick its rows by the category before reading any as text
        events = events[events["transition"].isin([SET_OUT_AGAIN, APPREHENDED])]
        transition = _text(events["transition"])
        again = events[transition == SET_OUT_AGAIN]
        caught = events[transition == APPREHENDED][["person", "date"]]
        for state, what in SENT_BACK.items():
            first = again[_text(again["from_state"]) == state].groupby("person")["date"].min()
            after = caught.join(first.rename("set_out"), on="person", how="inner")
            after = after[after["date"] > after["set_out"]]
            out[f"apprehended after setting out again, {what}"] = _by_month(
                after["date"], np.ones(len(after), np.int64)
            ).reindex(months, fill_value=0)
    out.index.name = "month"
    return out.astype(np.int64)


# ---------------------------------------------------------------- households


def households_at_end(households: pd.DataFrame, stage_of_state: Mapping[str, str]) -> pd.DataFrame:
    """Households and their people by where they are at the end of the run.

    Args:
        households: the run's households table.
        stage_of_state: state -> the stage it is shown in; the stages in the order shown.

    Returns:
        One row per stage with someone in it, in the order of ``stage_of_state``'s values:
        ``households`` and ``people``.
    """
    stages = _text(households["state"]).map(dict(stage_of_state))
    out = households.groupby(stages.to_numpy())[["households", "people"]].sum()
    order = list(dict.fromkeys(stage_of_state.values()))
    out = out.reindex([s for s in order if s in out.index]).astype(np.int64)
    out = out[out["people"] > 0]
    out.index.name = "stage"
    return out


__all__ = [
    "BREAKDOWNS",
    "CUSTODY",
    "OUTCOMES",
    "SENT_BACK",
    "START_BACKLOG",
    "Custody",
    "custody_beds",
    "custody_no_bed",
    "custody_occupancy",
    "custody_table",
    "decided",
    "decision_breakdown",
    "decision_breakdowns",
    "decision_time_stats",
    "decision_times",
    "households_at_end",
    "recrossings_by_month",
]
