"""The scenario, as validated, frozen objects.

Files are read by :mod:`borderflow.scenario.load`; this module only says what a
valid scenario is, with who sets out in :mod:`~borderflow.scenario.travellers` and what
a run is compared with in :mod:`~borderflow.scenario.targets`. Every model is strict
about unknown keys (:class:`~borderflow.scenario.fields.Strict`), so a typo in a
scenario file is an error, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    create_model,
    field_validator,
    model_serializer,
    model_validator,
)

from borderflow.scenario import bounds
from borderflow.scenario.bounds import UNLIMITED_WORD, as_unlimited
from borderflow.scenario.fields import (
    Backlog,
    Distance,
    Name,
    Number,
    People,
    PlaceId,
    Population,
    Strict,
    Text,
    Weight,
    most_chars,
    most_items,
    no_text,
    not_a_bool,
    within,
)
from borderflow.scenario.levers import (
    LEVERS,
    PER_PLACE_LEVERS,
    SCALED_LEVERS,
    Lever,
    lever_problem,
)
from borderflow.scenario.levers import SCALAR_LEVERS as SCALAR_LEVERS  # for older imports
from borderflow.scenario.parameters import Parameters
from borderflow.scenario.targets import ROLES as ROLES
from borderflow.scenario.targets import UNSCALED_MEASURES, Target
from borderflow.scenario.targets import SeriesRef as SeriesRef
from borderflow.scenario.targets import TargetPoint as TargetPoint
from borderflow.scenario.travellers import Background, Caravan, checked_shares

# Re-exported: the whole scenario's models are read from this module.
from borderflow.scenario.travellers import BackgroundGroup as BackgroundGroup
from borderflow.scenario.travellers import BackgroundStream as BackgroundStream
from borderflow.scenario.travellers import GroupMix as GroupMix
from borderflow.scenario.travellers import Joiners as Joiners
from borderflow.scenario.travellers import SeasonalityEstimate as SeasonalityEstimate
from borderflow.scenario.travellers import multipliers_of as multipliers_of
from borderflow.scenario.vocabulary import HOUSEHOLD_ROLES, NATIONALITIES


def _unlimited_in_json(data: Any, info: SerializationInfo) -> Any:
    """In JSON, an unlimited capacity (``inf``) is written ``"unlimited"``, as in a scenario."""
    if not info.mode_is_json() or not isinstance(data, dict):
        return data
    return {k: UNLIMITED_WORD if v == math.inf else v for k, v in data.items()}


class Place(Strict):
    """A row of ``places.csv``."""

    id: PlaceId
    name: Annotated[str, BeforeValidator(most_chars(bounds.MAX_TITLE)), Field(min_length=1)]
    country: Literal["HND", "GTM", "SLV", "NIC", "MEX", "USA"]
    latitude: Annotated[Number, Field(ge=-90, le=90)]
    longitude: Annotated[Number, Field(ge=-180, le=180)]
    kind: Literal["origin", "town", "border_city", "port_of_entry", "us_sector"]
    parent: PlaceId | None = None
    population: Population | None = None

    @field_validator("parent", "population", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


class Route(Strict):
    """A row of ``routes.csv``: an undirected road between two places."""

    from_: PlaceId = Field(alias="from")
    to: PlaceId
    distance_km: Distance
    modes: tuple[Literal["walk", "bus", "train"], ...]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("modes", mode="before")
    @classmethod
    def _split_modes(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(m.strip() for m in value.split(";") if m.strip())
        return value

    @field_validator("modes")
    @classmethod
    def _walk_always(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a route needs at least one mode (walk, bus or train)")
        return value


class Parameter(Strict):
    """A model parameter: sourced (``source`` names a fact id) or an assumption.

    An assumption has no ``source`` and must carry a ``reason``; every parameter
    carries its plausible range ``[low, high]``, which calibration searches.
    """

    value: Number
    low: Number
    high: Number
    unit: Text = ""
    source: Text | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _check(self) -> Parameter:
        if self.low > self.high:
            raise ValueError(
                f"low ({self.low}) must not exceed high ({self.high}): the range is "
                "[low, high]; swap them"
            )
        if not self.low <= self.value <= self.high:
            raise ValueError(
                f"value {self.value} must lie within its range [{self.low}, {self.high}]; "
                "to go outside it, widen the range: name = {value = …, low = …, high = …}"
            )
        if not self.source and not self.reason:
            raise ValueError("an assumption (no source) needs a one-line reason")
        return self

    @property
    def is_assumption(self) -> bool:
        """Whether the reports do not give this value."""
        return not self.source


class ParameterOverride(Strict):
    """A scenario's change to a parameter: at least a value; the rest is kept."""

    value: Number
    low: Number | None = None
    high: Number | None = None
    source: Text | None = None
    reason: Text | None = None


