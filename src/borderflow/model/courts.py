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

import numpy as np

from borderflow.model.people import FLAG_ASYLUM_BARRED, FLAG_HAS_CASE, FLAG_LAWYER
from borderflow.model.removal import order_removal
from borderflow.model.states import (
    IS_AWAITING_HEARING,
    NATIONALITIES,
    State,
    Transition,
    is_in,
)
from borderflow.model.world import MPP_DOCKET, Docket, World

OUTCOMES = (
    "asylum_granted",
    "other_relief",
    "removal_ordered",
    "removed_in_absentia",
    "voluntary_departure",
    "hearings_began",
)


def file(world: World, idx: np.ndarray, docket: str, day: int, p_lawyer: float) -> None:
    """Open court cases (a notice to appear) for people without one."""
    if len(idx) == 0:
        return
    people = world.people
    people.flags[idx] |= FLAG_HAS_CASE
    people.ti_case[idx] = day
    lawyer = world.rng["courts"].random(len(idx)) < p_lawyer
    people.flags[idx[lawyer]] |= FLAG_LAWYER
    here = people.place[idx].astype(np.int64)
    state = people.state[idx].astype(np.int64)
    world.ledger.record(Transition.CASE_FILED, state, state, here, here, people.group[idx], who=idx)
    world.dockets[docket].queue.push(idx)


def slots(world: World, docket: Docket, day: int) -> int:
    """Cases a docket can have in hearings on ``day``."""
    lev = world.levers
    judges = lev.mpp_judges[day] if docket.name == MPP_DOCKET else lev.judges[day]
    return int(judges * world.p["completions_per_judge_day"] * world.p["case_active_days"])


def step(world: World, day: int) -> None:
    """Decide finished cases, then start hearings on waiting cases, on every docket."""
    for docket in world.dockets.values():
        done = docket.agenda.due(day)
        docket.in_service -= len(done) + int(docket.anonymous_done[day])
        decide(world, docket, done, day)
        intake(world, docket, day)


def intake(world: World, docket: Docket, day: int) -> None:
    """Free places take the next cases in order; their hearings end after a geometric time."""
    free = slots(world, docket, day) - docket.in_service
    if free <= 0:
        return
    rng = world.rng["courts"]
    p_finish = 1.0 / max(world.p["case_active_days"], 1.0)
    anonymous = min(free, docket.anonymous_waiting)
    if anonymous:
        finish = day + rng.geometric(p_finish, anonymous)
        finish = finish[finish < len(docket.anonymous_done)]
        np.add.at(docket.anonymous_done, finish, 1)
        docket.anonymous_waiting -= anonymous
        docket.in_service += anonymous
        free -= anonymous
    if free <= 0 or not len(docket.queue):
        return
    idx = docket.queue.take(free, lambda chunk: np.ones(len(chunk), bool))
    people = world.people
    docket.in_service += len(idx)
    world.ledger.record_duration(
        OUTCOMES.index("hearings_began"), _docket_code(docket), day - people.ti_case[idx]
    )
    docket.agenda.schedule(idx, day + rng.geometric(p_finish, len(idx)), 0)


def _docket_code(docket: Docket) -> int:
    return 1 if docket.name == MPP_DOCKET else 0


