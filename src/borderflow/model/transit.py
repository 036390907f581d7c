"""Stage 2: moving along the route network and the hazards of the road.

A traveller (a person alone, or a caravan fragment moving as one) plans one
leg at a time: the next place toward its border city, a mode (bus or train
where the road offers them, else walking), and rest days. During a leg each
person faces competing daily hazards: detention and deportation by Mexico,
accepting refuge in Mexico, giving up, settling. The first hazard's time is
drawn when the leg starts (exponential in continuous time, so a daily
probability ``p`` holds exactly); a lever change redraws it (memoryless), so a
change takes effect on its day. Work is per leg and per event, never per
person per day.
"""

from __future__ import annotations

import numpy as np

from borderflow.model import border
from borderflow.model.network import MODE_BIT
from borderflow.model.states import NATIONALITIES, State, Transition
from borderflow.model.world import TRANSIT_HAZARDS, Event, World, change

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


def hazard_rates(world: World, idx: np.ndarray, place: np.ndarray, day: int) -> np.ndarray:
    """Per-person rates (rows: detain, refuge, give up, settle) on the road at ``place``."""
    p, lev = world.p, world.levers
    in_mex = world.net.in_mexico[place].astype(float)
    # Mexico neither deports its own nationals nor offers them refuge.
    foreign = (world.people.nationality[idx] != MEXICAN).astype(float)
    caravan = np.array([g.caravan is not None for g in world.groups])[world.people.group[idx]]
    detain = rate(p["p_detain_mexico"]) * lev.mexico_enforcement[day] * in_mex * foreign
    detain = detain * np.where(caravan, p["caravan_detention_factor"], 1.0)
    refuge = rate(p["p_refuge_mexico"]) * lev.mexico_refuge_offer[day] * in_mex * foreign
    give_up = np.full(len(idx), rate(p["p_give_up_transit"]))
    settle = rate(p["p_settle_transit"]) * in_mex
    return np.vstack([detain, refuge, give_up, settle])


def schedule_leg(
    world: World,
    idx: np.ndarray,
    start: np.ndarray,
    arrive: np.ndarray,
    day: int,
    alone: bool,
    rng: np.random.Generator,
) -> None:
    """Draw each person's first hazard on a leg ``[start, arrive)``; else their arrival.

    People travelling alone get an ``ARRIVE`` event; caravan members arrive with
    their fragment and only get hazard events.
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
    rest = idx[~hit]
    if alone:
        world.transit_agenda.schedule(
            rest, np.floor(arrive[~hit]).astype(np.int64), int(Event.ARRIVE)
        )
    else:
        world.transit_agenda.cancel(rest)


def start_alone(world: World, idx: np.ndarray, clock: np.ndarray | float, day: int) -> None:
    """Send people travelling alone on from where they are (or into the border city)."""
    if len(idx) == 0:
        return
    people, net = world.people, world.net
    here = people.place[idx].astype(np.int64)
    there = people.dest[idx].astype(np.int64)
    arrived = here == there
    if arrived.any():
        border.arrive(world, idx[arrived], day)
    idx, here = idx[~arrived], here[~arrived]
    if len(idx) == 0:
        return
    start = np.broadcast_to(np.asarray(clock, float), len(arrived))[~arrived]
    nxt = net.next_hop[here, people.dest[idx]].astype(np.int64)
    rng = world.rng["transit"]
    arrive = start + leg_durations(world, here, nxt, rng)
    schedule_leg(world, idx, start, arrive, day, alone=True, rng=rng)


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


def arrivals_alone(world: World, idx: np.ndarray, day: int) -> None:
    """People travelling alone reach the next place, then plan the next leg."""
    if len(idx) == 0:
        return
    people, net = world.people, world.net
    nxt = net.next_hop[people.place[idx], people.dest[idx]].astype(np.int64)
    came_from = move(world, idx, nxt)
    idx = refuge_on_entry(world, idx, came_from, world.rng["transit"], day)
    start_alone(world, idx, people.t_arrive[idx].astype(float), day)


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
        hops = np.full(len(members), net.next_hop[here, via[frag.via_done[f]]], np.int64)
    else:
        hops = net.next_hop[here, people.dest[members]].astype(np.int64)
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
            alone=False,
            rng=rng,
        )


def step(world: World, day: int) -> None:
    """Stage 2 for one day: hazards, arrivals and fragment moves, until none is due."""
    while True:
        due = world.transit_agenda.due(day)
        kinds = world.people.next_kind[due]
        hazards(world, due[kinds != Event.ARRIVE], day)
        arrivals_alone(world, due[kinds == Event.ARRIVE], day)
        moved = fragments_due(world, day)
        if not len(due) and not moved and not world.transit_agenda.pending(day):
            break


def redraw_hazards(world: World, day: int) -> None:
    """After a change of a road lever, redraw every traveller's pending hazard."""
    people = world.people
    idx = np.flatnonzero(people.state == State.TRANSIT)
    if len(idx) == 0:
        return
    alone = people.fragment[idx] < 0
    rng = world.rng["redraw"]
    for mask, is_alone in ((alone, True), (~alone, False)):
        sel = idx[mask]
        arrive = people.t_arrive[sel].astype(float)
        start = np.maximum(float(day), np.minimum(arrive, float(day)))
        schedule_leg(world, sel, start, np.maximum(arrive, start), day, alone=is_alone, rng=rng)
