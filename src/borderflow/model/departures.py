"""Stage 1: people set out — the background flow, caravans and their joiners.

Also sends on again the people deported by Mexico whose wait is over.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from borderflow.model import border, transit
from borderflow.model.rng import choose
from borderflow.model.world import ALREADY_WAITING, Group, World
from borderflow.scenario.schema import Caravan
from borderflow.scenario.vocabulary import NATIONALITIES, OUTSIDE, State, Transition


def new_people(
    world: World,
    g: int,
    n: int,
    origin: np.ndarray | int,
    day: int,
    rng: np.random.Generator,
    fragment: int = -1,
    transition: Transition = Transition.DEPART,
) -> np.ndarray:
    """Create ``n`` travellers of group ``g`` at ``origin``; count their entry."""
    group: Group = world.groups[g]
    idx = world.people.add(
        n,
        state=State.TRANSIT,
        place=origin,
        origin=origin,
        dest=group.dest_ids[choose(rng, group.dest_cdf, n)],
        group=g,
        nationality=choose(rng, group.nationality_cdf, n),
        household=choose(rng, group.household_cdf, n),
        fragment=fragment,
        ti_enter=day,
    )
    world.ledger.record(transition, OUTSIDE, State.TRANSIT, origin, origin, np.full(n, g), who=idx)
    return idx


def background(world: World, day: int) -> None:
    """Today's background departures, by nationality."""
    bg = world.scenario.background
    if bg is None:
        return
    date = world.scenario.start + dt.timedelta(days=day)
    if (bg.start and date < bg.start) or (bg.end and date > bg.end):
        return
    rng = world.rng["departures"]
    season = bg.seasonality[date.month - 1]
    since = day - (world.scenario.day_of(bg.start) if bg.start else 0)
    counts = np.zeros(len(NATIONALITIES), np.int64)
    origins = np.zeros(len(NATIONALITIES), np.int64)
    for k, nat in enumerate(NATIONALITIES):
        mean = bg.daily.get(nat, 0.0) * season
        if mean <= 0:
            continue
        if bg.arrivals == "poisson":
            counts[k] = rng.poisson(mean)
        else:  # evenly spread: exactly floor(k * mean) by day k
            counts[k] = np.floor((since + 1) * mean + 1e-9) - np.floor(since * mean + 1e-9)
        origins[k] = world.net.index(bg.origins[nat])
    n = int(counts.sum())
    if n == 0:
        return
    idx = new_people(world, 0, n, np.repeat(origins, counts), day, rng)
    world.people.nationality[idx] = np.repeat(np.arange(len(NATIONALITIES)), counts)
    transit.start_alone(world, idx, float(day), day)


def caravans(world: World, day: int) -> None:
    """Caravans that set out today, and joiners reaching a caravan today."""
    frag = world.fragments
    rng = world.rng["caravans"]
    for g, n, sets_out in world.once("caravan_days", _caravan_days).get(day, ()):
        caravan = world.groups[g].caravan
        assert caravan is not None
        if sets_out:
            origin = world.net.index(caravan.origin)
            f = frag.add(
                origin, float(day), g, np.empty(0, np.int64), riding=_rides_at_start(caravan)
            )
            frag.members[f] = new_people(world, g, n, origin, day, rng, fragment=f)
        else:
            _join(world, g, n, day, rng)


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


def _join(world: World, g: int, n: int, day: int, rng: np.random.Generator) -> None:
    frag = world.fragments
    live = [f for f in range(len(frag.place)) if frag.active[f] and frag.group[f] == g]
    if not live:  # the caravan has arrived or dissolved: joiners set out from its origin
        caravan = world.groups[g].caravan
        assert caravan is not None
        origin = world.net.index(caravan.origin)
        f = frag.add(origin, float(day), g, np.empty(0, np.int64), riding=_rides_at_start(caravan))
        frag.members[f] = new_people(
            world, g, n, origin, day, rng, fragment=f, transition=Transition.JOIN_CARAVAN
        )
        return
    lead = max(live, key=lambda f: len(transit.fragment_members(world, f)))
    idx = new_people(
        world, g, n, frag.place[lead], day, rng, fragment=lead, transition=Transition.JOIN_CARAVAN
    )
    frag.members[lead] = np.concatenate([frag.members[lead], idx])
    if frag.next_place[lead] < 0:
        return  # the fragment sets out today and plans every member's leg then
    # Joiners walk with the lead group to its next place, then split off if their
    # destination lies another way.
    transit.schedule_leg(
        world, idx, np.full(n, float(day)), np.full(n, frag.arrive[lead]), day, rng=rng
    )


def set_out_again(world: World, day: int) -> None:
    """People deported by Mexico whose wait is over set out again, alone."""
    people = world.people
    idx = world.deported_agenda.due(day)
    idx = idx[people.state[idx] == State.DEPORTED_BY_MEXICO]
    if len(idx) == 0:
        return
    here = people.place[idx].astype(np.int64)
    world.ledger.record(
        Transition.SET_OUT_AGAIN,
        State.DEPORTED_BY_MEXICO,
        State.TRANSIT,
        here,
        here,
        people.group[idx],
        who=idx,
    )
    people.state[idx] = State.TRANSIT
    transit.start_alone(world, idx, float(day), day)


def already_waiting(world: World, day: int) -> None:
    """On the first day, put the people already on port lists in place (list order kept)."""
    if day != 0 or not world.scenario.border.initial_waitlist:
        return
    g = [grp.name for grp in world.groups].index(ALREADY_WAITING)
    rng = world.rng["departures"]
    for port_id, n in world.scenario.border.initial_waitlist.items():
        port = world.net.index(port_id)
        city = int(world.net.city_of[port])
        idx = new_people(world, g, n, city, day, rng)
        world.people.dest[idx] = city
        border.join_waitlist(world, idx, np.full(n, port, np.int64), day)


def step(world: World, day: int) -> None:
    """Stage 1 for one day."""
    already_waiting(world, day)
    set_out_again(world, day)
    background(world, day)
    caravans(world, day)
