"""Simulated against reported: each target's figures from the result tables, fit and check apart.

A target has one figure (a point target) or one a row of a series; each figure is a row
of the target table, with its key (``id``, or ``id@date`` for a series row). "Inside"
means one thing everywhere (:func:`inside`): the simulated value falls in the figure's
reported range. For a run that is its value; for an ensemble, and for each band of a
calibration's fit table, it is the median over the runs.

Targets are counted by role, never merged (:func:`role_scores`, :func:`scoreline`):
``fit`` figures set or fitted something, so being inside shows the fit worked; only
``check`` figures, used for nothing else, say how well the model reproduces the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sized
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from borderflow.results.summary import distribution
from borderflow.scenario.errors import Problem
from borderflow.scenario.levers import build_schedule
from borderflow.scenario.schema import ROLES, Scenario, Target, TargetPoint
from borderflow.scenario.targets import COURT_MEASURES
from borderflow.scenario.vocabulary import CourtOutcome, State, Transition

STATE_NAMES = {s.label for s in State}
TRANSITION_NAMES = {t.label for t in Transition}

#: The target table's columns: one row a figure (a point target's, or a series row's).
TARGET_COLUMNS = (
    "key",
    "id",
    "role",
    "fitted",
    "quantity",
    "date",
    "date_from",
    "measure",
    "simulated",
    "reported",
    "low",
    "high",
    "inside",
    "error",
    "source",
    "note",
)


def check_names(sc: Scenario, origin: str) -> list[Problem]:
    """Problems with the state, transition and group names the targets use."""
    groups = {c.name for c in sc.caravans} | set(sc.background.group_names if sc.background else ())
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


def _matching(t: Target, table: pd.DataFrame, *, place_column: str, groups: bool) -> pd.DataFrame:
    """The rows of ``table`` in the target's places (and groups, if ``groups``)."""
    if t.places:
        table = table[table[place_column].isin(t.places)]
    if groups and t.groups:
        table = table[table["group"].isin(t.groups)]
    return table


def _by_date(table: pd.DataFrame) -> pd.Series:
    """People by date (summed over everything else), for slicing by dates."""
    if table.empty:
        return pd.Series(dtype=float)
    return table.groupby("date", observed=True)["n"].sum().sort_index()


def _between(by_date: pd.Series, first: dt.date, last: dt.date) -> float:
    if by_date.empty:
        return 0.0
    return float(by_date.loc[pd.Timestamp(first) : pd.Timestamp(last)].sum())


def pending_cases(t: Target, courts: pd.DataFrame | None, date: dt.date) -> float:
    """Cases pending on the target's dockets at the end of ``date``: waiting or in hearings.

    The start backlog's cases still waiting count, as do the run's people's cases.
    """
    if courts is None or courts.empty:
        return float("nan")
    rows = courts[courts["date"] == pd.Timestamp(date)]
    if t.dockets:
        rows = rows[rows["docket"].isin(t.dockets)]
    return float(rows["backlog"].sum()) if len(rows) else float("nan")


def court_value(t: Target, decisions: pd.DataFrame | None) -> float:
    """Decisions on the target's dockets over the run: their count, or median or mean days."""
    if decisions is None or decisions.empty:
        return 0.0 if t.measure == "decisions" else float("nan")
    rows = decisions[decisions["outcome"] != CourtOutcome.HEARINGS_BEGAN.label]
    if t.dockets:
        rows = rows[rows["docket"].isin(t.dockets)]
    decided = distribution(rows)
    if t.measure == "decisions":
        return float(decided["n"])
    key = "mean_days" if t.measure == "mean_days_to_decision" else "median_days"
    return float(decided.get(key, float("nan")))


