"""Stage 5: U.S. custody, prosecution, credible fear, detention, MPP, removal.

People reach custody through a port admission or an apprehension. After a few
days of processing (``dur_custody_days``) each is decided, in this order:

1. adults referred for prosecution are held for it first, then decided again;
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
system); a stay lasts ``dur_detention_days`` on average. Removals are carried out
first come first served, ``removals_per_day`` a day.
"""

from __future__ import annotations

import numpy as np

from borderflow.model import courts
from borderflow.model.people import (
    FLAG_HAS_CASE,
    FLAG_IRREGULAR_ENTRY,
    FLAG_MPP,
    FLAG_PROSECUTED,
    FLAG_PROSECUTION_DONE,
)
from borderflow.model.removal import order_removal
from borderflow.model.states import HOUSEHOLD_ROLES, NATIONALITIES, Household, State, Transition
from borderflow.model.world import MPP_DOCKET, REGULAR, Event, World, change

MEXICAN = NATIONALITIES.index("MEX")
MPP_HAZARDS = (Event.MPP_GIVE_UP, Event.MPP_SETTLE, Event.MPP_CROSS)


def _geometric_days(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Whole days >= 1 with the given mean (a discrete-time exponential)."""
    return rng.geometric(1.0 / max(mean, 1.0), n)


def enter_custody(world: World, idx: np.ndarray, day: int) -> None:
    """Start the processing clock of people who just reached U.S. custody."""
    if len(idx) == 0:
        return
    people = world.people
    first = people.ti_custody[idx] < 0
    people.ti_custody[idx[first]] = day
    wait = _geometric_days(world.rng["custody"], world.p["dur_custody_days"], len(idx))
    world.custody_agenda.schedule(idx, day + wait, int(Event.CUSTODY_DONE))


def release_from_detention(world: World, day: int) -> None:
    """Detention stays that end today: released to await hearings."""
    idx = world.detention_agenda.due(day)
    idx = idx[world.people.state[idx] == State.DETAINED]
    change(world, idx, Transition.RELEASED, State.RELEASED_PENDING_HEARING)


def custody(world: World, day: int) -> None:
    """Decide everyone whose processing (or prosecution) ends today."""
    people, p, lev, net = world.people, world.p, world.levers, world.net
    rng = world.rng["custody"]
    idx = world.custody_agenda.due(day)
    back = idx[people.state[idx] == State.PROSECUTION]
    change(world, back, Transition.BACK_TO_CUSTODY, State.IN_CUSTODY)
    people.flags[back] |= FLAG_PROSECUTION_DONE
    idx = idx[people.state[idx] == State.IN_CUSTODY]
    if len(idx) == 0:
        return
    flags = people.flags[idx]

    prosecute = ((flags & FLAG_PROSECUTED) > 0) & ((flags & FLAG_PROSECUTION_DONE) == 0)
    held = idx[prosecute]
    change(world, held, Transition.HELD_FOR_PROSECUTION, State.PROSECUTION)
    world.custody_agenda.schedule(
        held,
        day + _geometric_days(rng, p["dur_prosecution_days"], len(held)),
        int(Event.PROSECUTION_DONE),
    )
    idx = idx[~prosecute]

    has_case = (people.flags[idx] & FLAG_HAS_CASE) > 0
    detention_request(world, idx[has_case], day)  # back again with a pending case
    idx = idx[~has_case]

    # Admitted people are at a port (its city); apprehended ones at a sector: they
    # crossed from their destination city.
    city = net.city_of[people.place[idx]]
    city = np.where(city >= 0, city, net.city_of[people.dest[idx]])
    mpp_share = np.where(city >= 0, lev.mpp[day, np.maximum(city, 0)], 0.0)
    mpp = (
        _eligible_for_mpp(world, idx)
        & ((people.flags[idx] & FLAG_MPP) == 0)
        & (rng.random(len(idx)) < mpp_share)
    )
    return_to_mexico(world, idx[mpp], city[mpp], day)
    idx = idx[~mpp]

    household = people.household[idx]
    family = household != Household.SINGLE_ADULT
    release = family & (rng.random(len(idx)) < p["p_release_family"])
    released = idx[release]
    change(world, released, Transition.RELEASED, State.RELEASED_PENDING_HEARING)
    courts.file(world, released, REGULAR, day, p_lawyer=float(lev.p_lawyer[day]))
    idx = idx[~release]

    irregular = (people.flags[idx] & FLAG_IRREGULAR_ENTRY) > 0
    mexican = people.nationality[idx] == MEXICAN
    p_fear = np.where(
        ~irregular,
        1.0,
        np.where(mexican, p["p_claim_fear_mexican"], p["p_claim_fear_apprehended"]),
    )
    fear = rng.random(len(idx)) < p_fear
    to_interview = idx[fear]
    change(world, to_interview, Transition.TO_CREDIBLE_FEAR, State.AWAITING_CREDIBLE_FEAR)
    world.credible_fear_queue.push(to_interview)
    order_removal(world, idx[~fear], Transition.EXPEDITED_REMOVAL)


def _eligible_for_mpp(world: World, idx: np.ndarray) -> np.ndarray:
    mpp = world.scenario.mpp
    nationalities = [NATIONALITIES.index(n) for n in mpp.nationalities]
    households = [HOUSEHOLD_ROLES.index(h) for h in mpp.households]
    people = world.people
    return np.isin(people.nationality[idx], nationalities) & np.isin(
        people.household[idx], households
    )


def return_to_mexico(world: World, idx: np.ndarray, city: np.ndarray, day: int) -> None:
    """Return people to a Mexican border city to await hearings on the MPP docket."""
    if len(idx) == 0:
        return
    people, p = world.people, world.p
    change(world, idx, Transition.RETURNED_TO_MEXICO, State.MPP_WAITING, to_place=city)
    people.flags[idx] |= FLAG_MPP
    courts.file(world, idx, MPP_DOCKET, day, p_lawyer=p["p_lawyer_mpp"])
    schedule_mpp_hazards(world, idx, day)


def schedule_mpp_hazards(world: World, idx: np.ndarray, day: int) -> None:
    """Draw when (if ever) each MPP returnee gives up, settles, or crosses again."""
    p = world.p
    rates = np.array([p["p_mpp_give_up"], p["p_mpp_settle"], p["p_mpp_cross"]])
    total = float(rates.sum())
    if total <= 0 or len(idx) == 0:
        return
    rng = world.rng["mpp"]
    wait = rng.geometric(min(total, 1.0), len(idx))
    kind = rng.choice(3, len(idx), p=rates / total)
    kinds = np.array([int(k) for k in MPP_HAZARDS], np.int8)[kind]
    world.mpp_agenda.schedule(idx, day + wait, kinds)


def mpp_hazards(world: World, day: int) -> None:
    """MPP returnees who give up, settle in Mexico, or set out to cross between ports."""
    people, net = world.people, world.net
    idx = world.mpp_agenda.due(day)
    idx = idx[people.state[idx] == State.MPP_WAITING]
    kinds = people.next_kind[idx]
    home = idx[kinds == Event.MPP_GIVE_UP]
    change(
        world,
        home,
        Transition.GIVE_UP,
        State.RETURNED_HOME,
        to_place=net.home_of(people.nationality[home], people.origin[home]),
    )
    change(world, idx[kinds == Event.MPP_SETTLE], Transition.SETTLE, State.SETTLED_IN_MEXICO)
    world.crossers.append(idx[kinds == Event.MPP_CROSS])


def detention_request(world: World, idx: np.ndarray, day: int) -> None:
    """People with a notice to appear take a free bed, or are released (loss system)."""
    if len(idx) == 0:
        return
    people, ledger = world.people, world.ledger
    occupied = int(ledger.stock[:, State.DETAINED, :].sum())
    free = max(int(world.levers.detention_beds[day]) - occupied, 0)
    detained, released = idx[:free], idx[free:]
    change(world, detained, Transition.DETAINED, State.DETAINED)
    stay = _geometric_days(world.rng["detention"], world.p["dur_detention_days"], len(detained))
    world.detention_agenda.schedule(detained, day + stay, int(Event.RELEASE))
    change(world, released, Transition.RELEASED_NO_BED, State.RELEASED_PENDING_HEARING)
    new = idx[(people.flags[idx] & FLAG_HAS_CASE) == 0]
    courts.file(world, new, REGULAR, day, p_lawyer=float(world.levers.p_lawyer[day]))


def credible_fear(world: World, day: int) -> None:
    """Asylum officers interview people in order, up to the day's capacity."""
    people, lev = world.people, world.levers
    capacity = int(min(lev.cf_interviews_per_day[day], 2**31 - 1))
    if capacity <= 0 or not len(world.credible_fear_queue):
        return
    idx = world.credible_fear_queue.take(
        capacity, lambda chunk: people.state[chunk] == State.AWAITING_CREDIBLE_FEAR
    )
    if len(idx) == 0:
        return
    passed = world.rng["credible_fear"].random(len(idx)) < lev.p_credible_fear_pass[day]
    found = idx[passed]
    here = people.place[found].astype(np.int64)
    world.ledger.record(
        Transition.CREDIBLE_FEAR_PASSED,
        State.AWAITING_CREDIBLE_FEAR,
        State.AWAITING_CREDIBLE_FEAR,
        here,
        here,
        people.group[found],
        who=found,
    )
    detention_request(world, found, day)
    order_removal(world, idx[~passed], Transition.CREDIBLE_FEAR_FAILED)
