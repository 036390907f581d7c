"""Immigration courts: dockets with judges, a backlog, hearings and outcomes.

Three dockets: the regular docket, the MPP docket and, when ``detained_judges`` hear
them, the detained docket. A docket has ``judges × slots`` places for cases in
hearings, where ``slots = completions_per_judge_day × case_active_days`` is how many
cases a judge carries at once (``case_active_days_detained`` on the detained docket,
whose cases are heard first and fast). On the regular docket the judges are the lever's
plus those hired on the scenario's dates (``[courts] hiring``), less, with ``[courts]
attrition``, those expected to have left at ``p_judge_attrition`` a day: an expected
count, computed once, so a day's places cost nothing more.

Each day, finished cases are decided, then free places take the next cases from the
backlog in order (``[courts] next_case``). With ``fifo``, the oldest first: on the
regular docket, cases pending at the start of the run first, oldest cohort first (their
people are not simulated, but each cohort has its filing day, so their decisions are
counted with the days since filing, as ``backlog_decided``), then cases of people not
simulated filed during the run (``other_receipts``, Poisson, one cohort a day), then the
run's cases in the order they joined the docket. With ``newest_first``, the reverse: the
case that joined last first (a stack), the run's before the anonymous ones. The
``priority_share`` lever keeps that share of each day's free places (its fraction carried
to the next day) for the run's cases, in the docket's order among them, ahead of the
anonymous ones: a non-preemptive priority (cases in hearings are never interrupted). A
case in hearings finishes each day with probability ``1 / case_active_days`` (geometric),
so a docket is a discrete-time M/M/c queue. A detained person released before a judge
takes up the case moves to the back of the regular docket, keeping the day the case was
filed.

At the decision a person who is no longer waiting for it (gone home, settled,
crossed again) is ordered removed in absentia. Someone still waiting may miss a
hearing (``p_absentia_*`` per case, spread over ``hearings_per_case``
hearings) and be ordered removed in absentia. Otherwise the judge grants
asylum with the nationality's rate (``1 - p_deny_*``), raised for people with a
lawyer and lowered in MPP; an irregular entry under the asylum ban bars asylum.
The nationality's rate is that of people with the reference lawyer share
(``p_lawyer_reference``), so more lawyers (the ``p_lawyer`` lever) win more.
The rest get other relief, voluntary departure, or a removal order.

On the MPP docket a share ``p_mpp_terminated`` of finished cases, whatever else their
hearings would have given, are terminated without a removal order (in 2019 judges,
San Diego's above all, terminated a third of completed MPP cases, many for notices to
appear without a proper date or address). Termination let nobody into the United States:
people were returned to Mexico, some even after winning (San Diego Union-Tribune,
2019-12-23). So a terminated person stays where they are, waiting in the border city
until they give up, settle or cross as other returnees do, now with no case: caught
again, they are processed anew (never returned under MPP twice), and a new notice to
appear opens a new case.

Every decision, and every start of hearings, is counted in the decisions table with
the person's nationality, lawyer and household role (-1 for the anonymous cases).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from borderflow.model import records
from borderflow.model.agenda import Agenda
from borderflow.model.people import People, household_sizes, leads_of, with_followers
from borderflow.model.queues import FifoQueue
from borderflow.model.removal import order_removal
from borderflow.model.rng import waiting_days
from borderflow.model.stage import Stage
from borderflow.model.world import World, change, note
from borderflow.scenario.bounds import UNLIMITED
from borderflow.scenario.parameters import Parameters
from borderflow.scenario.vocabulary import (
    FLAG_ASYLUM_BARRED,
    FLAG_DETAINED_DOCKET,
    FLAG_HAS_CASE,
    FLAG_LAWYER,
    IS_AWAITING_HEARING,
    NATIONALITIES,
    CourtOutcome,
    DocketKind,
    State,
    Transition,
    is_in,
)

HEARINGS_BEGAN = int(CourtOutcome.HEARINGS_BEGAN)
BACKLOG_DECIDED = int(CourtOutcome.BACKLOG_DECIDED)

# A decision's branches, in the order they are counted: a grant, other relief,
# voluntary departure, an order in absentia for someone waiting who missed a hearing,
# one for someone no longer waiting, a removal order on the merits, and a terminated
# (MPP) case.
GRANT, OTHER, LEAVE, MISSED, GONE, REMOVAL, TERMINATED = range(7)
#: Branch of someone heard and not granted asylum, by how many of the two thresholds
#: (other relief; other relief or voluntary departure) their draw passes.
NOT_GRANTED = np.array([OTHER, LEAVE, REMOVAL], np.int8)
#: By branch: the transition, the state it leads to (``None``: stays where they are, or
#: ordered removed) and the outcome counted in the decisions table.
BRANCHES = (
    (Transition.ASYLUM_GRANTED, State.ASYLUM_GRANTED, CourtOutcome.ASYLUM_GRANTED),
    (Transition.OTHER_RELIEF, State.OTHER_RELIEF, CourtOutcome.OTHER_RELIEF),
    (Transition.VOLUNTARY_DEPARTURE, State.VOLUNTARY_DEPARTURE, CourtOutcome.VOLUNTARY_DEPARTURE),
    (
        Transition.REMOVED_IN_ABSENTIA,
        State.ORDERED_REMOVED_IN_ABSENTIA,
        CourtOutcome.REMOVED_IN_ABSENTIA,
    ),
    (Transition.REMOVED_IN_ABSENTIA, None, CourtOutcome.REMOVED_IN_ABSENTIA),
    (Transition.REMOVAL_ORDERED, None, CourtOutcome.REMOVAL_ORDERED),
    (Transition.CASE_TERMINATED, None, CourtOutcome.TERMINATED),
)

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
DETAINED = int(State.DETAINED)


def _person(people: People, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each case's person for the decisions table: nationality, lawyer (1 or 0), household."""
    lawyer = ((people.flags[idx] & FLAG_LAWYER) > 0).astype(np.int64)
    return people.nationality[idx], lawyer, people.household[idx]


