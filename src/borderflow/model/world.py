"""The world a run evolves, and the two ways a person's state changes on the books.

Built once from a scenario and the day's stages (``borderflow.engine.plan``); each
stage keeps its own state, so the world holds only what every stage reads. A change
of state is made with :func:`change` (or :func:`enter` for people entering, and
:func:`note` for an event that changes nothing), so that it is always counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from borderflow.model.ledger import Ledger
from borderflow.model.network import Network, build_network
from borderflow.model.people import People, household_sizes, with_followers
from borderflow.model.rng import Streams, choose, cumulative_shares
from borderflow.model.stage import Handoffs, Stage
from borderflow.scenario.levers import LeverSchedule, build_schedule
from borderflow.scenario.parameters import Parameters
from borderflow.scenario.schema import Background, Caravan, GroupMix, Scenario
from borderflow.scenario.vocabulary import (
    HOUSEHOLD_ROLES,
    NATIONALITIES,
    OUTSIDE,
    WAITING,
    Household,
    State,
    Transition,
)

SINGLE_ADULT, FAMILY_ADULT, FAMILY_CHILD, UNACCOMPANIED_CHILD = (int(h) for h in Household)

#: The name of the group of people already on port lists when the run starts.
ALREADY_WAITING = "already_waiting"


@dataclass
class Group:
    """A travelling group: the background flow (or one of its streams) or one caravan."""

    name: str
    mix: GroupMix
    nationality_p: np.ndarray
    household_p: np.ndarray
    dest_ids: np.ndarray
    dest_p: np.ndarray
    p_join_waitlist: float
    p_refuge_at_entry: float
    #: Arrivals who present at the port without a place on a list (not metered).
    p_present_at_port: float = 0.0
    caravan: Caravan | None = None
    stops: dict[int, tuple[int, int]] = field(default_factory=dict)
    via: tuple[int, ...] = ()
    walks_from: int = -1
    rides_from: int = -1

    p_two_adults: float = 0.0
    #: Destination shares by nationality (a row per nationality, over ``dest_ids``): the
    #: group's ``dest_p`` but for the nationalities it names otherwise.
    dest_p_by_nationality: np.ndarray | None = None
    #: The share signing up on a port's list, by nationality.
    p_join_by_nationality: np.ndarray | None = None
    #: Whether the group weighs the waits at the ports in choosing its city (the
    #: background; caravans and the people already waiting go where they were reported).
    weighs_waits: bool = False

    def __post_init__(self) -> None:
        # Cumulative shares, for drawing with borderflow.model.rng.choose.
        if self.dest_p_by_nationality is None:
            self.dest_p_by_nationality = np.tile(self.dest_p, (len(NATIONALITIES), 1))
        if self.p_join_by_nationality is None:
            self.p_join_by_nationality = np.full(len(NATIONALITIES), self.p_join_waitlist)
        self.dest_by_nationality = bool((self.dest_p_by_nationality != self.dest_p).any())
        self.dest_cdf = cumulative_shares(self.dest_p)
        self.nationality_cdf = cumulative_shares(self.nationality_p)
        self.household_cdf = cumulative_shares(self.household_p)
        single, adults, children, alone = self.household_p
        self.has_families = adults > 0 and children > 0
        if self.has_families:
            # A family has one adult, or two (p_two_adults), and at least one child; more
            # children (Poisson) so that its people keep the group's adult/child shares.
            mean_adults = 1.0 + self.p_two_adults
            self.extra_children = max(children / adults * mean_adults - 1.0, 0.0)
            family_size = mean_adults + 1.0 + self.extra_children
            units = np.array([single, alone, (adults + children) / family_size])
            self.unit_cdf = cumulative_shares(units)

    def households(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Households of ``n`` people in a row: each one's size and its members' roles.

        Units are drawn (single adult, unaccompanied child, family) by the group's shares
        of people; the last family is cut short at ``n``, losing children, never its adult.
        """
        unit = choose(rng, self.unit_cdf, n)  # n units always hold n people or more
        family = unit == 2
        adults = np.where(family, 1 + (rng.random(n) < self.p_two_adults), 0)
        children = np.where(family, 1 + rng.poisson(self.extra_children, n), 0)
        size = np.maximum(adults + children, 1)
        ends = np.cumsum(size)
        count = int(np.searchsorted(ends, n)) + 1
        size = size[:count]
        size[-1] -= int(ends[count - 1]) - n
        starts = np.cumsum(size) - size
        member = np.arange(n) - np.repeat(starts, size)
        single_role = np.array([SINGLE_ADULT, UNACCOMPANIED_CHILD, FAMILY_ADULT], np.int8)
        role = np.repeat(single_role[unit[:count]], size)
        role[(member >= np.repeat(adults[:count], size)) & np.repeat(family[:count], size)] = (
            FAMILY_CHILD
        )
        return size, role


