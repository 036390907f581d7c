"""U.S. custody: processing, prosecution, MPP returns, credible fear and detention.

People reach custody through a port admission or an apprehension. After a few
days of processing (``dur_custody_days``) each is decided, in this order:

1. adults referred for prosecution are held for it first, then decided again;
   unaccompanied children take their own legal track (TVPRA 2008, 8 U.S.C. 1232):
   a Mexican child is screened and most are returned home at once
   (``p_uac_mexico_returned``); every other child is handed to HHS
   (``into_hhs``, :mod:`borderflow.model.hhs`), never to expedited removal, MPP
   or ICE detention;
2. MPP: an eligible person (nationality, household, the city's ``mpp`` lever) is
   returned to the border city to await hearings on the MPP docket;
3. families and children are mostly released with a notice to appear
   (``p_release_family``), which opens a court case;
4. everyone else either claims fear (all port arrivals, who came to ask for
   asylum; ``p_claim_fear_*`` of those apprehended) and waits for a
   credible-fear interview, or is ordered removed without a hearing.

Asylum officers hold ``cf_interviews_per_day`` interviews a day, first come first
served; a credible fear found (``p_credible_fear_pass``) means a notice to appear
and a request for a detention bed; none found means removal. Detention has
``detention_beds`` beds; a person who finds none is released (Erlang's loss
system); a stay lasts ``dur_detention_days`` on average. A detained person's case is
filed on the detained docket when judges hear one (``detained_judges``), else on the
regular docket; released, a case still waiting there moves to the regular docket.
Interviews a day carry their fraction from day to day
(:func:`~borderflow.scenario.levers.per_day_counts`); detention beds are rounded to whole
beds (:func:`~borderflow.scenario.levers.stock_counts`).

Families who claim fear are not detained with adults: they take beds in ICE's family
residential centres (``family_beds``, state ``family_detention``), another loss system. A
stay lasts ``dur_family_detention_days`` on average and never more than
``family_detention_limit_days`` (the Flores settlement's 20 days for children, and their
parents with them); then the family is released with a notice to appear. A family that
finds no free bed is released straight from Border Patrol's holding
(``released_from_holding``), as Border Patrol did in 2019 when ICE could not take them.

Border Patrol's holding is everyone in custody at its stations (the U.S. sectors; the
ports' own holding is left unlimited: metering kept admissions to it). It holds
``cbp_holding_capacity`` people; each day, after the decisions, if it is over capacity
Border Patrol releases families, oldest first, with a notice to appear
(``released_from_holding``: its 2019 practice; single adults and unaccompanied children
are never released this way), ``p_release_over_capacity`` of the excess a day (a release
takes processing). The holding is counted once a day, at that moment (children moved to
HHS later the same day count as held): each person held above capacity is a person-day
of ``held_over_capacity``, and each person held past ``cbp_time_limit_days`` (CBP's
72-hour standard, the TVPRA's 72 hours for children) one of ``held_past_time_limit``.
Counting costs the people above capacity or past the limit, never the whole population.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from borderflow.model.agenda import Agenda
from borderflow.model.people import household_sizes, split_at_room, with_followers
from borderflow.model.queues import MAX_TAKE, FifoQueue
from borderflow.model.removal import order_removal
from borderflow.model.rng import choose, cumulative_shares, waiting_days
from borderflow.model.stage import Stage
from borderflow.model.world import World, change, note
from borderflow.scenario.bounds import UNLIMITED
from borderflow.scenario.levers import per_day_counts, stock_counts
from borderflow.scenario.vocabulary import (
    FLAG_DETAINED_DOCKET,
    FLAG_HAS_CASE,
    FLAG_IRREGULAR_ENTRY,
    FLAG_MPP,
    FLAG_PROSECUTED,
    FLAG_PROSECUTION_DONE,
    HOUSEHOLD_ROLES,
    MEXICAN,
    MPP_HAZARDS,
    NATIONALITIES,
    DocketKind,
    Event,
    Household,
    State,
    Transition,
)

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
PROSECUTION, IN_CUSTODY, DETAINED = (
    int(State.PROSECUTION),
    int(State.IN_CUSTODY),
    int(State.DETAINED),
)
AWAITING_CREDIBLE_FEAR = int(State.AWAITING_CREDIBLE_FEAR)
#: States whose people hold one of ICE's adult detention beds.
HOLD_ADULT_BEDS = (DETAINED, AWAITING_CREDIBLE_FEAR, int(State.AWAITING_REMOVAL))
FAMILY_DETENTION = int(State.FAMILY_DETENTION)
SINGLE_ADULT = int(Household.SINGLE_ADULT)
UNACCOMPANIED_CHILD = int(Household.UNACCOMPANIED_CHILD)
#: Whether a household role is a family member's, by its code.
IS_FAMILY = np.isin(
    np.arange(len(HOUSEHOLD_ROLES)), [int(Household.FAMILY_ADULT), int(Household.FAMILY_CHILD)]
)
CUSTODY_DONE, PROSECUTION_DONE, RELEASE = (
    int(Event.CUSTODY_DONE),
    int(Event.PROSECUTION_DONE),
    int(Event.RELEASE),
)
REGULAR, MPP_DOCKET = int(DocketKind.REGULAR), int(DocketKind.MPP)
DETAINED_DOCKET = int(DocketKind.DETAINED)


def _geometric_days(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Whole days >= 1 with the given mean (a discrete-time exponential)."""
    return waiting_days(rng, 1.0 / max(mean, 1.0), n)


