"""The border: border cities, shelters, port waitlists, metering and reneging; violence.

A person reaching their border city with an asylum port either presents at the port
without a place on a list (``p_present_at_port``: inadmissibles not held to metering,
taken into custody that day), signs up on the port's numbered list (``p_join_waitlist``,
its odds lower in a more dangerous city and higher while the asylum ban makes crossing
cost one's claim, :mod:`borderflow.model.behaviour`), or goes on to cross between ports
the same day.

A list is kept outside the port, as reported: a number per person, called in order each
day up to the port's quota (a fractional quota carries its fraction from day to day,
:func:`~borderflow.scenario.levers.per_day_counts`). Some holders wait away from the city
(``p_wait_elsewhere``); a holder who is not there when called (``p_miss_call``, more
often for those away) loses the place and signs up again at the end. People waiting in
the city queue for a shelter bed (first come, first served; beds are whole,
:func:`~borderflow.scenario.levers.stock_counts`). Patience is memoryless, its daily
hazard ``p_renege`` raised without a bed and by the city's danger; it is drawn again
when a bed changes it. Whoever gives up crosses between ports (less often under the ban
or a higher chance of apprehension), settles in Mexico or goes home. Violence incidents
hit people waiting in the city at a daily rate, higher without a bed.
"""

from __future__ import annotations

import numpy as np

from borderflow.model.agenda import Agenda
from borderflow.model.behaviour import deterrence, odds_times
from borderflow.model.people import household_sizes, leads_of, with_followers
from borderflow.model.queues import FifoQueues
from borderflow.model.rng import waiting_days
from borderflow.model.stage import Stage
from borderflow.model.world import World, change, note
from borderflow.scenario.levers import per_day_counts, stock_counts
from borderflow.scenario.vocabulary import (
    IS_WAITING,
    NATIONALITIES,
    Event,
    State,
    Transition,
    WaitOutcome,
    is_in,
)

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
SHELTERED, UNSHELTERED = int(State.WAITING_SHELTERED), int(State.WAITING_UNSHELTERED)
AWAY = int(State.WAITING_AWAY)
IN_CUSTODY = int(State.IN_CUSTODY)
RENEGE, VISA = int(Event.RENEGE), int(Event.VISA)
ADMITTED, LEFT_LIST = int(WaitOutcome.ADMITTED), int(WaitOutcome.LEFT_LIST)


