"""Stage 2: moving along the route network and the hazards of the road.

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

import numpy as np

from borderflow.model import border, trip_walk
from borderflow.model.network import MODE_BIT
from borderflow.model.queues import expand
from borderflow.model.world import TRANSIT_HAZARDS, Event, World, change
from borderflow.scenario.vocabulary import NATIONALITIES, State, Transition

MEXICAN = NATIONALITIES.index("MEX")


def rate(p_daily: float) -> float:
    """Continuous hazard rate whose daily probability is ``p_daily``."""
    return -float(np.log1p(-min(p_daily, 1 - 1e-12)))


def leg_durations(
    world: World, u: np.ndarray, v: np.ndarray, rng: np.random.Generator, ride: bool = True
) -> np.ndarray:
    """Days (fractional) to travel from ``u`` to neighbour ``v``, rest days included.

    With ``ride`` false the travellers walk whatever the road offers.
    """
    p, net = world.p, world.net
    km = net.km[u, v]
    modes = net.modes[u, v] if ride else np.zeros(len(u), np.uint8)
    speed = np.full(len(u), p["walk_km_per_day"])
    has_bus = (modes & MODE_BIT["bus"]) > 0
    has_train = (modes & MODE_BIT["train"]) > 0
    draw = rng.random((2, len(u)))
    take_bus = has_bus & (draw[0] < p["p_take_bus"])
    take_train = has_train & ~take_bus & (draw[1] < p["p_take_train"])
    speed[take_train] = p["train_km_per_day"]
    speed[take_bus] = p["bus_km_per_day"]
    moving = km / speed
    p_rest = p["p_rest_day"]
    if p_rest <= 0:
        return moving
    # Each day is a rest day with probability p_rest, so `moving` travel days come with
    # moving * p / (1 - p) rest days on average; Poisson, which numpy draws fast.
    return moving + rng.poisson(moving * (p_rest / (1.0 - p_rest)))


#: Hazards that only Mexico's territory carries (detention, refuge, settling).
MEXICO_ONLY = np.array([True, True, False, True])


def road_rates(world: World, idx: np.ndarray, day: int) -> np.ndarray:
    """Per-person rates (rows: detain, refuge, give up, settle) on a road in Mexico."""
    p, lev = world.p, world.levers
    # Mexico neither deports its own nationals nor offers them refuge.
    foreign = world.people.nationality[idx] != MEXICAN
    detention_factor = np.array(
        [p["caravan_detention_factor"] if g.caravan is not None else 1.0 for g in world.groups]
    )
    rates = np.empty((4, len(idx)))
    np.multiply(
        rate(p["p_detain_mexico"]) * lev.mexico_enforcement[day] * foreign,
        detention_factor[world.people.group[idx]],
        out=rates[0],
    )
    np.multiply(rate(p["p_refuge_mexico"]) * lev.mexico_refuge_offer[day], foreign, out=rates[1])
    rates[2] = rate(p["p_give_up_transit"])
    rates[3] = rate(p["p_settle_transit"])
    return rates


def hazard_rates(world: World, idx: np.ndarray, place: np.ndarray, day: int) -> np.ndarray:
    """Per-person rates (rows: detain, refuge, give up, settle) on the road at ``place``."""
    rates = road_rates(world, idx, day)
    rates[MEXICO_ONLY] *= world.net.in_mexico[place]
    return rates


def schedule_leg(
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
        kinds = np.array([int(k) for k in TRANSIT_HAZARDS], np.int8)[which]
        world.transit_agenda.schedule(idx[hit], np.floor(t_hit[hit]).astype(np.int64), kinds)
    world.transit_agenda.cancel(idx[~hit])


def start_alone(world: World, idx: np.ndarray, clock: np.ndarray | float, day: int) -> None:
    """Send people travelling alone on from where they are (or into the border city)."""
    if len(idx) == 0:
        return
    people = world.people
    arrived = people.place[idx] == people.dest[idx]
    if arrived.any():
        border.arrive(world, idx[arrived], day)
    start = np.broadcast_to(np.asarray(clock, float), len(arrived))[~arrived]
    idx = idx[~arrived]
    if len(idx):
        plan_trips(world, idx, start, day)


def plan_trips(world: World, idx: np.ndarray, start: np.ndarray, day: int) -> None:
    """Plan each person's trip to its border city from time ``start`` (see :func:`walk`)."""
    people = world.people
    here = people.place[idx].astype(np.int64)
    kept = (here, start, np.ones(len(idx), np.int64))
    walk(world, idx, day, world.rng["transit"], here, start, kept)


