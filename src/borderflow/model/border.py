"""The border: border cities, shelters, port waitlists, metering and reneging; violence.

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

import numpy as np

from borderflow.model.agenda import Agenda
from borderflow.model.people import household_sizes, leads_of, with_followers
from borderflow.model.queues import FifoQueues
from borderflow.model.rng import waiting_days
from borderflow.model.stage import Stage
from borderflow.model.world import World, change, note
from borderflow.scenario.levers import per_day_counts, stock_counts
from borderflow.scenario.vocabulary import (
    IS_WAITING,
    Event,
    State,
    Transition,
    WaitOutcome,
    is_in,
)

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
SHELTERED, UNSHELTERED = int(State.WAITING_SHELTERED), int(State.WAITING_UNSHELTERED)
IN_CUSTODY = int(State.IN_CUSTODY)
RENEGE = int(Event.RENEGE)
ADMITTED, LEFT_LIST = int(WaitOutcome.ADMITTED), int(WaitOutcome.LEFT_LIST)


class Border(Stage):
    """Arrivals join a port's list or head to cross; beds, admissions and reneging.

    In order: people reaching their border city join the list of its asylum port (and
    its shelter's bed queue) or set out to cross between ports; free beds go to
    unsheltered waiting people, in arrival order; each port admits up to its quota, in
    list order, into U.S. custody; people whose patience ends leave the list: cross
    between ports, settle, or go home.
    """

    name = "border"
    fields = ("ti_queue",)
    takes = ("onto_waitlist", "at_border_city")
    gives = ("crossers", "into_custody")

    def init(self, world: World) -> None:
        """The port lists and bed queues, the patience agenda, and quotas and beds by day.

        The port lists are one :class:`FifoQueues` (a row per port) and the bed queues
        another (a row per city that ever has beds), so that all ports are served in one
        pass.
        """
        net, lev = world.net, world.levers
        self.ports = np.asarray(net.ports, np.int64)
        self.row = np.full(net.n, -1, np.int64)
        self.row[self.ports] = np.arange(len(self.ports))
        self.waitlists = FifoQueues(len(self.ports))
        self.quota = per_day_counts(lev.quota[:, self.ports])
        #: People each port let in beyond its quota (a household admitted whole).
        self.overdrawn = np.zeros(len(self.ports), np.int64)
        # A city whose beds stay at zero all run never hands out a bed: its queue would
        # never be served, so nobody joins it.
        cities = np.asarray(net.cities, np.int64)
        beds = stock_counts(lev.beds[:, cities])
        has_beds = (beds > 0).any(axis=0)
        self.bed_cities = cities[has_beds]
        self.bed_row = np.full(net.n, -1, np.int64)
        self.bed_row[self.bed_cities] = np.arange(len(self.bed_cities))
        self.bed_queues = FifoQueues(len(self.bed_cities))
        self.beds = beds[:, has_beds]
        self.p_join = np.array([g.p_join_waitlist for g in world.groups])
        self.all_join = bool((self.p_join >= 1).all())
        self.patience = Agenda(world.people, world.n_days, (RENEGE,))

    def step(self, world: World, day: int) -> None:
        """Arrivals, shelter, metering and reneging for one day."""
        for batch in world.handoffs.onto_waitlist.drain():
            self.join_waitlist(world, batch.people, batch["port"], day)
        for batch in world.handoffs.at_border_city.drain():
            self.arrive(world, batch.people, day)
        self.shelter(world, day)
        self.metering(world, day)
        self.reneging(world, day)

    def arrive(self, world: World, idx: np.ndarray, day: int) -> None:
        """People reach their destination border city (their ``place``)."""
        people, net = world.people, world.net
        city = people.place[idx].astype(np.int64)
        note(world, idx, Transition.REACH_BORDER_CITY)
        port = net.asylum_port[city]
        joins = port >= 0
        if not self.all_join:  # else the draws would decide nothing, so none is made
            joins &= world.rng["border"].random(len(idx)) < self.p_join[people.group[idx]]
        if joins.all():
            self.join_waitlist(world, idx, port, day)
            return
        world.handoffs.crossers.put(idx[~joins])
        self.join_waitlist(world, idx[joins], port[joins], day)

    def join_waitlist(self, world: World, idx: np.ndarray, port: np.ndarray, day: int) -> None:
        """Put people at the end of their port's list (and of their city's bed queue)."""
        if len(idx) == 0:
            return
        people = world.people
        change(world, idx, Transition.ARRIVE_BORDER, State.WAITING_UNSHELTERED, to_place=port)
        # A household holds a place on the list (and for a bed) per member, in a row.
        leads = idx
        idx = with_followers(people, leads)
        if len(idx) > len(leads):
            port = np.repeat(port, household_sizes(people, leads))
        people.ti_queue[idx] = day
        self.waitlists.push(self.row[port], idx)
        if len(self.bed_cities):
            bed = self.bed_row[world.net.city_of[port]]
            has = bed >= 0
            self.bed_queues.push(bed[has], idx[has])
        p_renege = world.pars.p_renege
        if p_renege > 0:
            # Patience on {0, 1, ...} days: one may give up the day one arrives, after admissions.
            patience = waiting_days(world.rng["patience"], p_renege, len(leads)) - 1
            self.patience.schedule(leads, day + patience, RENEGE)

    def shelter(self, world: World, day: int) -> None:
        """Give free beds to unsheltered waiting people, first come first served."""
        if not len(self.bed_cities):
            return
        beds = self.beds[day]
        active = np.flatnonzero((beds > 0) & (self.bed_queues.lengths() > 0))
        if not len(active):
            return
        people, net, ledger = world.people, world.net, world.ledger
        sheltered = ledger.census(SHELTERED)[net.ports]
        occupied = np.bincount(net.city_of[net.ports], sheltered, minlength=net.n).astype(np.int64)
        free = beds[active] - occupied[self.bed_cities[active]]
        active, free = active[free > 0], free[free > 0]
        state = people.state
        got, _ = self.bed_queues.take(active, free, lambda chunk, k: state[chunk] == UNSHELTERED)
        # A lead takes its household in (a few beds more than free, at most); followers
        # taken are moved by theirs.
        change(world, leads_of(people, got), Transition.GET_BED, State.WAITING_SHELTERED)

    def metering(self, world: World, day: int) -> None:
        """Each port admits up to its quota, in list order, into U.S. custody."""
        quota = self.quota[day] - self.overdrawn
        self.overdrawn = np.maximum(-quota, 0)
        people, ledger = world.people, world.ledger
        state, place = people.state, people.place
        active = np.flatnonzero((quota > 0) & (self.waitlists.lengths() > 0))
        if not len(active):
            return
        at = self.ports[active]
        # All ports served in one pass, not a few NumPy calls per port.
        admitted, counts = self.waitlists.take(
            active,
            quota[active],
            lambda chunk, k: is_in(state[chunk], IS_WAITING) & (place[chunk] == at[k]),
        )
        if len(admitted) == 0:
            return
        where = np.repeat(at, counts)
        if people.has_households:
            # A household is admitted whole when its lead is: a port that lets in more
            # than its quota today lets in as many fewer on the next days.
            lead = people.lead[admitted] < 0
            admitted, where = admitted[lead], where[lead]
            sizes = household_sizes(people, admitted)
            let_in = np.bincount(self.row[where], sizes, minlength=len(self.ports))
            self.overdrawn[active] = np.maximum(let_in[active].astype(np.int64) - quota[active], 0)
            where = np.repeat(where, sizes)
        everyone = with_followers(people, admitted)
        ledger.record_wait(where, ADMITTED, day - people.ti_queue[everyone])
        change(world, admitted, Transition.ADMITTED_AT_PORT, IN_CUSTODY)
        self.patience.cancel(admitted)
        world.handoffs.into_custody.put(admitted)

    def reneging(self, world: World, day: int) -> None:
        """People whose patience ends today leave the list: cross, settle, or go home."""
        people, net, pars = world.people, world.net, world.pars
        idx = self.patience.due(day)
        if len(idx) == 0:
            return
        idx = idx[is_in(people.state[idx], IS_WAITING)]
        if len(idx) == 0:
            return
        everyone = with_followers(people, idx)
        world.ledger.record_wait(people.place[everyone], LEFT_LIST, day - people.ti_queue[everyone])
        # 0: cross, 1: settle, 2: go home (the shares are consecutive slices of [0, 1)).
        cross = pars.share_renege_cross
        settle = pars.share_renege_cross + pars.share_renege_settle
        if cross >= 1 or (cross <= 0 and (settle >= 1 or settle <= 0)):
            # One way for everyone, all run: the draws would decide nothing, so none is made.
            way = np.full(len(idx), 0 if cross >= 1 else 1 if settle >= 1 else 2, np.int8)
        else:
            u = world.rng["renege"].random(len(idx))
            way = (u >= cross).astype(np.int8)
            way += u >= settle
        world.handoffs.crossers.put(idx[way == 0])
        settling = idx[way == 1]
        if len(settling):
            city = net.city_of[people.place[settling]]
            change(world, settling, Transition.SETTLE, State.SETTLED_IN_MEXICO, to_place=city)
        home = idx[way == 2]
        if len(home):
            there = net.home_of(people.nationality[home], people.origin[home])
            change(world, home, Transition.GIVE_UP, State.RETURNED_HOME, to_place=there)


class Violence(Stage):
    """Violent incidents among people waiting at ports (more without a bed) and under MPP.

    Each rate is the parameter's times the city's ``violence_risk`` that day.

    Counted from the day's closing stocks, as events: nobody moves.
    """

    name = "violence"

    def init(self, world: World) -> None:
        """The (place, state) cells at risk and their daily rates, in a fixed order."""
        net, pars = world.net, world.pars
        blocks = (
            (net.ports, State.WAITING_SHELTERED, pars.p_violence_sheltered),
            (net.ports, State.WAITING_UNSHELTERED, pars.p_violence_unsheltered),
            (net.cities, State.MPP_WAITING, pars.p_violence_mpp),
        )
        self.place = np.concatenate([places for places, _, _ in blocks]).astype(np.int64)
        self.state = np.concatenate([np.full(len(pl), int(st), np.int64) for pl, st, _ in blocks])
        self.cells = self.place * len(State) + self.state
        p_daily = np.concatenate([np.full(len(pl), p) for pl, _, p in blocks])
        # Each cell's rate in its city (a port's is its city's), day by day: the rates'
        # source is one place, and cities are not equally dangerous (violence_risk).
        city = net.city_of[self.place]
        self.p_daily = np.minimum(world.levers.violence_risk[:, city] * p_daily, 1.0)

    def step(self, world: World, day: int) -> None:
        """Count the day's incidents."""
        ledger = world.ledger
        stock = ledger.stock
        # Every (place, state) cell at risk in one gather, in the order of the three kinds
        # (sheltered, unsheltered, MPP), so the draws come as one call in the same order.
        at_risk = stock.reshape(-1, stock.shape[2])[self.cells]
        cell, group = np.nonzero(at_risk)
        if len(cell) == 0:
            return
        hits = world.rng["violence"].binomial(at_risk[cell, group], self.p_daily[day, cell])
        keep = hits > 0
        if not keep.any():
            return
        cell = cell[keep]
        place, state = self.place[cell], self.state[cell]
        ledger.record(
            Transition.VIOLENCE_INCIDENT, state, state, place, place, group[keep], n=hits[keep]
        )