@dataclass
class Docket:
    """A court docket: a backlog of cases heard by a number of judge places.

    ``anonymous_waiting`` counts waiting cases whose people are not simulated (pending
    at the start of the run, or filed since as ``other_receipts``): ``cohort_filed``
    holds each cohort's filing day (relative to the start, oldest first: the start's
    cohorts, then one a day with other receipts) and ``cohort_left`` its cases not yet
    taken up; those with cases left lie in ``[cohort_lo, cohort_hi)``.
    ``anonymous_done[day]`` counts those finishing on ``day``. ``slots[day]`` is how
    many cases can be in hearings at once; ``p_grant[nationality, flags]`` is a person's
    chance of asylum (by their lawyer and asylum-ban flags) and ``p_not_granted`` its
    complement floored above zero, so a decision looks each up once. ``p_terminated``
    is the share of finished cases terminated (MPP), ``priority_carry`` the fraction of
    a place for the run's cases carried to the next day.
    """

    kind: DocketKind
    queue: FifoQueue
    agenda: Agenda
    anonymous_waiting: int
    anonymous_done: np.ndarray
    slots: np.ndarray
    p_missed_none: np.ndarray
    p_grant: np.ndarray
    p_not_granted: np.ndarray
    p_finish: float
    cohort_filed: np.ndarray
    cohort_left: np.ndarray
    cohort_lo: int = 0
    cohort_hi: int = 0
    p_terminated: float = 0.0
    priority_carry: float = 0.0
    in_service: int = 0
    #: People whose cases wait here (the queue also holds entries passed over).
    waiting: int = 0


def staffed(judges: np.ndarray, hires: np.ndarray, attrition: float) -> np.ndarray:
    """Judges on the bench each day: the lever's, plus those hired so far, less those gone.

    Each judge leaves on a day with probability ``attrition``; the count is its expected
    value (so fractional), those hired on a day leaving from the next. A judge count set
    by a dated policy moves the bench by the change, as a hiring class would.
    """
    if not hires.any() and attrition <= 0:
        return judges
    bench = judges + np.cumsum(hires)
    if attrition <= 0:
        return bench
    out = np.empty_like(bench)
    gone = 0.0
    # One pass over the days, once a run: each day's leavers depend on the day before.
    for day, count in enumerate(bench.tolist()):
        out[day] = present = max(count - gone, 0.0)
        gone += attrition * present
    return out