def simulated_values(
    t: Target,
    daily: pd.DataFrame,
    flows: pd.DataFrame,
    sc: Scenario,
    decisions: pd.DataFrame | None = None,
    courts: pd.DataFrame | None = None,
) -> list[float]:
    """The value of each of the target's figures (:attr:`Target.points`) in one run's tables.

    Stocks are matched on ``place``; flows on ``t.at``: ``to_place`` (where people are
    after the flow) by default, or ``place`` (where they were).
    """
    if t.measure == "pending_cases":
        return [pending_cases(t, courts, point.date) for point in t.points]
    if t.measure in COURT_MEASURES:
        return [court_value(t, decisions) for _ in t.points]
    stocks = daily[daily["state"].isin(t.states)] if t.states else daily.iloc[:0]
    stock = _by_date(_matching(t, stocks, place_column="place", groups=True))
    moved = flows[flows["transition"].isin(t.transitions)] if t.transitions else flows.iloc[:0]
    flow = _by_date(_matching(t, moved, place_column=t.at, groups=True))
    every_group = (
        _by_date(_matching(t, moved, place_column=t.at, groups=False))
        if t.measure == "share"
        else flow
    )
    if t.levers:
        # People the model holds in beds without simulating them, day by day of the run.
        schedule = build_schedule(sc)
        held = sum(np.asarray(getattr(schedule, name), float) for name in t.levers)
        days = pd.date_range(sc.start, periods=sc.n_days)
        stock = stock.add(pd.Series(held, index=days), fill_value=0.0).sort_index()
    return [_point_value(t, p, sc.start, stock, flow, every_group) for p in t.points]


def _point_value(
    t: Target,
    p: TargetPoint,
    start: dt.date,
    stock: pd.Series,
    flow: pd.Series,
    every_group: pd.Series,
) -> float:
    """One figure's simulated value from the target's people by date."""
    if t.measure == "stock":
        return _between(stock, p.date, p.date)
    if t.measure == "mean_stock":
        first = p.date_from or start
        return _between(stock, first, p.date) / ((p.date - first).days + 1)
    first = p.date_from or start
    days = (p.date - first).days + 1
    value = _between(flow, first, p.date)
    if t.measure == "flow_per_day":
        return value / days
    if t.measure == "flow_per_person":
        mean_stock = _between(stock, first, p.date) / days
        return value / mean_stock if mean_stock > 0 else float("nan")
    if t.measure == "share":
        total = _between(every_group, first, p.date)
        return value / total if total > 0 else float("nan")
    if t.measure == "days_to_clear":
        pace = value / days
        return _between(stock, p.date, p.date) / pace if pace > 0 else float("nan")
    return value


def inside(simulated: Any, low: Any, high: Any) -> Any:
    """Whether a simulated value (a run's, or the median of runs) is in the reported range.

    Works on numbers and on columns alike; a missing value (NaN) is never inside.
    """
    return (low <= simulated) & (simulated <= high)