def walk(
    world: World,
    idx: np.ndarray,
    day: int,
    rng: np.random.Generator,
    cur: np.ndarray,
    t_from: np.ndarray,
    kept: tuple[np.ndarray, np.ndarray, np.ndarray],
    leg: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """Walk each trip on from place ``cur`` at time ``t_from`` until it ends; book it.

    Hop by hop: the next place toward the border city and when it is reached (mode
    and rest days drawn), the road's hazards integrated over the hop against one
    exponential draw per person (rates at the place left, levers of ``day``). The trip
    ends at the first hazard, at refuge asked on entering Mexico, or at the border
    city. The moves until then are booked on the ledger on their days, the trip is
    stored (``kept``: places, times and counts of its entries so far, person after
    person; the hop cut short by a hazard is kept too, so a redraw can finish it),
    the person's place becomes where the trip ends, and one event goes on the agenda.
    ``leg``: the hop already under way (next place, time reached), for a redraw.
    """
    people, net, pool = world.people, world.net, world.trips
    n = len(idx)
    dest = people.dest[idx].astype(np.int64)
    group = people.group[idx]
    first = cur if leg is None else leg[0]
    hops_left = net.hops[first, dest] + (0 if leg is None else 1)
    if (hops_left < 0).any():
        raise RuntimeError("a planned trip cannot reach its border city")
    offset = np.cumsum(hops_left) - hops_left
    key = np.uint64(rng.bit_generator.random_raw())
    entry_u, budget_u, kind_u = rng.random((3, n))
    flat_place, flat_t, n_kept = kept
    # Room in the pool for the kept entries and every hop the trip could take; a trip cut
    # short leaves unused entries, which go when the pool compacts.
    people.trip_at[idx] = -1
    room = n_kept + hops_left
    at = pool.reserve(int(room.sum()), people) + np.concatenate([[0], np.cumsum(room[:-1])])
    slots = at if len(flat_place) == n else expand(at, n_kept)  # new trips keep one entry
    pool.place[slots], pool.t[slots] = flat_place, flat_t
    ledger = world.ledger
    future = ledger.future
    walked = trip_walk.walk(
        road_of(world),
        trip_walk.Walkers(
            dest=dest,
            cur=cur.astype(np.int64),
            t0=t_from.astype(float),
            leg_v=(cur if leg is None else leg[0]).astype(np.int64),
            leg_t=(t_from if leg is None else leg[1]).astype(float),
            has_leg=leg is not None,
            offset=offset,
            key=key,
            entry_u=entry_u,
            budget=-np.log1p(-budget_u),  # exponential: the hazard a person can take
            kind_u=kind_u,
            rates=road_rates(world, idx, day),
            foreign=people.nationality[idx] != MEXICAN,
            p_entry=np.array([g.p_refuge_at_entry for g in world.groups])[group].astype(float),
            group=group.astype(np.int64),
            slot=at + n_kept,
            hops=hops_left.astype(np.int64),
        ),
        trip_walk.Sink(
            pool_place=pool.place,
            pool_t=pool.t,
            future=future if future is not None else np.zeros((0, 1), np.int32),
            road_id=ledger.road_id(),
            n_groups=ledger.n_groups,
        ),
    )
    n_hops, t_end, kinds = walked.n_walked, walked.t_end, walked.kind
    length = n_kept + n_hops
    booked = length - 1 - (~walked.reached_last).astype(np.int64)
    people.trip_at[idx] = at
    people.trip_len[idx] = length
    people.trip_booked[idx] = booked
    if future is None:
        # With the event log the moves are booked by person (the walk did not book them).
        new = expand(at + n_kept, booked - (n_kept - 1))
        owner = np.repeat(np.arange(n), booked - (n_kept - 1))
        ledger.book_moves(
            np.floor(pool.t[new]).astype(np.int64),
            pool.place[new - 1],
            pool.place[new],
            group[owner],
            idx[owner],
        )
    people.place[idx] = pool.place[at + booked]
    world.transit_agenda.schedule(idx, np.floor(t_end).astype(np.int64), kinds)


def road_of(world: World) -> trip_walk.Road:
    """The network and travel parameters of planned trips (worked out once per run)."""
    if world.road is None:
        p, net = world.p, world.net
        speeds = trip_walk.Road.speeds_of(
            p["walk_km_per_day"], p["bus_km_per_day"], p["train_km_per_day"]
        )
        p_rest = p["p_rest_day"]
        ratio = p_rest / (1.0 - p_rest) if p_rest > 0 else 0.0
        world.road = trip_walk.Road(
            next_hop=net.next_hop,
            km=net.km,
            modes=net.modes,
            in_mexico=net.in_mexico,
            bus_bit=int(MODE_BIT["bus"]),
            train_bit=int(MODE_BIT["train"]),
            walk_speed=float(speeds[0]),
            bus_speed=float(speeds[1]),
            train_speed=float(speeds[2]),
            p_bus=float(p["p_take_bus"]),
            p_train=float(p["p_take_train"]),
            rest_ratio=ratio,
            rest_p0=np.exp(-((net.km[None, :, :] / speeds[:, None, None]) * ratio)),
        )
    return world.road


def redraw_trips(world: World, idx: np.ndarray, day: int, rng: np.random.Generator) -> None:
    """Redraw the rest of planned trips from the start of ``day`` (a road lever changed).

    The hop under way keeps its place and time; what follows is walked anew. Done in
    chunks of people, so the working arrays stay small whatever the number on the road.
    """
    for start in range(0, len(idx), REDRAW_CHUNK):
        _redraw_chunk(world, idx[start : start + REDRAW_CHUNK], day, rng)


#: People redrawn at a time (bounds the temporary arrays of a redraw).
REDRAW_CHUNK = 1 << 16


def _redraw_chunk(world: World, idx: np.ndarray, day: int, rng: np.random.Generator) -> None:
    people, pool = world.people, world.trips
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
    walk(
        world,
        idx,
        day,
        rng,
        pool.place[here].astype(np.int64),
        np.full(n, float(day)),
        (pool.place[kept].copy(), pool.t[kept].copy(), reached + 1),
        leg=(pool.place[here + 1].astype(np.int64), pool.t[here + 1]),
    )


def refuge_on_entry(
    world: World, idx: np.ndarray, came_from: np.ndarray, rng: np.random.Generator, day: int
) -> np.ndarray:
    """Those entering Mexico who ask for refuge at once leave; return the rest."""
    people, net = world.people, world.net
    entering = net.in_mexico[people.place[idx]] & ~net.in_mexico[came_from]
    entering &= people.nationality[idx] != MEXICAN
    if not entering.any():
        return idx
    p_entry = np.array([g.p_refuge_at_entry for g in world.groups])[people.group[idx]]
    stays = entering & (rng.random(len(idx)) < p_entry)
    leave(world, idx[stays], Transition.REFUGE_IN_MEXICO, State.REFUGE_IN_MEXICO, day)
    return idx[~stays]


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


def leave(
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
    world.transit_agenda.cancel(idx)


def hazards(world: World, idx: np.ndarray, day: int) -> None:
    """Apply the hazards due today."""
    if len(idx) == 0:
        return
    people = world.people
    kinds = people.next_kind[idx]
    origin = world.net.home_of(people.nationality[idx], people.origin[idx])
    deported = idx[kinds == Event.DETAIN]
    leave(
        world,
        deported,
        Transition.DEPORTED_BY_MEXICO,
        State.DEPORTED_BY_MEXICO,
        day,
        to_place=origin[kinds == Event.DETAIN],
    )
    again = world.rng["deported"].random(len(deported)) < world.p["p_set_out_again"]
    if again.any():
        wait = world.rng["deported"].geometric(
            1.0 / max(world.p["dur_before_setting_out_again"], 1.0), int(again.sum())
        )
        world.deported_agenda.schedule(deported[again], day + wait, int(Event.SET_OUT_AGAIN))
    leave(
        world, idx[kinds == Event.REFUGE], Transition.REFUGE_IN_MEXICO, State.REFUGE_IN_MEXICO, day
    )
    leave(
        world,
        idx[kinds == Event.GIVE_UP],
        Transition.GIVE_UP,
        State.RETURNED_HOME,
        day,
        to_place=origin[kinds == Event.GIVE_UP],
    )
    leave(world, idx[kinds == Event.SETTLE], Transition.SETTLE, State.SETTLED_IN_MEXICO, day)


def fragments_due(world: World, day: int) -> bool:
    """Move every caravan fragment whose leg ends today; return whether any moved."""
    frag = world.fragments
    due = [f for f in range(len(frag.place)) if frag.active[f] and frag.arrive[f] < day + 1]
    for f in due:
        advance_fragment(world, f, day)
    return bool(due)


def fragment_members(world: World, f: int) -> np.ndarray:
    """Members still travelling with fragment ``f``."""
    people = world.people
    members = world.fragments.members[f]
    keep = (people.fragment[members] == f) & (people.state[members] == State.TRANSIT)
    members = members[keep]
    world.fragments.members[f] = members
    return members


def advance_fragment(world: World, f: int, day: int) -> None:
    """Fragment ``f`` reaches its next place (or sets out), splits by next hop, plans on."""
    frag, people, net = world.fragments, world.people, world.net
    rng = world.rng["caravans"]
    members = fragment_members(world, f)
    if len(members) == 0:
        frag.active[f] = False
        return
    here = frag.place[f]
    if frag.next_place[f] >= 0:
        here = frag.next_place[f]
        came_from = move(world, members, np.full(len(members), here, np.int64))
        frag.place[f] = here
        members = refuge_on_entry(world, members, came_from, rng, day)
    at_dest = people.dest[members] == here
    if at_dest.any():
        people.fragment[members[at_dest]] = -1
        border.arrive(world, members[at_dest], day)
        members = members[~at_dest]
    if len(members) == 0:
        frag.active[f] = False
        return
    group = frag.group[f]
    via = world.groups[group].via
    if here == world.groups[group].walks_from:
        frag.riding[f] = False
    if here == world.groups[group].rides_from:
        frag.riding[f] = True
    while frag.via_done[f] < len(via) and via[frag.via_done[f]] == here:
        frag.via_done[f] += 1
    if frag.via_done[f] < len(via):
        toward = np.full(len(members), via[frag.via_done[f]], np.int64)
    else:
        toward = people.dest[members].astype(np.int64)
    hops = net.next_hop[here, toward].astype(np.int64)
    if (hops < 0).any():
        lost = int(toward[np.argmax(hops < 0)])
        raise RuntimeError(
            f"caravan {world.groups[group].name!r} cannot go on from {net.ids[here]}: no road "
            f"leads to {net.ids[lost]} (a place it must pass or reach)"
        )
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
        duration = leg_durations(world, np.array([here]), np.array([hop]), rng, frag.riding[g])[0]
        frag.arrive[g] = arrived_at + w + float(duration)
        schedule_leg(
            world,
            part,
            np.full(len(part), arrived_at),
            np.full(len(part), frag.arrive[g]),
            day,
            rng=rng,
        )


def step(world: World, day: int) -> None:
    """Stage 2 for one day: hazards, trips' ends and fragment moves, until none is due.

    Raises:
        RuntimeError: if moves are still due after more rounds than any fragment can take
            in a day (:func:`round_limit`), naming the caravans still moving.
    """
    limit = world.once("transit_rounds", round_limit)
    for _ in range(limit):
        due = world.transit_agenda.due(day)
        kinds = world.people.next_kind[due]
        hazards(world, due[kinds != Event.ARRIVE], day)
        border.arrive(world, due[kinds == Event.ARRIVE], day)
        moved = fragments_due(world, day)
        if not len(due) and not moved and not world.transit_agenda.pending(day):
            return
    frag = world.fragments
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


def round_limit(world: World) -> int:
    """Most rounds of moves one day can take (generously).

    Between two places it must pass (its ``via`` places, then its members' destinations) a
    fragment follows a shortest road, passing each place once at most, and every round moves
    each fragment due by one hop or sets it out; a few more rounds settle the hazards and
    arrivals that the last moves make due today.
    """
    longest_via = max((len(g.via) for g in world.groups), default=0)
    return world.net.n * (longest_via + 2) + 8


def redraw_hazards(world: World, day: int) -> None:
    """After a change of a road lever, redraw every traveller's pending hazard."""
    people = world.people
    idx = np.flatnonzero(people.state == State.TRANSIT)
    if len(idx) == 0:
        return
    alone = people.fragment[idx] < 0
    rng = world.rng["redraw"]
    redraw_trips(world, idx[alone], day, rng)
    sel = idx[~alone]
    arrive = people.t_arrive[sel].astype(float)
    start = np.maximum(float(day), np.minimum(arrive, float(day)))
    schedule_leg(world, sel, start, np.maximum(arrive, start), day, rng=rng)