def _docket(world: World, kind: DocketKind) -> Docket:
    pars, lev, sc = world.pars, world.levers, world.scenario
    mpp = kind == DocketKind.MPP
    detained = kind == DocketKind.DETAINED
    regular = kind == DocketKind.REGULAR
    judges = {
        DocketKind.REGULAR: lev.judges,
        DocketKind.MPP: lev.mpp_judges,
        DocketKind.DETAINED: lev.detained_judges,
    }[kind]
    if regular:
        attrition = pars.p_judge_attrition if sc.courts.attrition else 0.0
        judges = staffed(judges, sc.courts.hires(sc.start, sc.n_days), attrition)
    active_days = pars.case_active_days_detained if detained else pars.case_active_days
    cohorts = sc.courts.cohorts(sc.start) if regular else []
    filed = [d for d, _ in cohorts]
    left = [n for _, n in cohorts]
    if regular and sc.courts.other_receipts > 0:
        # A cohort a day for the cases of people not simulated filed that day.
        filed += range(sc.n_days)
        left += [0] * sc.n_days
    deny = np.array([pars.p_deny(nat) for nat in NATIONALITIES])
    # Split the reported rate between people with and without a lawyer at the share
    # behind it, never at the day's lever value, which would cancel the lever.
    share_lawyer = pars.p_lawyer_mpp if mpp else pars.p_lawyer_reference
    factor = pars.lawyer_grant_factor
    base = (1.0 - deny) / (share_lawyer * factor + 1.0 - share_lawyer)
    flags = np.arange(256)
    lawyer = (flags & FLAG_LAWYER) > 0
    grant = np.minimum(np.where(lawyer, base[:, None] * factor, base[:, None]), 0.95)
    if mpp:
        grant = grant * pars.mpp_grant_factor
    grant = np.where((flags & FLAG_ASYLUM_BARRED) > 0, 0.0, grant)
    # Cases a docket can hold at once, as many as unlimited judges give at most: a count
    # that fits in int64 whatever the levers (a cast of a larger float would not).
    places = judges * pars.completions_per_judge_day * active_days
    return Docket(
        kind=kind,
        queue=FifoQueue(),
        agenda=Agenda(world.people, sc.n_days, (), clock="ti_court"),
        anonymous_waiting=int(sum(n for _, n in cohorts)),
        anonymous_done=np.zeros(sc.n_days + 1, np.int64),
        slots=np.minimum(places, UNLIMITED).astype(np.int64),
        p_missed_none=_attendance(pars, mpp),
        p_grant=grant,
        p_not_granted=np.maximum(1.0 - grant, 1e-12),
        p_finish=1.0 / max(active_days, 1.0),
        cohort_filed=np.array(filed, np.int64),
        cohort_left=np.array(left, np.int64),
        cohort_hi=len(cohorts),
        p_terminated=pars.p_mpp_terminated if mpp else 0.0,
    )


def _attendance(pars: Parameters, mpp: bool) -> np.ndarray:
    """The chance of missing no hearing, per hearing, without and with a lawyer.

    The reported share of cases decided in absentia is split, as the grant rate is, at
    the lawyer share behind it: a lawyer multiplies a person's chance of missing by
    ``lawyer_absentia_factor``.
    """
    share_missed = pars.p_absentia_mpp if mpp else pars.p_absentia_released
    share_lawyer = pars.p_lawyer_mpp if mpp else pars.p_lawyer_reference
    factor = pars.lawyer_absentia_factor
    alone = share_missed / (share_lawyer * factor + 1.0 - share_lawyer)
    per_case = np.minimum(np.array([alone, alone * factor]), 1.0)
    return (1.0 - per_case) ** (1.0 / max(pars.hearings_per_case, 1.0))


