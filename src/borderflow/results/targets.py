"""Simulated against reported: each observed target's value from the result tables.

"Inside" means one thing everywhere (:func:`inside`): the simulated value falls in the
target's reported range. For a run that is its value; for an ensemble, and for each
band of a calibration's fit table, it is the median over the runs.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Any

import numpy as np
import pandas as pd

from borderflow.scenario.errors import Problem
from borderflow.scenario.schema import Scenario, Target
from borderflow.scenario.vocabulary import State, Transition

STATE_NAMES = {s.label for s in State}
TRANSITION_NAMES = {t.label for t in Transition}


def check_names(sc: Scenario, origin: str) -> list[Problem]:
    """Problems with the state, transition and group names the targets use."""
    groups = {c.name for c in sc.caravans} | ({"background"} if sc.background else set())
    groups |= {"already_waiting"} if sc.border.initial_waitlist else set()
    problems = []
    for i, t in enumerate(sc.targets, start=1):
        for field, names, allowed in (
            ("states", t.states, STATE_NAMES),
            ("transitions", t.transitions, TRANSITION_NAMES),
            ("groups", t.groups, groups),
        ):
            for name in names:
                if name not in allowed:
                    problems.append(
                        Problem(
                            origin,
                            f"target[{i}].{field}",
                            f"unknown name; expected one of {sorted(allowed)}",
                            name,
                        )
                    )
    return problems


def simulated_value(t: Target, daily: pd.DataFrame, flows: pd.DataFrame, sc: Scenario) -> float:
    """The value of target ``t`` in one run's tables.

    Stocks are matched on ``place``; flows on ``t.at``: ``to_place`` (where
    people are after the flow) by default, or ``place`` (where they were).
    """
    if t.measure == "stock":
        rows = daily[daily["date"] == pd.Timestamp(t.date)]
        rows = rows[rows["state"].isin(t.states)]
        if t.places:
            rows = rows[rows["place"].isin(t.places)]
    else:
        start = pd.Timestamp(t.date_from or sc.start)
        rows = flows[(flows["date"] >= start) & (flows["date"] <= pd.Timestamp(t.date))]
        rows = rows[rows["transition"].isin(t.transitions)]
        if t.places:
            rows = rows[rows[t.at].isin(t.places)]
    if t.groups:
        rows = rows[rows["group"].isin(t.groups)]
    value = float(rows["n"].sum())
    if t.measure == "flow_per_day":
        value /= (t.date - (t.date_from or sc.start)).days + 1
    if t.measure == "flow_per_person":
        start = pd.Timestamp(t.date_from or sc.start)
        stock = daily[(daily["date"] >= start) & (daily["date"] <= pd.Timestamp(t.date))]
        stock = stock[stock["state"].isin(t.states)]
        if t.places:
            stock = stock[stock["place"].isin(t.places)]
        if t.groups:
            stock = stock[stock["group"].isin(t.groups)]
        days = (t.date - (t.date_from or sc.start)).days + 1
        mean_stock = float(stock["n"].sum()) / days
        value = value / mean_stock if mean_stock > 0 else float("nan")
    return value


def inside(simulated: Any, low: Any, high: Any) -> Any:
    """Whether a simulated value (a run's, or the median of runs) is in the reported range.

    Works on numbers and on columns alike; a missing value (NaN) is never inside.
    """
    return (low <= simulated) & (simulated <= high)


def inside_count(flags: Sized) -> str:
    """``"k of n inside"`` for the targets' inside flags (a boolean column)."""
    return f"{int(np.sum(flags))} of {len(flags)} inside"


def target_table(sc: Scenario, daily: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """One row per target: simulated, reported, range, and whether it falls inside."""
    rows = []
    for t in sc.targets:
        sim = simulated_value(t, daily, flows, sc)
        rows.append(
            {
                "id": t.id,
                "quantity": t.quantity,
                "date": t.date,
                "measure": t.measure,
                "simulated": sim,
                "reported": t.reported,
                "low": t.low,
                "high": t.high,
                "inside": bool(inside(sim, t.low, t.high)),
                "held_out": t.held_out,
                "source": t.source,
                "note": t.note or "",
            }
        )
    columns = [
        "id",
        "quantity",
        "date",
        "measure",
        "simulated",
        "reported",
        "low",
        "high",
        "inside",
        "held_out",
        "source",
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)
