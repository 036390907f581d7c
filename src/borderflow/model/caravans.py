"""Caravans: fragments of a caravan that move together, a leg at a time, split and wait.

A caravan sets out on its date from its origin; joiners join its largest fragment (or set
out from its origin once it has arrived or dissolved). A fragment rests at a place, then
its members leave in daily waves (households lingering a day or more behind their wave, see
:func:`linger_days`, so that a wave reaches the places ahead over several days) and split by
their next hop toward the next place the caravan must pass (``via``) or their own border
city; each part's leg takes the hop arithmetic of planned trips (mode, travel and rest
days). The road's hazards reach a member on the transit agenda
(:class:`~borderflow.model.transit.Transit`, which owns this and moves the fragments due
in its rounds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from borderflow.model import trip_walk
from borderflow.model.world import Group, World, change, enter
from borderflow.scenario.schema import Caravan
from borderflow.scenario.vocabulary import State, Transition

if TYPE_CHECKING:
    from borderflow.model.transit import Transit


def leg_days(
    road: trip_walk.Road, u: int, v: int, rng: np.random.Generator, ride: bool = True
) -> float:
    """Days (fractional) a caravan fragment takes from ``u`` to neighbour ``v``, rests included.

    The hop arithmetic of planned trips (:mod:`borderflow.model.trip_walk`), with NumPy's
    draws: two uniforms for the mode (bus, train), then Poisson rest days. With ``ride``
    false the fragment walks whatever the road offers.
    """
    travel = road.travel
    u_bus, u_train = rng.random(2)
    mode = trip_walk.hop_mode(travel, int(road.modes[u, v]) if ride else 0, u_bus, u_train)
    moving = trip_walk.travel_days(travel, float(road.km[u, v]), mode)
    if travel.rest_ratio <= 0:
        return moving
    # Each day is a rest day with probability p, so `moving` travel days come with
    # moving * p / (1 - p) rest days on average; Poisson, which NumPy draws fast.
    return moving + float(rng.poisson(moving * travel.rest_ratio))


#: Most whole days a household lingers behind its wave (bounds the parts a split makes).
MAX_LINGER_DAYS = 14


def linger_days(rng: np.random.Generator, p_linger: float, n: int) -> np.ndarray:
    """Whole days each of ``n`` households leaves a stop after its wave.

    Each day after its wave, a household still at the stop stays another day with
    probability ``p_linger``: a geometric number of days, ``p / (1 - p)`` on average and at
    most :data:`MAX_LINGER_DAYS`. With ``p_linger`` 0 every household leaves with its wave
    and nothing is drawn.
    """
    if p_linger <= 0 or n == 0:
        return np.zeros(n, np.int64)
    if p_linger >= 1:
        return np.full(n, MAX_LINGER_DAYS, np.int64)
    return np.minimum(rng.geometric(1.0 - p_linger, n) - 1, MAX_LINGER_DAYS)


def _caravan_days(world: World) -> dict[int, list[tuple[int, int, bool]]]:
    """By day, who sets out: ``(group, people, whether the caravan itself)``.

    In the order a day handles them (caravan by caravan, its departure, then its joiners
    as listed), so that a day's work does not grow with the number of joiner entries.
    """
    days: dict[int, list[tuple[int, int, bool]]] = {}
    for g, group in enumerate(world.groups):
        caravan = group.caravan
        if caravan is None:
            continue
        if caravan.size > 0:
            days.setdefault(world.scenario.day_of(caravan.depart), []).append(
                (g, caravan.size, True)
            )
        for joiner in caravan.joiners:
            if joiner.n > 0:
                days.setdefault(world.scenario.day_of(joiner.date), []).append((g, joiner.n, False))
    return days


def _rides_at_start(caravan: Caravan) -> bool:
    return caravan.rides_from is None or caravan.walks_from not in (None, caravan.origin)


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


def move(world: World, idx: np.ndarray, to_place: np.ndarray) -> np.ndarray:
    """Record people reaching the next place; return where they came from."""
    people = world.people
    came_from = people.place[idx].astype(np.int64)
    change(world, idx, Transition.MOVE, State.TRANSIT, to_place=to_place)
    return came_from


class Caravans:
    """The caravans of a run: their calendar and their fragments (owned by transit).

    The transit stage passes itself (``transit``) where a leg is planned, rather than being
    held here: a cycle of references would keep a finished run's arrays alive until the
    garbage collector's next full pass.
    """

    def __init__(self, world: World):
        self.frag = Fragments()
        self.days = _caravan_days(world)

    def set_out(self, world: World, transit: Transit, day: int) -> None:
        """Caravans that set out today, and joiners reaching a caravan today."""
        frag = self.frag
        rng = world.rng["caravans"]
        for g, n, sets_out in self.days.get(day, ()):
            caravan = world.groups[g].caravan
            assert caravan is not None
            if sets_out:
                origin = world.net.index(caravan.origin)
                f = frag.add(
                    origin, float(day), g, np.empty(0, np.int64), riding=_rides_at_start(caravan)
                )
                frag.members[f] = enter(world, g, n, origin, day, rng, fragment=f)
            else:
                self.join(world, transit, world.groups[g], g, n, day, rng)

    def join(
        self,
        world: World,
        transit: Transit,
        group: Group,
        g: int,
        n: int,
        day: int,
        rng: np.random.Generator,
    ) -> None:
        """``n`` people join caravan ``g`` at its largest fragment (or its origin, if gone)."""
        frag = self.frag
        live = [f for f in range(len(frag.place)) if frag.active[f] and frag.group[f] == g]
        if not live:  # the caravan has arrived or dissolved: joiners set out from its origin
            assert group.caravan is not None
            origin = world.net.index(group.caravan.origin)
            f = frag.add(
                origin, float(day), g, np.empty(0, np.int64), riding=_rides_at_start(group.caravan)
            )
            frag.members[f] = enter(
                world, g, n, origin, day, rng, fragment=f, transition=Transition.JOIN_CARAVAN
            )
            return
        lead = max(live, key=lambda f: len(self.members(world, f)))
        idx = enter(
            world,
            g,
            n,
            frag.place[lead],
            day,
            rng,
            fragment=lead,
            transition=Transition.JOIN_CARAVAN,
        )
        frag.members[lead] = np.concatenate([frag.members[lead], idx])
        if frag.next_place[lead] < 0:
            return  # the fragment sets out today and plans every member's leg then
        # Joiners walk with the lead group to its next place, then split off if their
        # destination lies another way.
        transit.schedule_leg(
            world,
            idx,
            np.full(len(idx), float(day)),
            np.full(len(idx), frag.arrive[lead]),
            day,
            rng=rng,
        )

    def move_due(self, world: World, transit: Transit, day: int) -> bool:
        """Move every caravan fragment whose leg ends today; return whether any moved."""
        frag = self.frag
        due = [f for f in range(len(frag.place)) if frag.active[f] and frag.arrive[f] < day + 1]
        for f in due:
            self.advance(world, transit, f, day)
        return bool(due)

    def members(self, world: World, f: int) -> np.ndarray:
        """Members still travelling with fragment ``f``."""
        people = world.people
        members = self.frag.members[f]
        keep = (people.fragment[members] == f) & (people.state[members] == State.TRANSIT)
        members = members[keep]
        self.frag.members[f] = members
        return members

    def advance(self, world: World, transit: Transit, f: int, day: int) -> None:
        """Fragment ``f`` reaches its next place (or sets out), splits by next hop, plans on."""
        frag, people = self.frag, world.people
        rng = world.rng["caravans"]
        members = self.members(world, f)
        if len(members) == 0:
            frag.active[f] = False
            return
        here = frag.place[f]
        if frag.next_place[f] >= 0:
            here = frag.next_place[f]
            came_from = move(world, members, np.full(len(members), here, np.int64))
            frag.place[f] = here
            members = transit.refuge_on_entry(world, members, came_from, rng, day)
        at_dest = people.dest[members] == here
        if at_dest.any():
            people.fragment[members[at_dest]] = -1
            world.handoffs.at_border_city.put(members[at_dest])
            members = members[~at_dest]
        if len(members) == 0:
            frag.active[f] = False
            return
        hops = self.next_hops(world, f, here, members)
        self.split(world, transit, f, here, members, hops, day, rng)

    def next_hops(self, world: World, f: int, here: int, members: np.ndarray) -> np.ndarray:
        """Each member's next place from ``here``: toward the next ``via`` place, else home.

        Raises:
            RuntimeError: if no road leads on to a place the caravan must pass or reach.
        """
        frag, net, group = self.frag, world.net, world.groups[self.frag.group[f]]
        if here == group.walks_from:
            frag.riding[f] = False
        if here == group.rides_from:
            frag.riding[f] = True
        via = group.via
        while frag.via_done[f] < len(via) and via[frag.via_done[f]] == here:
            frag.via_done[f] += 1
        if frag.via_done[f] < len(via):
            toward = np.full(len(members), via[frag.via_done[f]], np.int64)
        else:
            toward = world.people.dest[members].astype(np.int64)
        hops = net.next_hop[here, toward].astype(np.int64)
        if (hops < 0).any():
            lost = int(toward[np.argmax(hops < 0)])
            raise RuntimeError(
                f"caravan {group.name!r} cannot go on from {net.ids[here]}: no road "
                f"leads to {net.ids[lost]} (a place it must pass or reach)"
            )
        return hops

    def split(
        self,
        world: World,
        transit: Transit,
        f: int,
        here: int,
        members: np.ndarray,
        hops: np.ndarray,
        day: int,
        rng: np.random.Generator,
    ) -> None:
        """Split fragment ``f`` by day of leaving and next hop; each part sets out on its leg.

        At a stop with waves ``[first, last]`` each household draws its wave, then the days it
        lingers behind it (:func:`linger_days`); households leaving on the same day toward the
        same hop move on as one fragment, so a split makes at most a part per day and hop.
        """
        frag, people = self.frag, world.people
        group = frag.group[f]
        arrived_at = frag.arrive[f]
        first, last = world.groups[group].stops.get(here, (0, 0))
        if last > first:  # leave in daily waves: a random share of the members each day
            wave = rng.integers(first, last + 1, len(members))
            # ... and some households linger behind their wave for a day or more.
            wave += linger_days(rng, world.pars.p_caravan_linger, len(members))
        else:
            wave = np.full(len(members), first)
        parts = [(int(w), int(hop)) for w in np.unique(wave) for hop in np.unique(hops[wave == w])]
        for k, (w, hop) in enumerate(parts):
            part = members[(wave == w) & (hops == hop)]
            g = (
                f
                if k == 0
                else frag.add(here, arrived_at, group, part, frag.via_done[f], frag.riding[f])
            )
            people.fragment[part] = g
            frag.members[g] = part
            frag.next_place[g] = hop
            ride = frag.riding[g]
            duration = leg_days(transit.road, here, hop, rng, ride)
            frag.arrive[g] = arrived_at + w + float(duration)
            start, end = np.full(len(part), arrived_at), np.full(len(part), frag.arrive[g])
            transit.schedule_leg(world, part, start, end, day, rng=rng)
