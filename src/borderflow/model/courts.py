"""Immigration courts: dockets with judges, a FIFO backlog, hearings and outcomes.

A docket has ``judges × slots`` places for cases in hearings, where ``slots =
completions_per_judge_day × case_active_days`` is how many cases a judge carries
at once. Each day, finished cases are decided, then free places take the next
cases from the backlog in order (cases pending at the start of the run first).
A case in hearings finishes each day with probability ``1 / case_active_days``
(geometric), so a docket is a discrete-time M/M/c queue.

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

import numpy as np

from borderflow.model.people import FLAG_ASYLUM_BARRED, FLAG_HAS_CASE, FLAG_LAWYER
from borderflow.model.removal import order_removal
from borderflow.model.world import MPP_DOCKET, UNLIMITED, Docket, World
from borderflow.scenario.vocabulary import (
    IS_AWAITING_HEARING,
    NATIONALITIES,
    State,
    Transition,
    is_in,
)

OUTCOMES = (
    "asylum_granted",
    "other_relief",
    "removal_ordered",
    "removed_in_absentia",
    "voluntary_departure",
    "hearings_began",
)
HEARINGS_BEGAN = OUTCOMES.index("hearings_began")

# A decision's branches, in the order they are counted: a grant, other relief,
# voluntary departure, an order in absentia for someone waiting who missed a hearing,
# one for someone no longer waiting, and a removal order on the merits.
GRANT, OTHER, LEAVE, MISSED, GONE, REMOVAL = range(6)
#: Branch of someone heard and not granted asylum, by how many of the two thresholds
#: (other relief; other relief or voluntary departure) their draw passes.
NOT_GRANTED = np.array([OTHER, LEAVE, REMOVAL], np.int8)

# Plain ints for array comparisons and writes: NumPy takes a slower path for an IntEnum
# member than for an int, a few microseconds a call.
DETAINED = int(State.DETAINED)


@dataclass(frozen=True)
class _Bench:
    """A docket's constants for the run: its places by day and its grant rates.

    ``p_grant[nationality, flags]`` is a person's chance of asylum (by their lawyer
    and asylum-ban flags) and ``p_not_granted`` its complement floored above zero, so
    a decision looks each up once.
    """

    code: int
    slots: np.ndarray
    p_missed_none: float
    p_grant: np.ndarray
    p_not_granted: np.ndarray


@dataclass(frozen=True)
class _Courts:
    """What the courts read every day, worked out once per run."""

    benches: dict[str, _Bench]
    extra_hearings: float
    p_finish: float
    thresholds: np.ndarray


def _bench(world: World, name: str) -> _Bench:
    p, lev = world.p, world.levers
    mpp = name == MPP_DOCKET
    judges = lev.mpp_judges if mpp else lev.judges
    share_missed = p["p_absentia_mpp"] if mpp else p["p_absentia_released"]
    per_hearing = 1.0 - (1.0 - share_missed) ** (1.0 / max(p["hearings_per_case"], 1.0))
    deny = np.array([p[f"p_deny_{nat.lower()}"] for nat in NATIONALITIES])
    # Split the reported rate between people with and without a lawyer at the share
    # behind it, never at the day's lever value, which would cancel the lever.
    share_lawyer = p["p_lawyer_mpp"] if mpp else p["p_lawyer_reference"]
    factor = p["lawyer_grant_factor"]
    base = (1.0 - deny) / (share_lawyer * factor + 1.0 - share_lawyer)
    flags = np.arange(256)
    lawyer = (flags & FLAG_LAWYER) > 0
    grant = np.minimum(np.where(lawyer, base[:, None] * factor, base[:, None]), 0.95)
    if mpp:
        grant = grant * p["mpp_grant_factor"]
    grant = np.where((flags & FLAG_ASYLUM_BARRED) > 0, 0.0, grant)
    # Cases a docket can hold at once, as many as unlimited judges give at most: a count
    # that fits in int64 whatever the levers (a cast of a larger float would not).
    places = judges * p["completions_per_judge_day"] * p["case_active_days"]
    return _Bench(
        code=1 if mpp else 0,
        slots=np.minimum(places, UNLIMITED).astype(np.int64),
        p_missed_none=1.0 - per_hearing,
        p_grant=grant,
        p_not_granted=np.maximum(1.0 - grant, 1e-12),
    )


def _constants(world: World) -> _Courts:
    return world.once("courts", _courts_of)


def _courts_of(world: World) -> _Courts:
    p = world.p
    return _Courts(
        benches={name: _bench(world, name) for name in world.dockets},
        extra_hearings=max(p["hearings_per_case"] - 1.0, 0.0),
        p_finish=1.0 / max(p["case_active_days"], 1.0),
        # Beyond a grant: other relief below the first, voluntary departure below the
        # second, else a removal order.
        thresholds=np.array(
            [p["share_other_relief"], p["share_other_relief"] + p["share_voluntary_departure"]]
        ),
    )


def file(world: World, idx: np.ndarray, docket: str, day: int, p_lawyer: float) -> None:
    """Open court cases (a notice to appear) for people without one."""
    if len(idx) == 0:
        return
    people = world.people
    lawyer = world.rng["courts"].random(len(idx)) < p_lawyer
    people.flags[idx] |= np.where(lawyer, FLAG_HAS_CASE | FLAG_LAWYER, FLAG_HAS_CASE)
    people.ti_case[idx] = day
    here = people.place[idx]
    state = people.state[idx]
    world.ledger.record(Transition.CASE_FILED, state, state, here, here, people.group[idx], who=idx)
    world.dockets[docket].queue.push(idx)


def slots(world: World, docket: Docket, day: int) -> int:
    """Cases a docket can have in hearings on ``day``."""
    return int(_constants(world).benches[docket.name].slots[day])


def step(world: World, day: int) -> None:
    """Decide finished cases, then start hearings on waiting cases, on every docket."""
    for docket in world.dockets.values():
        done = docket.agenda.due(day)
        docket.in_service -= len(done) + int(docket.anonymous_done[day])
        decide(world, docket, done, day)
        intake(world, docket, day)


def intake(world: World, docket: Docket, day: int) -> None:
    """Free places take the next cases in order; their hearings end after a geometric time."""
    c = _constants(world)
    free = int(c.benches[docket.name].slots[day]) - docket.in_service
    if free <= 0:
        return
    rng = world.rng["courts"]
    anonymous = min(free, docket.anonymous_waiting)
    if anonymous:
        finish = day + rng.geometric(c.p_finish, anonymous)
        finish = finish[finish < len(docket.anonymous_done)]
        docket.anonymous_done += np.bincount(finish, minlength=len(docket.anonymous_done))
        docket.anonymous_waiting -= anonymous
        docket.in_service += anonymous
        free -= anonymous
    if free <= 0 or not len(docket.queue):
        return
    idx = docket.queue.pop(free)  # a docket's backlog has no stale entries
    docket.in_service += len(idx)
    world.ledger.record_duration(
        HEARINGS_BEGAN, c.benches[docket.name].code, day - world.people.ti_case[idx]
    )
    docket.agenda.schedule(idx, day + rng.geometric(c.p_finish, len(idx)), 0)


def decide(world: World, docket: Docket, idx: np.ndarray, day: int) -> None:
    """The judge's decision on finished cases."""
    n = len(idx)
    if n == 0:
        return
    people, net, rng = world.people, world.net, world.rng["courts"]
    c = _constants(world)
    bench = c.benches[docket.name]
    state = people.state[idx]
    place = people.place[idx]
    group = people.group[idx]
    flags = people.flags[idx]
    hearings = 1 + rng.poisson(c.extra_hearings, n)
    world.ledger.record(Transition.HEARING, state, state, place, place, group, n=hearings)

    present = is_in(state, IS_AWAITING_HEARING)
    missed = rng.random(n) >= bench.p_missed_none**hearings
    # Detained people are brought to their hearings.
    missed &= state != DETAINED

    nationality = people.nationality[idx]
    p_grant = bench.p_grant[nationality, flags]
    u = rng.random(n)
    rest = (u - p_grant) / bench.p_not_granted[nationality, flags]
    branch = NOT_GRANTED[c.thresholds.searchsorted(rest, side="right")]
    branch[u < p_grant] = GRANT
    branch[missed] = MISSED
    branch[~present] = GONE

    # One stable sort by branch, then a slice per branch: the same order within each
    # branch as the people came, with a few calls for all branches together.
    order = np.argsort(branch, kind="stable")
    counts = np.bincount(branch, minlength=6).tolist()
    ends = list(itertools.accumulate(counts))
    idx, state, place, group = idx[order], state[order], place[order], group[order]
    custody = people.ti_custody[idx]
    since = day - np.where(custody >= 0, custody, people.ti_case[idx])
    outcome = (
        (Transition.ASYLUM_GRANTED, State.ASYLUM_GRANTED),
        (Transition.OTHER_RELIEF, State.OTHER_RELIEF),
        (Transition.VOLUNTARY_DEPARTURE, State.VOLUNTARY_DEPARTURE),
        (Transition.REMOVED_IN_ABSENTIA, State.ORDERED_REMOVED_IN_ABSENTIA),
        (Transition.REMOVED_IN_ABSENTIA, None),  # no longer waiting: counted where they are
        (Transition.REMOVAL_ORDERED, None),
    )
    for b, (count, end) in enumerate(zip(counts, ends, strict=True)):
        if not count:
            continue
        a = end - count
        who = idx[a:end]
        transition, to_state = outcome[b]
        world.ledger.record_duration(OUTCOMES.index(transition.label), bench.code, since[a:end])
        if b == REMOVAL:
            order_removal(world, who, Transition.REMOVAL_ORDERED)
            continue
        here = place[a:end]
        if to_state is None:
            world.ledger.record(
                transition, state[a:end], state[a:end], here, here, group[a:end], who=who
            )
            continue
        if b == LEAVE:
            there = net.home_of(people.nationality[who], people.origin[who])
        elif b == MISSED:
            there = here
        else:  # relief: where they are in the U.S. (a port's or a city's sector)
            sector = net.sector_of[here]
            there = np.where(sector >= 0, sector, here)
        world.ledger.record(transition, state[a:end], to_state, here, there, group[a:end], who=who)
        people.state[who] = to_state
        people.place[who] = there
