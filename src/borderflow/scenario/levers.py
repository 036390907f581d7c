"""The policy levers: each written once, in :data:`LEVERS`, and their value on every day.

Every part of borderflow that knows the levers takes them from the table: the scenario's
``[levers]`` (:class:`borderflow.scenario.schema.Levers`), the checks of their values
and places, :meth:`~borderflow.scenario.schema.Scenario.scaled`, ``--set``, the
dashboard's controls, ``borderflow params`` and the per-day arrays the model reads
(:class:`LeverSchedule`). A new lever is one more row of :data:`LEVERS`, and the stage
that reads it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NoReturn

import numpy as np

from borderflow.scenario.bounds import (
    CAPACITY,
    MULTIPLIER,
    PROBABILITY,
    UNLIMITED,
    UNLIMITED_WORD,
    Bound,
    as_unlimited,
    kind_of,
    shown_capacity,
)

if TYPE_CHECKING:
    from borderflow.scenario.schema import Scenario

#: How a lever's value is read. Capacities take ``"unlimited"``: one ``a day`` serves
#: whole people and carries its fraction from day to day (:func:`per_day_counts`); a
#: ``stock`` (beds) is rounded to whole ones (:func:`stock_counts`); ``staff`` (judges)
#: is used as it is, fractions included.
Kind = Literal["a day", "stock", "staff", "probability", "share", "multiplier", "switch"]

#: The hard bound of each kind of lever; a switch takes only true or false.
KIND_BOUNDS: dict[str, Bound | None] = {
    "a day": CAPACITY,
    "stock": CAPACITY,
    "staff": CAPACITY,
    "probability": PROBABILITY,
    "share": PROBABILITY,
    "multiplier": MULTIPLIER,
    "switch": None,
}


@dataclass(frozen=True)
class Lever:
    """A policy lever: a value the scenario sets and dated policies change.

    Attributes:
        name: its key in ``[levers]``, in a policy's ``set`` and after ``--set``.
        at: the kind of place it is set for, one value per place (``quota.san_ysidro``),
            or None for one value for the whole border.
        kind: how its value is read and bounded (:data:`Kind`).
        unit: what its number counts, for tables.
        default: its value where a scenario leaves it out (``inf``: no limit).
        meaning: one line saying what it does, for the docs and ``borderflow params``.
        scales: whether it is a volume that :meth:`Scenario.scaled` multiplies with the
            people (capacities); probabilities and multipliers are not.
        dashboard: its label among the dashboard's controls, or None if not offered there.
        order: its place among the dashboard's controls (from 1).
    """

    name: str
    at: str | None
    kind: Kind
    unit: str
    default: float | bool
    meaning: str
    scales: bool = False
    dashboard: str | None = None
    order: int = 0

    @property
    def bound(self) -> Bound | None:
        """The interval its values must lie in; None for a switch."""
        return KIND_BOUNDS[self.kind]


#: Every lever, in the order of a scenario's ``[levers]`` (and of its JSON and digest).
LEVERS: tuple[Lever, ...] = (
    Lever(
        "quota",
        "port_of_entry",
        "a day",
        "admissions a day",
        math.inf,
        "asylum seekers admitted a day (metering)",
        scales=True,
        dashboard="Admissions a day at a port (quota)",
        order=1,
    ),
    Lever(
        "beds",
        "border_city",
        "stock",
        "beds",
        0,
        "shelter beds",
        scales=True,
        dashboard="Shelter beds in a border city",
        order=2,
    ),
    Lever(
        "p_apprehend",
        "border_city",
        "probability",
        "per crossing",
        0.75,
        "Border Patrol apprehension probability for a crossing between ports",
        dashboard="Apprehension probability between ports",
        order=4,
    ),
    Lever(
        "mpp",
        "border_city",
        "share",
        "share returned",
        0,
        "share of MPP-eligible people in custody returned to this city to await hearings (0: off)",
        dashboard="MPP: share returned to a city (0 off, 1 on)",
        order=5,
    ),
    Lever(
        "violence_risk",
        "border_city",
        "multiplier",
        "× rate",
        1.0,
        "multiplier on the daily rates of violence in this city (waiting with or without a "
        "bed, and under MPP): the city's danger relative to the rates' source",
    ),
    Lever(
        "mexico_enforcement",
        None,
        "multiplier",
        "× hazard",
        1.0,
        "multiplier on the daily hazard of detention and deportation by Mexico",
        dashboard="Mexico's enforcement (multiplier)",
        order=3,
    ),
    # Mexico pledged 6,000 National Guard along its border with Guatemala in the deal of
    # 2019-06-07 (F38; Reuters); deployment began in mid-June (Al Jazeera, 2019-06-14) and
    # was declared complete on 21 June, spread along the border and up the southern
    # isthmus, with checkpoints on the highway from Ciudad Hidalgo to Huixtla (AP via
    # https://www.latinorebels.com/2019/06/22/mexiconationalguard/; El Sol de México,
    # https://elsoldemexico.com.mx/republica/sociedad/despliega-guardia-nacional-operativo-en-frontera-sur-3781012.html);
    # 6,300 Guard in 23 border municipalities (Suchiate, Tapachula, Tenosique among them)
    # joined the more than 800 INM agents checking papers at both borders
    # (https://miradorglobal.com.mx/noticias/599/index.html). The places it covers are the
    # model's (borderflow.model.transit.southern_border).
    Lever(
        "mexico_southern_enforcement",
        None,
        "multiplier",
        "× hazard",
        1.0,
        "multiplier on Mexico's daily hazard of detention at its southern border (the places "
        "where roads from Guatemala enter Mexico and those within 100 km by road of them), "
        "on top of mexico_enforcement",
    ),
    Lever(
        "mexico_refuge_offer",
        None,
        "multiplier",
        "× hazard",
        1.0,
        "multiplier on the daily hazard of accepting refuge in Mexico",
    ),
    Lever(
        "p_prosecute",
        None,
        "share",
        "share of adults",
        0.0,
        "share of apprehended single adults referred for prosecution (not parents with children)",
    ),
    Lever(
        "asylum_ban",
        None,
        "switch",
        "true or false",
        False,
        "an irregular entry bars asylum (counted as `asylum_barred`; no asylum in court)",
    ),
    # About 9,000 in March 2019: "capacity to hold and process around 9,000 people", a DHS
    # official with 12,000 in custody (CNN, 2019-03-27,
    # https://kyma.com/news/2019/03/27/border-patrol-facilities-on-southern-border-are-over-capacity);
    # 19,000 were held in May 2019 (AP, 2019-07-17,
    # https://www.vindy.com/news/2019/jul/17/asylum-ban-may-further-strain-immigrant-detention-/).
    Lever(
        "cbp_holding_capacity",
        None,
        "stock",
        "people",
        math.inf,
        "people Border Patrol's stations can hold (in custody in a U.S. sector); above it "
        "families are released straight from holding with a notice to appear, and each "
        "person-day above it is counted (`held_over_capacity`)",
        scales=True,
    ),
    Lever(
        "cf_interviews_per_day",
        None,
        "a day",
        "interviews a day",
        math.inf,
        "credible-fear interviews asylum officers hold a day",
        scales=True,
    ),
    Lever(
        "p_credible_fear_pass",
        None,
        "share",
        "share of interviews",
        0.89,
        "share of interviews that find a credible fear",
    ),
    Lever(
        "detention_beds",
        None,
        "stock",
        "beds",
        math.inf,
        "ICE detention beds, held by fear claimants awaiting their interview and by the "
        "detained; a person who finds none is released with a notice to appear",
        scales=True,
        dashboard="ICE detention beds",
        order=8,
    ),
    Lever(
        "interior_detained",
        None,
        "stock",
        "people",
        0,
        "ICE beds held by people arrested in the interior (not simulated): the beds the "
        "border's people cannot have",
        scales=True,
    ),
    # ICE's three family residential centres in 2019: Dilley 2,400 residents
    # (https://psmag.com/news/ices-largest-family-detention-center-is-well-below-capacity),
    # Karnes 830 (https://www.ice.gov/factsheets/karnes-county-residential-center), Berks 96
    # (https://www.whyy.org/articles/in-pennsylvania-a-border-meltdown-looks-like-empty-beds-at-berks-center/):
    # 3,326 beds; ICE's budget funded 2,500 family spots (AP, 2019-07-17, as above).
    Lever(
        "family_beds",
        None,
        "stock",
        "beds",
        math.inf,
        "ICE family residential centre beds, held by family members who claim fear until "
        "released (at most family_detention_limit_days); a family that finds none is "
        "released straight from holding with a notice to appear",
        scales=True,
    ),
    # ORR had about 14,000 beds with unfunded reserve ones in Aug 2018 (American Prospect,
    # "Packing in the Migrant Kids, Even When Beds Are Running Short") and about 13,500
    # state-licensed beds in July 2020 (Migration Policy Institute, Greenberg 2021); in
    # spring 2019 almost all were full (same). 13,000: the 2019 shelter network.
    Lever(
        "hhs_beds",
        None,
        "stock",
        "beds",
        13_000,
        "HHS (ORR) beds for unaccompanied children; a child who finds none waits in CBP "
        "custody, first come first served",
        scales=True,
    ),
    Lever(
        "judges",
        None,
        "staff",
        "judges",
        442,
        "immigration judges on the regular docket",
        scales=True,
        dashboard="Immigration judges (regular docket)",
        order=7,
    ),
    Lever(
        "mpp_judges",
        None,
        "staff",
        "judges",
        0,
        "judges hearing MPP cases",
        scales=True,
        dashboard="Judges hearing MPP cases (needed when MPP is on)",
        order=6,
    ),
    Lever(
        "detained_judges",
        None,
        "staff",
        "judges",
        0,
        "judges hearing detained cases first, on a docket of their own (0: detained cases "
        "wait on the regular docket)",
        scales=True,
    ),
    # EOIR gave recent border cases priority dockets (recent border crossers from 2014,
    # family units from 2018), hearing them ahead of older cases.
    Lever(
        "priority_share",
        None,
        "share",
        "share of free places",
        0.0,
        "share of each day's free judge places on the regular docket kept for cases filed "
        "in the run, ahead of the start backlog and of cases of people not simulated",
    ),
    Lever(
        "removals_per_day",
        None,
        "a day",
        "removals a day",
        math.inf,
        "removals ICE carries out a day",
        scales=True,
    ),
    Lever(
        "p_set_out_after_removal",
        None,
        "share",
        "share of people removed",
        0.0,
        "share of people removed by the U.S. who set out again, after "
        "dur_before_setting_out_again days at home on average",
    ),
    Lever(
        "p_lawyer",
        None,
        "share",
        "share of people",
        0.3,
        "share of people outside MPP with a lawyer in court",
    ),
)

#: The levers by name.
LEVER_BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}
#: Levers set per place, with the kind of place.
PER_PLACE_LEVERS: dict[str, str] = {lv.name: lv.at for lv in LEVERS if lv.at is not None}
#: Levers with one value for the whole border.
SCALAR_LEVERS: tuple[str, ...] = tuple(lv.name for lv in LEVERS if lv.at is None)
#: Levers that :meth:`Scenario.scaled` multiplies with the people.
SCALED_LEVERS: frozenset[str] = frozenset(lv.name for lv in LEVERS if lv.scales)
#: The bound of every lever: None for a switch.
LEVER_BOUNDS: dict[str, Bound | None] = {lv.name: lv.bound for lv in LEVERS}
#: The levers the dashboard offers, in the order shown.
DASHBOARD_LEVERS: tuple[Lever, ...] = tuple(
    sorted((lv for lv in LEVERS if lv.dashboard is not None), key=lambda lv: lv.order)
)


def lever_problem(lever: str, value: object) -> str | None:
    """Why ``value`` cannot be lever ``lever``'s (naming the limit); None if it can.

    ``"unlimited"`` is read as ``inf`` first. A switch takes only true or false, and a
    number is never a boolean.
    """
    bound = LEVER_BOUNDS[lever]
    value = as_unlimited(value)
    if bound is None:
        return None if isinstance(value, bool) else "expected true or false"
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = f' or "{UNLIMITED_WORD}"' if bound.unlimited else ""
        return f"expected a number{hint}, not {kind_of(value)} ({bound.what}, {bound})"
    return bound.problem(value)


_PLACES = {"port_of_entry": "port of entry", "border_city": "border city"}


def lever_rows() -> list[tuple[str, str, str, str, str]]:
    """Every lever as ``(name, per, unit, default, meaning)``, for ``borderflow params``.

    ``per`` is the kind of place it is set for, or "—" for the whole border.
    """
    return [
        (
            lv.name,
            _PLACES.get(lv.at, lv.at) if lv.at else "—",
            lv.unit,
            str(lv.default).lower() if lv.kind == "switch" else shown_capacity(float(lv.default)),
            lv.meaning,
        )
        for lv in LEVERS
    ]


def lever_table() -> str:
    """The levers as the README's Markdown table: name, where it is set, meaning."""
    lines = ["| lever | per | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | {per} | {meaning} |" for name, per, _, _, meaning in lever_rows()]
    return "\n".join(lines) + "\n"