class Custody(Stage):
    """Processing decisions, credible-fear interviews and detention.

    In order: people admitted or apprehended today start their processing clock;
    detention stays that end today are released to await hearings (freeing beds
    first); people whose processing ends are decided (prosecution, unaccompanied
    children to HHS or, Mexican ones screened, home; MPP return, release of families
    with a notice to appear, a credible-fear claim (families to a family residential
    centre bed, else released), or removal without a hearing); asylum officers interview
    up to the day's capacity, in order: a notice to appear and a detention bed if one is
    free (else release), or a removal order; if Border Patrol's holding is over capacity,
    families held there are released, oldest first; then the people held above capacity
    and past the time limit are counted.
    """

    name = "custody"
    fields = ("ti_custody",)
    takes = ("into_custody",)
    gives = ("returned_to_mexico", "into_hhs", "cases", "removal_orders")

    def init(self, world: World) -> None:
        """The agendas and queue of custody, and what decisions read each day.

        Levers are per-day arrays fixed for the run, so the per-day values derived from
        them are arrays built here, indexed by day.
        """
        pars, lev, mpp = world.pars, world.levers, world.scenario.mpp
        people, n_days = world.people, world.n_days
        self.custody_agenda = Agenda(people, n_days, (CUSTODY_DONE, PROSECUTION_DONE))
        self.detention_agenda = Agenda(people, n_days, (RELEASE,))
        self.credible_fear_queue = FifoQueue()
        # Who MPP applies to, by nationality * households + household: one lookup a person.
        eligible = np.zeros((len(NATIONALITIES), len(HOUSEHOLD_ROLES)), bool)
        eligible[
            np.ix_(
                [NATIONALITIES.index(n) for n in mpp.nationalities],
                [HOUSEHOLD_ROLES.index(h) for h in mpp.households],
            )
        ] = True
        # TVPRA: an unaccompanied child is never returned under MPP, whatever the scenario.
        eligible[:, HOUSEHOLD_ROLES.index("unaccompanied_child")] = False
        self.mpp_eligible = eligible.reshape(-1)
        self.p_uac_mexico_returned = pars.p_uac_mexico_returned
        self.mpp_today = np.any(lev.mpp > 0, axis=1)
        rates = np.array([pars.p_mpp_give_up, pars.p_mpp_settle, pars.p_mpp_cross])
        self.mpp_rates_total = float(rates.sum())
        total = self.mpp_rates_total
        self.mpp_cdf = cumulative_shares(rates / total) if total > 0 else np.ones(3)
        self.mpp_kinds = np.array([int(k) for k in MPP_HAZARDS], np.int8)
        # P(claiming fear) by 2 * irregular entry + Mexican: all port arrivals claim it.
        self.p_fear = np.array([1.0, 1.0, pars.p_claim_fear_apprehended, pars.p_claim_fear_mexican])
        self.cf_capacity = np.minimum(per_day_counts(lev.cf_interviews_per_day), MAX_TAKE)
        self.detention_beds = stock_counts(lev.detention_beds)
        self.detained_judges = lev.detained_judges
        self.interior = stock_counts(lev.interior_detained)
        self.family_beds = stock_counts(lev.family_beds)
        self.family_limit = max(round(pars.family_detention_limit_days), 1)
        # Border Patrol's holding: its stations (the U.S. sectors), their capacity and the
        # time limit. Ports (OFO) admit no more than their quotas, so theirs is not limited.
        self.stations = np.flatnonzero(world.net.kind == "us_sector")
        self.at_station = np.zeros(world.net.n, bool)
        self.at_station[self.stations] = True
        self.holding_capacity = stock_counts(lev.cbp_holding_capacity)
        self.time_limit = max(round(pars.cbp_time_limit_days), 0)
        #: Leads who reached the stations, by day, in order, until the time limit is up.
        self.entered: deque[tuple[int, np.ndarray]] = deque()
        #: Those still held past the time limit (filtered a day at a time).
        self.overdue = np.empty(0, np.int64)
        #: Family leads held at the stations, oldest first, while a capacity may bind; the
        #: first of them, taken from the queue but not yet released, wait in front.
        self.limits_holding = bool((self.holding_capacity < UNLIMITED).any())
        self.families_held = FifoQueue()
        self.families_front = np.empty(0, np.int64)

    def step(self, world: World, day: int) -> None:
        """Intake, releases, decisions and interviews for one day, then the holding's count."""
        for batch in world.handoffs.into_custody.drain():
            self.enter_custody(world, batch.people, day)
        self.release_from_detention(world, day)
        self.decide(world, day)
        self.credible_fear(world, day)
        self.relieve_holding(world, day)
        self.count_over_capacity(world, day)
        self.count_past_time_limit(world, day)

    def enter_custody(self, world: World, idx: np.ndarray, day: int) -> None:
        """Start the processing clock of people who just reached U.S. custody."""
        people = world.people
        everyone = with_followers(people, idx)
        since = people.ti_custody[everyone]
        people.ti_custody[everyone] = np.where(since < 0, day, since)
        wait = _geometric_days(world.rng["custody"], world.pars.dur_custody_days, len(idx))
        self.custody_agenda.schedule(idx, day + wait, CUSTODY_DONE)
        at_station = self.at_station[people.place[idx]]
        held = idx if at_station.all() else idx[at_station]
        if len(held):
            self.entered.append((day, held))
            family = IS_FAMILY[people.household[held]]
            if self.limits_holding and family.any():
                self.families_held.push(held[family])

    def release_from_detention(self, world: World, day: int) -> None:
        """Detention stays that end today: released to await hearings (families with a case)."""
        idx = self.detention_agenda.due(day)
        if len(idx) == 0:
            return
        state = world.people.state[idx]
        families = idx[state == FAMILY_DETENTION]
        if len(families):
            change(world, families, Transition.RELEASED, State.RELEASED_PENDING_HEARING)
            self.file_cases(world, families, day)
        idx = idx[state == DETAINED]
        change(world, idx, Transition.RELEASED, State.RELEASED_PENDING_HEARING)
        on_detained_docket = (world.people.flags[idx] & FLAG_DETAINED_DOCKET) > 0
        if on_detained_docket.any():
            world.handoffs.cases.put(
                idx[on_detained_docket],
                docket=REGULAR,
                p_lawyer=float(world.levers.p_lawyer[day]),
            )

    def decide(self, world: World, day: int) -> None:
        """Decide everyone whose processing (or prosecution) ends today."""
        idx = self.custody_agenda.due(day)
        if len(idx) == 0:
            return
        people = world.people
        state = people.state[idx]
        back = state == PROSECUTION
        if back.any():
            change(world, idx[back], Transition.BACK_TO_CUSTODY, State.IN_CUSTODY)
            people.flags[idx[back]] |= FLAG_PROSECUTION_DONE
            idx = idx[back | (state == IN_CUSTODY)]
        else:
            idx = idx[state == IN_CUSTODY]
        if len(idx) == 0:
            return
        child = people.household[idx] == UNACCOMPANIED_CHILD
        if child.any():
            self.children_to_hhs(world, idx[child])
            idx = idx[~child]
            if len(idx) == 0:
                return
        flags = people.flags[idx]
        # Most people are neither referred for prosecution nor back with a case: one test.
        if (flags & (FLAG_PROSECUTED | FLAG_HAS_CASE)).any():
            idx, flags = self.prosecute_or_detain(world, idx, flags, day)
        # Drawn even on days without MPP, so that the draws after it stay the same.
        u = world.rng["custody"].random(len(idx))
        if self.mpp_today[day]:
            idx, flags = self.return_some_to_mexico(world, idx, flags, u, day)
        idx, flags = self.release_families(world, idx, flags, day)
        self.fear_or_removal(world, idx, flags, day)

    def children_to_hhs(self, world: World, idx: np.ndarray) -> None:
        """Unaccompanied children: Mexican ones screened (most returned), the rest to HHS.

        TVPRA (8 U.S.C. 1232(a)(2)) lets a Mexican child who is no trafficking victim,
        fears no persecution and can decide be returned at once; every other
        unaccompanied child is transferred to HHS (ORR) custody (1232(b)(3)) and is never
        placed in expedited removal (1232(a)(5)(D)), returned under MPP or detained by ICE.
        """
        people = world.people
        mexican = people.nationality[idx] == MEXICAN
        if mexican.any():
            returned = np.zeros(len(idx), bool)
            u = world.rng["uac_screening"].random(int(mexican.sum()))
            returned[mexican] = u < self.p_uac_mexico_returned
            home = idx[returned]
            change(
                world,
                home,
                Transition.CHILD_RETURNED_TO_MEXICO,
                State.RETURNED_HOME,
                to_place=world.net.home_of(people.nationality[home], people.origin[home]),
            )
            idx = idx[~returned]
        world.handoffs.into_hhs.put(idx)

    def prosecute_or_detain(
        self, world: World, idx: np.ndarray, flags: np.ndarray, day: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hold those referred for prosecution; those back with a case ask for a bed."""
        prosecute = (flags & (FLAG_PROSECUTED | FLAG_PROSECUTION_DONE)) == FLAG_PROSECUTED
        held = idx[prosecute]
        change(world, held, Transition.HELD_FOR_PROSECUTION, State.PROSECUTION)
        self.custody_agenda.schedule(
            held,
            day + _geometric_days(world.rng["custody"], world.pars.dur_prosecution_days, len(held)),
            PROSECUTION_DONE,
        )
        has_case = ~prosecute & ((flags & FLAG_HAS_CASE) > 0)
        self.detention_request(world, idx[has_case], day)  # back again with a pending case
        rest = ~prosecute & ~has_case
        return idx[rest], flags[rest]

    def return_some_to_mexico(
        self, world: World, idx: np.ndarray, flags: np.ndarray, u: np.ndarray, day: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the eligible (by the city's MPP share) to Mexico; return the others."""
        people, net = world.people, world.net
        # Admitted people are at a port (its city); apprehended ones at a sector: they
        # crossed from their destination city.
        city = net.city_of[people.place[idx]]
        city = np.where(city >= 0, city, net.city_of[people.dest[idx]])
        mpp_share = np.where(city >= 0, world.levers.mpp[day, np.maximum(city, 0)], 0.0)
        key = people.nationality[idx].astype(np.int64) * len(HOUSEHOLD_ROLES)
        key += people.household[idx]
        mpp = self.mpp_eligible[key] & ((flags & FLAG_MPP) == 0) & (u < mpp_share)
        if not mpp.any():
            return idx, flags
        self.return_to_mexico(world, idx[mpp], city[mpp], day)
        return idx[~mpp], flags[~mpp]

    def return_to_mexico(self, world: World, idx: np.ndarray, city: np.ndarray, day: int) -> None:
        """Return people to a Mexican border city to await hearings on the MPP docket.

        When (if ever) each gives up, settles, or crosses again is drawn now.
        """
        people = world.people
        change(world, idx, Transition.RETURNED_TO_MEXICO, State.MPP_WAITING, to_place=city)
        people.flags[with_followers(people, idx)] |= FLAG_MPP
        world.handoffs.cases.put(idx, docket=MPP_DOCKET, p_lawyer=world.pars.p_lawyer_mpp)
        total = self.mpp_rates_total
        if total <= 0:
            return
        rng = world.rng["mpp"]
        wait = waiting_days(rng, min(total, 1.0), len(idx))
        kind = choose(rng, self.mpp_cdf, len(idx))
        world.handoffs.returned_to_mexico.put(idx, day=day + wait, kind=self.mpp_kinds[kind])

    def release_families(
        self, world: World, idx: np.ndarray, flags: np.ndarray, day: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Release most families and children with a notice to appear; return the others."""
        family = world.people.household[idx] != SINGLE_ADULT
        release = family & (world.rng["custody"].random(len(idx)) < world.pars.p_release_family)
        if not release.any():
            return idx, flags
        released = idx[release]
        change(world, released, Transition.RELEASED, State.RELEASED_PENDING_HEARING)
        world.handoffs.cases.put(
            released, docket=REGULAR, p_lawyer=float(world.levers.p_lawyer[day])
        )
        return idx[~release], flags[~release]

    def fear_or_removal(self, world: World, idx: np.ndarray, flags: np.ndarray, day: int) -> None:
        """Those who claim fear wait for an interview in a detention bed; the rest are removed.

        A claimant who finds no free bed is released with a notice to appear, uninterviewed.
        Families who claim fear go to a family residential centre instead
        (:meth:`detain_families`).
        """
        irregular = flags & FLAG_IRREGULAR_ENTRY
        u = world.rng["custody"].random(len(idx))
        if irregular.any():
            fear = u < self.p_fear[2 * irregular + (world.people.nationality[idx] == MEXICAN)]
            to_interview = idx[fear]
        else:
            fear, to_interview = None, idx  # everyone admitted at a port claims fear
        family = IS_FAMILY[world.people.household[to_interview]]
        if family.any():
            self.detain_families(world, to_interview[family], day)
            to_interview = to_interview[~family]
        held, no_bed = self.take_beds(world, to_interview, day)
        change(world, held, Transition.TO_CREDIBLE_FEAR, State.AWAITING_CREDIBLE_FEAR)
        self.credible_fear_queue.push(held)
        self.release_no_bed(world, no_bed, day)
        if fear is not None:
            order_removal(world, idx[~fear], Transition.EXPEDITED_REMOVAL)

    def take_beds(self, world: World, idx: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Those of ``idx`` who find a free detention bed, in order, and those who do not.

        A bed is held by everyone awaiting a fear interview or detained, by everyone
        holding a removal order while they wait for removal (ICE holds them until it is
        carried out; an order is never refused for lack of a bed), and by the people
        arrested in the interior (``interior_detained``).
        """
        beds = int(self.detention_beds[day])
        if beds >= world.people.count + int(self.interior[day]):
            # Everyone else could hold a bed and one would still be free for each of these:
            # no need to count the day's records for the beds in use.
            return idx, idx[:0]
        census = world.ledger.census
        in_use = sum(int(census(state).sum()) for state in HOLD_ADULT_BEDS)
        return split_at_room(world.people, idx, beds - in_use - int(self.interior[day]))

    def detain_families(self, world: World, idx: np.ndarray, day: int) -> None:
        """Families who claim fear take free family residential centre beds, in order.

        A stay lasts ``dur_family_detention_days`` on average (whole days, geometric) and
        never beyond ``family_detention_limit_days`` (Flores: children held with their
        parents are released within 20 days); then the family is released with a notice to
        appear. Its credible-fear screening happens within the stay and is not drawn: few
        families were removed in FY2019 (ICE). A family that finds no bed is released
        straight from Border Patrol's holding, as in 2019 (Erlang's loss system again).
        """
        beds = int(self.family_beds[day])
        free = beds - int(world.ledger.census(FAMILY_DETENTION).sum()) if beds < UNLIMITED else beds
        held, no_bed = split_at_room(world.people, idx, free)
        change(world, held, Transition.TO_CREDIBLE_FEAR, State.FAMILY_DETENTION)
        rng = world.rng["family_detention"]
        stay = _geometric_days(rng, world.pars.dur_family_detention_days, len(held))
        self.detention_agenda.schedule(held, day + np.minimum(stay, self.family_limit), RELEASE)
        self.release_from_holding(world, no_bed, day)

    def release_from_holding(self, world: World, idx: np.ndarray, day: int) -> None:
        """Border Patrol releases families straight from its holding with a notice to appear."""
        if len(idx) == 0:
            return
        self.custody_agenda.cancel(idx)  # released before their processing ends, if crowded
        change(world, idx, Transition.RELEASED_FROM_HOLDING, State.RELEASED_PENDING_HEARING)
        self.file_cases(world, idx, day)

    def file_cases(self, world: World, idx: np.ndarray, day: int) -> None:
        """Cases on the regular docket for those of ``idx`` who have none yet."""
        new = (world.people.flags[idx] & FLAG_HAS_CASE) == 0
        world.handoffs.cases.put(
            idx if new.all() else idx[new],
            docket=REGULAR,
            p_lawyer=float(world.levers.p_lawyer[day]),
        )

    def release_no_bed(self, world: World, idx: np.ndarray, day: int) -> None:
        """Released for lack of a bed, with a notice to appear (a case, if none yet)."""
        if len(idx) == 0:
            return
        change(world, idx, Transition.RELEASED_NO_BED, State.RELEASED_PENDING_HEARING)
        new = (world.people.flags[idx] & FLAG_HAS_CASE) == 0
        world.handoffs.cases.put(
            idx if new.all() else idx[new],
            docket=REGULAR,
            p_lawyer=float(world.levers.p_lawyer[day]),
        )

    def detention_request(self, world: World, idx: np.ndarray, day: int) -> None:
        """People with a notice to appear are detained, or released (loss system).

        Those found a credible fear keep the bed they waited in; others (back from a
        prosecution with a case) take a free bed or are released.
        """
        if len(idx) == 0:
            return
        people = world.people
        holding = people.state[idx] == AWAITING_CREDIBLE_FEAR
        if holding.all():
            detained, released = idx, idx[:0]
        else:
            got, released = self.take_beds(world, idx[~holding], day)
            detained = np.concatenate([idx[holding], got])
        change(world, detained, Transition.DETAINED, State.DETAINED)
        stay = _geometric_days(world.rng["detention"], world.pars.dur_detention_days, len(detained))
        self.detention_agenda.schedule(detained, day + stay, RELEASE)
        self.release_no_bed(world, released, day)
        new = (people.flags[detained] & FLAG_HAS_CASE) == 0
        docket = DETAINED_DOCKET if self.detained_judges[day] > 0 else REGULAR
        world.handoffs.cases.put(
            detained if new.all() else detained[new],
            docket=docket,
            p_lawyer=float(world.levers.p_lawyer[day]),
        )

    def credible_fear(self, world: World, day: int) -> None:
        """Asylum officers interview people in order, up to the day's capacity."""
        capacity = int(self.cf_capacity[day])
        queue = self.credible_fear_queue
        if capacity <= 0 or not len(queue):
            return
        people = world.people
        idx = queue.take(capacity, lambda chunk: people.state[chunk] == AWAITING_CREDIBLE_FEAR)
        if len(idx) == 0:
            return
        passed = (
            world.rng["credible_fear"].random(len(idx)) < world.levers.p_credible_fear_pass[day]
        )
        found = idx if passed.all() else idx[passed]
        note(world, found, Transition.CREDIBLE_FEAR_PASSED)
        self.detention_request(world, found, day)
        if len(found) < len(idx):
            order_removal(world, idx[~passed], Transition.CREDIBLE_FEAR_FAILED)

    def held_at_stations(self, world: World) -> int:
        """People in Border Patrol's holding now (each household member counts)."""
        return int(world.ledger.census(IN_CUSTODY)[self.stations].sum())

    def relieve_holding(self, world: World, day: int) -> None:
        """Over capacity, Border Patrol releases families, oldest first.

        In 2019 Border Patrol released families straight from its stations with a notice
        to appear when they were over capacity (from March 2019: more than 145,000 family
        members by September). Only families: single adults go on to ICE or removal, and
        unaccompanied children to HHS. A release takes processing, so a day releases
        ``p_release_over_capacity`` of the people above capacity (rounded up; 1: back to
        capacity at once); a household is released whole, so the last may go a little
        beyond; with too few families held, holding stays over capacity.
        """
        capacity = int(self.holding_capacity[day])
        if capacity >= world.people.count:
            return  # even everyone could not fill it
        excess = self.held_at_stations(world) - capacity
        if excess <= 0:
            return
        over = math.ceil(world.pars.p_release_over_capacity * excess)
        if over <= 0:
            return
        people = world.people

        def held(chunk: np.ndarray) -> np.ndarray:
            return people.state[chunk] == IN_CUSTODY

        front = self.families_front[held(self.families_front)]
        more = self.families_held.take(over - len(front), held)
        leads = np.concatenate([front, more]) if len(more) else front
        # Whole households, in order, until the first that makes up the day's release.
        n = int(np.searchsorted(np.cumsum(household_sizes(people, leads)), over)) + 1
        self.release_from_holding(world, leads[:n], day)
        self.families_front = leads[n:]

    def count_over_capacity(self, world: World, day: int) -> None:
        """Count the day's person-days held above capacity at Border Patrol's stations.

        The capacity is the border's, not a station's: the people above it are counted at
        each station and travelling group in proportion to the people held there (whole
        people, by the largest remainders), with no one person picked out.
        """
        capacity = int(self.holding_capacity[day])
        if capacity >= world.people.count:
            return
        cells = world.ledger.stock[self.stations, IN_CUSTODY, :]
        held = int(cells.sum())
        if held <= capacity:
            return
        share = cells.ravel() * ((held - capacity) / held)
        n = np.floor(share).astype(np.int64)
        n[np.argsort(n - share, kind="stable")[: held - capacity - int(n.sum())]] += 1
        cell = np.flatnonzero(n)
        place = self.stations[cell // cells.shape[1]]
        group = cell % cells.shape[1]
        transition, state = Transition.HELD_OVER_CAPACITY, IN_CUSTODY
        world.ledger.record(transition, state, state, place, place, group, n=n[cell])

    def count_past_time_limit(self, world: World, day: int) -> None:
        """Count the day's person-days held at Border Patrol's stations past the time limit.

        Someone who reached a station on day ``s`` and is still held at the end of day
        ``d`` has been held about ``d - s + 1/2`` days: past a 3-day (72-hour) limit from
        ``d = s + 3``. Only those past it are looked at again each day.
        """
        entered, due = self.entered, day - self.time_limit
        if entered and entered[0][0] <= due:
            batches = [self.overdue]
            while entered and entered[0][0] <= due:
                batches.append(entered.popleft()[1])
            self.overdue = np.concatenate(batches)
        if len(self.overdue) == 0:
            return
        self.overdue = self.overdue[world.people.state[self.overdue] == IN_CUSTODY]
        note(world, self.overdue, Transition.HELD_PAST_TIME_LIMIT)
