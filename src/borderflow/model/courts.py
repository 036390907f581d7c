"""Immigration courts: dockets with judges, a FIFO backlog, hearings and outcomes.

Three dockets: the regular docket, the MPP docket and, when ``detained_judges`` hear
them, the detained docket. A docket has ``judges × slots`` places for cases in
hearings, where ``slots = completions_per_judge_day × case_active_days`` is how many
cases a judge carries at once (``case_active_days_detained`` on the detained docket,
whose cases are heard first and fast). Each day, finished cases are decided, then free
places take the next cases from the backlog in order (on the regular docket, cases
pending at the start of the run first, oldest cohort first: their people are not
simulated, but each cohort has its filing day, so their decisions are counted with the
days since filing, as ``backlog_decided``). A case in hearings finishes each day with
probability ``1 / case_active_days`` (geometric), so a docket is a discrete-time M/M/c
queue. A detained person released before a judge takes up the case moves to the back
of the regular docket, keeping the day the case was filed.

At the decision a person who is no longer waiting for it (gone home, settled,
crossed again) is ordered removed in absentia. Someone still waiting may miss a
hearing (``p_absentia_*`` per case, spread over ``hearings_per_case``
hearings) and be ordered removed in absentia. Otherwise the judge grants
asylum with the nationality's rate (``1 - p_deny_*``), raised for people with a
lawyer and lowered in MPP; an irregular entry under the asylum ban bars asylum.
The nationality's rate is that of people with the reference lawyer share
(``p_lawyer_reference``), so more lawyers (the ``p_lawyer`` lever) win more.
The rest get other relief, voluntary departure, or a removal order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from borderflow.model import records
from borderflow.model.agenda import Agenda
from borderflow.model.queues import FifoQueue
from borderflow.model.removal import order_removal
from borderflow.model.rng import waiting_days
from borderflow.model.stage import Stage
from borderflow.model.world import World, note
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
# one for someone no longer waiting, and a removal order on the merits.
GRANT, OTHER, LEAVE, MISSED, GONE, REMOVAL = range(6)
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
)

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
DETAINED = int(State.DETAINED)


@dataclass
class Docket:
    """A court docket: a FIFO backlog of cases heard by a number of judge places.

    ``anonymous_waiting`` counts cases pending at the start of the run whose people
    are not simulated; they are heard first, oldest first: ``cohort_filed`` holds each
    cohort's filing day (relative to the start, oldest first) and ``cohort_left`` its
    cases not yet taken up. ``anonymous_done[day]`` counts those finishing on ``day``.
    ``slots[day]`` is how many cases can be in hearings at once;
    ``p_grant[nationality, flags]`` is a person's chance of asylum (by their lawyer and
    asylum-ban flags) and ``p_not_granted`` its complement floored above zero, so a
    decision looks each up once.
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
    in_service: int = 0


