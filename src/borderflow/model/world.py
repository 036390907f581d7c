"""The world a run evolves: people, places, levers, queues and counters.

Built once from a scenario; the stages (``departures``, ``transit``, ``border``,
``crossing``) read and change it day by day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

import numpy as np

from borderflow.model.agenda import Agenda
from borderflow.model.ledger import Ledger
from borderflow.model.network import Network, build_network
from borderflow.model.people import People
from borderflow.model.queues import FifoQueue
from borderflow.model.rng import Streams, cumulative_shares
from borderflow.model.trip_walk import Road
from borderflow.model.trips import TripPool
from borderflow.scenario.bounds import UNLIMITED as UNLIMITED  # re-exported for the stages
from borderflow.scenario.levers import LeverSchedule, build_schedule
from borderflow.scenario.schema import Caravan, GroupMix, Scenario
from borderflow.scenario.vocabulary import HOUSEHOLD_ROLES, NATIONALITIES

T = TypeVar("T")


class Event(IntEnum):
    """Kinds of personal events kept on the agendas."""

    ARRIVE = 1
    DETAIN = 2
    REFUGE = 3
    GIVE_UP = 4
    SETTLE = 5
    RENEGE = 6
    SET_OUT_AGAIN = 7
    CUSTODY_DONE = 8
    PROSECUTION_DONE = 9
    RELEASE = 10
    MPP_GIVE_UP = 11
    MPP_SETTLE = 12
    MPP_CROSS = 13


TRANSIT_HAZARDS = (Event.DETAIN, Event.REFUGE, Event.GIVE_UP, Event.SETTLE)
ALREADY_WAITING = "already_waiting"


@dataclass
class Group:
    """A travelling group: the background flow or one caravan."""

    name: str
    mix: GroupMix
    nationality_p: np.ndarray
    household_p: np.ndarray
    dest_ids: np.ndarray
    dest_p: np.ndarray
    p_join_waitlist: float
    p_refuge_at_entry: float
    caravan: Caravan | None = None
    stops: dict[int, tuple[int, int]] = field(default_factory=dict)
    via: tuple[int, ...] = ()
    walks_from: int = -1
    rides_from: int = -1

    def __post_init__(self) -> None:
        # Cumulative shares, for drawing with borderflow.model.rng.choose.
        self.dest_cdf = cumulative_shares(self.dest_p)
        self.nationality_cdf = cumulative_shares(self.nationality_p)
        self.household_cdf = cumulative_shares(self.household_p)


@dataclass
class Fragments:
    """Caravan fragments: members who move together (struct of small lists)."""

    place: list[int] = field(default_factory=list)
    next_place: list[int] = field(default_factory=list)
    arrive: list[float] = field(default_factory=list)
    group: list[int] = field(default_factory=list)
    members: list[np.ndarray] = field(default_factory=list)
    active: list[bool] = field(default_factory=list)
    via_done: list[int] = field(default_factory=list)
    riding: list[bool] = field(default_factory=list)

    def add(
        self,
        place: int,
        arrive: float,
        group: int,
        members: np.ndarray,
        via_done: int = 0,
        riding: bool = True,
    ) -> int:
        """Create a fragment resting at ``place`` from time ``arrive``; return its id."""
        self.via_done.append(via_done)
        self.riding.append(riding)
        self.place.append(place)
        self.next_place.append(-1)
        self.arrive.append(arrive)
        self.group.append(group)
        self.members.append(members)
        self.active.append(True)
        return len(self.place) - 1


REGULAR = "regular"
MPP_DOCKET = "mpp"


@dataclass
class Docket:
    """A court docket: a FIFO backlog of cases heard by a number of judge slots.

    ``anonymous_waiting`` counts cases pending at the start of the run whose
    people are not simulated; they are heard first. ``anonymous_done[day]``
    counts those finishing on ``day``.
    """

    name: str
    queue: FifoQueue
    agenda: Agenda
    anonymous_waiting: int
    anonymous_done: np.ndarray
    in_service: int = 0


@dataclass
class World:
    """Everything a run changes, plus what it reads each day."""

    scenario: Scenario
    net: Network
    levers: LeverSchedule
    p: dict[str, float]
    groups: list[Group]
    people: People
    ledger: Ledger
    transit_agenda: Agenda
    waiting_agenda: Agenda
    deported_agenda: Agenda
    fragments: Fragments
    rng: Streams
    custody_agenda: Agenda
    detention_agenda: Agenda
    mpp_agenda: Agenda
    credible_fear_queue: FifoQueue
    removal_queue: FifoQueue
    dockets: dict[str, Docket]
    crossers: list[np.ndarray] = field(default_factory=list)
    trips: TripPool = field(default_factory=TripPool)
    road: Road | None = None
    #: What stages work out once per run (tables of rates, capacities by day), by stage.
    cache: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, make: Callable[[World], T]) -> T:
        """``make(self)``, worked out on the first call of the run and kept as ``name``."""
        if name not in self.cache:
            self.cache[name] = make(self)
        found: T = self.cache[name]
        return found

    @property
    def n_days(self) -> int:
        """Days in the run."""
        return self.scenario.n_days


def change(
    world: World,
    idx: np.ndarray,
    transition: int,
    state: int,
    to_place: np.ndarray | None = None,
) -> None:
    """Move people to ``state`` (at ``to_place``, default where they are) and count it."""
    if len(idx) == 0:
        return
    people = world.people
    here = people.place[idx]
    there = here if to_place is None else to_place
    world.ledger.record(
        transition, people.state[idx], state, here, there, people.group[idx], who=idx
    )
    people.state[idx] = state
    people.place[idx] = there


def _shares(mapping: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    weights = np.array([mapping.get(n, 0.0) for n in names], float)
    return weights / weights.sum()


def _group(
    name: str, mix: GroupMix, net: Network, p: dict[str, float], caravan: Caravan | None = None
) -> Group:
    dest_names = list(mix.destinations)
    dest_w = np.array([mix.destinations[d] for d in dest_names], float)
    return Group(
        name=name,
        mix=mix,
        nationality_p=_shares(mix.nationality, NATIONALITIES),
        household_p=_shares(mix.household, HOUSEHOLD_ROLES),
        dest_ids=np.array([net.index(d) for d in dest_names], np.int16),
        dest_p=dest_w / dest_w.sum(),
        p_join_waitlist=p["p_join_waitlist"]
        if mix.p_join_waitlist is None
        else mix.p_join_waitlist,
        p_refuge_at_entry=(
            p["p_refuge_at_entry"] if mix.p_refuge_at_entry is None else mix.p_refuge_at_entry
        ),
        caravan=caravan,
        stops={
            net.index(k): (v, v) if isinstance(v, int) else (v[0], v[1])
            for k, v in caravan.stops.items()
        }
        if caravan
        else {},
        via=tuple(net.index(k) for k in caravan.via) if caravan else (),
        walks_from=net.index(caravan.walks_from) if caravan and caravan.walks_from else -1,
        rides_from=net.index(caravan.rides_from) if caravan and caravan.rides_from else -1,
    )


def build_world(sc: Scenario, seed: int) -> World:
    """A fresh world at the start of the run."""
    net = build_network(sc)
    p = {name: par.value for name, par in sc.parameters.items()}
    groups: list[Group] = []
    if sc.background is not None:
        groups.append(_group("background", sc.background, net, p))
    groups += [_group(c.name, c, net, p, caravan=c) for c in sc.caravans]
    if sc.border.initial_waitlist:
        cities = {net.ids[net.city_of[net.index(port)]] for port in sc.border.initial_waitlist}
        mix = GroupMix(
            nationality={"OTH": 1.0},
            destinations=dict.fromkeys(sorted(cities), 1.0),
            p_join_waitlist=1.0,
            p_refuge_at_entry=0.0,
        )
        groups.append(_group(ALREADY_WAITING, mix, net, p))
    people = People(capacity=4096)
    transit = Agenda(people, sc.n_days, tuple(int(k) for k in (Event.ARRIVE, *TRANSIT_HAZARDS)))
    return World(
        scenario=sc,
        net=net,
        levers=build_schedule(sc),
        p=p,
        groups=groups,
        people=people,
        ledger=Ledger(net.n, max(len(groups), 1), roads=net.km > 0, n_days=sc.n_days),
        transit_agenda=transit,
        waiting_agenda=Agenda(people, sc.n_days, (int(Event.RENEGE),)),
        deported_agenda=Agenda(people, sc.n_days, (int(Event.SET_OUT_AGAIN),)),
        fragments=Fragments(),
        rng=Streams(seed),
        custody_agenda=Agenda(
            people, sc.n_days, (int(Event.CUSTODY_DONE), int(Event.PROSECUTION_DONE))
        ),
        detention_agenda=Agenda(people, sc.n_days, (int(Event.RELEASE),)),
        mpp_agenda=Agenda(
            people,
            sc.n_days,
            (int(Event.MPP_GIVE_UP), int(Event.MPP_SETTLE), int(Event.MPP_CROSS)),
        ),
        credible_fear_queue=FifoQueue(),
        removal_queue=FifoQueue(),
        dockets={
            name: Docket(
                name=name,
                queue=FifoQueue(),
                agenda=Agenda(people, sc.n_days, (), clock="ti_court"),
                anonymous_waiting=sc.courts.initial_backlog if name == REGULAR else 0,
                anonymous_done=np.zeros(sc.n_days + 1, np.int64),
            )
            for name in (REGULAR, MPP_DOCKET)
        },
    )