class PerPlace(Strict):
    """A lever value per place, with a default for places not listed.

    Values are checked against the lever's bounds by the scenario's cross-check, which
    knows the lever; ``"unlimited"`` is read as ``inf`` here.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    default: Annotated[float, BeforeValidator(not_a_bool)] = 0.0

    @model_validator(mode="before")
    @classmethod
    def _unlimited(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: as_unlimited(v) for k, v in data.items()}
        return data

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if info.mode_is_json() and isinstance(data, dict):
            # Extra keys are serialized untyped, an infinite value as null: take them here.
            given = {"default": self.default, **(self.model_extra or {})}
            data = {k: UNLIMITED_WORD if given.get(k) == math.inf else v for k, v in data.items()}
        return data

    def for_place(self, place_id: str) -> float:
        """The value at ``place_id``."""
        extra = self.model_extra or {}
        return float(extra.get(place_id, self.default))

    def overrides(self) -> dict[str, float]:
        """The places listed explicitly, with their values."""
        return {k: float(v) for k, v in (self.model_extra or {}).items()}


class LeverValues(Strict):
    """Policy levers: the initial values. Each can change on a date (:class:`Policy`).

    The fields are the rows of :data:`borderflow.scenario.levers.LEVERS`, one a lever,
    which also gives its bounds. A capacity without a limit is ``inf``, written
    ``"unlimited"`` (or ``inf``) in a scenario.

    A capacity a day (``quota``, ``cf_interviews_per_day``, ``removals_per_day``) may be
    fractional: its fraction is carried from day to day, so that 0.4 a day serves 2
    people every 5 days (:func:`borderflow.scenario.levers.per_day_counts`). Beds
    (``beds``, ``detention_beds``) are a stock and cannot carry a fraction: they are
    rounded to the nearest whole bed, half up (2.5 beds are 3). ``judges`` and
    ``mpp_judges`` are used as they are, fractions included.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _within_bounds(cls, value: Any, info: ValidationInfo) -> Any:
        # Per-place levers are checked place by place in the scenario's cross-check.
        if info.field_name in PER_PLACE_LEVERS:
            return value
        problem = lever_problem(str(info.field_name), value)
        if problem:
            raise ValueError(problem)
        return as_unlimited(value)

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        return _unlimited_in_json(handler(self), info)

    if TYPE_CHECKING:
        # Each lever is a field named as the lever (see LEVERS): a PerPlace, a float or,
        # for the switch, a bool.
        def __getattr__(self, name: str) -> Any: ...


def _lever_field(lever: Lever) -> tuple[Any, Any]:
    """A lever's field of :class:`Levers`: its type and default."""
    if lever.at is not None:
        return PerPlace, PerPlace(default=lever.default)
    return (bool if lever.kind == "switch" else float), lever.default


def _levers_doc() -> str:
    entries = "\n".join(
        f"        {lv.name}: {lv.meaning}" + (f"; by {lv.at} id." if lv.at else ".")
        for lv in LEVERS
    )
    return f"{LeverValues.__doc__}\n    Attributes:\n{entries}\n"


if TYPE_CHECKING:
    Levers = LeverValues
