"""Stage 3: border cities, shelters, port waitlists and metering.

A person reaching their border city either joins the waitlist of the city's
asylum port (with probability ``p_join_waitlist``) or goes on to cross between
ports the same day. Waiting people queue for a shelter bed (first come, first
served, as beds free up) and for admission: each day the port admits up to its
quota in list order. Each waiting person's patience is geometric: after the
day's admissions, each still waiting gives up with probability ``p_renege``,
then crosses between ports, settles in Mexico or goes home. Violence incidents
hit waiting people at a daily rate, higher without a bed.
"""

from __future__ import annotations

import numpy as np

from borderflow.model import processing
from borderflow.model.states import IS_WAITING, State, Transition, is_in
from borderflow.model.world import Event, World, change


def arrive(world: World, idx: np.ndarray, day: int) -> None:
    """People reach their destination border city (their ``place``)."""
    if len(idx) == 0:
        return
    people, net = world.people, world.net
    city = people.place[idx].astype(np.int64)
    world.ledger.record(
        Transition.REACH_BORDER_CITY,
        State.TRANSIT,
        State.TRANSIT,
        city,
        city,
        people.group[idx],
        who=idx,
    )
    port = net.asylum_port[city]
    p_join = np.array([g.p_join_waitlist for g in world.groups])[people.group[idx]]
    joins = (port >= 0) & (world.rng["border"].random(len(idx)) < p_join)
    world.crossers.append(idx[~joins])
    join_waitlist(world, idx[joins], port[joins], day)


def join_waitlist(world: World, idx: np.ndarray, port: np.ndarray, day: int) -> None:
    """Put people at the end of their port's list (and of their city's bed queue)."""
    if len(idx) == 0:
        return
    people, net = world.people, world.net
    change(world, idx, Transition.ARRIVE_BORDER, State.WAITING_UNSHELTERED, to_place=port)
    people.ti_queue[idx] = day
    people.fragment[idx] = -1
    for p in np.unique(port):
        members = idx[port == p]
        world.waitlists[int(p)].push(members)
        world.bed_queues[int(net.city_of[p])].push(members)
    p_renege = world.p["p_renege"]
    if p_renege > 0:
        # Patience on {0, 1, ...} days: one may give up the day one arrives, after admissions.
        patience = world.rng["patience"].geometric(p_renege, len(idx)) - 1
        world.waiting_agenda.schedule(idx, day + patience, int(Event.RENEGE))


def shelter(world: World, day: int) -> None:
    """Give free beds to unsheltered waiting people, first come first served."""
    people, net, ledger = world.people, world.net, world.ledger
    beds = world.levers.beds[day]
    waiting = [c for c, q in world.bed_queues.items() if len(q) and beds[c] > 0]
    if not waiting:
        return
    sheltered = ledger.stock[net.ports, State.WAITING_SHELTERED, :].sum(axis=1)
    occupied = np.bincount(net.city_of[net.ports], sheltered, minlength=net.n)
    for city in waiting:
        queue = world.bed_queues[city]
        free = int(beds[city]) - int(occupied[city])
        if free <= 0:
            continue
        got = queue.take(free, lambda c: people.state[c] == State.WAITING_UNSHELTERED)
        if len(got):
            here = people.place[got].astype(np.int64)
            ledger.record(
                Transition.GET_BED,
                State.WAITING_UNSHELTERED,
                State.WAITING_SHELTERED,
                here,
                here,
                people.group[got],
                who=got,
            )
            people.state[got] = State.WAITING_SHELTERED


def _waiting_at(world: World, port: int):  # type: ignore[no-untyped-def]
    people = world.people

    def valid(chunk: np.ndarray) -> np.ndarray:
        return is_in(people.state[chunk], IS_WAITING) & (people.place[chunk] == port)

    return valid


def metering(world: World, day: int) -> None:
    """Each port admits up to its quota, in list order."""
    people, ledger = world.people, world.ledger
    quotas = world.levers.quota[day]
    taken: list[np.ndarray] = []
    at: list[int] = []
    for port, queue in world.waitlists.items():
        quota = int(quotas[port])
        if quota <= 0 or not len(queue):
            continue
        admitted = queue.take(quota, _waiting_at(world, port))
        if len(admitted):
            taken.append(admitted)
            at.append(port)
    if not taken:
        return
    # All ports' admissions are counted and sent on together: one pass, not one per port.
    admitted = np.concatenate(taken)
    where = np.repeat(np.array(at, np.int64), [len(t) for t in taken])
    ledger.record(
        Transition.ADMITTED_AT_PORT,
        people.state[admitted].astype(np.int64),
        State.IN_CUSTODY,
        where,
        where,
        people.group[admitted],
        who=admitted,
    )
    ledger.record_wait(where, 0, day - people.ti_queue[admitted])
    people.state[admitted] = State.IN_CUSTODY
    world.waiting_agenda.cancel(admitted)
    processing.enter_custody(world, admitted, day)


def reneging(world: World, day: int) -> None:
    """People whose patience ends today leave the list: cross, settle, or go home."""
    people, net, ledger, p = world.people, world.net, world.ledger, world.p
    idx = world.waiting_agenda.due(day)
    idx = idx[is_in(people.state[idx], IS_WAITING)]
    if len(idx) == 0:
        return
    port = people.place[idx].astype(np.int64)
    ledger.record_wait(port, 1, day - people.ti_queue[idx])
    u = world.rng["renege"].random(len(idx))
    cross = u < p["share_renege_cross"]
    settle = ~cross & (u < p["share_renege_cross"] + p["share_renege_settle"])
    home = ~cross & ~settle
    world.crossers.append(idx[cross])
    for mask, transition, state, to_place in (
        (settle, Transition.SETTLE, State.SETTLED_IN_MEXICO, net.city_of[port]),
        (
            home,
            Transition.GIVE_UP,
            State.RETURNED_HOME,
            net.home_of(people.nationality[idx], people.origin[idx]),
        ),
    ):
        sel = idx[mask]
        ledger.record(
            transition,
            people.state[sel].astype(np.int64),
            state,
            port[mask],
            to_place[mask],
            people.group[sel],
            who=sel,
        )
        people.state[sel] = state
        people.place[sel] = to_place[mask]


def violence(world: World, day: int) -> None:
    """Count violent incidents among people waiting at ports (more without a bed) and in MPP."""
    ledger, net = world.ledger, world.net
    rng = world.rng["violence"]
    for places, state, p_name in (
        (net.ports, State.WAITING_SHELTERED, "p_violence_sheltered"),
        (net.ports, State.WAITING_UNSHELTERED, "p_violence_unsheltered"),
        (net.cities, State.MPP_WAITING, "p_violence_mpp"),
    ):
        at_risk = ledger.stock[places, state, :]
        if not at_risk.any():
            continue
        place_i, group_i = np.nonzero(at_risk)
        hits = rng.binomial(at_risk[place_i, group_i], world.p[p_name])
        keep = hits > 0
        place = places[place_i[keep]]
        ledger.record(
            Transition.VIOLENCE_INCIDENT, state, state, place, place, group_i[keep], n=hits[keep]
        )
