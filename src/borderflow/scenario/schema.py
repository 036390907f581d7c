"""The scenario, as validated, frozen objects.

Files are read by :mod:`borderflow.scenario.load`; this module only says what a
valid scenario is. Every model is strict about unknown keys, so a typo in a
scenario file is an error, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NATIONALITIES: tuple[str, ...] = ("HND", "GTM", "SLV", "NIC", "MEX", "OTH")
HOUSEHOLD_ROLES: tuple[str, ...] = (
    "single_adult",
    "family_adult",
    "family_child",
    "unaccompanied_child",
)
PLACE_KINDS: tuple[str, ...] = ("origin", "town", "border_city", "port_of_entry", "us_sector")
MODES: tuple[str, ...] = ("walk", "bus", "train")

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
PlaceId = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", min_length=1)]


class Strict(BaseModel):
    """Base: unknown keys are errors; objects are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Place(Strict):
    """A row of ``places.csv``."""

    id: PlaceId
    name: str = Field(min_length=1)
    country: Literal["HND", "GTM", "SLV", "NIC", "MEX", "USA"]
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    kind: Literal["origin", "town", "border_city", "port_of_entry", "us_sector"]
    parent: PlaceId | None = None
    population: Count | None = None

    @field_validator("parent", "population", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


class Route(Strict):
    """A row of ``routes.csv``: an undirected road between two places."""

    from_: PlaceId = Field(alias="from")
    to: PlaceId
    distance_km: float = Field(gt=0)
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

    value: float = Field(allow_inf_nan=False)
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    unit: str = ""
    source: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Parameter:
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

    value: float
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    source: str | None = None
    reason: str | None = None


class PerPlace(Strict):
    """A lever value per place, with a default for places not listed."""

    model_config = ConfigDict(extra="allow", frozen=True)
    default: float = 0.0

    def for_place(self, place_id: str) -> float:
        """The value at ``place_id``."""
        extra = self.model_extra or {}
        return float(extra.get(place_id, self.default))

    def overrides(self) -> dict[str, float]:
        """The places listed explicitly, with their values."""
        return {k: float(v) for k, v in (self.model_extra or {}).items()}


class Levers(Strict):
    """Policy levers: the initial values. Each can change on a date (:class:`Policy`).

    Attributes:
        quota: admissions a day at each port of entry (metering); by port id.
        beds: shelter beds in each border city; by city id.
        p_apprehend: Border Patrol apprehension probability for a crossing between
            ports; by border city id.
        mpp: share of MPP-eligible people in custody who are returned to this
            border city to await their hearings (0: MPP off); by border city id.
        mexico_enforcement: multiplier on the daily hazard of detention and
            deportation by Mexico while in transit.
        mexico_refuge_offer: multiplier on the daily hazard of accepting refuge or
            a humanitarian visa in Mexico.
        p_prosecute: share of apprehended adults referred for prosecution.
        asylum_ban: whether an irregular entry bars asylum.
        cf_interviews_per_day: credible-fear interviews asylum officers hold a day.
        p_credible_fear_pass: share of interviews finding a credible fear (P12: 0.89
            in FY2017-FY2018, about 0.65 by September 2019).
        detention_beds: ICE detention beds (P19: an average daily population of
            42,150 in FY2018 and 50,165 in FY2019).
        judges: immigration judges on the regular docket (P17: about 330 in July
            2018, 442 in September 2019).
        mpp_judges: judges hearing MPP cases (the MPP docket).
        removals_per_day: removals ICE can carry out a day.
        p_lawyer: share of people outside MPP with a lawyer in court.
    """

    quota: PerPlace = PerPlace(default=1e9)
    beds: PerPlace = PerPlace(default=0)
    p_apprehend: PerPlace = PerPlace(default=0.75)
    mpp: PerPlace = PerPlace(default=0)
    mexico_enforcement: NonNegative = 1.0
    mexico_refuge_offer: NonNegative = 1.0
    p_prosecute: Probability = 0.0
    asylum_ban: bool = False
    cf_interviews_per_day: NonNegative = 1e9
    p_credible_fear_pass: Probability = 0.89
    detention_beds: NonNegative = 1e9
    judges: NonNegative = 442
    mpp_judges: NonNegative = 0
    removals_per_day: NonNegative = 1e9
    p_lawyer: Probability = 0.3


PER_PLACE_LEVERS: dict[str, str] = {
    "quota": "port_of_entry",
    "beds": "border_city",
    "p_apprehend": "border_city",
    "mpp": "border_city",
}
SCALAR_LEVERS: tuple[str, ...] = (
    "mexico_enforcement",
    "mexico_refuge_offer",
    "p_prosecute",
    "asylum_ban",
    "cf_interviews_per_day",
    "p_credible_fear_pass",
    "detention_beds",
    "judges",
    "mpp_judges",
    "removals_per_day",
    "p_lawyer",
)


class Policy(Strict):
    """A dated change of one or more levers, effective from ``date`` on.

    ``set`` uses dotted keys for per-place levers: ``{"quota.san_ysidro" = 40}``.
    """

    date: dt.date
    set: dict[str, float | bool]
    source: str | None = None
    note: str | None = None


class Joiners(Strict):
    """People who join a caravan on the road, wherever its lead group is that day."""

    date: dt.date
    n: Count
    source: str | None = None


class GroupMix(Strict):
    """Composition shared by caravans and background flow."""

    nationality: dict[str, NonNegative] = {"HND": 1.0}
    household: dict[str, NonNegative] = {"single_adult": 1.0}
    destinations: dict[PlaceId, NonNegative]
    p_join_waitlist: Probability | None = None
    p_refuge_at_entry: Probability | None = None

    @field_validator("nationality")
    @classmethod
    def _known_nationalities(cls, value: dict[str, float]) -> dict[str, float]:
        return _shares(value, NATIONALITIES, "nationality")

    @field_validator("household")
    @classmethod
    def _known_roles(cls, value: dict[str, float]) -> dict[str, float]:
        return _shares(value, HOUSEHOLD_ROLES, "household role")

    @field_validator("destinations")
    @classmethod
    def _some_destination(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or sum(value.values()) <= 0:
            raise ValueError("needs at least one destination with a share above 0")
        return value


def _shares(value: dict[str, float], allowed: tuple[str, ...], what: str) -> dict[str, float]:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; expected some of {list(allowed)}")
    if sum(value.values()) <= 0:
        raise ValueError(f"{what} shares must add up to more than 0")
    return value


class Caravan(GroupMix):
    """A caravan: a group that departs together and moves together.

    ``stops`` holds planned rests at a place: a number of days, or
    ``[first, last]`` to leave in daily waves from ``first`` to ``last`` days
    after arriving (the group splits into that many fragments). ``via`` lists
    the places the caravan passes through in order before heading for its
    members' destinations by the shortest roads (the route it was reported to
    take). A caravan takes rides (buses, trains) where the road offers them,
    except between ``walks_from`` (default: its origin, if ``rides_from`` is
    set) and ``rides_from``, where it walks every leg.
    """

    @field_validator("stops")
    @classmethod
    def _ordered_waves(
        cls, value: dict[str, int | tuple[int, int]]
    ) -> dict[str, int | tuple[int, int]]:
        for place, days in value.items():
            if isinstance(days, tuple) and days[0] > days[1]:
                raise ValueError(
                    f"{place}: waves [first, last] need first <= last, got {list(days)}"
                )
        return value

    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    origin: PlaceId
    depart: dt.date
    size: Count
    joiners: list[Joiners] = []
    stops: dict[PlaceId, Count | tuple[Count, Count]] = {}
    via: list[PlaceId] = []
    walks_from: PlaceId | None = None
    rides_from: PlaceId | None = None
    source: str | None = None


class Background(GroupMix):
    """The background flow: daily departures by nationality, travelling alone."""

    daily: dict[str, NonNegative]
    origins: dict[str, PlaceId]
    arrivals: Literal["poisson", "constant"] = "poisson"
    seasonality: list[NonNegative] = Field(default=[1.0] * 12, min_length=12, max_length=12)
    start: dt.date | None = None
    end: dt.date | None = None
    source: str | None = None

    @field_validator("daily")
    @classmethod
    def _daily_known(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(NATIONALITIES))
        if unknown:
            raise ValueError(
                f"unknown nationality {unknown}; expected some of {list(NATIONALITIES)}"
            )
        return value

    @model_validator(mode="after")
    def _origin_per_nationality(self) -> Background:
        missing = sorted(k for k, v in self.daily.items() if v > 0 and k not in self.origins)
        if missing:
            raise ValueError(f"origins: no origin place for nationality {missing}")
        return self


class Target(Strict):
    """An observed figure the scenario should reproduce.

    ``measure = "stock"`` sums people on ``date`` in ``states`` at ``places``;
    ``"flow"`` sums ``transitions`` from ``date_from`` (default: the run's start)
    to ``date``; ``"flow_per_day"`` is that sum divided by the number of days;
    ``"flow_per_person"`` divides it by the mean stock in ``states`` at ``places``
    over those days (e.g. violence incidents per MPP returnee in a month).
    Flows are matched on ``to_place`` (where people are after the flow) unless
    ``at = "place"`` (where they were). Empty lists match everything. The target
    is met when the simulated value lies in ``[low, high]``.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    quantity: str
    date: dt.date
    date_from: dt.date | None = None
    measure: Literal["stock", "flow", "flow_per_day", "flow_per_person"]
    places: list[PlaceId] = []
    states: list[str] = []
    transitions: list[str] = []
    groups: list[str] = []
    at: Literal["place", "to_place"] = "to_place"
    reported: float
    low: float
    high: float
    source: str
    note: str | None = None
    held_out: bool = False

    @model_validator(mode="after")
    def _check(self) -> Target:
        if not self.low <= self.reported <= self.high:
            raise ValueError(f"reported {self.reported} must lie within [{self.low}, {self.high}]")
        if self.measure in ("stock", "flow_per_person") and not self.states:
            raise ValueError(f"a {self.measure} target needs 'states'")
        if self.measure != "stock" and not self.transitions:
            raise ValueError("a flow target needs 'transitions'")
        return self


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
    initial_waitlist: dict[PlaceId, Count] = {}
    initial_waitlist_source: str | None = None

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
        _shares(dict.fromkeys(value, 1.0), NATIONALITIES, "nationality")
        if "MEX" in value:
            raise ValueError("Mexican nationals are never returned to Mexico under MPP")
        return value

    @field_validator("households")
    @classmethod
    def _households(cls, value: list[str]) -> list[str]:
        _shares(dict.fromkeys(value, 1.0), HOUSEHOLD_ROLES, "household role")
        return value


class Courts(Strict):
    """The immigration courts' starting point.

    Attributes:
        initial_backlog: cases pending on the regular docket when the run starts,
            of people not simulated; they are heard first and take judges' time.
        initial_backlog_source: a fact id, or why the number is assumed.
    """

    initial_backlog: Count = 0
    initial_backlog_source: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> Courts:
        if self.initial_backlog and not self.initial_backlog_source:
            raise ValueError("initial_backlog needs initial_backlog_source (a fact id or a reason)")
        return self


class Scenario(Strict):
    """A validated scenario: network, levers, dated policies, people, parameters, targets."""

    name: str = Field(pattern=r"^[a-z0-9_\-]+$")
    title: str
    description: str = ""
    start: dt.date
    end: dt.date
    places: tuple[Place, ...]
    routes: tuple[Route, ...]
    levers: Levers = Levers()
    policies: tuple[Policy, ...] = ()
    parameters: dict[str, Parameter]
    caravans: tuple[Caravan, ...] = ()
    background: Background | None = None
    border: Border = Border()
    mpp: Mpp = Mpp()
    courts: Courts = Courts()
    targets: tuple[Target, ...] = ()

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

    def with_levers(self, **changes: float | bool | dict[str, float]) -> Scenario:
        """A copy with some levers fixed for the whole run.

        Per-place levers take a dict merged into the existing one:
        ``sc.with_levers(quota={"san_ysidro": 40}, mexico_enforcement=2.0)``; a
        plain number sets every place. Dated policies that would change the same
        lever (at the same place) are dropped, so the value holds from start to end.
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
        from borderflow.scenario.load import revalidate

        if not factor > 0:
            raise ValueError(f"factor must be positive, got {factor}")
        data = self.model_dump(by_alias=True)
        volume = {
            "quota",
            "beds",
            "detention_beds",
            "judges",
            "mpp_judges",
            "cf_interviews_per_day",
            "removals_per_day",
        }
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
            data["background"]["daily"] = {
                k: v * factor for k, v in data["background"]["daily"].items()
            }
        border = data["border"]
        border["initial_waitlist"] = {
            k: round(v * factor) for k, v in border["initial_waitlist"].items()
        }
        data["courts"]["initial_backlog"] = round(data["courts"]["initial_backlog"] * factor)
        for target in data["targets"]:
            # Counts of people scale with them; rates per person do not.
            if target["measure"] != "flow_per_person":
                for key in ("reported", "low", "high"):
                    target[key] = target[key] * factor
        return revalidate(data, origin=f"{self.name} (scaled ×{factor:g})")

    def with_parameters(self, **values: float) -> Scenario:
        """A copy with some parameter values changed (each must stay in its range)."""
        from borderflow.scenario.load import revalidate

        data = self.model_dump(by_alias=True)
        for key, value in values.items():
            if key not in data["parameters"]:
                data["parameters"][key] = {"value": value}  # rejected, with the valid names
            else:
                data["parameters"][key] = {**data["parameters"][key], "value": value}
        return revalidate(data, origin=f"{self.name} (with_parameters)")