else:
    Levers = create_model(
        "Levers",
        __base__=LeverValues,
        __module__=__name__,
        __doc__=_levers_doc(),
        **{lever.name: _lever_field(lever) for lever in LEVERS},
    )


class Policy(Strict):
    """A dated change of one or more levers, effective from ``date`` on.

    ``set`` uses dotted keys for per-place levers: ``{"quota.san_ysidro" = 40}``.
    """

    date: dt.date
    set: dict[str, Annotated[float | bool, BeforeValidator(no_text)]]
    source: Text | None = None
    note: Text | None = None

    @field_validator("set", mode="before")
    @classmethod
    def _unlimited(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: as_unlimited(v) for k, v in value.items()}
        return value

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        data = handler(self)
        if isinstance(data, dict) and isinstance(data.get("set"), dict):
            data["set"] = _unlimited_in_json(data["set"], info)
        return data


class Border(Strict):
    """Border set-up.

    Attributes:
        asylum_port: the port each border city's asylum seekers queue at
            (default: the city's first port in places.csv).
        initial_waitlist: people already on a port's list when the run starts
            (group ``already_waiting``), by port id.
        initial_waitlist_source: where that number comes from, or why it is assumed.
    """

    asylum_port: dict[PlaceId, PlaceId] = {}
    initial_waitlist: dict[PlaceId, People] = {}
    initial_waitlist_source: Text | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Border:
        if self.initial_waitlist and not self.initial_waitlist_source:
            raise ValueError(
                "initial_waitlist needs initial_waitlist_source (a fact id or a reason)"
            )
        return self


class Mpp(Strict):
    """Who Remain in Mexico applies to (where and when: the dated ``mpp`` lever).

    Attributes:
        nationalities: nationalities that can be returned (Mexicans never are).
        households: household roles that can be returned.
    """

    nationalities: list[str] = ["HND", "GTM", "SLV", "NIC", "OTH"]
    households: list[str] = list(HOUSEHOLD_ROLES[:3])

    @field_validator("nationalities")
    @classmethod
    def _nationalities(cls, value: list[str]) -> list[str]:
        checked_shares(dict.fromkeys(value, 1.0), NATIONALITIES, "nationality")
        if "MEX" in value:
            raise ValueError("Mexican nationals are never returned to Mexico under MPP")
        return value

    @field_validator("households")
    @classmethod
    def _households(cls, value: list[str]) -> list[str]:
        checked_shares(dict.fromkeys(value, 1.0), HOUSEHOLD_ROLES, "household role")
        return value


def _fiscal_year(key: str) -> str:
    if not re.fullmatch(r"FY(19|20)\d\d", key):
        raise ValueError("expected a fiscal year, written like FY2017")
    return key


#: Judges joining the regular docket on a date (fractions allowed, as for the lever).
HiredJudges = Annotated[Number, AfterValidator(within(bounds.CAPACITY))]
#: Cases filed a day on the regular docket by people not simulated.
OtherReceipts = Annotated[
    Number, AfterValidator(within(bounds.Bound(0.0, bounds.MAX_DAILY, "cases filed a day")))
]