@dataclass
class World:
    """What every stage reads, and the stages themselves.

    The scenario, the places, the levers and parameters, the travelling groups, the
    people and their books, the random streams, the stages (each with its own state)
    and the hand-offs between them.
    """

    scenario: Scenario
    net: Network
    levers: LeverSchedule
    pars: Parameters
    groups: list[Group]
    people: People
    ledger: Ledger
    rng: Streams
    stages: dict[str, Stage]
    handoffs: Handoffs

    @property
    def n_days(self) -> int:
        """Days in the run."""
        return self.scenario.n_days


def change(
    world: World,
    idx: np.ndarray,
    transition: int,
    state: int | np.ndarray,
    to_place: np.ndarray | None = None,
) -> None:
    """Move people to ``state`` (one for all, or one each) at ``to_place`` and count it.

    ``to_place`` defaults to where they are. A household's lead takes its followers.
    """
    if len(idx) == 0:
        return
    people = world.people
    everyone = with_followers(people, idx)
    if len(everyone) > len(idx) and (to_place is not None or np.ndim(state)):
        sizes = household_sizes(people, idx)
        if to_place is not None:
            to_place = np.repeat(to_place, sizes)
        if np.ndim(state):
            state = np.repeat(state, sizes)
    idx = everyone
    here = people.place[idx]
    there = here if to_place is None else to_place
    world.ledger.record(
        transition, people.state[idx], state, here, there, people.group[idx], who=idx
    )
    people.state[idx] = state
    people.place[idx] = there


def note(world: World, idx: np.ndarray, transition: int) -> None:
    """Count an event (:data:`~borderflow.scenario.vocabulary.EVENTS`) for people, who stay put.

    An event of a household's lead is its followers' too.
    """
    if len(idx) == 0:
        return
    people = world.people
    idx = with_followers(people, idx)
    here = people.place[idx]
    state = people.state[idx]
    world.ledger.record(transition, state, state, here, here, people.group[idx], who=idx)


def enter(
    world: World,
    g: int,
    n: int,
    origin: np.ndarray | int,
    day: int,
    rng: np.random.Generator,
    fragment: int = -1,
    transition: Transition = Transition.DEPART,
    nationality: np.ndarray | None = None,
    wait_months: np.ndarray | None = None,
) -> np.ndarray:
    """Create ``n`` travellers of group ``g`` at ``origin``; count their entry.

    In a group with families the ``n`` people come as households, formed within each run
    of one nationality and origin (a household shares both, and its destination); the
    leads are returned, each standing for its household. ``nationality``: each person's,
    else drawn. ``wait_months``: today's :func:`expected_wait_months`, if known.
    """
    group: Group = world.groups[g]
    origins = np.broadcast_to(np.asarray(origin, np.int64), n)
    size = None
    if group.has_families:
        size, role, dest, nations = _households(
            world, group, origins, nationality, rng, day, wait_months
        )
    else:
        nations = choose(rng, group.nationality_cdf, n) if nationality is None else nationality
        dest = destinations(world, group, np.asarray(nations), rng, day, wait_months)
        role = choose(rng, group.household_cdf, n)
    people = world.people
    idx = people.add(
        n,
        state=State.TRANSIT,
        place=origins,
        origin=origins,
        dest=dest,
        group=g,
        nationality=nations,
        household=role,
        fragment=fragment,
        ti_enter=day,
    )
    world.ledger.record(
        transition, OUTSIDE, State.TRANSIT, origins, origins, np.full(n, g), who=idx
    )
    if size is None:
        return idx
    starts = np.cumsum(size) - size
    leads = idx[starts]
    lead = np.repeat(leads, size)
    lead[starts] = -1
    people.lead[idx] = lead
    people.followers[leads] = size - 1
    people.fragment[idx[lead >= 0]] = -1  # followers go where their lead goes
    people.has_households = people.has_households or bool((size > 1).any())
    return leads