class LeverSchedule:
    """Every lever's value on every day, as ``schedule.quota[day, place]``.

    Per-place levers are ``(n_days, n_places)`` arrays indexed by the place's position in
    ``scenario.places``; scalar levers are ``(n_days,)`` arrays; each is an attribute
    named as the lever. ``changed[day]`` names the levers whose value changes on that day.
    The arrays are fixed once the schedule is built; only their values may be written.
    """

    changed: dict[int, set[str]]

    def __init__(self, values: Mapping[str, np.ndarray], changed: dict[int, set[str]]) -> None:
        if set(values) != set(LEVER_BY_NAME):
            missing = sorted(set(LEVER_BY_NAME) - set(values))
            unknown = sorted(set(values) - set(LEVER_BY_NAME))
            raise ValueError(f"a schedule needs every lever: missing {missing}, unknown {unknown}")
        # Plain attributes: the stages read them every day, at an attribute's speed.
        self.__dict__.update(values)
        self.__dict__["changed"] = changed

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a lever schedule is fixed once built; cannot set {name}")

    if TYPE_CHECKING:
        # Each lever's array is an attribute named as the lever (see LEVERS).
        def __getattr__(self, name: str) -> np.ndarray: ...


def build_schedule(sc: Scenario) -> LeverSchedule:
    """Apply the scenario's initial levers, then its policies in date order.

    Each day's value is written once, whatever the number of policies: the values between
    two changes of a lever are one block. An unlimited capacity (``inf``) becomes the
    count the model uses, :data:`~borderflow.scenario.bounds.UNLIMITED`.
    """
    kinds = np.array([p.kind for p in sc.places])
    index = {p.id: i for i, p in enumerate(sc.places)}
    changes, changed = _policy_changes(sc, kinds, index)
    arrays = {}
    for lever in LEVERS:
        start = _initial(sc, lever, kinds, index)
        arrays[lever.name] = _by_day(start, changes.get(lever.name, {}), sc.n_days)
        if lever.bound is CAPACITY:
            arrays[lever.name] = np.minimum(arrays[lever.name], UNLIMITED)
    return LeverSchedule(arrays, changed)