class Courts(Strict):
    """The immigration courts' starting point, their staffing and their order of hearing.

    Attributes:
        initial_backlog: cases pending on the regular docket when the run starts,
            of people not simulated; they are heard first and take judges' time.
        initial_backlog_source: a fact id, or why the number is assumed.
        initial_backlog_filed: when those cases were filed: shares by fiscal year
            (``FY2017 = 0.4``), each cohort dated at the middle of its year (1 April);
            none given, all were filed the day before the run. Their decisions are
            counted with the days since filing (outcome ``backlog_decided``).
        other_receipts: cases filed on the regular docket each day by people not
            simulated (interior arrests, other borders: the rest of the courts' receipts),
            Poisson with this mean; they wait behind the start backlog, as anonymous
            cases do, and are counted as ``backlog_decided`` when decided.
        other_receipts_source: a fact id, or why the number is assumed.
        next_case: which waiting case a free judge place takes next, on every docket:
            ``fifo``, the one filed first (the start backlog first, then the cases of
            the run as they joined the docket); ``newest_first``, the one that joined
            last (the run's, newest first, then the start backlog, newest cohort first).
            The ``priority_share`` lever keeps a share of places for the run's cases.
        hiring: judges joining the regular docket on each date (``2018-09-28 = 46``),
            on top of the ``judges`` lever, which is then the count before them.
        attrition: whether judges on the regular docket leave, each at the daily rate
            ``p_judge_attrition`` (expected values: the count falls smoothly).
    """

    initial_backlog: Backlog = 0
    initial_backlog_source: Text | None = None
    initial_backlog_filed: dict[Annotated[str, AfterValidator(_fiscal_year)], Weight] = {}
    other_receipts: OtherReceipts = 0.0
    other_receipts_source: Text | None = None
    next_case: Literal["fifo", "newest_first"] = "fifo"
    hiring: dict[dt.date, HiredJudges] = {}
    attrition: bool = False

    def hires(self, start: dt.date, n_days: int) -> np.ndarray:
        """Judges hired on each day of the run (dates outside it hire nobody in it)."""
        out = np.zeros(n_days)
        for date, n in self.hiring.items():
            day = (date - start).days
            if 0 <= day < n_days:
                out[day] += n
        return out

    def cohorts(self, start: dt.date) -> list[tuple[int, int]]:
        """``(filing day relative to start, cases)`` of the start backlog, oldest first.

        Cases are shared out by the shares, rounded so that they add up to the backlog.
        A cohort whose middle falls on or after ``start`` is dated the day before it.
        """
        if not self.initial_backlog:
            return []
        if not self.initial_backlog_filed:
            return [(-1, self.initial_backlog)]
        years = sorted(self.initial_backlog_filed)
        shares = np.array([self.initial_backlog_filed[y] for y in years], float)
        counts = np.floor(self.initial_backlog * shares / shares.sum()).astype(np.int64)
        counts[-1] += self.initial_backlog - counts.sum()
        days = [min((dt.date(int(y[2:]), 4, 1) - start).days, -1) for y in years]
        return [(d, int(c)) for d, c in zip(days, counts, strict=True) if c > 0]

    @model_validator(mode="after")
    def _sourced(self) -> Courts:
        if self.initial_backlog and not self.initial_backlog_source:
            raise ValueError("initial_backlog needs initial_backlog_source (a fact id or a reason)")
        if self.initial_backlog_filed and sum(self.initial_backlog_filed.values()) <= 0:
            raise ValueError("initial_backlog_filed: the shares must add up to more than 0")
        if self.other_receipts and not self.other_receipts_source:
            raise ValueError("other_receipts needs other_receipts_source (a fact id or a reason)")
        return self