class Courts(Stage):
    """Cases are filed, finished cases decided, and free judge places take the next cases.

    Each docket in turn. A decision ordering removal on the merits hands the person to
    removals. The courts keep a daily log of each docket (waiting, in hearings, and
    anonymous cases waiting: pending from the start, or other receipts).
    """

    name = "courts"
    fields = ("ti_case", "ti_court")
    takes = ("cases",)
    gives = ("removal_orders",)

    def init(self, world: World) -> None:
        """The dockets, the constants of hearings and decisions, and the daily log."""
        pars, courts = world.pars, world.scenario.courts
        self.dockets = [_docket(world, kind) for kind in DocketKind]
        self.newest_first = courts.next_case == "newest_first"
        self.other_receipts = courts.other_receipts
        share = world.levers.priority_share
        self.priority_share = share if share.any() else None
        self.extra_hearings = max(pars.hearings_per_case - 1.0, 0.0)
        # Beyond a grant: other relief below the first, voluntary departure below the
        # second, else a removal order.
        self.thresholds = np.array(
            [pars.share_other_relief, pars.share_other_relief + pars.share_voluntary_departure]
        )
        # Each docket's cases at the end of each day: waiting, in hearings, pending from
        # the start of the run; a row a day, a column a docket.
        shape = (world.n_days, len(self.dockets))
        self.waiting = np.zeros(shape, np.int64)
        self.in_hearings = np.zeros(shape, np.int64)
        self.pending_from_start = np.zeros(shape, np.int64)

    def step(self, world: World, day: int) -> None:
        """File today's cases and other receipts; on every docket decide, then start hearings."""
        for batch in world.handoffs.cases.drain():
            self.file(world, batch.people, batch["docket"], day, batch["p_lawyer"])
        if self.other_receipts > 0:
            self.receive(world, day)
        for docket in self.dockets:
            done = docket.agenda.due(day)
            people_done = int(household_sizes(world.people, done).sum())
            docket.in_service -= people_done + int(docket.anonymous_done[day])
            self.decide(world, docket, done, day)
            self.intake(world, docket, day)
            self.waiting[day, docket.kind] = docket.waiting
            self.in_hearings[day, docket.kind] = docket.in_service
            self.pending_from_start[day, docket.kind] = docket.anonymous_waiting

    def snapshot(self) -> dict[str, Any]:
        """The daily docket log."""
        days, kinds = np.meshgrid(
            np.arange(len(self.waiting)), np.arange(len(self.dockets)), indexing="ij"
        )
        return {
            "courts": records.Courts(
                day=days.reshape(-1),
                docket=kinds.reshape(-1),
                waiting=self.waiting.reshape(-1),
                in_hearings=self.in_hearings.reshape(-1),
                pending_from_start=self.pending_from_start.reshape(-1),
            )
        }

    def file(self, world: World, idx: np.ndarray, docket: int, day: int, p_lawyer: float) -> None:
        """Open court cases (a notice to appear), or move a detained case to the regular docket.

        People who already have a case are moved only if it waits on the detained docket
        and they were released (``docket`` regular) before a judge took it up.
        """
        people = world.people
        has_case = (people.flags[idx] & FLAG_HAS_CASE) > 0
        if has_case.any():
            self.transfer(world, idx[has_case], docket)
            idx = idx[~has_case]
        lawyer = world.rng["courts"].random(len(idx)) < p_lawyer
        # A household's members each have a case (riders on the lead's), heard with it and
        # with its lawyer; each holds a place on the docket, in a row.
        everyone = with_followers(people, idx)
        if len(everyone) > len(idx):
            lawyer = np.repeat(lawyer, household_sizes(people, idx))
        people.flags[everyone] |= np.where(lawyer, FLAG_HAS_CASE | FLAG_LAWYER, FLAG_HAS_CASE)
        if docket == DocketKind.DETAINED:
            people.flags[everyone] |= FLAG_DETAINED_DOCKET
        people.ti_case[everyone] = day
        note(world, idx, Transition.CASE_FILED)
        self.dockets[docket].queue.push(everyone)
        self.dockets[docket].waiting += len(everyone)

    def transfer(self, world: World, idx: np.ndarray, docket: int) -> None:
        """Released before their hearings began: detained cases go to the regular docket."""
        people = world.people
        waiting = ((people.flags[idx] & FLAG_DETAINED_DOCKET) > 0) & (people.ti_court[idx] < 0)
        moved = with_followers(people, idx[waiting & (docket == DocketKind.REGULAR)])
        # Left behind on the detained docket's backlog, where a judge skips them.
        people.flags[moved] &= ~FLAG_DETAINED_DOCKET
        self.dockets[DocketKind.REGULAR].queue.push(moved)
        self.dockets[DocketKind.REGULAR].waiting += len(moved)
        self.dockets[DocketKind.DETAINED].waiting -= len(moved)

    def receive(self, world: World, day: int) -> None:
        """Cases of people not simulated are filed on the regular docket: today's cohort."""
        n = int(world.rng["courts"].poisson(self.other_receipts))
        if not n:
            return
        docket = self.dockets[DocketKind.REGULAR]
        cohort = len(docket.cohort_left) - world.n_days + day
        docket.cohort_left[cohort] += n
        if docket.cohort_lo == docket.cohort_hi:  # none was left: today's is the only one
            docket.cohort_lo = cohort
        docket.cohort_hi = cohort + 1
        docket.anonymous_waiting += n

    def intake(self, world: World, docket: Docket, day: int) -> None:
        """Free places take the next cases in order; their hearings end after a geometric time.

        The places kept for the run's cases (``priority_share``) take them first; the
        rest follow ``next_case`` over the whole docket.
        """
        free = int(docket.slots[day]) - docket.in_service
        if free <= 0:
            return
        rng = world.rng["courts"]
        queued = len(docket.queue)  # exact but on the detained docket, with no anonymous
        first = self.priority_places(docket, day, free, queued)
        rest = free - first
        if self.newest_first:
            more = min(rest, queued - first)
            anonymous = min(rest - more, docket.anonymous_waiting)
        else:
            anonymous = min(rest, docket.anonymous_waiting)
            more = rest - anonymous
        if anonymous:
            finish = day + waiting_days(rng, docket.p_finish, anonymous)
            filed = self.from_cohorts(docket, anonymous)
            decided = finish < world.n_days
            world.ledger.record_duration(
                int(docket.kind), BACKLOG_DECIDED, finish[decided] - filed[decided]
            )
            finish = finish[finish < len(docket.anonymous_done)]
            docket.anonymous_done += np.bincount(finish, minlength=len(docket.anonymous_done))
            docket.anonymous_waiting -= anonymous
            docket.in_service += anonymous
        wanted = first + more
        if wanted <= 0 or not queued:
            return
        people = world.people
        # Places count people: a household's cases are heard together when its lead's is
        # reached (its members' places, taken on a later day, are passed over).
        idx = leads_of(people, self.next_cases(world, docket, wanted))
        everyone = with_followers(people, idx)
        docket.in_service += len(everyone)
        docket.waiting -= len(everyone)
        world.ledger.record_duration(
            int(docket.kind),
            HEARINGS_BEGAN,
            day - people.ti_case[everyone],
            *_person(people, everyone),
        )
        docket.agenda.schedule(idx, day + waiting_days(rng, docket.p_finish, len(idx)), 0)

    def priority_places(self, docket: Docket, day: int, free: int, queued: int) -> int:
        """Places kept today for the run's cases: the day's share of the free places.

        Only where anonymous cases wait (else every place goes to the run's cases
        anyway); the fraction of a place is carried to the next day, so a share of a
        single place a day still takes the run's cases on the share of days.
        """
        if self.priority_share is None or not docket.anonymous_waiting or not queued:
            return 0
        share = float(self.priority_share[day])
        if share <= 0:
            return 0
        kept = docket.priority_carry + share * free
        whole = int(kept)
        docket.priority_carry = kept - whole
        return min(whole, queued)

    def next_cases(self, world: World, docket: Docket, n: int) -> np.ndarray:
        """The docket's next ``n`` waiting cases of the run, by ``next_case``."""
        if docket.kind == DocketKind.DETAINED:
            flags = world.people.flags

            def waiting_here(chunk: np.ndarray) -> np.ndarray:
                return np.asarray((flags[chunk] & FLAG_DETAINED_DOCKET) > 0)

            if self.newest_first:
                return docket.queue.take_newest(n, waiting_here)
            return docket.queue.take(n, waiting_here)
        # No stale entries on the other dockets: cases leave them only here.
        return docket.queue.pop_newest(n) if self.newest_first else docket.queue.pop(n)

    def from_cohorts(self, docket: Docket, n: int) -> np.ndarray:
        """Take ``n`` anonymous cases; the filing day of each, by cohort.

        Oldest cohort first, or newest first with ``newest_first``.
        """
        lo, hi = docket.cohort_lo, docket.cohort_hi
        left = docket.cohort_left[lo:hi]  # a view: taking writes through
        ahead = np.cumsum(left[::-1])[::-1] if self.newest_first else np.cumsum(left)
        taken = np.clip(n - (ahead - left), 0, left)
        left -= taken
        filed = np.repeat(docket.cohort_filed[lo:hi], taken)
        # Cohorts emptied at either end leave the window, so it spans those with cases.
        still = np.flatnonzero(left)
        if len(still):
            docket.cohort_lo, docket.cohort_hi = lo + int(still[0]), lo + int(still[-1]) + 1
        else:
            docket.cohort_lo = docket.cohort_hi = hi
        return filed

    def branches(self, world: World, docket: Docket, idx: np.ndarray) -> np.ndarray:
        """Each finished case's branch (:data:`BRANCHES`), its hearings counted."""
        n = len(idx)
        people, rng = world.people, world.rng["courts"]
        state = people.state[idx]
        flags = people.flags[idx]
        hearings = 1 + rng.poisson(self.extra_hearings, n)
        everyone = with_followers(people, idx)
        place, attended = people.place[everyone], people.state[everyone]
        world.ledger.record(
            Transition.HEARING,
            attended,
            attended,
            place,
            place,
            people.group[everyone],
            n=np.repeat(hearings, household_sizes(people, idx)),
        )
        present = is_in(state, IS_AWAITING_HEARING)
        with_lawyer = ((flags & FLAG_LAWYER) > 0).astype(np.int64)
        missed = rng.random(n) >= docket.p_missed_none[with_lawyer] ** hearings
        # Detained people are brought to their hearings.
        missed &= state != DETAINED
        nationality = people.nationality[idx]
        p_grant = docket.p_grant[nationality, flags]
        u = rng.random(n)
        rest = (u - p_grant) / docket.p_not_granted[nationality, flags]
        branch = NOT_GRANTED[self.thresholds.searchsorted(rest, side="right")]
        branch[u < p_grant] = GRANT
        branch[missed] = MISSED
        branch[~present] = GONE
        if docket.p_terminated > 0:
            # The judge ends the case without an order, whatever the hearings found.
            branch[rng.random(n) < docket.p_terminated] = TERMINATED
        return branch

    def decide(self, world: World, docket: Docket, idx: np.ndarray, day: int) -> None:
        """The judge's decision on finished cases."""
        if len(idx) == 0:
            return
        people = world.people
        branch = self.branches(world, docket, idx)
        # One stable sort by branch, then a slice per branch: the same order within each
        # branch as the people came, with a few calls for all branches together.
        idx = idx[np.argsort(branch, kind="stable")]
        counts = np.bincount(branch, minlength=len(BRANCHES)).tolist()
        ends = list(itertools.accumulate(counts))
        for b, (count, end) in enumerate(zip(counts, ends, strict=True)):
            if not count:
                continue
            who = idx[end - count : end]
            transition, to_state, outcome = BRANCHES[b]
            # Counted for each member: the household's cases have the lead's outcome.
            decided = with_followers(people, who)
            custody = people.ti_custody[decided]
            since = day - np.where(custody >= 0, custody, people.ti_case[decided])
            world.ledger.record_duration(
                int(docket.kind), int(outcome), since, *_person(people, decided)
            )
            if b == REMOVAL:
                order_removal(world, who, Transition.REMOVAL_ORDERED)
            elif b == TERMINATED:
                self.terminate(world, who)
            elif to_state is None:
                note(world, who, transition)
            else:
                self.settle(world, who, b, transition, to_state)

    @staticmethod
    def terminate(world: World, who: np.ndarray) -> None:
        """Terminated cases: no order; the people stay where they are, with no case left.

        Their lawyer goes with the case, so a new notice to appear draws one afresh.
        """
        note(world, who, Transition.CASE_TERMINATED)
        world.people.flags[with_followers(world.people, who)] &= ~(FLAG_HAS_CASE | FLAG_LAWYER)

    def settle(
        self, world: World, who: np.ndarray, branch: int, transition: Transition, to_state: State
    ) -> None:
        """Move decided people to their outcome: home, where they are, or their sector."""
        people, net = world.people, world.net
        here = people.place[who]
        if branch == LEAVE:
            there = net.home_of(people.nationality[who], people.origin[who])
        elif branch == MISSED:
            there = here
        else:  # relief: where they are in the U.S. (a port's or a city's sector)
            sector = net.sector_of[here]
            there = np.where(sector >= 0, sector, here)
        change(world, who, transition, to_state, to_place=there)