def decide(world: World, docket: Docket, idx: np.ndarray, day: int) -> None:
    """The judge's decision on finished cases."""
    if len(idx) == 0:
        return
    people, p, rng = world.people, world.p, world.rng["courts"]
    mpp = docket.name == MPP_DOCKET
    n = len(idx)
    hearings = 1 + rng.poisson(max(p["hearings_per_case"] - 1.0, 0.0), n)
    _count_hearings(world, idx, hearings)

    present = is_in(people.state[idx], IS_AWAITING_HEARING)
    share_missed = p["p_absentia_mpp"] if mpp else p["p_absentia_released"]
    per_hearing = 1.0 - (1.0 - share_missed) ** (1.0 / max(p["hearings_per_case"], 1.0))
    missed = rng.random(n) >= (1.0 - per_hearing) ** hearings
    # Detained people are brought to their hearings.
    missed &= people.state[idx] != State.DETAINED
    absent = ~present | missed

    deny = np.array([p[f"p_deny_{nat.lower()}"] for nat in NATIONALITIES])[people.nationality[idx]]
    # Split the reported rate between people with and without a lawyer at the share
    # behind it, never at the day's lever value, which would cancel the lever.
    share_lawyer = p["p_lawyer_mpp"] if mpp else p["p_lawyer_reference"]
    factor = p["lawyer_grant_factor"]
    base = (1.0 - deny) / (share_lawyer * factor + 1.0 - share_lawyer)
    lawyer = (people.flags[idx] & FLAG_LAWYER) > 0
    p_grant = np.minimum(np.where(lawyer, base * factor, base), 0.95)
    if mpp:
        p_grant = p_grant * p["mpp_grant_factor"]
    p_grant = np.where((people.flags[idx] & FLAG_ASYLUM_BARRED) > 0, 0.0, p_grant)
    u = rng.random(n)
    grant = ~absent & (u < p_grant)
    rest = (u - p_grant) / np.maximum(1.0 - p_grant, 1e-12)
    other = ~absent & ~grant & (rest < p["share_other_relief"])
    leave = (
        ~absent
        & ~grant
        & ~other
        & (rest < p["share_other_relief"] + p["share_voluntary_departure"])
    )
    removal = ~absent & ~grant & ~other & ~leave

    net = world.net
    us_side = np.where(
        net.sector_of[people.place[idx]] >= 0, net.sector_of[people.place[idx]], people.place[idx]
    )
    home = net.home_of(people.nationality[idx], people.origin[idx])
    code = _docket_code(docket)
    since = day - np.where(people.ti_custody[idx] >= 0, people.ti_custody[idx], people.ti_case[idx])
    for mask, transition, state, place in (
        (grant, Transition.ASYLUM_GRANTED, State.ASYLUM_GRANTED, us_side),
        (other, Transition.OTHER_RELIEF, State.OTHER_RELIEF, us_side),
        (leave, Transition.VOLUNTARY_DEPARTURE, State.VOLUNTARY_DEPARTURE, home),
        (
            absent & present,
            Transition.REMOVED_IN_ABSENTIA,
            State.ORDERED_REMOVED_IN_ABSENTIA,
            people.place[idx].astype(np.int64),
        ),
    ):
        sel = idx[mask]
        if len(sel):
            here = people.place[sel].astype(np.int64)
            world.ledger.record(
                transition,
                people.state[sel].astype(np.int64),
                state,
                here,
                place[mask].astype(np.int64),
                people.group[sel],
                who=sel,
            )
            people.state[sel] = state
            people.place[sel] = place[mask]
            world.ledger.record_duration(OUTCOMES.index(transition.label), code, since[mask])
    gone = idx[~present]
    if len(gone):  # no longer waiting: an order in absentia, counted where they are
        here = people.place[gone].astype(np.int64)
        state = people.state[gone].astype(np.int64)
        world.ledger.record(
            Transition.REMOVED_IN_ABSENTIA, state, state, here, here, people.group[gone], who=gone
        )
        world.ledger.record_duration(OUTCOMES.index("removed_in_absentia"), code, since[~present])
    ordered = idx[removal]
    if len(ordered):
        world.ledger.record_duration(OUTCOMES.index("removal_ordered"), code, since[removal])
        order_removal(world, ordered, Transition.REMOVAL_ORDERED)


def _count_hearings(world: World, idx: np.ndarray, hearings: np.ndarray) -> None:
    people = world.people
    here = people.place[idx].astype(np.int64)
    state = people.state[idx].astype(np.int64)
    world.ledger.record(Transition.HEARING, state, state, here, here, people.group[idx], n=hearings)
