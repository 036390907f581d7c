"""Who sets out: caravans and the background flow, their mixes, streams and seasonality.

Part of the scenario's schema (:mod:`borderflow.scenario.schema` gathers the whole).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from borderflow.scenario import bounds
from borderflow.scenario.fields import (
    Daily,
    Days,
    Multiplier,
    Name,
    People,
    PlaceId,
    Probability,
    Strict,
    Text,
    Weight,
    most_chars,
    most_items,
    not_a_bool,
)
from borderflow.scenario.seasonality import SeasonalityError, estimate_seasonality
from borderflow.scenario.vocabulary import HOUSEHOLD_ROLES, NATIONALITIES


class Joiners(Strict):
    """People who join a caravan on the road, wherever its lead group is that day."""

    date: dt.date
    n: People
    source: Text | None = None


class GroupMix(Strict):
    """Composition shared by caravans and background flow."""

    nationality: dict[str, Weight] = {"HND": 1.0}
    household: dict[str, Weight] = {"single_adult": 1.0}
    destinations: dict[PlaceId, Weight]
    p_join_waitlist: Probability | None = None
    p_present_at_port: Probability | None = None
    p_refuge_at_entry: Probability | None = None
    #: Nationalities that head for other cities, or sign up on lists more or less often,
    #: than the group as a whole (e.g. asylum seekers from outside Central America).
    destinations_by_nationality: dict[str, dict[PlaceId, Weight]] = {}
    p_join_by_nationality: dict[str, Probability] = {}

    @field_validator("nationality")
    @classmethod
    def _known_nationalities(cls, value: dict[str, float]) -> dict[str, float]:
        return checked_shares(value, NATIONALITIES, "nationality")

    @field_validator("household")
    @classmethod
    def _known_roles(cls, value: dict[str, float]) -> dict[str, float]:
        return checked_shares(value, HOUSEHOLD_ROLES, "household role")

    @field_validator("destinations")
    @classmethod
    def _some_destination(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or sum(value.values()) <= 0:
            raise ValueError("needs at least one destination with a share above 0")
        return value

    @field_validator("destinations_by_nationality")
    @classmethod
    def _destinations_by_known_nationality(
        cls, value: dict[str, dict[str, float]]
    ) -> dict[str, dict[str, float]]:
        if value:
            checked_shares(dict.fromkeys(value, 1.0), NATIONALITIES, "nationality")
        for nation, shares in value.items():
            if not shares or sum(shares.values()) <= 0:
                raise ValueError(f"{nation}: needs at least one destination with a share above 0")
        return value

    @field_validator("p_join_by_nationality")
    @classmethod
    def _join_by_known_nationality(cls, value: dict[str, float]) -> dict[str, float]:
        if value:
            checked_shares(dict.fromkeys(value, 1.0), NATIONALITIES, "nationality")
        return value


def checked_shares(
    value: dict[str, float], allowed: tuple[str, ...], what: str
) -> dict[str, float]:
    """``value`` if its keys are among ``allowed`` and add up to more than 0.

    Raises:
        ValueError: naming ``what`` and the keys allowed.
    """
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
    after arriving (the group splits into that many fragments, and more: each
    household lingers behind its wave with the daily probability
    ``p_caravan_linger``, so a wave leaves over several days). ``via`` lists
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

    name: Name
    origin: PlaceId
    depart: dt.date
    size: People
    joiners: Annotated[
        list[Joiners], BeforeValidator(most_items(bounds.MAX_JOINERS, "joiner entries"))
    ] = []
    stops: dict[PlaceId, Days | tuple[Days, Days]] = {}
    via: Annotated[list[PlaceId], BeforeValidator(most_items(bounds.MAX_VIA, "places"))] = []
    walks_from: PlaceId | None = None
    rides_from: PlaceId | None = None
    source: Text | None = None


class SeasonalityEstimate(Strict):
    """Monthly multipliers estimated from a monthly series of :mod:`borderflow.data`.

    Written ``{ series = "usbp_sw_monthly", breakdown = "Family Unit Individuals",
    from = 2012-10-31, to = 2018-09-30, lead_months = 1 }`` (``place`` and ``breakdown``
    when the series has several); the multipliers are
    :func:`borderflow.scenario.seasonality.estimate_seasonality` of it, worked out when
    the scenario is validated.
    """

    model_config = ConfigDict(populate_by_name=True)

    series: Name
    place: Annotated[str, BeforeValidator(most_chars(bounds.MAX_TITLE))] | None = None
    breakdown: Annotated[str, BeforeValidator(most_chars(bounds.MAX_TITLE))] | None = None
    from_: dt.date = Field(alias="from")
    to: dt.date
    lead_months: Annotated[int, BeforeValidator(not_a_bool), Field(ge=0, le=11)] = 0

    @model_validator(mode="after")
    def _estimable(self) -> SeasonalityEstimate:
        try:
            self.multipliers  # noqa: B018 (estimated once, here, so a bad one is an error)
        except SeasonalityError as exc:
            raise ValueError(str(exc)) from None
        return self

    @cached_property
    def multipliers(self) -> tuple[float, ...]:
        """The 12 multipliers, January to December (they average 1)."""
        return estimate_seasonality(
            self.series,
            self.from_,
            self.to,
            breakdown=self.breakdown,
            place=self.place,
            lead_months=self.lead_months,
        )


def _seasonality_form(value: Any) -> str | None:
    if isinstance(value, dict | SeasonalityEstimate):
        return "estimate"
    if isinstance(value, list | tuple):
        return "multipliers"
    return None


#: A background flow's seasonality: 12 monthly multipliers (January to December), or an
#: estimate from a monthly series (:class:`SeasonalityEstimate`).
Seasonality = Annotated[
    Annotated[list[Multiplier], Field(min_length=12, max_length=12), Tag("multipliers")]
    | Annotated[SeasonalityEstimate, Tag("estimate")],
    Discriminator(
        _seasonality_form,
        custom_error_type="seasonality",
        custom_error_message=(
            "expected 12 monthly multipliers (January to December) or an estimate from a "
            'series, { series = "...", from = YYYY-MM-DD, to = YYYY-MM-DD }'
        ),
    ),
]


def multipliers_of(seasonality: list[float] | SeasonalityEstimate) -> tuple[float, ...]:
    """The 12 monthly multipliers (January to December) of either form of seasonality."""
    if isinstance(seasonality, SeasonalityEstimate):
        return seasonality.multipliers
    return tuple(seasonality)


def _known_daily(value: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(value) - set(NATIONALITIES))
    if unknown:
        raise ValueError(f"unknown nationality {unknown}; expected some of {list(NATIONALITIES)}")
    return value


#: Group names a background stream may not take (the single background's, and the people
#: already on port lists).
RESERVED_GROUPS = ("background", "already_waiting")


class BackgroundStream(Strict):
    """One stream of the background flow, travelling as a group of its own (named by its key).

    ``household`` and ``seasonality`` default to the background's; origins, destinations,
    the share joining a port's list, arrivals and dates are the background's.
    """

    daily: dict[str, Daily]
    household: dict[str, Weight] | None = None
    seasonality: Seasonality | None = None
    source: Text | None = None

    @field_validator("daily")
    @classmethod
    def _daily_known(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("a stream needs departures a day by nationality")
        return _known_daily(value)

    @field_validator("household")
    @classmethod
    def _known_roles(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else checked_shares(value, HOUSEHOLD_ROLES, "household role")


@dataclass(frozen=True)
class BackgroundGroup:
    """A travelling group of the background flow, as the model sets it out.

    One named ``background`` for ``daily``, or one per stream (named by its key), with the
    stream's own departures and, where the stream gives them, household and seasonality.
    """

    name: str
    daily: dict[str, float]
    household: dict[str, float]
    seasonality: list[float] | SeasonalityEstimate
    field: str

    @property
    def multipliers(self) -> tuple[float, ...]:
        """The 12 monthly multipliers, January to December."""
        return multipliers_of(self.seasonality)

    def season(self, month: int) -> float:
        """The multiplier of ``month`` (1 is January)."""
        return self.multipliers[month - 1]


class Background(GroupMix):
    """The background flow: daily departures by nationality, travelling alone.

    Either ``daily`` (one group, named ``background``) or ``streams``: groups of their own
    (single adults, families, children…), each named by its key, with its own departures
    and, optionally, its own household mix and seasonality.
    """

    daily: dict[str, Daily] = {}
    streams: Annotated[
        dict[Name, BackgroundStream],
        BeforeValidator(most_items(bounds.MAX_STREAMS, "streams")),
    ] = {}
    origins: dict[str, PlaceId]
    arrivals: Literal["poisson", "constant"] = "poisson"
    seasonality: Seasonality = [1.0] * 12
    start: dt.date | None = None
    end: dt.date | None = None
    source: Text | None = None

    @field_validator("daily")
    @classmethod
    def _daily_known(cls, value: dict[str, float]) -> dict[str, float]:
        return _known_daily(value)

    @field_validator("streams")
    @classmethod
    def _stream_names(cls, value: dict[str, BackgroundStream]) -> dict[str, BackgroundStream]:
        taken = sorted(set(value) & set(RESERVED_GROUPS))
        if taken:
            raise ValueError(
                f"a stream's name is its group's name and may not be {taken}: "
                f"{list(RESERVED_GROUPS)} are taken"
            )
        return value

    @model_validator(mode="after")
    def _origin_per_nationality(self) -> Background:
        if self.daily and self.streams:
            raise ValueError(
                "daily: give either 'daily' (one group, named background) or 'streams' "
                "(a group each), not both"
            )
        if not self.daily and not self.streams:
            raise ValueError(
                "daily: give departures a day by nationality, in 'daily' or in 'streams'"
            )
        for group in self.groups:
            missing = sorted(k for k, v in group.daily.items() if v > 0 and k not in self.origins)
            if missing:
                raise ValueError(
                    f"origins: no origin place for nationality {missing} ({group.field})"
                )
        return self

    @property
    def groups(self) -> tuple[BackgroundGroup, ...]:
        """The travelling groups: ``background`` for ``daily``, or one per stream."""
        if not self.streams:
            return (
                BackgroundGroup(
                    "background", self.daily, self.household, self.seasonality, "background.daily"
                ),
            )
        return tuple(
            BackgroundGroup(
                name,
                s.daily,
                self.household if s.household is None else s.household,
                self.seasonality if s.seasonality is None else s.seasonality,
                f"background.streams.{name}.daily",
            )
            for name, s in self.streams.items()
        )

    @property
    def group_names(self) -> tuple[str, ...]:
        """The names of the travelling groups (as in results and targets' ``groups``)."""
        return tuple(g.name for g in self.groups)

    @property
    def multipliers(self) -> tuple[float, ...]:
        """The background's own 12 monthly multipliers (streams may have their own)."""
        return multipliers_of(self.seasonality)

    def season(self, month: int) -> float:
        """The background's own multiplier of ``month`` (1 is January)."""
        return self.multipliers[month - 1]