def _initial(sc: Scenario, lever: Lever, kinds: np.ndarray, index: dict[str, int]) -> np.ndarray:
    """A lever's value on the first day: a row over the places, or a single value."""
    value = getattr(sc.levers, lever.name)
    if lever.at is None:
        return np.array(value, dtype=bool if lever.kind == "switch" else float)
    row = np.where(kinds == lever.at, value.default, 0.0)
    for pid, v in value.overrides().items():
        row[index[pid]] = v
    return row


#: A day's changes of one lever in the order they apply: (places, value); None: all.
_Changes = dict[int, list[tuple[np.ndarray | None, float | bool]]]


def _policy_changes(
    sc: Scenario, kinds: np.ndarray, index: dict[str, int]
) -> tuple[dict[str, _Changes], dict[int, set[str]]]:
    """Each lever's changes by day, and the levers changed on each day."""
    changes: dict[str, _Changes] = {}
    changed: dict[int, set[str]] = {}
    for policy in sorted(sc.policies, key=lambda p: p.date):
        day = sc.day_of(policy.date)
        for key, value in policy.set.items():
            lever, _, pid = key.partition(".")
            columns = None
            if lever in PER_PLACE_LEVERS:
                columns = (
                    kinds == PER_PLACE_LEVERS[lever]
                    if pid in ("", "default")
                    else np.arange(len(kinds)) == index[pid]
                )
            changes.setdefault(lever, {}).setdefault(day, []).append((columns, value))
            changed.setdefault(day, set()).add(lever)
    return changes, changed


