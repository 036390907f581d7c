"""What a run is compared with: targets, their figures and their role (fit or check).

A target is a point (one reported figure) or a series of the public record
(:mod:`borderflow.data`), one figure a row. Part of the scenario's schema
(:mod:`borderflow.scenario.schema` gathers the whole); the comparison itself is
:mod:`borderflow.results.targets`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from borderflow import data
from borderflow.scenario import bounds
from borderflow.scenario.fields import (
    Name,
    Number,
    PlaceId,
    Strict,
    Text,
    most_chars,
)
from borderflow.scenario.levers import LEVER_BY_NAME
from borderflow.scenario.vocabulary import DOCKETS

#: The measures read from the run's court decisions rather than its stocks and flows.
#: Measures that are no count of people, so a scaled scenario keeps their figures.
UNSCALED_MEASURES = frozenset(
    {
        "flow_per_person",
        "share",
        "median_days_to_decision",
        "mean_days_to_decision",
        "days_to_clear",
    }
)
COURT_MEASURES = frozenset(
    {"decisions", "median_days_to_decision", "mean_days_to_decision", "pending_cases"}
)

#: What a target is for: ``fit`` (its figure set or fitted something in the scenario) or
#: ``check`` (used for nothing but the comparison: out of sample).
Role = Literal["fit", "check"]
ROLES: tuple[str, ...] = ("fit", "check")

#: How long a series row's flow lasts: the calendar month, the fiscal year (October to
#: September) or the day the row is dated.
Period = Literal["month", "fiscal_year", "day"]


@dataclass(frozen=True)
class TargetPoint:
    """One figure a target compares with the run: a point target has one, a series one a row.

    Attributes:
        key: the target's id, and for a series row ``id@YYYY-MM-DD`` (its date).
        date: the day of a stock, or the last day of a flow.
        date_from: the first day of a flow (``None``: the run's start).
        reported: the figure.
        low: the lowest value counted inside.
        high: the highest value counted inside.
    """

    key: str
    date: dt.date
    date_from: dt.date | None
    reported: float
    low: float
    high: float


class SeriesRef(Strict):
    """Rows of a series of :mod:`borderflow.data` a target compares, one by one.

    Attributes:
        name: the series (``borderflow data`` lists them).
        place: its place column, when the series has several.
        breakdown: its breakdown column, when the series has several.
        from_: the first row's date (written ``from``).
        to: the last row's date.
        period: what a row's flow covers: the ``month`` ending on its date (monthly
            series, dated at month end), the ``fiscal_year`` ending on it, or the ``day``.
        scale: what the series' values are multiplied by: 1 as reported; a scaled
            scenario (:meth:`Scenario.scaled`) scales its counts with its people.
    """

    model_config = ConfigDict(populate_by_name=True)

    name: Name
    place: Name | None = None
    breakdown: Annotated[str, BeforeValidator(most_chars(bounds.MAX_TITLE))] | None = None
    from_: dt.date = Field(alias="from")
    to: dt.date
    period: Period = "month"
    scale: Annotated[float, Field(gt=0, le=bounds.MAX_MULTIPLIER)] = 1.0

    @model_validator(mode="after")
    def _rows_exist(self) -> SeriesRef:
        if self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        if not self.rows():
            raise ValueError(
                f"series {self.name!r} has no row from {self.from_} to {self.to}"
                + (f" at {self.place!r}" if self.place else "")
                + (f" for {self.breakdown!r}" if self.breakdown else "")
            )
        return self

    def rows(self) -> list[tuple[dt.date, float]]:
        """``(date, value)`` of the series' rows from ``from`` to ``to``, oldest first.

        Raises:
            ValueError: the series, place or breakdown does not exist (naming those that
                do), or a row has no value.
        """
        try:
            table = data.series(self.name, place=self.place, breakdown=self.breakdown)
        except data.SeriesError as exc:
            raise ValueError(str(exc)) from None
        dates = table["date"].dt.date
        chosen = table[(dates >= self.from_) & (dates <= self.to)]
        out = [
            (d.date(), float(v) * self.scale)
            for d, v in zip(chosen["date"], chosen["value"], strict=True)
        ]
        empty = [d for d, v in out if not math.isfinite(v)]
        if empty:
            raise ValueError(f"series {self.name!r} has no value on {empty[0]}")
        return out

    def first_day(self, date: dt.date) -> dt.date:
        """The first day of the period of the row dated ``date``."""
        if self.period == "month":
            return date.replace(day=1)
        if self.period == "fiscal_year":
            return dt.date(date.year - (date.month < 10), 10, 1)
        return date


class Target(Strict):
    """An observed figure, or a series of them, the scenario is compared with.

    ``measure = "stock"`` sums people on ``date`` in ``states`` at ``places``;
    ``"mean_stock"`` is its mean over the days from ``date_from`` (default: the run's
    start) to ``date`` (e.g. an average daily population); either stock adds the daily
    values of ``levers``, stock levers of people the model holds in beds but does not
    simulate (``interior_detained``);
    ``"flow"`` sums ``transitions`` from ``date_from`` (default: the run's start)
    to ``date``; ``"flow_per_day"`` is that sum divided by the number of days;
    ``"flow_per_person"`` divides it by the mean stock in ``states`` at ``places``
    over those days (e.g. violence incidents per MPP returnee in a month); ``"share"``
    divides the flow of ``groups`` by the same flow of every group; ``"days_to_clear"``
    divides the stock on ``date`` by the flow's mean a day from ``date_from``: the days
    the stock would take to clear at the recent pace (the wait a new sign-up on a port's
    list faces, as the press worked it out; missing when nothing flowed);
    over the run's court decisions on ``dockets`` (those of the cases pending at the
    start included), ``"decisions"`` counts them, and ``"median_days_to_decision"`` and
    ``"mean_days_to_decision"`` give the time from custody (or else the case's filing)
    to the decision.
    Flows are matched on ``to_place`` (where people are after the flow) unless
    ``at = "place"`` (where they were). Empty lists match everything. A figure is
    inside when the simulated value lies in ``[low, high]``.

    A point target gives ``date``, ``reported``, ``low`` and ``high``. A series target
    gives ``series`` (rows of :mod:`borderflow.data`) and ``tolerance``: each row is a
    figure of its own, dated as the series is, with the range ``value × (1 ± tolerance)``;
    a flow covers the row's ``series.period``.

    Every target has a ``role``: ``fit`` if its figure set or fitted something in the
    scenario (``fitted`` says what), ``check`` if it is used for nothing but the
    comparison. Calibration fits only to ``fit`` targets.
    """

    id: Annotated[
        str, BeforeValidator(most_chars(bounds.MAX_NAME)), Field(pattern=r"^[A-Za-z0-9_\-]+$")
    ]
    role: Role
    fitted: Text | None = None
    quantity: Text
    measure: Literal[
        "stock",
        "mean_stock",
        "flow",
        "flow_per_day",
        "flow_per_person",
        "share",
        "decisions",
        "median_days_to_decision",
        "mean_days_to_decision",
        "pending_cases",
        "days_to_clear",
    ]
    places: list[PlaceId] = []
    states: list[str] = []
    transitions: list[str] = []
    levers: list[str] = []
    groups: list[str] = []
    dockets: list[str] = []
    at: Literal["place", "to_place"] = "to_place"
    date: dt.date | None = None
    date_from: dt.date | None = None
    reported: Number | None = None
    low: Number | None = None
    high: Number | None = None
    series: SeriesRef | None = None
    tolerance: Annotated[float, Field(gt=0, le=10)] | None = None
    source: Text
    note: Text | None = None

    @field_validator("dockets")
    @classmethod
    def _known_dockets(cls, value: list[str]) -> list[str]:
        unknown = [d for d in value if d not in DOCKETS]
        if unknown:
            raise ValueError(f"unknown docket {unknown}; expected some of {list(DOCKETS)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _no_held_out(cls, data: Any) -> Any:
        if isinstance(data, dict) and "held_out" in data:
            raise ValueError(
                "'held_out' is now 'role': write role = \"check\" for a target used for "
                'nothing but the comparison, or role = "fit" with fitted = "what it set"'
            )
        return data

    @model_validator(mode="after")
    def _check(self) -> Target:
        if self.role == "fit" and not self.fitted:
            raise ValueError(
                "a fit target must say what its figure set or fitted: give 'fitted' "
                '(or make it role = "check" if it is used for nothing but the comparison)'
            )
        if self.role == "check" and self.fitted:
            raise ValueError(
                "a check target fits nothing: remove 'fitted', or make it role = \"fit\""
            )
        if self.series is not None:
            self._check_series()
        else:
            self._check_point()
        stocks = self.measure in ("stock", "mean_stock")
        per_stock = self.measure in ("flow_per_person", "days_to_clear")
        if (stocks or per_stock) and not self.states:
            raise ValueError(f"a {self.measure} target needs 'states'")
        if self.levers and not stocks:
            raise ValueError("'levers' add people to a stock: a stock or mean_stock target's")
        for name in self.levers:
            lever = LEVER_BY_NAME.get(name)
            if lever is None or lever.kind != "stock" or lever.at is not None:
                raise ValueError(
                    f"'levers' takes levers that are one stock for the whole border, such "
                    f"as interior_detained, not {name!r}"
                )
        courts = self.measure in COURT_MEASURES
        if not stocks and not courts and not self.transitions:
            raise ValueError("a flow target needs 'transitions'")
        if self.measure == "share" and not self.groups:
            raise ValueError("a share target needs 'groups' (the share of which groups)")
        return self

    def _check_point(self) -> None:
        missing = [f for f in ("date", "reported", "low", "high") if getattr(self, f) is None]
        if missing:
            raise ValueError(
                f"a target needs {', '.join(repr(m) for m in missing)} "
                "(or 'series' and 'tolerance' for a series of figures)"
            )
        if self.tolerance is not None:
            raise ValueError("'tolerance' is for series targets; a point target gives low/high")
        assert self.low is not None and self.reported is not None and self.high is not None
        if not self.low <= self.reported <= self.high:
            raise ValueError(f"reported {self.reported} must lie within [{self.low}, {self.high}]")

    def _check_series(self) -> None:
        given = [f for f in ("date", "date_from", "reported", "low", "high") if getattr(self, f)]
        if given:
            raise ValueError(
                f"a series target takes its figures from the series: remove "
                f"{', '.join(repr(g) for g in given)}"
            )
        if self.tolerance is None:
            raise ValueError(
                "a series target needs 'tolerance': each row's range is value × (1 ± tolerance)"
            )

    @cached_property
    def points(self) -> tuple[TargetPoint, ...]:
        """The figures compared: one for a point target, one a row for a series target."""
        if self.series is None:
            assert self.date is not None and self.reported is not None
            assert self.low is not None and self.high is not None
            return (
                TargetPoint(self.id, self.date, self.date_from, self.reported, self.low, self.high),
            )
        tol = self.tolerance or 0.0
        ref = self.series
        return tuple(
            TargetPoint(
                f"{self.id}@{date.isoformat()}",
                date,
                None if self.measure == "stock" else ref.first_day(date),
                value,
                value * (1 - tol),
                value * (1 + tol),
            )
            for date, value in ref.rows()
        )
