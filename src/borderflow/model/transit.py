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
one, a leg at a time, since it splits and waits in waves (:mod:`borderflow.model.caravans`,
kept by this stage). Work is per hop and per
event, never per person per day.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from borderflow.model import trip_walk
from borderflow.model.agenda import Agenda
from borderflow.model.caravans import Caravans
from borderflow.model.network import MODE_BIT, Network
from borderflow.model.people import People, household_sizes, with_followers
from borderflow.model.queues import expand
from borderflow.model.rng import waiting_days
from borderflow.model.stage import Stage
from borderflow.model.trips import TripPool
from borderflow.model.world import World, change
from borderflow.scenario.vocabulary import MEXICAN, TRANSIT_HAZARDS, Event, State, Transition

#: Levers whose change redraws the hazards of everyone on the road.
ROAD_LEVERS = frozenset(
    {"mexico_enforcement", "mexico_southern_enforcement", "mexico_refuge_offer"}
)
#: Kinds of place that are not in a country Mexico borders by road (the U.S. side).
_US_KINDS = ("port_of_entry", "us_sector")
#: People redrawn at a time (bounds the temporary arrays of a redraw).
REDRAW_CHUNK = 1 << 16
#: Hazards that only Mexico's territory carries (detention, refuge, settling).
MEXICO_ONLY = np.array([True, True, False, True])


def rate(p_daily: float) -> float:
    """Continuous hazard rate whose daily probability is ``p_daily``."""
    return -float(np.log1p(-min(p_daily, 1 - 1e-12)))


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


def southern_border(net: Network, reach_km: float) -> np.ndarray:
    """Whether each place is on Mexico's southern border, where its lever applies.

    The places in Mexico that a road enters from a place outside it (other than the U.S.
    side's ports and sectors), and the places in Mexico within ``reach_km`` of one by road
    through Mexico (the parameter ``southern_border_km``). Detention on the hop leaving
    such a place is the southern border's: on the national network, Ciudad Hidalgo,
    Tapachula and Huixtla (from Tecún Umán) and Tenosique (from El Ceibo).
    """
    mexico = np.asarray(net.in_mexico, bool)
    road = net.km > 0
    abroad = ~mexico & ~np.isin(net.kind, _US_KINDS)
    entries = np.flatnonzero(mexico & (road & abroad[:, None]).any(axis=0))
    if not len(entries):
        return np.zeros(net.n, bool)
    inside = np.where(road & mexico[:, None] & mexico[None, :], net.km, 0.0)
    km = dijkstra(csr_matrix(inside), indices=entries, limit=reach_km)
    return mexico & (np.min(km, axis=0) <= reach_km)


def detention_at(world: World, south: np.ndarray, day: int) -> np.ndarray:
    """Per place, the factor of Mexico's detention rate there on ``day``.

    0 outside Mexico; on its southern border (``south``, :func:`southern_border`) the
    day's ``mexico_southern_enforcement``; elsewhere 1.
    """
    factor = np.where(south, world.levers.mexico_southern_enforcement[day], 1.0)
    return factor * world.net.in_mexico


def hazard_rates(
    world: World, idx: np.ndarray, place: np.ndarray, day: int, south: np.ndarray
) -> np.ndarray:
    """Per-person rates (rows: detain, refuge, give up, settle) on the road at ``place``.

    ``south``: the places of Mexico's southern border (:func:`southern_border`).
    """
    rates = road_rates(world, idx, day)
    rates[MEXICO_ONLY] *= world.net.in_mexico[place]
    rates[0] *= np.where(south[place], world.levers.mexico_southern_enforcement[day], 1.0)
    return rates


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
        detain_at=net.in_mexico.astype(float),
        travel=trip_walk.Travel(
            bus_bit=int(MODE_BIT["bus"]),
            train_bit=int(MODE_BIT["train"]),
            walk_speed=float(speeds[0]),
            bus_speed=float(speeds[1]),
            train_speed=float(speeds[2]),
            p_bus=float(pars.p_take_bus),
            p_train=float(pars.p_take_train),
            rest_ratio=ratio,
        ),
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


class Kept(NamedTuple):
    """Entries of trips kept when they are walked on: person after person, ``per_trip`` each."""

    place: np.ndarray
    t: np.ndarray
    per_trip: np.ndarray


class Leg(NamedTuple):
    """The hop under way of each trip redrawn: the place it leads to and when it is reached."""

    place: np.ndarray
    t: np.ndarray


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
        self.road = _road(world)
        self.south = southern_border(world.net, world.pars.southern_border_km)
        self.caravans = Caravans(world)
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
        self.caravans.set_out(world, self, day)
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
        rates = hazard_rates(world, idx, people.place[idx], day, self.south)
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
            self.road._replace(detain_at=detention_at(world, self.south, day)),
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
                weight=household_sizes(people, idx),
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
            self.book_by_person(world, idx, new, owner, sign=1)
        people.place[with_followers(people, idx)] = np.repeat(
            pool.place[at + booked], household_sizes(people, idx)
        )
        self.agenda.schedule(idx, np.floor(walked.t_end).astype(np.int64), walked.kind)

    def book_by_person(
        self, world: World, idx: np.ndarray, entries: np.ndarray, owner: np.ndarray, sign: int
    ) -> None:
        """Book (or take back) the moves to pool ``entries`` of ``idx[owner]``, per person.

        A lead's moves are its followers' too.
        """
        people, pool = world.people, self.trips
        sizes = household_sizes(people, idx)[owner]
        who = with_followers(people, idx[owner])
        world.ledger.book_moves(
            np.repeat(np.floor(pool.t[entries]).astype(np.int64), sizes),
            np.repeat(pool.place[entries - 1], sizes),
            np.repeat(pool.place[entries], sizes),
            people.group[who],
            who,
            sign=sign,
        )

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
        self.book_by_person(world, idx, entries[ahead], owner[ahead], sign=-1)
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
            wait = waiting_days(
                world.rng["deported"],
                1.0 / max(world.pars.dur_before_setting_out_again, 1.0),
                int(again.sum()),
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

    def move_on(self, world: World, day: int) -> None:
        """Hazards, trips' ends and fragment moves, in rounds until none is due today."""
        limit = self.rounds
        for _ in range(limit):
            due = self.agenda.due(day)
            kinds = world.people.next_kind[due]
            self.hazards(world, due[kinds != Event.ARRIVE], day)
            world.handoffs.at_border_city.put(due[kinds == Event.ARRIVE])
            moved = self.caravans.move_due(world, self, day)
            if not len(due) and not moved and not self.agenda.pending(day):
                return
        frag = self.caravans.frag
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
        # Followers are on the road with their lead, who walks for them.
        on_road = (people.state == State.TRANSIT) & (people.lead < 0)
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
