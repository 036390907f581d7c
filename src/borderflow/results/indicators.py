"""The headline indicators, each defined once: how it is read, its label, unit and format.

A run's ``summary.json`` nests its indicators (``waits_per_port.san_ysidro.mean_wait_days``);
:func:`flatten` gives them dotted names, the names an ensemble's ``indicators.csv``,
calibration and sensitivity analysis use too. :data:`INDICATORS` says which of them are
headline indicators and how each is shown; the command line, the report, the comparison
and the dashboard all pick theirs from it by *view*:

========== ====================================================================
view       where the indicator is shown
========== ====================================================================
run        the table ``borderflow run`` prints
report     the report's and the comparison's key indicators
ensemble   the table of bands ``borderflow ensemble`` prints
dashboard  the dashboard's table of the unchanged against the changed scenario
========== ====================================================================

A new headline indicator is one row here (and, when it is new to the summary, its
computation in :mod:`borderflow.results.summary`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from borderflow.results.summary import WAITING

if TYPE_CHECKING:
    from borderflow.results.results import Results

#: Where an indicator is shown (see the module docstring).
View = Literal["run", "report", "ensemble", "dashboard"]
#: How a value is written: ``count`` whole numbers, ``days`` one decimal, ``rate``
#: significant digits (a small rate never shows as 0).
Format = Literal["count", "days", "rate"]

#: Stands for each place of a family of indicators, in a path and in a label.
PLACE = "{place}"


def _waitlist_person_days(res: Results) -> float:
    daily = res.daily
    return float(daily.loc[daily["state"].astype(str).isin(WAITING), "n"].sum())


def _total_of(key: str) -> Callable[[Results], float]:
    def total(res: Results) -> float:
        return float(sum(res.summary_dict[key].values()))

    return total


@dataclass(frozen=True)
class Indicator:
    """One headline indicator.

    Attributes:
        name: its identifier, unique and without dots (the dashboard's keys).
        label: what a reader sees; ``{place}`` is the place's name in a family.
        unit: what it counts (``people``, ``days``, ``person-days``, ...).
        fmt: how its values are written (:data:`Format`).
        views: where it is shown (:data:`View`).
        path: its dotted name in a run's flattened summary; ``{place}`` stands for each
            place of a family (one indicator per port or city). ``None`` when it is
            computed from the run's tables instead (``compute``).
        compute: for an indicator the summary does not hold, its value from a run.
    """

    name: str
    label: str
    unit: str
    fmt: Format
    views: frozenset[View]
    path: str | None = None
    compute: Callable[[Results], float] | None = None

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The dotted names it stands for (the place of a family as the group)."""
        if self.path is None:
            return None
        return re.compile(re.escape(self.path).replace(re.escape(PLACE), r"(\w+)") + "$")

    def value(self, res: Results, flat: Mapping[str, float] | None = None) -> float:
        """Its value in one run (an indicator that is not a family of places).

        Args:
            res: the run.
            flat: the run's flattened summary, when the caller has it already.
        """
        if self.compute is not None:
            return self.compute(res)
        assert self.path is not None and PLACE not in self.path, self.name
        return (flatten(res.summary_dict) if flat is None else flat)[self.path]


def _views(*names: View) -> frozenset[View]:
    return frozenset(names)


_ALL = _views("run", "report", "ensemble", "dashboard")
_RUN_REPORT = _views("run", "report")
_US = "us_processing."


def _summary(
    name: str, label: str, views: frozenset[View], *, path: str = "", unit: str = "people"
) -> Indicator:
    fmt: Format = "days" if unit == "days" else "count"
    return Indicator(name, label, unit, fmt, views, path=path or name)


#: Every headline indicator, in display order (each view shows its own, in this order).
INDICATORS: tuple[Indicator, ...] = (
    _summary("people_entered", "people who set out", _ALL),
    _summary(
        "arrivals_per_border_city",
        "arrivals at {place}",
        _RUN_REPORT,
        path="arrivals_per_border_city.{place}",
    ),
    _summary(
        "waitlist_peak_per_port",
        "waitlist peak at {place}",
        _views("run", "report", "ensemble"),
        path="waitlist_peak_per_port.{place}",
    ),
    _summary(
        "mean_wait_days_per_port",
        "mean wait at {place} (days, admitted)",
        _RUN_REPORT,
        path="waits_per_port.{place}.mean_wait_days",
        unit="days",
    ),
    _summary(
        "left_list_per_port",
        "left the list at {place}",
        _views("report"),
        path="waits_per_port.{place}.left_list",
    ),
    Indicator(
        "waitlist_person_days",
        "person-days on port waitlists",
        "person-days",
        "count",
        _views("dashboard"),
        compute=_waitlist_person_days,
    ),
    Indicator(
        "waitlist_peak",
        "longest waitlist (all ports, people)",
        "people",
        "count",
        _views("dashboard"),
        compute=_total_of("waitlist_peak_per_port"),
    ),
    Indicator(
        "waitlist_final",
        "people on waitlists at the end",
        "people",
        "count",
        _views("dashboard"),
        compute=_total_of("waitlist_final_per_port"),
    ),
    _summary("admitted_at_ports", "admitted at ports", _ALL),
    _summary("crossings_between_ports", "crossings between ports", _ALL),
    _summary("apprehensions", "apprehensions", _ALL),
    _summary("evasions", "evasions", _ALL),
    _summary(
        "shelter_peak_per_city",
        "people in shelter beds at the peak, {place}",
        _views("report"),
        path="shelter_peak_per_city.{place}",
    ),
    _summary(
        "unsheltered_person_days_per_city",
        "unsheltered person-days in {place}",
        _RUN_REPORT,
        path="unsheltered_person_days_per_city.{place}",
        unit="person-days",
    ),
    Indicator(
        "unsheltered_person_days",
        "unsheltered person-days",
        "person-days",
        "count",
        _views("dashboard"),
        compute=_total_of("unsheltered_person_days_per_city"),
    ),
    _summary("violence_incidents", "violence incidents", _ALL, unit="incidents"),
    _summary("deported_by_mexico", "deported by Mexico", _ALL),
    _summary("stayed_in_mexico", "stayed in Mexico (refuge or settled)", _ALL),
    _summary("returned_home", "went home", _views("run", "report", "ensemble")),
    _summary(
        "in_custody_peak", "in U.S. custody (peak)", _RUN_REPORT, path=_US + "in_custody_peak"
    ),
    _summary(
        "in_detention_peak",
        "in ICE detention (peak)",
        _RUN_REPORT,
        path=_US + "in_detention_peak",
    ),
    _summary(
        "detention_bed_days",
        "detention bed-days",
        _views("run", "dashboard"),
        path=_US + "detention_bed_days",
        unit="person-days",
    ),
    _summary(
        "released_no_bed",
        "released for lack of a detention bed",
        _views("run", "report", "dashboard"),
        path=_US + "released_no_bed",
    ),
    _summary(
        "released_from_holding",
        "families released straight from Border Patrol's holding",
        _RUN_REPORT,
        path=_US + "released_from_holding",
    ),
    _summary(
        "held_over_capacity_person_days",
        "person-days held above Border Patrol's holding capacity",
        _RUN_REPORT,
        path=_US + "held_over_capacity_person_days",
        unit="person-days",
    ),
    _summary(
        "held_past_time_limit_person_days",
        "person-days held by Border Patrol past its 72-hour limit",
        _RUN_REPORT,
        path=_US + "held_past_time_limit_person_days",
        unit="person-days",
    ),
    _summary(
        "mpp_returned",
        "returned to Mexico (MPP)",
        _views("run", "report", "dashboard"),
        path=_US + "mpp_returned",
    ),
    _summary(
        "mpp_violence_incidents",
        "violence incidents among MPP returnees",
        _RUN_REPORT,
        path=_US + "mpp_violence_incidents",
        unit="incidents",
    ),
    _summary(
        "credible_fear_interviews",
        "credible-fear interviews",
        _RUN_REPORT,
        path=_US + "credible_fear_interviews",
        unit="cases",
    ),
    _summary(
        "court_backlog_final",
        "court backlog at the end",
        _ALL,
        path=_US + "court_backlog_final",
        unit="cases",
    ),
    _summary(
        "asylum_granted", "asylum granted", _RUN_REPORT, path=_US + "asylum_granted", unit="cases"
    ),
    _summary(
        "removal_orders_merits",
        "removal orders (merits)",
        _views("run"),
        path=_US + "removal_orders_merits",
        unit="cases",
    ),
    _summary(
        "removal_orders_in_absentia",
        "removal orders in absentia",
        _RUN_REPORT,
        path=_US + "removal_orders_in_absentia",
        unit="cases",
    ),
    _summary(
        "removals_carried_out",
        "removals carried out",
        _ALL,
        path=_US + "removals_carried_out",
    ),
    _summary(
        "set_out_again_after_removal",
        "people removed who set out again",
        _RUN_REPORT,
        path=_US + "set_out_again_after_removal",
    ),
    _summary(
        "mean_days_to_decision",
        "mean days to a court decision (from filing for cases pending at the start)",
        _RUN_REPORT,
        path=_US + "time_to_decision.mean_days",
        unit="days",
    ),
)

#: Whether a run (or an ensemble) reached the U.S. side beyond the border: any of these
#: above 0 means MPP, detention, a release pending a hearing or the courts were used.
US_SIDE = (
    _US + "mpp_returned",
    _US + "court_backlog_peak",
    _US + "in_detention_peak",
    _US + "released_pending_hearing_final",
)


def flatten(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric entries of a nested summary by dotted name (booleans and the seed left out).

    Example:
        >>> flatten({"seed": 3, "a": 1, "b": {"c": 2.5}, "s": "x", "t": True})
        {'a': 1.0, 'b.c': 2.5}
    """
    flat: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{name}.")
        elif isinstance(value, int | float) and not isinstance(value, bool) and name != "seed":
            flat[name] = float(value)
    return flat


def shown(view: View) -> tuple[Indicator, ...]:
    """The indicators a view shows, in display order."""
    return tuple(i for i in INDICATORS if view in i.views)


def key_indicators(
    names: Iterable[str], places: Mapping[str, str], view: View = "report"
) -> list[tuple[str, str]]:
    """The indicators of ``view`` among ``names``, in display order, as ``(name, label)``.

    Args:
        names: dotted indicator names present (a run's flattened summary, or an
            ensemble's ``indicators.csv``).
        places: place id -> name, for the labels.
        view: whose indicators (:data:`View`).
    """
    return [(name, label) for name, label, _ in labelled(names, places, view)]


def labelled(
    names: Iterable[str], places: Mapping[str, str], view: View
) -> list[tuple[str, str, Indicator]]:
    """Like :func:`key_indicators`, with each name's :class:`Indicator` (for its format)."""
    present = list(names)
    out: list[tuple[str, str, Indicator]] = []
    seen: set[str] = set()
    for indicator in shown(view):
        for name in present:
            label = _label(indicator, name, places)
            if label is not None and name not in seen:
                seen.add(name)
                out.append((name, label, indicator))
    return out


def label_of(name: str, places: Mapping[str, str] | None = None) -> str:
    """The label of a dotted indicator name (the name itself if it is no headline indicator)."""
    for indicator in INDICATORS:
        label = _label(indicator, name, places or {})
        if label is not None:
            return label
    return name


def _label(indicator: Indicator, name: str, places: Mapping[str, str]) -> str | None:
    """``indicator``'s label for the dotted ``name``, or None if it does not stand for it."""
    pattern = indicator.pattern
    m = pattern.match(name) if pattern is not None else None
    if m is None:
        return None
    place = places.get(m.group(1), m.group(1)) if m.groups() else ""
    return indicator.label.replace(PLACE, place)


def run_values(res: Results, view: View) -> dict[str, float]:
    """The values of a view's indicators in one run, by indicator name (no families)."""
    flat = flatten(res.summary_dict)
    return {i.name: i.value(res, flat) for i in shown(view)}


def has_us_side(values: Mapping[str, float]) -> bool:
    """Whether a run reached MPP, detention, a release pending a hearing or the courts.

    Args:
        values: dotted indicator -> value: a run's flattened summary, or for an ensemble
            each indicator's 95th percentile over its runs.
    """
    return any(values.get(name, 0.0) > 0 for name in US_SIDE)


# ---------------------------------------------------------------- number formats


def significant(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits; a value that is not 0 never shows as 0.

    Example:
        >>> significant(0.44), significant(0.000123), significant(12.345), significant(1234.5)
        ('0.44', '0.000123', '12.3', '1,234')
    """
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def formatted(value: float | None, fmt: Format = "count") -> str:
    """A value as a reader sees it: ``–`` when missing, else in the format ``fmt``."""
    if value is None or value != value:  # None or NaN
        return "–"
    if fmt == "rate":
        return significant(float(value))
    if fmt == "days":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def target_format(measure: str) -> Format:
    """How a target's values are written: a flow per day or per person, or a share, is a rate."""
    if measure == "days_to_clear":
        return "days"
    return "rate" if measure in ("flow_per_day", "flow_per_person", "share") else "count"