class Scenario(Strict):
    """A validated scenario: network, levers, dated policies, people, parameters, targets."""

    name: Name
    title: Annotated[str, BeforeValidator(most_chars(bounds.MAX_TITLE))]
    description: Annotated[str, BeforeValidator(most_chars(bounds.MAX_DESCRIPTION))] = ""
    start: dt.date
    end: dt.date
    places: Annotated[tuple[Place, ...], BeforeValidator(most_items(bounds.MAX_PLACES, "places"))]
    routes: Annotated[tuple[Route, ...], BeforeValidator(most_items(bounds.MAX_ROUTES, "routes"))]
    levers: Levers = Levers()
    policies: Annotated[
        tuple[Policy, ...], BeforeValidator(most_items(bounds.MAX_POLICIES, "policies"))
    ] = ()
    parameters: dict[str, Parameter]
    caravans: Annotated[
        tuple[Caravan, ...], BeforeValidator(most_items(bounds.MAX_CARAVANS, "caravans"))
    ] = ()
    background: Background | None = None
    border: Border = Border()
    mpp: Mpp = Mpp()
    courts: Courts = Courts()
    targets: Annotated[
        tuple[Target, ...], BeforeValidator(most_items(bounds.MAX_TARGETS, "targets"))
    ] = ()

    def fingerprint(self) -> str:
        """A digest of everything the scenario says: equal digests, the same scenario.

        Ensembles and calibrations record it, so that resuming one checks that the work
        on disk was done for this very scenario.
        """
        text = self.model_dump_json(by_alias=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def n_days(self) -> int:
        """Days simulated, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def dates(self) -> list[dt.date]:
        """Every simulated date."""
        return [self.start + dt.timedelta(days=i) for i in range(self.n_days)]

    def day_of(self, date: dt.date) -> int:
        """The day index of ``date`` (0 is ``start``)."""
        return (date - self.start).days

    def param(self, name: str) -> float:
        """The value of parameter ``name``."""
        return self.parameters[name].value

    @property
    def pars(self) -> Parameters:
        """Every parameter's value as a typed attribute: ``sc.pars.p_renege``."""
        return Parameters.of(self)

    def expected_people(self) -> float:
        """People the run is expected to set out, worked out without running it.

        Caravans and their joiners, the people already on port lists, and the background
        flow's expected departures (each group's daily numbers weighted by each month's
        multiplier of its seasonality).
        """
        total = float(sum(c.size + sum(j.n for j in c.joiners) for c in self.caravans))
        total += sum(self.border.initial_waitlist.values())
        bg = self.background
        if bg is not None:
            first = max(self.start, bg.start or self.start)
            last = min(self.end, bg.end or self.end)
            for group in bg.groups:
                total += sum(group.daily.values()) * _seasonal_days(first, last, group.multipliers)
        return total

    def with_levers(self, **changes: float | bool | str | dict[str, float | str]) -> Scenario:
        """A copy with some levers fixed for the whole run.

        Per-place levers take a dict merged into the existing one:
        ``sc.with_levers(quota={"san_ysidro": 40}, mexico_enforcement=2.0)``; a
        plain number sets every place; ``"unlimited"`` lifts a capacity's limit. Dated
        policies that would change the same lever (at the same place) are dropped, so the
        value holds from start to end.
        """
        from borderflow.scenario.load import revalidate

        data = self.model_dump(by_alias=True)
        fixed: set[str] = set()
        for key, value in changes.items():
            if key in PER_PLACE_LEVERS:
                if not isinstance(value, dict):
                    data["levers"][key] = {"default": value}
                    fixed.add(key)
                else:
                    data["levers"][key] = {**data["levers"][key], **value}
                    fixed |= {key if pid == "default" else f"{key}.{pid}" for pid in value}
            else:
                data["levers"][key] = value
                fixed.add(key)
        policies = []
        for policy in data["policies"]:
            kept = {
                k: v
                for k, v in policy["set"].items()
                if k not in fixed and k.partition(".")[0] not in fixed
            }
            if kept:
                policies.append({**policy, "set": kept})
        data["policies"] = policies
        return revalidate(data, origin=f"{self.name} (with_levers)")

    def with_policy(
        self, date: dt.date, note: str | None = None, **changes: float | bool
    ) -> Scenario:
        """A copy with one more dated lever change (dotted keys as ``quota__san_ysidro``).

        Python names cannot hold dots, so ``quota__san_ysidro=40`` means ``quota.san_ysidro``.
        """
        from borderflow.scenario.load import revalidate

        data = self.model_dump(by_alias=True)
        change = {k.replace("__", "."): v for k, v in changes.items()}
        data["policies"] = [*data["policies"], {"date": date, "set": change, "note": note}]
        return revalidate(data, origin=f"{self.name} (with_policy)")

    def scaled(self, factor: float) -> Scenario:
        """A copy with every volume multiplied by ``factor``: people and capacities.

        Departures, caravans and joiners, initial waitlists and court backlogs scale,
        and so do the capacities (quotas, beds, detention beds, judges, interviews and
        removals a day, in the levers and in dated policies); probabilities do not.
        Targets that count people scale too (rates per person do not), so a scaled run
        can still be checked against them. Useful for a quick small run, or to measure
        how cost grows with scale.
        """
        from borderflow.scenario.errors import Problem, ScenarioError
        from borderflow.scenario.load import revalidate

        if isinstance(factor, bool) or not 0 < factor <= bounds.MAX_SCALE:
            limit = bounds.shown(bounds.MAX_SCALE)
            raise ScenarioError(
                [
                    Problem(
                        f"{self.name} (scaled)",
                        "factor",
                        f"must be positive and at most {limit}",
                        factor,
                    )
                ]
            )
        data = self.model_dump(by_alias=True)
        # Capacities scale (an unlimited one stays unlimited); probabilities do not.
        volume = SCALED_LEVERS
        for lever in volume:
            value = data["levers"][lever]
            if isinstance(value, dict):
                data["levers"][lever] = {k: v * factor for k, v in value.items()}
            else:
                data["levers"][lever] = value * factor
        for policy in data["policies"]:
            policy["set"] = {
                k: v * factor if k.partition(".")[0] in volume else v
                for k, v in policy["set"].items()
            }
        for caravan in data["caravans"]:
            caravan["size"] = round(caravan["size"] * factor)
            for joiner in caravan["joiners"]:
                joiner["n"] = round(joiner["n"] * factor)
        if data["background"] is not None:
            for flow in [data["background"], *data["background"]["streams"].values()]:
                flow["daily"] = {k: v * factor for k, v in flow["daily"].items()}
        border = data["border"]
        border["initial_waitlist"] = {
            k: round(v * factor) for k, v in border["initial_waitlist"].items()
        }
        data["courts"]["initial_backlog"] = round(data["courts"]["initial_backlog"] * factor)
        data["courts"]["other_receipts"] = data["courts"]["other_receipts"] * factor
        data["courts"]["hiring"] = {k: v * factor for k, v in data["courts"]["hiring"].items()}
        for target in data["targets"]:
            # Counts of people scale with them; rates per person, shares and days do not.
            if target["measure"] in UNSCALED_MEASURES:
                continue
            for key in ("reported", "low", "high"):
                if target[key] is not None:
                    target[key] = target[key] * factor
            if target["series"] is not None:  # a series target's figures are its rows
                target["series"]["scale"] = target["series"]["scale"] * factor
        return revalidate(data, origin=f"{self.name} (scaled ×{factor:g})")

    def with_parameters(self, **values: float) -> Scenario:
        """A copy with some parameter values changed (each must stay in its range).

        Raises:
            ScenarioError: for an unknown parameter or a value outside its range.
        """
        from borderflow.scenario.errors import Problem, ScenarioError
        from borderflow.scenario.load import revalidate

        origin = f"{self.name} (with_parameters)"
        unknown = [key for key in values if key not in self.parameters]
        if unknown:
            raise ScenarioError(
                [
                    Problem(
                        origin,
                        f"parameters.{key}",
                        "unknown parameter; see `borderflow params` for the list",
                    )
                    for key in unknown
                ]
            )
        data = self.model_dump(by_alias=True)
        for key, value in values.items():
            data["parameters"][key] = {**data["parameters"][key], "value": value}
        return revalidate(data, origin=origin)


def _seasonal_days(first: dt.date, last: dt.date, seasonality: Sequence[float]) -> float:
    """Days from ``first`` to ``last`` (both included), each weighted by its month's factor."""
    if last < first:
        return 0.0
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    weighted = 0.0
    for k in range(months):
        year, month = divmod(first.year * 12 + first.month - 1 + k, 12)
        lo = max(first, dt.date(year, month + 1, 1))
        if k == months - 1:
            hi = last
        else:  # the day before the next month begins (which lies within the run)
            after = divmod(year * 12 + month + 1, 12)
            hi = dt.date(after[0], after[1] + 1, 1) - dt.timedelta(days=1)
        weighted += ((hi - lo).days + 1) * seasonality[month]
    return weighted