def _by_day(
    start: np.ndarray,
    changes: dict[int, list[tuple[np.ndarray | None, float | bool]]],
    n_days: int,
) -> np.ndarray:
    """A lever's value on every day: ``start``, then each day's changes from that day on."""
    out = np.empty((n_days, *start.shape), start.dtype)
    current = start.copy()
    first = 0
    for day in sorted(changes):
        out[first:day] = current
        for columns, value in changes[day]:
            if columns is None:
                current[...] = value
            else:
                current[columns] = value
        first = day
    out[first:] = current
    return out


#: Slack on the running sum of fractional capacities: a sum of decimal fractions such
#: as 0.1 falls a few ulps short of the whole number it should reach (ten days of 0.1
#: give 0.9999999999999999). It is far above the rounding error of 36,525 days of sums
#: below one and far below any fraction a scenario means.
_SUM_SLACK = 1e-6


def per_day_counts(capacity: np.ndarray) -> np.ndarray:
    """Whole counts a day from a capacity given as a number a day, carrying its fraction.

    A day serves whole people, yet a capacity a day may be fractional, and is whenever a
    scenario is scaled down (:meth:`~borderflow.scenario.schema.Scenario.scaled`). Cutting
    each day's value down to a whole number would serve nobody at all at 0.4 a day; the
    fraction is carried from day to day instead, so that the count served on day ``t`` is
    ``floor(C(t)) - floor(C(t - 1))``, with ``C`` the running sum of the daily values:
    0.4 a day serves 1 on days 2 and 4 of every 5 (counted from 0) and keeps the mean.

    An unlimited day (a value at or above :data:`~borderflow.scenario.bounds.UNLIMITED`)
    serves :data:`~borderflow.scenario.bounds.UNLIMITED` and adds nothing to the running
    sum, so the days around it carry their fraction as if it were not there. The whole
    parts are summed in integers and only the fractions in floating point, so whole-number
    capacities give exactly their own values.

    Args:
        capacity: the capacity on every day, by day along the first axis (a lever of a
            :class:`LeverSchedule`, or columns of one).

    Returns:
        Counts a day (``int64``) of the same shape.
    """
    values = np.asarray(capacity, np.float64)
    unlimited = values >= UNLIMITED
    finite = np.where(unlimited, 0.0, values)
    whole = np.floor(finite)
    whole_sum = np.cumsum(whole.astype(np.int64), axis=0)
    carried = np.floor(np.cumsum(finite - whole, axis=0) + _SUM_SLACK).astype(np.int64)
    running = whole_sum + carried
    counts = np.diff(running, axis=0, prepend=np.zeros_like(running[:1]))
    return np.where(unlimited, np.int64(UNLIMITED), counts)


def stock_counts(capacity: np.ndarray) -> np.ndarray:
    """Whole counts from a capacity that is a stock (beds), rounded to the nearest, half up.

    A bed held today is still held tomorrow, so a fraction cannot be carried over days as
    :func:`per_day_counts` does: 2.5 beds are 3 beds every day. Values at or above
    :data:`~borderflow.scenario.bounds.UNLIMITED` stay unlimited.

    Args:
        capacity: the capacity on every day (any shape).

    Returns:
        Whole counts (``int64``) of the same shape.
    """
    values = np.minimum(np.asarray(capacity, np.float64), UNLIMITED)
    return np.floor(values + 0.5).astype(np.int64)


__all__ = [
    "DASHBOARD_LEVERS",
    "LEVERS",
    "LEVER_BOUNDS",
    "LEVER_BY_NAME",
    "PER_PLACE_LEVERS",
    "SCALAR_LEVERS",
    "SCALED_LEVERS",
    "Lever",
    "LeverSchedule",
    "build_schedule",
    "lever_problem",
    "lever_rows",
    "lever_table",
    "per_day_counts",
    "stock_counts",
]
