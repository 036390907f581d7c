"""Transit: moving along the route network, alone or in caravans, and the road's hazards.

Each hop toward the border city takes a mode (bus or train where the road
offers them, else walking) and rest days. On the road each person faces
competing daily hazards: detention and deportation by Mexico, accepting refuge
in Mexico, giving up, settling; their time is exponential in continuous time, so
a daily probability ``p`` holds exactly, and a lever change redraws it
(memoryless), so a change takes effect on its day.

A person travelling alone plans the whole trip when setting out
(:mod:`borderflow.model.trips`): every hop, one exponential draw against the
piecewise hazard of the road, the moves up to where the trip ends booked on the
ledger on their days, and one event on the agenda. A caravan fragment moves as
one, a leg at a time, since it splits and waits in waves. Work is per hop and per
event, never per person per day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from borderflow.model import trip_walk
from borderflow.model.agenda import Agenda
from borderflow.model.network import MODE_BIT
from borderflow.model.people import People
from borderflow.model.queues import expand
from borderflow.model.stage import Stage
from borderflow.model.trips import TripPool
from borderflow.model.world import Group, World, change, enter
from borderflow.scenario.schema import Caravan
from borderflow.scenario.vocabulary import MEXICAN, TRANSIT_HAZARDS, Event, State, Transition

#: Levers whose change redraws the hazards of everyone on the road.
ROAD_LEVERS = frozenset({"mexico_enforcement", "mexico_refuge_offer"})
#: People redrawn at a time (bounds the temporary arrays of a redraw).
REDRAW_CHUNK = 1 << 16
#: Hazards that only Mexico's territory carries (detention, refuge, settling).
MEXICO_ONLY = np.array([True, True, False, True])


def rate(p_daily: float) -> float:
    """Continuous hazard rate whose daily probability is ``p_daily``."""
    return -float(np.log1p(-min(p_daily, 1 - 1e-12)))


def leg_days(
    road: trip_walk.Road, u: int, v: int, rng: np.random.Generator, ride: bool = True
) -> float:
    """Days (fractional) a caravan fragment takes from ``u`` to neighbour ``v``, rests included.

    The hop arithmetic of planned trips (:mod:`borderflow.model.trip_walk`), with NumPy's
    draws: two uniforms for the mode (bus, train), then Poisson rest days. With ``ride``
    false the fragment walks whatever the road offers.
    """
    travel = road.travel()
    u_bus, u_train = rng.random(2)
    mode = trip_walk.hop_mode(travel, int(road.modes[u, v]) if ride else 0, u_bus, u_train)
    moving = trip_walk.travel_days(travel, float(road.km[u, v]), mode)
    if travel.rest_ratio <= 0:
        return moving
    # Each day is a rest day with probability p, so `moving` travel days come with
    # moving * p / (1 - p) rest days on average; Poisson, which NumPy draws fast.
    return moving + float(rng.poisson(moving * travel.rest_ratio))


def road_rates(world: World, idx: np.ndarray, day: int) -> np.ndarray:
    """Per-person rates (rows: detain, refuge, give up, settle) on a road in Mexico."""
    pars, lev = world.pars, world.levers
    # Mexico neither deports its own nationals nor offers them refuge.
    foreign = world.people.nationality[idx] != MEXICAN
    detention_factor = np.array(
        [pars.caravan_detention_factor if g.caravan is not None else 1.0 for g in world.groups]
    )
    rates = np.empty((4, len(idx)))
    np.multiply(
        rate(pars.p_detain_mexico) * lev.mexico_enforcement[day] * foreign,
        detention_factor[world.people.group[idx]],
        out=rates[0],
    )
    np.multiply(rate(pars.p_refuge_mexico) * lev.mexico_refuge_offer[day], foreign, out=rates[1])
    rates[2] = rate(pars.p_give_up_transit)
    rates[3] = rate(pars.p_settle_transit)
    return rates


def hazard_rates(world: World, idx: np.ndarray, place: np.ndarray, day: int) -> np.ndarray:
    """Per-person rates (rows: detain, refuge, give up, settle) on the road at ``place``."""
    rates = road_rates(world, idx, day)
    rates[MEXICO_ONLY] *= world.net.in_mexico[place]
    return rates


def move(world: World, idx: np.ndarray, to_place: np.ndarray) -> np.ndarray:
    """Record people reaching the next place; return where they came from."""
    people = world.people
    came_from = people.place[idx].astype(np.int64)
    world.ledger.record(
        Transition.MOVE,
        State.TRANSIT,
        State.TRANSIT,
        came_from,
        to_place,
        people.group[idx],
        who=idx,
    )
    people.place[idx] = to_place
    return came_from


def _road(world: World) -> trip_walk.Road:
    """The network and travel parameters of planned trips."""
    pars, net = world.pars, world.net
    speeds = trip_walk.Road.speeds_of(
        pars.walk_km_per_day, pars.bus_km_per_day, pars.train_km_per_day
    )
    p_rest = pars.p_rest_day
    ratio = p_rest / (1.0 - p_rest) if p_rest > 0 else 0.0
    return trip_walk.Road(
        next_hop=net.next_hop,
        km=net.km,
        modes=net.modes,
        in_mexico=net.in_mexico,
        bus_bit=int(MODE_BIT["bus"]),
        train_bit=int(MODE_BIT["train"]),
        walk_speed=float(speeds[0]),
        bus_speed=float(speeds[1]),
        train_speed=float(speeds[2]),
        p_bus=float(pars.p_take_bus),
        p_train=float(pars.p_take_train),
        rest_ratio=ratio,
        rest_p0=np.exp(-((net.km[None, :, :] / speeds[:, None, None]) * ratio)),
    )


def round_limit(world: World) -> int:
    """Most rounds of moves one day can take (generously).

    Between two places it must pass (its ``via`` places, then its members' destinations) a
    fragment follows a shortest road, passing each place once at most, and every round moves
    each fragment due by one hop or sets it out; a few more rounds settle the hazards and
    arrivals that the last moves make due today.
    """
    longest_via = max((len(g.via) for g in world.groups), default=0)
    return world.net.n * (longest_via + 2) + 8


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


class Kept(NamedTuple):
    """Entries of trips kept when they are walked on: person after person, ``per_trip`` each."""

    place: np.ndarray
    t: np.ndarray
    per_trip: np.ndarray


class Leg(NamedTuple):
    """The hop under way of each trip redrawn: the place it leads to and when it is reached."""

    place: np.ndarray
    t: np.ndarray


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


class Transit(Stage):
    """Trips end (a hazard, refuge on entry, the border city); caravans move and split.

    First, if a road lever changed today, everyone on the road has their hazards redrawn.
    People setting out alone plan their whole trip; caravan fragments move a leg at a
    time, in rounds, until nothing more is due today. Caravans set out, and joiners join
    them, on their dates. Travellers who reach their border city go on to the border.
    """

    name = "transit"
    fields = ("fragment", "t_arrive", "trip_at", "trip_len", "trip_booked")
    takes = ("setting_out",)
    gives = ("at_border_city", "deported")

    def init(self, world: World) -> None:
        """The road's agenda, the trip pool, the caravans and the road's constants."""
        self.agenda = Agenda(
            world.people, world.n_days, tuple(int(k) for k in (Event.ARRIVE, *TRANSIT_HAZARDS))
        )
        self.trips = TripPool()
        self.frag = Fragments()
        self.road = _road(world)
        self.caravan_days = _caravan_days(world)
        self.rounds = round_limit(world)

    def step(self, world: World, day: int) -> None:
        """Move everyone on the road for one day.

        Raises:
            RuntimeError: if moves are still due after more rounds than any fragment can
                take in a day (:func:`round_limit`), naming the caravans still moving.
        """
        if world.levers.changed.get(day, set()) & ROAD_LEVERS:
            self.redraw_hazards(world, day)
        for batch in world.handoffs.setting_out.drain():
            self.start_alone(world, batch.people, batch["clock"], day)
        self.caravans_set_out(world, day)
        self.move_on(world, day)

    def schedule_leg(
        self,
        world: World,
        idx: np.ndarray,
        start: np.ndarray,
        arrive: np.ndarray,
        day: int,
        rng: np.random.Generator,
    ) -> None:
        """Draw each caravan member's first hazard on a leg ``[start, arrive)``.

        Members arrive with their fragment, so only hazards go on the agenda.
        """
        if len(idx) == 0:
            return
        people = world.people
        people.t_arrive[idx] = arrive
        rates = hazard_rates(world, idx, people.place[idx], day)
        total = rates.sum(axis=0)
        with np.errstate(divide="ignore", over="ignore"):
            t_hit = start + rng.exponential(1.0, len(idx)) / total
        hit = t_hit < arrive
        if hit.any():
            r = rates[:, hit]
            u = rng.random(int(hit.sum())) * r.sum(axis=0)
            which = (u[None, :] > np.cumsum(r, axis=0)).sum(axis=0)
            kinds = trip_walk.HAZARDS[which]
            self.agenda.schedule(idx[hit], np.floor(t_hit[hit]).astype(np.int64), kinds)
        self.agenda.cancel(idx[~hit])

    def start_alone(
        self, world: World, idx: np.ndarray, clock: np.ndarray | float, day: int
    ) -> None:
        """Send people travelling alone on from where they are (or into the border city)."""
        if len(idx) == 0:
            return
        people = world.people
        arrived = people.place[idx] == people.dest[idx]
        if arrived.any():
            world.handoffs.at_border_city.put(idx[arrived])
        start = np.broadcast_to(np.asarray(clock, float), len(arrived))[~arrived]
        idx = idx[~arrived]
        if len(idx):
            self.plan_trips(world, idx, start, day)

    def plan_trips(self, world: World, idx: np.ndarray, start: np.ndarray, day: int) -> None:
        """Plan each person's trip to its border city from time ``start`` (see :func:`walk`)."""
        people = world.people
        here = people.place[idx].astype(np.int64)
        kept = Kept(here, start, np.ones(len(idx), np.int64))
        self.walk(world, idx, day, world.rng["transit"], here, start, kept)

    def walk(
        self,
        world: World,
        idx: np.ndarray,
        day: int,
        rng: np.random.Generator,
        cur: np.ndarray,
        t_from: np.ndarray,
        kept: Kept,
        leg: Leg | None = None,
    ) -> None:
        """Walk each trip on from place ``cur`` at time ``t_from`` until it ends; book it.

        Hop by hop: the next place toward the border city and when it is reached (mode
        and rest days drawn), the road's hazards integrated over the hop against one
        exponential draw per person (rates at the place left, levers of ``day``). The trip
        ends at the first hazard, at refuge asked on entering Mexico, or at the border
        city. The moves until then are booked on the ledger on their days, the trip is
        stored after the entries ``kept`` (the hop cut short by a hazard is kept too, so a
        redraw can finish it), the person's place becomes where the trip ends, and one
        event goes on the agenda. ``leg``: the hop already under way, for a redraw.
        """
        people, net = world.people, world.net
        dest = people.dest[idx].astype(np.int64)
        group = people.group[idx]
        first = cur if leg is None else leg.place
        hops_left = net.hops[first, dest] + (0 if leg is None else 1)
        if (hops_left < 0).any():
            raise RuntimeError("a planned trip cannot reach its border city")
        key = np.uint64(rng.bit_generator.random_raw())
        entry_u, budget_u, kind_u = rng.random((3, len(idx)))
        at = self.make_room(people, idx, kept, hops_left)
        ledger = world.ledger
        future = ledger.future
        walked = trip_walk.walk(
            self.road,
            trip_walk.Walkers(
                dest=dest,
                cur=cur.astype(np.int64),
                t0=t_from.astype(float),
                leg_v=(cur if leg is None else leg.place).astype(np.int64),
                leg_t=(t_from if leg is None else leg.t).astype(float),
                has_leg=leg is not None,
                offset=np.cumsum(hops_left) - hops_left,
                key=key,
                entry_u=entry_u,
                budget=-np.log1p(-budget_u),  # exponential: the hazard a person can take
                kind_u=kind_u,
                rates=road_rates(world, idx, day),
                foreign=people.nationality[idx] != MEXICAN,
                p_entry=np.array([g.p_refuge_at_entry for g in world.groups])[group].astype(float),
                group=group.astype(np.int64),
                slot=at + kept.per_trip,
                hops=hops_left.astype(np.int64),
            ),
            trip_walk.Sink(
                pool_place=self.trips.place,
                pool_t=self.trips.t,
                future=future if future is not None else np.zeros((0, 1), np.int32),
                road_id=ledger.road_id(),
                n_groups=ledger.n_groups,
            ),
        )
        self.store(world, idx, at, kept.per_trip, walked, booked_by_walk=future is not None)

    def make_room(
        self, people: People, idx: np.ndarray, kept: Kept, hops_left: np.ndarray
    ) -> np.ndarray:
        """Reserve each trip's entries in the pool, write the kept ones; return the offsets.

        Room for the kept entries and every hop the trip could take; a trip cut short
        leaves unused entries, which go when the pool compacts.
        """
        pool = self.trips
        people.trip_at[idx] = -1
        room = kept.per_trip + hops_left
        at = pool.reserve(int(room.sum()), people) + np.concatenate([[0], np.cumsum(room[:-1])])
        # New trips keep one entry each.
        slots = at if len(kept.place) == len(idx) else expand(at, kept.per_trip)
        pool.place[slots], pool.t[slots] = kept.place, kept.t
        return at

    def store(
        self,
        world: World,
        idx: np.ndarray,
        at: np.ndarray,
        n_kept: np.ndarray,
        walked: trip_walk.Walked,
        booked_by_walk: bool,
    ) -> None:
        """Keep the walked trips on the people, book their moves, schedule how they end."""
        people, pool = world.people, self.trips
        length = n_kept + walked.n_walked
        booked = length - 1 - (~walked.reached_last).astype(np.int64)
        people.trip_at[idx] = at
        people.trip_len[idx] = length
        people.trip_booked[idx] = booked
        if not booked_by_walk:
            # With the event log the moves are booked by person (the walk did not book them).
            new = expand(at + n_kept, booked - (n_kept - 1))
            owner = np.repeat(np.arange(len(idx)), booked - (n_kept - 1))
            world.ledger.book_moves(
                np.floor(pool.t[new]).astype(np.int64),
                pool.place[new - 1],
                pool.place[new],
                people.group[idx][owner],
                idx[owner],
            )
        people.place[idx] = pool.place[at + booked]
        self.agenda.schedule(idx, np.floor(walked.t_end).astype(np.int64), walked.kind)

    def redraw_trips(
        self, world: World, idx: np.ndarray, day: int, rng: np.random.Generator
    ) -> None:
        """Redraw the rest of planned trips from the start of ``day`` (a road lever changed).

        The hop under way keeps its place and time; what follows is walked anew. Done in
        chunks of people, so the working arrays stay small whatever the number on the road.
        """
        for start in range(0, len(idx), REDRAW_CHUNK):
            self._redraw_chunk(world, idx[start : start + REDRAW_CHUNK], day, rng)

    def _redraw_chunk(
        self, world: World, idx: np.ndarray, day: int, rng: np.random.Generator
    ) -> None:
        people, pool = world.people, self.trips
        n = len(idx)
        at = people.trip_at[idx].astype(np.int64)
        booked = people.trip_booked[idx].astype(np.int64)
        entries = expand(at + 1, booked)
        owner = np.repeat(np.arange(n), booked)
        ahead = pool.t[entries] >= day
        world.ledger.book_moves(
            np.floor(pool.t[entries[ahead]]).astype(np.int64),
            pool.place[entries[ahead] - 1],
            pool.place[entries[ahead]],
            people.group[idx][owner[ahead]],
            idx[owner[ahead]],
            sign=-1,
        )
        reached = np.bincount(owner[~ahead], minlength=n)  # hops reached before today
        here = at + reached
        kept = expand(at, reached + 1)
        self.walk(
            world,
            idx,
            day,
            rng,
            pool.place[here].astype(np.int64),
            np.full(n, float(day)),
            Kept(pool.place[kept].copy(), pool.t[kept].copy(), reached + 1),
            leg=Leg(pool.place[here + 1].astype(np.int64), pool.t[here + 1]),
        )

    def refuge_on_entry(
        self,
        world: World,
        idx: np.ndarray,
        came_from: np.ndarray,
        rng: np.random.Generator,
        day: int,
    ) -> np.ndarray:
        """Those entering Mexico who ask for refuge at once leave; return the rest."""
        people, net = world.people, world.net
        entering = net.in_mexico[people.place[idx]] & ~net.in_mexico[came_from]
        entering &= people.nationality[idx] != MEXICAN
        if not entering.any():
            return idx
        p_entry = np.array([g.p_refuge_at_entry for g in world.groups])[people.group[idx]]
        stays = entering & (rng.random(len(idx)) < p_entry)
        self.leave(world, idx[stays], Transition.REFUGE_IN_MEXICO, State.REFUGE_IN_MEXICO, day)
        return idx[~stays]

    def leave(
        self,
        world: World,
        idx: np.ndarray,
        transition: Transition,
        state: State,
        day: int,
        to_place: np.ndarray | None = None,
    ) -> None:
        """Take people off the road into ``state`` (at ``to_place``, default where they are)."""
        change(world, idx, transition, state, to_place)
        world.people.fragment[idx] = -1
        self.agenda.cancel(idx)

    def hazards(self, world: World, idx: np.ndarray, day: int) -> None:
        """Apply the hazards due today."""
        if len(idx) == 0:
            return
        people = world.people
        kinds = people.next_kind[idx]
        origin = world.net.home_of(people.nationality[idx], people.origin[idx])
        deported = idx[kinds == Event.DETAIN]
        self.leave(
            world,
            deported,
            Transition.DEPORTED_BY_MEXICO,
            State.DEPORTED_BY_MEXICO,
            day,
            to_place=origin[kinds == Event.DETAIN],
        )
        again = world.rng["deported"].random(len(deported)) < world.pars.p_set_out_again
        if again.any():
            wait = world.rng["deported"].geometric(
                1.0 / max(world.pars.dur_before_setting_out_again, 1.0), int(again.sum())
            )
            world.handoffs.deported.put(deported[again], day=day + wait)
        self.leave(
            world,
            idx[kinds == Event.REFUGE],
            Transition.REFUGE_IN_MEXICO,
            State.REFUGE_IN_MEXICO,
            day,
        )
        self.leave(
            world,
            idx[kinds == Event.GIVE_UP],
            Transition.GIVE_UP,
            State.RETURNED_HOME,
            day,
            to_place=origin[kinds == Event.GIVE_UP],
        )
        self.leave(
            world, idx[kinds == Event.SETTLE], Transition.SETTLE, State.SETTLED_IN_MEXICO, day
        )

    def fragments_due(self, world: World, day: int) -> bool:
        """Move every caravan fragment whose leg ends today; return whether any moved."""
        frag = self.frag
        due = [f for f in range(len(frag.place)) if frag.active[f] and frag.arrive[f] < day + 1]
        for f in due:
            self.advance_fragment(world, f, day)
        return bool(due)

    def fragment_members(self, world: World, f: int) -> np.ndarray:
        """Members still travelling with fragment ``f``."""
        people = world.people
        members = self.frag.members[f]
        keep = (people.fragment[members] == f) & (people.state[members] == State.TRANSIT)
        members = members[keep]
        self.frag.members[f] = members
        return members

    def advance_fragment(self, world: World, f: int, day: int) -> None:
        """Fragment ``f`` reaches its next place (or sets out), splits by next hop, plans on."""
        frag, people = self.frag, world.people
        rng = world.rng["caravans"]
        members = self.fragment_members(world, f)
        if len(members) == 0:
            frag.active[f] = False
            return
        here = frag.place[f]
        if frag.next_place[f] >= 0:
            here = frag.next_place[f]
            came_from = move(world, members, np.full(len(members), here, np.int64))
            frag.place[f] = here
            members = self.refuge_on_entry(world, members, came_from, rng, day)
        at_dest = people.dest[members] == here
        if at_dest.any():
            people.fragment[members[at_dest]] = -1
            world.handoffs.at_border_city.put(members[at_dest])
            members = members[~at_dest]
        if len(members) == 0:
            frag.active[f] = False
            return
        hops = self.next_hops(world, f, here, members)
        self.split(world, f, here, members, hops, day, rng)

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
        f: int,
        here: int,
        members: np.ndarray,
        hops: np.ndarray,
        day: int,
        rng: np.random.Generator,
    ) -> None:
        """Split fragment ``f`` by wave and next hop; each part sets out on its next leg."""
        frag, people = self.frag, world.people
        group = frag.group[f]
        arrived_at = frag.arrive[f]
        first, last = world.groups[group].stops.get(here, (0, 0))
        if last > first:  # leave in daily waves: a random share of the members each day
            wave = rng.integers(first, last + 1, len(members))
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
            duration = leg_days(self.road, here, hop, rng, ride)
            frag.arrive[g] = arrived_at + w + float(duration)
            start, end = np.full(len(part), arrived_at), np.full(len(part), frag.arrive[g])
            self.schedule_leg(world, part, start, end, day, rng=rng)

    def move_on(self, world: World, day: int) -> None:
        """Hazards, trips' ends and fragment moves, in rounds until none is due today."""
        limit = self.rounds
        for _ in range(limit):
            due = self.agenda.due(day)
            kinds = world.people.next_kind[due]
            self.hazards(world, due[kinds != Event.ARRIVE], day)
            world.handoffs.at_border_city.put(due[kinds == Event.ARRIVE])
            moved = self.fragments_due(world, day)
            if not len(due) and not moved and not self.agenda.pending(day):
                return
        frag = self.frag
        moving = sorted(
            {
                f"{world.groups[frag.group[f]].name} at {world.net.ids[frag.place[f]]}"
                for f in range(len(frag.place))
                if frag.active[f] and frag.arrive[f] < day + 1
            }
        )
        raise RuntimeError(
            f"day {world.scenario.start + dt.timedelta(days=day)}: caravans still moving after "
            f"{limit:,} rounds, more than a day allows ({', '.join(moving) or 'none'})"
        )

    def redraw_hazards(self, world: World, day: int) -> None:
        """After a change of a road lever, redraw every traveller's pending hazard."""
        people = world.people
        on_road = people.state == State.TRANSIT
        # Those set to leave today (or put on a list on the first day) are not yet on it.
        on_road[world.handoffs.setting_out.waiting()] = False
        on_road[world.handoffs.onto_waitlist.waiting()] = False
        idx = np.flatnonzero(on_road)
        if len(idx) == 0:
            return
        alone = people.fragment[idx] < 0
        rng = world.rng["redraw"]
        self.redraw_trips(world, idx[alone], day, rng)
        sel = idx[~alone]
        arrive = people.t_arrive[sel].astype(float)
        start = np.maximum(float(day), np.minimum(arrive, float(day)))
        self.schedule_leg(world, sel, start, np.maximum(arrive, start), day, rng=rng)

    def caravans_set_out(self, world: World, day: int) -> None:
        """Caravans that set out today, and joiners reaching a caravan today."""
        frag = self.frag
        rng = world.rng["caravans"]
        for g, n, sets_out in self.caravan_days.get(day, ()):
            caravan = world.groups[g].caravan
            assert caravan is not None
            if sets_out:
                origin = world.net.index(caravan.origin)
                f = frag.add(
                    origin, float(day), g, np.empty(0, np.int64), riding=_rides_at_start(caravan)
                )
                frag.members[f] = enter(world, g, n, origin, day, rng, fragment=f)
            else:
                self.join(world, world.groups[g], g, n, day, rng)

    def join(
        self, world: World, group: Group, g: int, n: int, day: int, rng: np.random.Generator
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
        lead = max(live, key=lambda f: len(self.fragment_members(world, f)))
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
        self.schedule_leg(
            world, idx, np.full(n, float(day)), np.full(n, frag.arrive[lead]), day, rng=rng
        )
