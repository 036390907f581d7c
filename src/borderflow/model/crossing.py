"""Stage 4: crossing between ports, apprehension, prosecution and the asylum ban.

Port admissions happen in :func:`borderflow.model.border.metering`. Everyone
set to cross between ports today (arrivals who did not join a list, and people
who gave up waiting) is apprehended with the city's probability, else evades.
"""

from __future__ import annotations

import numpy as np

from borderflow.model import processing
from borderflow.model.people import FLAG_ASYLUM_BARRED, FLAG_IRREGULAR_ENTRY, FLAG_PROSECUTED
from borderflow.model.world import World
from borderflow.scenario.vocabulary import Household, State, Transition

# Plain ints for array comparisons and writes: NumPy takes a slower path for an IntEnum
# member than for an int, a few microseconds a call.
FAMILY_ADULT = int(Household.FAMILY_ADULT)


def step(world: World, day: int) -> None:
    """Resolve today's crossings between ports."""
    if not world.crossers:
        return
    crossers = world.crossers
    idx = np.concatenate(crossers) if len(crossers) > 1 else crossers[0]
    crossers.clear()
    if len(idx) == 0:
        return
    people, net, ledger, lev = world.people, world.net, world.ledger, world.levers
    rng = world.rng["crossing"]
    here = people.place[idx].astype(np.int64)
    state = people.state[idx]
    group = people.group[idx]
    sector = net.sector_of[here]
    ledger.record(Transition.CROSS_BETWEEN_PORTS, state, state, here, here, group, who=idx)
    caught = rng.random(len(idx)) < lev.p_apprehend[day, net.city_of[here]]
    people.flags[idx] |= FLAG_IRREGULAR_ENTRY
    for mask, transition, to_state in (
        (caught, Transition.APPREHENDED, State.IN_CUSTODY),
        (~caught, Transition.EVADED, State.EVADED),
    ):
        who = idx[mask]
        if len(who):
            there = sector[mask]
            ledger.record(
                transition, state[mask], to_state, here[mask], there, group[mask], who=who
            )
            people.state[who] = to_state
            people.place[who] = there
    held = idx[caught]
    if len(held) == 0:
        return
    processing.enter_custody(world, held, day)
    # Household roles 0 and 1 are the adults (single, in a family).
    adult = people.household[held] <= FAMILY_ADULT
    referred = held[adult & (rng.random(len(held)) < lev.p_prosecute[day])]
    _event(world, referred, Transition.REFERRED_FOR_PROSECUTION)
    people.flags[referred] |= FLAG_PROSECUTED
    if lev.asylum_ban[day]:
        _event(world, held, Transition.ASYLUM_BARRED)
        people.flags[held] |= FLAG_ASYLUM_BARRED


def _event(world: World, idx: np.ndarray, transition: Transition) -> None:
    if len(idx) == 0:
        return
    people = world.people
    here = people.place[idx]
    state = people.state[idx]
    world.ledger.record(transition, state, state, here, here, people.group[idx], who=idx)