def relative_error(simulated: Any, reported: Any) -> Any:
    """``(simulated - reported) / reported``: signed; NaN where nothing was reported."""
    reported = np.asarray(reported, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (np.asarray(simulated, float) - reported) / np.abs(reported)
    return np.where(reported != 0, out, np.nan)


def inside_count(flags: Sized) -> str:
    """``"k of n inside"`` for the figures' inside flags (a boolean column)."""
    return f"{int(np.sum(flags))} of {len(flags)} inside"


def target_frame(sc: Scenario) -> pd.DataFrame:
    """One row a figure of the scenario's targets, without simulated values."""
    rows = [
        {
            "key": p.key,
            "id": t.id,
            "role": t.role,
            "fitted": t.fitted or "",
            "quantity": t.quantity,
            "date": p.date,
            "date_from": p.date_from,
            "measure": t.measure,
            "reported": p.reported,
            "low": p.low,
            "high": p.high,
            "source": t.source,
            "note": t.note or "",
        }
        for t in sc.targets
        for p in t.points
    ]
    columns = [c for c in TARGET_COLUMNS if c not in ("simulated", "inside", "error")]
    return pd.DataFrame(rows, columns=columns)


def target_keys(sc: Scenario) -> list[str]:
    """Every figure's key, in the target table's order."""
    return [p.key for t in sc.targets for p in t.points]


def compared(frame: pd.DataFrame, simulated: Any) -> pd.DataFrame:
    """``frame`` (:func:`target_frame`) with the simulated values, inside flags and errors."""
    table = frame.copy()
    table["simulated"] = np.asarray(simulated, float) if len(table) else np.empty(0)
    table["inside"] = inside(table["simulated"], table["low"], table["high"]).astype(bool)
    table["error"] = relative_error(table["simulated"], table["reported"])
    return table[list(TARGET_COLUMNS)]


def target_table(
    sc: Scenario,
    daily: pd.DataFrame,
    flows: pd.DataFrame,
    decisions: pd.DataFrame | None = None,
    courts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row a figure: simulated, reported, range, inside, relative error, role."""
    values = [
        v for t in sc.targets for v in simulated_values(t, daily, flows, sc, decisions, courts)
    ]
    return compared(target_frame(sc), values)


def series_errors(table: pd.DataFrame, simulated: str = "simulated") -> pd.DataFrame:
    """Per target: its role, figures, how many inside, median absolute and mean signed error.

    ``table`` is a target table (one row a figure); ``simulated`` names the column of
    simulated values (``median`` for an ensemble's bands). Errors are relative to the
    reported figure: ``median_error`` is the median of ``|simulated - reported| /
    reported``, ``bias`` the mean of ``(simulated - reported) / reported``.
    """
    columns = ["id", "role", "quantity", "figures", "inside", "median_error", "bias"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    work = table.assign(
        _error=relative_error(table[simulated], table["reported"]),
        _inside=inside(table[simulated], table["low"], table["high"]).astype(bool),
    )
    rows = []
    for target_id, rows_of in work.groupby("id", sort=False):
        errors = rows_of["_error"].to_numpy(float)
        finite = errors[np.isfinite(errors)]
        rows.append(
            {
                "id": target_id,
                "role": rows_of["role"].iloc[0],
                "quantity": rows_of["quantity"].iloc[0],
                "figures": len(rows_of),
                "inside": int(rows_of["_inside"].sum()),
                "median_error": float(np.median(np.abs(finite))) if len(finite) else np.nan,
                "bias": float(np.mean(finite)) if len(finite) else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class RoleScore:
    """How the figures of one role compare: inside out of all, and the median error.

    Attributes:
        role: ``fit`` or ``check``.
        inside: figures inside their range.
        figures: figures of that role.
        median_error: median of ``|simulated - reported| / reported`` (NaN if none).
    """

    role: str
    inside: int
    figures: int
    median_error: float

    def __str__(self) -> str:
        return f"{ {'fit': 'fits', 'check': 'checks'}[self.role] }: {self.counted}"

    @property
    def counted(self) -> str:
        """``"7 of 12 inside, median error 18%"``, or ``"none"``."""
        if not self.figures:
            return "none"
        error = f", median error {self.median_error:.0%}" if np.isfinite(self.median_error) else ""
        return f"{self.inside} of {self.figures} inside{error}"

    def as_dict(self) -> dict[str, Any]:
        """For JSON: inside, figures, median error (``None`` when there is none)."""
        error = self.median_error if np.isfinite(self.median_error) else None
        return {"inside": self.inside, "figures": self.figures, "median_error": error}


def role_scores(table: pd.DataFrame, simulated: str = "simulated") -> dict[str, RoleScore]:
    """The score of each role (``fit``, ``check``) over a target table's figures."""
    scores = {}
    for role in ROLES:
        rows = table[table["role"] == role] if len(table) else table
        flags = inside(rows[simulated], rows["low"], rows["high"]) if len(rows) else []
        errors = np.abs(relative_error(rows[simulated], rows["reported"])) if len(rows) else []
        finite = np.asarray(errors, float)[np.isfinite(np.asarray(errors, float))]
        scores[role] = RoleScore(
            role,
            int(np.sum(flags)),
            len(rows),
            float(np.median(finite)) if len(finite) else float("nan"),
        )
    return scores


def scoreline(table: pd.DataFrame, simulated: str = "simulated") -> str:
    """``"checks: 7 of 12 inside, median error 18% · fits: 5 of 5 inside, ..."``.

    Checks first: they are the out-of-sample test; fits only show the fit worked.
    """
    scores = role_scores(table, simulated)
    return f"{scores['check']} · {scores['fit']}"
