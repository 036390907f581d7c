"""Stage 3: border cities, shelters, port waitlists and metering.

A person reaching their border city either joins the waitlist of the city's
asylum port (with probability ``p_join_waitlist``) or goes on to cross between
ports the same day. Waiting people queue for a shelter bed (first come, first
served, as beds free up) and for admission: each day the port admits up to its
quota in list order (a fractional quota carries its fraction from day to day,
:func:`~borderflow.scenario.levers.per_day_counts`; beds are rounded to whole
beds, :func:`~borderflow.scenario.levers.stock_counts`). Each waiting person's
patience is geometric: after the day's admissions, each still waiting gives up
with probability ``p_renege``, then crosses between ports, settles in Mexico or
goes home. Violence incidents hit waiting people at a daily rate, higher without a bed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from borderflow.model import processing
from borderflow.model.queues import FifoQueues
from borderflow.model.world import Event, World, change
from borderflow.scenario.levers import per_day_counts, stock_counts
from borderflow.scenario.vocabulary import IS_WAITING, State, Transition, is_in

# Plain ints for array comparisons and writes: NumPy takes a slower path for an IntEnum
# member than for an int, a few microseconds a call.
SHELTERED, UNSHELTERED = int(State.WAITING_SHELTERED), int(State.WAITING_UNSHELTERED)
IN_CUSTODY = int(State.IN_CUSTODY)


@dataclass(frozen=True)
class _Border:
    """What the border stages keep for a run: its constants, worked out once, and the queues.

    Levers are per-day arrays fixed for the run, so the per-day values derived from
    them are columns of arrays built here. The port lists are one :class:`FifoQueues`
    (a row per port) and the bed queues another (a row per city that ever has beds),
    so that all ports are served in one pass.
    """

    p_join: np.ndarray
    all_join: bool
    ports: np.ndarray
    row: np.ndarray
    waitlists: FifoQueues
    quota: np.ndarray
    bed_cities: np.ndarray
    bed_row: np.ndarray
    bed_queues: FifoQueues
    beds: np.ndarray
    violence_cells: np.ndarray
    violence_place: np.ndarray
    violence_state: np.ndarray
    violence_p: np.ndarray

    @classmethod
    def of(cls, world: World) -> _Border:
        net, lev, p = world.net, world.levers, world.p
        ports = np.asarray(net.ports, np.int64)
        row = np.full(net.n, -1, np.int64)
        row[ports] = np.arange(len(ports))
        # A city whose beds stay at zero all run never hands out a bed: its queue would
        # never be served, so nobody joins it.
        cities = np.asarray(net.cities, np.int64)
        beds = stock_counts(lev.beds[:, cities])
        bed_cities = cities[(beds > 0).any(axis=0)]
        bed_row = np.full(net.n, -1, np.int64)
        bed_row[bed_cities] = np.arange(len(bed_cities))
        blocks = (
            (net.ports, State.WAITING_SHELTERED, "p_violence_sheltered"),
            (net.ports, State.WAITING_UNSHELTERED, "p_violence_unsheltered"),
            (net.cities, State.MPP_WAITING, "p_violence_mpp"),
        )
        place = np.concatenate([places for places, _, _ in blocks]).astype(np.int64)
        state = np.concatenate([np.full(len(pl), int(st), np.int64) for pl, st, _ in blocks])
        p_join = np.array([g.p_join_waitlist for g in world.groups])
        return cls(
            p_join=p_join,
            all_join=bool((p_join >= 1).all()),
            ports=ports,
            row=row,
            waitlists=FifoQueues(len(ports)),
            quota=per_day_counts(lev.quota[:, ports]),
            bed_cities=bed_cities,
            bed_row=bed_row,
            bed_queues=FifoQueues(len(bed_cities)),
            beds=beds[:, (beds > 0).any(axis=0)],
            violence_cells=place * len(State) + state,
            violence_place=place,
            violence_state=state,
            violence_p=np.concatenate([np.full(len(pl), p[name]) for pl, _, name in blocks]),
        )


def _constants(world: World) -> _Border:
    return world.once("border", _Border.of)


def arrive(world: World, idx: np.ndarray, day: int) -> None:
    """People reach their destination border city (their ``place``)."""
    if len(idx) == 0:
        return
    people, net = world.people, world.net
    city = people.place[idx].astype(np.int64)
    group = people.group[idx]
    world.ledger.record(
        Transition.REACH_BORDER_CITY, State.TRANSIT, State.TRANSIT, city, city, group, who=idx
    )
    port = net.asylum_port[city]
    c = _constants(world)
    joins = port >= 0
    if not c.all_join:  # else the draws would decide nothing, so none is made
        joins &= world.rng["border"].random(len(idx)) < c.p_join[group]
    if joins.all():
        join_waitlist(world, idx, port, day)
        return
    world.crossers.append(idx[~joins])
    join_waitlist(world, idx[joins], port[joins], day)


def join_waitlist(world: World, idx: np.ndarray, port: np.ndarray, day: int) -> None:
    """Put people at the end of their port's list (and of their city's bed queue)."""
    if len(idx) == 0:
        return
    people = world.people
    c = _constants(world)
    change(world, idx, Transition.ARRIVE_BORDER, State.WAITING_UNSHELTERED, to_place=port)
    people.ti_queue[idx] = day
    people.fragment[idx] = -1
    c.waitlists.push(c.row[port], idx)
    if len(c.bed_cities):
        bed = c.bed_row[world.net.city_of[port]]
        has = bed >= 0
        c.bed_queues.push(bed[has], idx[has])
    p_renege = world.p["p_renege"]
    if p_renege > 0:
        # Patience on {0, 1, ...} days: one may give up the day one arrives, after admissions.
        patience = world.rng["patience"].geometric(p_renege, len(idx)) - 1
        world.waiting_agenda.schedule(idx, day + patience, int(Event.RENEGE))


def shelter(world: World, day: int) -> None:
    """Give free beds to unsheltered waiting people, first come first served."""
    c = _constants(world)
    if not len(c.bed_cities):
        return
    beds = c.beds[day]
    active = np.flatnonzero((beds > 0) & (c.bed_queues.lengths() > 0))
    if not len(active):
        return
    people, net, ledger = world.people, world.net, world.ledger
    sheltered = ledger.stock[net.ports, State.WAITING_SHELTERED, :].sum(axis=1)
    occupied = np.bincount(net.city_of[net.ports], sheltered, minlength=net.n).astype(np.int64)
    free = beds[active] - occupied[c.bed_cities[active]]
    active, free = active[free > 0], free[free > 0]
    state = people.state
    got, _ = c.bed_queues.take(active, free, lambda chunk, k: state[chunk] == UNSHELTERED)
    if len(got):
        here = people.place[got]
        ledger.record(
            Transition.GET_BED,
            State.WAITING_UNSHELTERED,
            State.WAITING_SHELTERED,
            here,
            here,
            people.group[got],
            who=got,
        )
        state[got] = SHELTERED


def metering(world: World, day: int) -> None:
    """Each port admits up to its quota, in list order."""
    c = _constants(world)
    quota = c.quota[day]
    people, ledger = world.people, world.ledger
    state, place = people.state, people.place
    active = np.flatnonzero((quota > 0) & (c.waitlists.lengths() > 0))
    if not len(active):
        return
    at = c.ports[active]
    # All ports served in one pass, not a few NumPy calls per port.
    admitted, counts = c.waitlists.take(
        active,
        quota[active],
        lambda chunk, k: is_in(state[chunk], IS_WAITING) & (place[chunk] == at[k]),
    )
    where = np.repeat(at, counts)
    if len(admitted) == 0:
        return
    ledger.record(
        Transition.ADMITTED_AT_PORT,
        state[admitted],
        State.IN_CUSTODY,
        where,
        where,
        people.group[admitted],
        who=admitted,
    )
    ledger.record_wait(where, 0, day - people.ti_queue[admitted])
    state[admitted] = IN_CUSTODY
    world.waiting_agenda.cancel(admitted)
    processing.enter_custody(world, admitted, day)


def reneging(world: World, day: int) -> None:
    """People whose patience ends today leave the list: cross, settle, or go home."""
    people, net, p = world.people, world.net, world.p
    idx = world.waiting_agenda.due(day)
    if len(idx) == 0:
        return
    idx = idx[is_in(people.state[idx], IS_WAITING)]
    if len(idx) == 0:
        return
    world.ledger.record_wait(people.place[idx], 1, day - people.ti_queue[idx])
    # 0: cross, 1: settle, 2: go home (the shares are consecutive slices of [0, 1)).
    cross, settle = p["share_renege_cross"], p["share_renege_cross"] + p["share_renege_settle"]
    if cross >= 1 or (cross <= 0 and (settle >= 1 or settle <= 0)):
        # One way for everyone, all run: the draws would decide nothing, so none is made.
        way = np.full(len(idx), 0 if cross >= 1 else 1 if settle >= 1 else 2, np.int8)
    else:
        u = world.rng["renege"].random(len(idx))
        way = (u >= cross).astype(np.int8)
        way += u >= settle
    crossing = idx[way == 0]
    if len(crossing):
        world.crossers.append(crossing)
    settling = idx[way == 1]
    if len(settling):
        city = net.city_of[people.place[settling]]
        change(world, settling, Transition.SETTLE, State.SETTLED_IN_MEXICO, to_place=city)
    home = idx[way == 2]
    if len(home):
        there = net.home_of(people.nationality[home], people.origin[home])
        change(world, home, Transition.GIVE_UP, State.RETURNED_HOME, to_place=there)


def violence(world: World, day: int) -> None:
    """Count violent incidents among people waiting at ports (more without a bed) and in MPP."""
    ledger = world.ledger
    c = _constants(world)
    stock = ledger.stock
    # Every (place, state) cell at risk in one gather, in the order of the three kinds
    # (sheltered, unsheltered, MPP), so the draws come as one call in the same order.
    at_risk = stock.reshape(-1, stock.shape[2])[c.violence_cells]
    cell, group = np.nonzero(at_risk)
    if len(cell) == 0:
        return
    hits = world.rng["violence"].binomial(at_risk[cell, group], c.violence_p[cell])
    keep = hits > 0
    if not keep.any():
        return
    cell = cell[keep]
    place, state = c.violence_place[cell], c.violence_state[cell]
    ledger.record(
        Transition.VIOLENCE_INCIDENT, state, state, place, place, group[keep], n=hits[keep]
    )
