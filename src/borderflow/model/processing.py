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
first come first served, ``removals_per_day`` a day. Interviews and removals a day
carry their fraction from day to day
(:func:`~borderflow.scenario.levers.per_day_counts`); detention beds are rounded to
whole beds (:func:`~borderflow.scenario.levers.stock_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass

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
from borderflow.model.rng import choose, cumulative_shares
from borderflow.model.world import MPP_DOCKET, REGULAR, Event, World, change
from borderflow.scenario.levers import per_day_counts, stock_counts
from borderflow.scenario.vocabulary import (
    HOUSEHOLD_ROLES,
    NATIONALITIES,
    Household,
    State,
    Transition,
)

MEXICAN = NATIONALITIES.index("MEX")
MPP_HAZARDS = (Event.MPP_GIVE_UP, Event.MPP_SETTLE, Event.MPP_CROSS)

# Plain ints for array comparisons and writes: NumPy takes a slower path for an IntEnum
# member than for an int, a few microseconds a call.
PROSECUTION, IN_CUSTODY, DETAINED = (
    int(State.PROSECUTION),
    int(State.IN_CUSTODY),
    int(State.DETAINED),
)
MPP_WAITING, AWAITING_CREDIBLE_FEAR = int(State.MPP_WAITING), int(State.AWAITING_CREDIBLE_FEAR)
MPP_GIVE_UP, MPP_SETTLE, MPP_CROSS = (int(k) for k in MPP_HAZARDS)
SINGLE_ADULT = int(Household.SINGLE_ADULT)
MAX_PER_DAY = 2**31 - 1


@dataclass(frozen=True)
class _Processing:
    """What the processing stages read every day, worked out once per run.

    Levers are per-day arrays fixed for the run, so the per-day values derived from
    them are arrays built here, indexed by day.
    """

    mpp_eligible: np.ndarray
    mpp_today: np.ndarray
    p_fear: np.ndarray
    cf_capacity: np.ndarray
    detention_beds: np.ndarray
    mpp_rates_total: float
    mpp_cdf: np.ndarray
    mpp_kinds: np.ndarray

    @classmethod
    def of(cls, world: World) -> _Processing:
        p, lev, mpp = world.p, world.levers, world.scenario.mpp
        # Who MPP applies to, by nationality * households + household: one lookup a person.
        eligible = np.zeros((len(NATIONALITIES), len(HOUSEHOLD_ROLES)), bool)
        eligible[
            np.ix_(
                [NATIONALITIES.index(n) for n in mpp.nationalities],
                [HOUSEHOLD_ROLES.index(h) for h in mpp.households],
            )
        ] = True
        rates = np.array([p["p_mpp_give_up"], p["p_mpp_settle"], p["p_mpp_cross"]])
        total = float(rates.sum())
        cdf = cumulative_shares(rates / total) if total > 0 else np.ones(3)
        return cls(
            mpp_eligible=eligible.reshape(-1),
            mpp_today=np.any(lev.mpp > 0, axis=1),
            # P(claiming fear) by 2 * irregular entry + Mexican: all port arrivals claim it.
            p_fear=np.array([1.0, 1.0, p["p_claim_fear_apprehended"], p["p_claim_fear_mexican"]]),
            cf_capacity=np.minimum(per_day_counts(lev.cf_interviews_per_day), MAX_PER_DAY),
            detention_beds=stock_counts(lev.detention_beds),
            mpp_rates_total=total,
            mpp_cdf=cdf,
            mpp_kinds=np.array([int(k) for k in MPP_HAZARDS], np.int8),
        )


def _constants(world: World) -> _Processing:
    return world.once("processing", _Processing.of)


def _geometric_days(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Whole days >= 1 with the given mean (a discrete-time exponential)."""
    return rng.geometric(1.0 / max(mean, 1.0), n)


def enter_custody(world: World, idx: np.ndarray, day: int) -> None:
    """Start the processing clock of people who just reached U.S. custody."""
    if len(idx) == 0:
        return
    people = world.people
    since = people.ti_custody[idx]
    people.ti_custody[idx] = np.where(since < 0, day, since)
    wait = _geometric_days(world.rng["custody"], world.p["dur_custody_days"], len(idx))
    world.custody_agenda.schedule(idx, day + wait, int(Event.CUSTODY_DONE))


def release_from_detention(world: World, day: int) -> None:
    """Detention stays that end today: released to await hearings."""
    idx = world.detention_agenda.due(day)
    if len(idx) == 0:
        return
    idx = idx[world.people.state[idx] == DETAINED]
    change(world, idx, Transition.RELEASED, State.RELEASED_PENDING_HEARING)


def custody(world: World, day: int) -> None:
    """Decide everyone whose processing (or prosecution) ends today."""
    idx = world.custody_agenda.due(day)
    if len(idx) == 0:
        return
    people, p, lev = world.people, world.p, world.levers
    c = _constants(world)
    rng = world.rng["custody"]
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
    flags = people.flags[idx]

    # Most people are neither referred for prosecution nor back with a case: one test.
    if (flags & (FLAG_PROSECUTED | FLAG_HAS_CASE)).any():
        prosecute = (flags & (FLAG_PROSECUTED | FLAG_PROSECUTION_DONE)) == FLAG_PROSECUTED
        held = idx[prosecute]
        change(world, held, Transition.HELD_FOR_PROSECUTION, State.PROSECUTION)
        world.custody_agenda.schedule(
            held,
            day + _geometric_days(rng, p["dur_prosecution_days"], len(held)),
            int(Event.PROSECUTION_DONE),
        )
        has_case = ~prosecute & ((flags & FLAG_HAS_CASE) > 0)
        detention_request(world, idx[has_case], day)  # back again with a pending case
        rest = ~prosecute & ~has_case
        idx, flags = idx[rest], flags[rest]

    # Drawn even on days without MPP, so that the draws after it stay the same.
    u = rng.random(len(idx))
    if c.mpp_today[day]:
        net = world.net
        # Admitted people are at a port (its city); apprehended ones at a sector: they
        # crossed from their destination city.
        city = net.city_of[people.place[idx]]
        city = np.where(city >= 0, city, net.city_of[people.dest[idx]])
        mpp_share = np.where(city >= 0, lev.mpp[day, np.maximum(city, 0)], 0.0)
        key = people.nationality[idx].astype(np.int64) * len(HOUSEHOLD_ROLES)
        key += people.household[idx]
        mpp = c.mpp_eligible[key] & ((flags & FLAG_MPP) == 0) & (u < mpp_share)
        if mpp.any():
            return_to_mexico(world, idx[mpp], city[mpp], day)
            idx, flags = idx[~mpp], flags[~mpp]

    family = people.household[idx] != SINGLE_ADULT
    release = family & (rng.random(len(idx)) < p["p_release_family"])
    if release.any():
        released = idx[release]
        change(world, released, Transition.RELEASED, State.RELEASED_PENDING_HEARING)
        courts.file(world, released, REGULAR, day, p_lawyer=float(lev.p_lawyer[day]))
        idx, flags = idx[~release], flags[~release]

    irregular = flags & FLAG_IRREGULAR_ENTRY
    u = rng.random(len(idx))
    if irregular.any():
        fear = u < c.p_fear[2 * irregular + (people.nationality[idx] == MEXICAN)]
        to_interview = idx[fear]
    else:
        fear, to_interview = None, idx  # everyone admitted at a port claims fear
    change(world, to_interview, Transition.TO_CREDIBLE_FEAR, State.AWAITING_CREDIBLE_FEAR)
    world.credible_fear_queue.push(to_interview)
    if fear is not None:
        order_removal(world, idx[~fear], Transition.EXPEDITED_REMOVAL)


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
    c = _constants(world)
    total = c.mpp_rates_total
    if total <= 0 or len(idx) == 0:
        return
    rng = world.rng["mpp"]
    wait = rng.geometric(min(total, 1.0), len(idx))
    kind = choose(rng, c.mpp_cdf, len(idx))
    world.mpp_agenda.schedule(idx, day + wait, c.mpp_kinds[kind])


def mpp_hazards(world: World, day: int) -> None:
    """MPP returnees who give up, settle in Mexico, or set out to cross between ports."""
    idx = world.mpp_agenda.due(day)
    if len(idx) == 0:
        return
    people, net = world.people, world.net
    idx = idx[people.state[idx] == MPP_WAITING]
    kinds = people.next_kind[idx]
    home = idx[kinds == MPP_GIVE_UP]
    change(
        world,
        home,
        Transition.GIVE_UP,
        State.RETURNED_HOME,
        to_place=net.home_of(people.nationality[home], people.origin[home]),
    )
    change(world, idx[kinds == MPP_SETTLE], Transition.SETTLE, State.SETTLED_IN_MEXICO)
    cross = idx[kinds == MPP_CROSS]
    if len(cross):
        world.crossers.append(cross)


def detention_request(world: World, idx: np.ndarray, day: int) -> None:
    """People with a notice to appear take a free bed, or are released (loss system)."""
    if len(idx) == 0:
        return
    people = world.people
    beds = int(_constants(world).detention_beds[day])
    if beds >= people.count:
        # Everyone else could be detained and a bed would still be free for each of
        # these: no need to count the day's records for the beds in use.
        free = len(idx)
    else:
        free = max(beds - int(world.ledger.stock[:, State.DETAINED, :].sum()), 0)
    detained, released = idx[:free], idx[free:]
    change(world, detained, Transition.DETAINED, State.DETAINED)
    stay = _geometric_days(world.rng["detention"], world.p["dur_detention_days"], len(detained))
    world.detention_agenda.schedule(detained, day + stay, int(Event.RELEASE))
    change(world, released, Transition.RELEASED_NO_BED, State.RELEASED_PENDING_HEARING)
    new = (people.flags[idx] & FLAG_HAS_CASE) == 0
    courts.file(
        world,
        idx if new.all() else idx[new],
        REGULAR,
        day,
        p_lawyer=float(world.levers.p_lawyer[day]),
    )


def credible_fear(world: World, day: int) -> None:
    """Asylum officers interview people in order, up to the day's capacity."""
    capacity = int(_constants(world).cf_capacity[day])
    queue = world.credible_fear_queue
    if capacity <= 0 or not len(queue):
        return
    people = world.people
    idx = queue.take(capacity, lambda chunk: people.state[chunk] == AWAITING_CREDIBLE_FEAR)
    if len(idx) == 0:
        return
    passed = world.rng["credible_fear"].random(len(idx)) < world.levers.p_credible_fear_pass[day]
    found = idx if passed.all() else idx[passed]
    here = people.place[found]
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
    if len(found) < len(idx):
        order_removal(world, idx[~passed], Transition.CREDIBLE_FEAR_FAILED)