def _docket(world: World, kind: DocketKind) -> Docket:
    pars, lev, sc = world.pars, world.levers, world.scenario
    mpp = kind == DocketKind.MPP
    detained = kind == DocketKind.DETAINED
    judges = {
        DocketKind.REGULAR: lev.judges,
        DocketKind.MPP: lev.mpp_judges,
        DocketKind.DETAINED: lev.detained_judges,
    }[kind]
    active_days = pars.case_active_days_detained if detained else pars.case_active_days
    cohorts = sc.courts.cohorts(sc.start) if kind == DocketKind.REGULAR else []
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
        cohort_filed=np.array([d for d, _ in cohorts], np.int64),
        cohort_left=np.array([n for _, n in cohorts], np.int64),
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
    removals. The courts keep a daily log of each docket (waiting, in hearings, pending
    from the start).
    """

    name = "courts"
    fields = ("ti_case", "ti_court")
    takes = ("cases",)
    gives = ("removal_orders",)

    def init(self, world: World) -> None:
        """The dockets, the constants of hearings and decisions, and the daily log."""
        pars = world.pars
        self.dockets = [_docket(world, kind) for kind in DocketKind]
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
        """File today's cases; on every docket decide finished cases, then start hearings."""
        for batch in world.handoffs.cases.drain():
            self.file(world, batch.people, batch["docket"], day, batch["p_lawyer"])
        for docket in self.dockets:
            done = docket.agenda.due(day)
            docket.in_service -= len(done) + int(docket.anonymous_done[day])
            self.decide(world, docket, done, day)
            self.intake(world, docket, day)
            self.waiting[day, docket.kind] = len(docket.queue)
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
        people.flags[idx] |= np.where(lawyer, FLAG_HAS_CASE | FLAG_LAWYER, FLAG_HAS_CASE)
        if docket == DocketKind.DETAINED:
            people.flags[idx] |= FLAG_DETAINED_DOCKET
        people.ti_case[idx] = day
        note(world, idx, Transition.CASE_FILED)
        self.dockets[docket].queue.push(idx)

    def transfer(self, world: World, idx: np.ndarray, docket: int) -> None:
        """Released before their hearings began: detained cases go to the regular docket."""
        people = world.people
        waiting = ((people.flags[idx] & FLAG_DETAINED_DOCKET) > 0) & (people.ti_court[idx] < 0)
        moved = idx[waiting & (docket == DocketKind.REGULAR)]
        # Left behind on the detained docket's backlog, where a judge skips them.
        people.flags[moved] &= ~FLAG_DETAINED_DOCKET
        self.dockets[DocketKind.REGULAR].queue.push(moved)

    def intake(self, world: World, docket: Docket, day: int) -> None:
        """Free places take the next cases in order; their hearings end after a geometric time."""
        free = int(docket.slots[day]) - docket.in_service
        if free <= 0:
            return
        rng = world.rng["courts"]
        anonymous = min(free, docket.anonymous_waiting)
        if anonymous:
            finish = day + waiting_days(rng, docket.p_finish, anonymous)
            filed = np.repeat(docket.cohort_filed, self.from_cohorts(docket, anonymous))
            decided = finish < world.n_days
            world.ledger.record_duration(
                int(docket.kind), BACKLOG_DECIDED, finish[decided] - filed[decided]
            )
            finish = finish[finish < len(docket.anonymous_done)]
            docket.anonymous_done += np.bincount(finish, minlength=len(docket.anonymous_done))
            docket.anonymous_waiting -= anonymous
            docket.in_service += anonymous
            free -= anonymous
        if free <= 0 or not len(docket.queue):
            return
        if docket.kind == DocketKind.DETAINED:
            flags = world.people.flags
            idx = docket.queue.take(free, lambda chunk: (flags[chunk] & FLAG_DETAINED_DOCKET) > 0)
        else:
            idx = docket.queue.pop(free)  # no stale entries: cases leave them only here
        docket.in_service += len(idx)
        world.ledger.record_duration(
            int(docket.kind), HEARINGS_BEGAN, day - world.people.ti_case[idx]
        )
        docket.agenda.schedule(idx, day + waiting_days(rng, docket.p_finish, len(idx)), 0)

    @staticmethod
    def from_cohorts(docket: Docket, n: int) -> np.ndarray:
        """Take ``n`` start-backlog cases, oldest cohort first; how many from each cohort."""
        left = docket.cohort_left
        before = np.concatenate(([0], np.cumsum(left)[:-1]))
        taken = np.clip(n - before, 0, left)
        docket.cohort_left = left - taken
        return taken

    def branches(self, world: World, docket: Docket, idx: np.ndarray) -> np.ndarray:
        """Each finished case's branch (:data:`BRANCHES`), its hearings counted."""
        n = len(idx)
        people, rng = world.people, world.rng["courts"]
        state = people.state[idx]
        flags = people.flags[idx]
        hearings = 1 + rng.poisson(self.extra_hearings, n)
        place = people.place[idx]
        world.ledger.record(
            Transition.HEARING, state, state, place, place, people.group[idx], n=hearings
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
        counts = np.bincount(branch, minlength=6).tolist()
        ends = list(itertools.accumulate(counts))
        custody = people.ti_custody[idx]
        since = day - np.where(custody >= 0, custody, people.ti_case[idx])
        for b, (count, end) in enumerate(zip(counts, ends, strict=True)):
            if not count:
                continue
            a = end - count
            who = idx[a:end]
            transition, to_state, outcome = BRANCHES[b]
            world.ledger.record_duration(int(docket.kind), int(outcome), since[a:end])
            if b == REMOVAL:
                order_removal(world, who, Transition.REMOVAL_ORDERED)
            elif to_state is None:
                note(world, who, transition)
            else:
                self.settle(world, who, b, transition, to_state)

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
        world.ledger.record(
            transition, people.state[who], to_state, here, there, people.group[who], who=who
        )
        people.state[who] = to_state
        people.place[who] = there