def _households(
    world: World,
    group: Group,
    origins: np.ndarray,
    nationality: np.ndarray | None,
    rng: np.random.Generator,
    day: int,
    wait_months: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """People in a row cut into households: sizes; each person's role, destination, nationality.

    Households are formed within each run of one nationality and origin, and share their
    destination (and, drawn here when not given, their nationality).
    """
    n = len(origins)
    nations = np.zeros(n, np.int64) if nationality is None else np.asarray(nationality, np.int64)
    cut = np.flatnonzero((np.diff(nations) != 0) | (np.diff(origins) != 0)) + 1
    bounds = np.concatenate([[0], cut, [n]])
    pieces = [group.households(world.rng["households"], int(b - a)) for a, b in pairwise(bounds)]
    size = np.concatenate([p[0] for p in pieces])
    role = np.concatenate([p[1] for p in pieces])
    starts = np.cumsum(size) - size
    if nationality is None:
        nations = np.repeat(choose(rng, group.nationality_cdf, len(size)), size)
    dest = np.repeat(destinations(world, group, nations[starts], rng, day, wait_months), size)
    return size, role, dest, nations


WAITING_CODES = np.array([int(s) for s in WAITING], np.int64)

#: The longest wait, in months, a traveller reckons with at a port's list (one that admits
#: nobody, say).
LONGEST_RECKONED_WAIT_MONTHS = 24.0


def expected_wait_months(world: World, day: int) -> np.ndarray:
    """The wait a new sign-up faces at each place's port, in months, as word of it travels.

    By place: the people on the list of the city's asylum port now over its quota (0
    where a place has no asylum port).
    """
    net = world.net
    cities = np.arange(net.n)
    port = net.asylum_port[cities]
    has = port >= 0
    months = np.zeros(len(cities))
    if has.any():
        # The ports' rows alone: the census of every place would cost more than the choice.
        waiting = world.ledger.stock[port[has]][:, WAITING_CODES, :].sum(axis=(1, 2))
        per_month = 30.0 * world.levers.quota[day, port[has]]
        months[has] = np.minimum(
            waiting / np.maximum(per_month, 1e-9), LONGEST_RECKONED_WAIT_MONTHS
        )
    return months


def destinations(
    world: World,
    group: Group,
    nations: np.ndarray,
    rng: np.random.Generator,
    day: int,
    wait_months: np.ndarray | None = None,
) -> np.ndarray:
    """Each traveller's border city: the group's shares for their nationality, away from long lists.

    Only the background weighs the lists.

    A city's pull on those who will sign up on its list (``p_join_waitlist`` of them)
    falls by ``exp(-wait_aversion_per_month × months)``, the months being the wait a new
    sign-up faces there today (``wait_months`` by place, else worked out:
    :func:`expected_wait_months`); those who will cross go by the shares alone.
    """
    aversion = world.pars.wait_aversion_per_month if group.weighs_waits else 0.0
    if not group.dest_by_nationality and aversion <= 0:
        return group.dest_ids[choose(rng, group.dest_cdf, len(nations))]
    shares = group.dest_p_by_nationality
    assert shares is not None and group.p_join_by_nationality is not None
    if aversion > 0:
        by_place = expected_wait_months(world, day) if wait_months is None else wait_months
        months = by_place[group.dest_ids.astype(np.int64)]
        q = group.p_join_by_nationality[:, None]
        shares = shares * ((1.0 - q) + q * np.exp(-aversion * months)[None, :])
    cdf = np.cumsum(shares, axis=1)
    cdf /= cdf[:, -1:]
    # As choose, every nationality's row in one search: row k's shares are shifted to
    # [k, k + 1], and so is a draw of nationality k.
    width = shares.shape[1]
    rows = np.asarray(nations, np.int64)
    shifted = (cdf + np.arange(len(cdf))[:, None]).ravel()
    pick = shifted.searchsorted(rng.random(len(rows)) + rows, side="right") - rows * width
    return group.dest_ids[np.minimum(pick, width - 1)]


def _shares(mapping: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
    weights = np.array([mapping.get(n, 0.0) for n in names], float)
    return weights / weights.sum()


def _group(
    name: str, mix: GroupMix, net: Network, pars: Parameters, caravan: Caravan | None = None
) -> Group:
    dest_names = list(mix.destinations)
    for shares in mix.destinations_by_nationality.values():
        dest_names += [d for d in shares if d not in dest_names]
    dest_w = np.array([mix.destinations.get(d, 0.0) for d in dest_names], float)
    by_nation = np.tile(dest_w / dest_w.sum(), (len(NATIONALITIES), 1))
    for nation, shares in mix.destinations_by_nationality.items():
        row = np.array([shares.get(d, 0.0) for d in dest_names], float)
        by_nation[NATIONALITIES.index(nation)] = row / row.sum()
    p_join = pars.p_join_waitlist if mix.p_join_waitlist is None else mix.p_join_waitlist
    join_by_nation = np.full(len(NATIONALITIES), p_join)
    for nation, p in mix.p_join_by_nationality.items():
        join_by_nation[NATIONALITIES.index(nation)] = p
    return Group(
        name=name,
        mix=mix,
        nationality_p=_shares(mix.nationality, NATIONALITIES),
        household_p=_shares(mix.household, HOUSEHOLD_ROLES),
        dest_ids=np.array([net.index(d) for d in dest_names], np.int16),
        dest_p=dest_w / dest_w.sum(),
        p_join_waitlist=p_join,
        dest_p_by_nationality=by_nation,
        p_join_by_nationality=join_by_nation,
        weighs_waits=caravan is None and name != ALREADY_WAITING,
        p_refuge_at_entry=(
            pars.p_refuge_at_entry if mix.p_refuge_at_entry is None else mix.p_refuge_at_entry
        ),
        p_present_at_port=(
            pars.p_present_at_port if mix.p_present_at_port is None else mix.p_present_at_port
        ),
        caravan=caravan,
        p_two_adults=pars.p_family_two_adults,
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


def _background_groups(bg: Background, net: Network, pars: Parameters) -> list[Group]:
    """The background's groups: one named ``background``, or one per stream.

    A stream travels with the background's destinations and shares, its own household mix,
    and the nationality mix of its daily departures.
    """
    if not bg.streams:
        return [_group("background", bg, net, pars)]
    groups = []
    for flow in bg.groups:
        shares = {k: v for k, v in flow.daily.items() if v > 0}
        total = sum(shares.values())
        mix = GroupMix(
            nationality={k: v / total for k, v in shares.items()} if total else bg.nationality,
            household=flow.household,
            destinations=bg.destinations,
            p_join_waitlist=bg.p_join_waitlist,
            p_present_at_port=bg.p_present_at_port,
            destinations_by_nationality=bg.destinations_by_nationality,
            p_join_by_nationality=bg.p_join_by_nationality,
            p_refuge_at_entry=bg.p_refuge_at_entry,
        )
        groups.append(_group(flow.name, mix, net, pars))
    return groups


def build_world(
    sc: Scenario, seed: int, stages: Sequence[type[Stage]], *, events: bool = False
) -> World:
    """A fresh world at the start of the run, each stage's state built.

    ``events``: keep the per-person event log.
    """
    net = build_network(sc)
    pars = Parameters.of(sc)
    groups: list[Group] = []
    if sc.background is not None:
        groups += _background_groups(sc.background, net, pars)
    groups += [_group(c.name, c, net, pars, caravan=c) for c in sc.caravans]
    if sc.border.initial_waitlist:
        cities = {net.ids[net.city_of[net.index(port)]] for port in sc.border.initial_waitlist}
        mix = GroupMix(
            nationality={"OTH": 1.0},
            destinations=dict.fromkeys(sorted(cities), 1.0),
            p_join_waitlist=1.0,
            p_present_at_port=0.0,
            p_refuge_at_entry=0.0,
        )
        groups.append(_group(ALREADY_WAITING, mix, net, pars))
    world = World(
        scenario=sc,
        net=net,
        levers=build_schedule(sc),
        pars=pars,
        groups=groups,
        people=People(capacity=4096),
        ledger=Ledger(
            net.n,
            max(len(groups), 1),
            keep_events=events,
            roads=net.km > 0,
            n_days=sc.n_days,
        ),
        rng=Streams(seed),
        stages={stage.name: stage() for stage in stages},
        handoffs=Handoffs(),
    )
    for stage in world.stages.values():
        stage.init(world)
    return world
