"""Crossing between ports: apprehension, prosecution referral and the asylum ban.

Port admissions happen at the border (:class:`borderflow.model.border.Border`).
Everyone set to cross between ports today (arrivals who did not join a list, people
who gave up waiting, people leaving MPP) is apprehended with the city's probability,
else evades.
"""

from __future__ import annotations

import numpy as np

from borderflow.model.stage import Stage
from borderflow.model.world import World, note
from borderflow.scenario.vocabulary import (
    FLAG_ASYLUM_BARRED,
    FLAG_IRREGULAR_ENTRY,
    FLAG_PROSECUTED,
    Household,
    State,
    Transition,
)

#: Household codes of adults, as a lookup by code.
IS_ADULT = np.array([Household(code).is_adult for code in range(len(Household))])


class Crossing(Stage):
    """Crossings between ports: apprehended (prosecution referral, asylum ban) or evaded."""

    name = "crossing"
    takes = ("crossers",)
    gives = ("into_custody",)

    def step(self, world: World, day: int) -> None:
        """Resolve today's crossings between ports."""
        batches = [batch.people for batch in world.handoffs.crossers.drain()]
        if not batches:
            return
        idx = np.concatenate(batches) if len(batches) > 1 else batches[0]
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
        world.handoffs.into_custody.put(held)
        adult = IS_ADULT[people.household[held]]
        referred = held[adult & (rng.random(len(held)) < lev.p_prosecute[day])]
        note(world, referred, Transition.REFERRED_FOR_PROSECUTION)
        people.flags[referred] |= FLAG_PROSECUTED
        if lev.asylum_ban[day]:
            note(world, held, Transition.ASYLUM_BARRED)
            people.flags[held] |= FLAG_ASYLUM_BARRED