class Border(Stage):
    """Arrivals present at a port, sign up on its list or head to cross; beds, calls, patience.

    In order: people reaching their border city present at its port, sign up on the
    list of its asylum port (and, waiting in the city, its shelter's bed queue), or set
    out to cross between ports; free beds go to unsheltered waiting people, in arrival
    order; each port calls numbers up to its quota, in list order, and admits the holders
    who are there into U.S. custody (the others sign up again at the end); people whose
    patience ends leave the list: cross between ports, settle, or go home.
    """

    name = "border"
    fields = ("ti_queue", "mx_visa")
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
        self.p_join = np.array([g.p_join_by_nationality for g in world.groups]).reshape(
            len(world.groups), len(NATIONALITIES)
        )
        self.p_present = np.array([g.p_present_at_port for g in world.groups])
        # Everyone signs up whatever the day's policy (odds of 1 stay 1): no draw decides.
        self.all_join = bool((self.p_join >= 1).all() and (self.p_present <= 0).all())
        self.patience = Agenda(world.people, world.n_days, (RENEGE, VISA))
        # Danger moves choices only where some city's risk is not 1, on some day.
        self.risk_varies = bool((lev.violence_risk != 1).any())

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
        people, net, pars = world.people, world.net, world.pars
        city = people.place[idx].astype(np.int64)
        note(world, idx, Transition.REACH_BORDER_CITY)
        port = net.asylum_port[city]
        has_port = port >= 0
        if self.all_join:
            if not has_port.all():
                world.handoffs.crossers.put(idx[~has_port])
                idx, port = idx[has_port], port[has_port]
            self.join_waitlist(world, idx, port, day)
            return
        group = people.group[idx]
        p_present = self.p_present[group]
        p_join = self.p_join[group, people.nationality[idx]]
        if self.risk_varies and pars.violence_join_elasticity != 0:
            risk = world.levers.violence_risk[day, city]
            p_join = odds_times(p_join, np.maximum(risk, 1e-9) ** -pars.violence_join_elasticity)
        if world.levers.asylum_ban[day]:
            p_join = odds_times(p_join, pars.ban_join_factor)
        # One uniform a person: [0, p_present) presents at the port, the next
        # p_join * (1 - p_present) signs up, the rest cross.
        u = world.rng["border"].random(len(idx))
        presents = has_port & (u < p_present)
        joins = has_port & ~presents & (u < p_present + p_join * (1.0 - p_present))
        self.present(world, idx[presents], port[presents])
        world.handoffs.crossers.put(idx[~(joins | presents)])
        self.join_waitlist(world, idx[joins], port[joins], day)

    def present(self, world: World, idx: np.ndarray, port: np.ndarray) -> None:
        """People present at a port without a place on a list: into custody today."""
        if len(idx) == 0:
            return
        change(world, idx, Transition.PRESENTED_AT_PORT, State.IN_CUSTODY, to_place=port)
        world.handoffs.into_custody.put(idx)

    def join_waitlist(self, world: World, idx: np.ndarray, port: np.ndarray, day: int) -> None:
        """People sign up at the end of their port's list, in the city or away from it."""
        if len(idx) == 0:
            return
        people, pars = world.people, world.pars
        state: int | np.ndarray = UNSHELTERED
        if pars.p_wait_elsewhere > 0:
            away = world.rng["border"].random(len(idx)) < pars.p_wait_elsewhere
            state = np.where(away, AWAY, UNSHELTERED).astype(np.int8)
        change(world, idx, Transition.ARRIVE_BORDER, state, to_place=port)
        people.ti_queue[with_followers(people, idx)] = day
        self.sign_up(world, idx, port)
        self.schedule_patience(world, idx, day)

    def sign_up(
        self, world: World, leads: np.ndarray, port: np.ndarray, *, beds: bool = True
    ) -> None:
        """Numbers at the end of each port's list (and, in the city, of its bed queue).

        A household holds a number per member, in a row. Someone signing up again keeps
        their place in the bed queue (``beds`` false).
        """
        people = world.people
        idx = with_followers(people, leads)
        if len(idx) > len(leads):
            port = np.repeat(port, household_sizes(people, leads))
        self.waitlists.push(self.row[port], idx)
        if beds and len(self.bed_cities):
            bed = self.bed_row[world.net.city_of[port]]
            has = (bed >= 0) & (people.state[idx] == UNSHELTERED)
            self.bed_queues.push(bed[has], idx[has])

    def schedule_patience(
        self, world: World, leads: np.ndarray, day: int, *, from_day: int | None = None
    ) -> None:
        """The day each gives up, or first takes a humanitarian visa, at their daily hazards.

        Giving up: ``p_renege``, times ``renege_unsheltered_factor`` without a bed in the
        city and the city's ``violence_risk`` to ``violence_renege_elasticity`` in it. A
        visa: ``p_humanitarian_visa``, once. Both memoryless, so the first of the two is one
        geometric draw at the combined hazard and a draw of which it is, and a new draw
        when the way one waits changes is exact. The first day it can fall on is ``day``
        (after the day's admissions) or ``from_day``.
        """
        pars = world.pars
        if (pars.p_renege <= 0 and pars.p_humanitarian_visa <= 0) or len(leads) == 0:
            return
        people = world.people
        state = people.state[leads]
        hazard = np.full(len(leads), pars.p_renege)
        in_city = state != AWAY
        if self.risk_varies and pars.violence_renege_elasticity != 0 and pars.p_renege > 0:
            city = world.net.city_of[people.place[leads[in_city]]]
            risk = world.levers.violence_risk[day, city]
            hazard[in_city] *= risk**pars.violence_renege_elasticity
        hazard[state == UNSHELTERED] *= pars.renege_unsheltered_factor
        hazard = np.minimum(hazard, 1.0)
        visa = np.where(people.mx_visa[leads] == 0, pars.p_humanitarian_visa, 0.0)
        either = np.clip(hazard + visa - hazard * visa, 1e-300, 1.0)  # a hazard of 0: never
        rng = world.rng["patience"]
        # Patience on {0, 1, ...} days: one may give up the day one arrives, after admissions.
        first = day if from_day is None else from_day
        days = first + waiting_days(rng, either, len(leads)) - 1
        if not visa.any():
            self.patience.schedule(leads, days, RENEGE)
            return
        kind = np.where(rng.random(len(leads)) * (hazard + visa) < visa, VISA, RENEGE)
        self.patience.schedule(leads, days, kind.astype(np.int8))

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
        leads = leads_of(people, got)
        change(world, leads, Transition.GET_BED, State.WAITING_SHELTERED)
        if world.pars.renege_unsheltered_factor != 1:
            self.schedule_patience(world, leads, day)

    def metering(self, world: World, day: int) -> None:
        """Each port calls numbers up to its quota, in list order; holders there are admitted.

        A household is admitted whole when its lead's number is called: a port that lets in
        more than its quota today lets in as many fewer on the next days. Holders not there
        sign up again at the end of the list, after the day's calls.
        """
        people = world.people
        state, place = people.state, people.place
        left = self.quota[day] - self.overdrawn
        missed: list[np.ndarray] = []
        missed_rows: list[np.ndarray] = []
        # Numbers are called until the quota is met or the list runs out: every round takes
        # numbers off the list (the missed go back on after the day's calls), so it ends.
        while True:
            active = np.flatnonzero((left > 0) & (self.waitlists.lengths() > 0))
            if not len(active):
                break
            at = self.ports[active]

            def waiting_here(chunk: np.ndarray, k: np.ndarray, at: np.ndarray = at) -> np.ndarray:
                return is_in(state[chunk], IS_WAITING) & (place[chunk] == at[k])

            # All ports served in one pass, not a few NumPy calls per port.
            called, counts = self.waitlists.take(active, left[active], waiting_here)
            if len(called) == 0:
                break
            rows = np.repeat(active, counts)
            if people.has_households:
                lead = people.lead[called] < 0
                called, rows = called[lead], rows[lead]
            gone = self.not_there(world, called)
            if gone.any():
                missed.append(called[gone])
                missed_rows.append(rows[gone])
                called, rows = called[~gone], rows[~gone]
            sizes = household_sizes(people, called) if people.has_households else None
            left -= np.bincount(rows, sizes, minlength=len(self.ports)).astype(np.int64)
            # Let in now, so that a household's members left on the list go stale.
            self.admit(world, called, self.ports[rows], day)
            if not gone.any():
                break
        self.overdrawn = np.maximum(-left, 0)
        if missed:
            again = np.concatenate(missed)
            note(world, again, Transition.NUMBER_MISSED)
            self.sign_up(world, again, self.ports[np.concatenate(missed_rows)], beds=False)

    def not_there(self, world: World, called: np.ndarray) -> np.ndarray:
        """Which holders of the numbers called are not there to answer."""
        pars = world.pars
        if len(called) == 0 or (pars.p_miss_call <= 0 and pars.p_miss_call_away <= 0):
            return np.zeros(len(called), bool)
        p = np.where(world.people.state[called] == AWAY, pars.p_miss_call_away, pars.p_miss_call)
        return world.rng["calls"].random(len(called)) < p

    def admit(self, world: World, admitted: np.ndarray, where: np.ndarray, day: int) -> None:
        """The holders called and there go into U.S. custody; their waits are recorded."""
        if len(admitted) == 0:
            return
        people = world.people
        everyone = with_followers(people, admitted)
        if len(everyone) > len(admitted):
            where = np.repeat(where, household_sizes(people, admitted))
        world.ledger.record_wait(where, ADMITTED, day - people.ti_queue[everyone])
        change(world, admitted, Transition.ADMITTED_AT_PORT, IN_CUSTODY)
        self.patience.cancel(admitted)
        world.handoffs.into_custody.put(admitted)

    def take_visas(self, world: World, leads: np.ndarray, day: int) -> None:
        """Households take a Mexican humanitarian visa and keep their place on the list."""
        people = world.people
        note(world, leads, Transition.HUMANITARIAN_VISA)
        people.mx_visa[with_followers(people, leads)] = 1
        self.schedule_patience(world, leads, day, from_day=day + 1)

    def reneging(self, world: World, day: int) -> None:
        """People whose patience ends today leave the list: cross, settle, or go home.

        The shares are the parameters' at the reference situation; the odds of crossing
        fall while the asylum ban is on (``ban_join_factor``) and as the chance of
        apprehension at the city rises (``deterrence_elasticity``).
        """
        people, net, pars, lev = world.people, world.net, world.pars, world.levers
        idx = self.patience.due(day)
        if len(idx) == 0:
            return
        idx = idx[is_in(people.state[idx], IS_WAITING)]
        if pars.p_humanitarian_visa > 0:
            visa = people.next_kind[idx] == VISA
            if visa.any():
                self.take_visas(world, idx[visa], day)
                idx = idx[~visa]
        if len(idx) == 0:
            return
        everyone = with_followers(people, idx)
        world.ledger.record_wait(people.place[everyone], LEFT_LIST, day - people.ti_queue[everyone])
        city = net.city_of[people.place[idx]]
        cross_odds = deterrence(lev.p_apprehend[day, city], pars.deterrence_elasticity)
        if lev.asylum_ban[day]:
            cross_odds = cross_odds / pars.ban_join_factor
        # 0: cross, 1: settle, 2: go home (the shares are consecutive slices of [0, 1)).
        cross0, settle0 = pars.share_renege_cross, pars.share_renege_settle
        home0 = max(1.0 - cross0 - settle0, 0.0)
        crossing = cross0 * cross_odds
        total = crossing + settle0 + home0
        cross = np.where(total > 0, crossing / np.where(total > 0, total, 1.0), 0.0)
        settle = cross + np.where(total > 0, settle0 / np.where(total > 0, total, 1.0), 0.0)
        if (cross >= 1).all() or (
            (cross <= 0).all() and ((settle >= 1).all() or (settle <= 0).all())
        ):
            # One way for everyone: the draws would decide nothing, so none is made.
            way = np.where(cross >= 1, 0, np.where(settle >= 1, 1, 2)).astype(np.int8)
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
