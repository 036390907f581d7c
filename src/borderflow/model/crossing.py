"""Crossing between ports: apprehension, prosecution referral and the asylum ban.

Port admissions happen at the border (:class:`borderflow.model.border.Border`).
Everyone set to cross between ports today (arrivals who did not join a list, people
who gave up waiting, people leaving MPP) is apprehended with the city's probability,
else evades.
"""

from __future__ import annotations

import numpy as np

from borderflow.model.people import with_followers
from borderflow.model.stage import Stage
from borderflow.model.world import World, change, note
from borderflow.scenario.vocabulary import (
    FLAG_ASYLUM_BARRED,
    FLAG_IRREGULAR_ENTRY,
    FLAG_PROSECUTED,
    Household,
    State,
    Transition,
)

SINGLE_ADULT = int(Household.SINGLE_ADULT)


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
        people, net, lev = world.people, world.net, world.levers
        rng = world.rng["crossing"]
        here = people.place[idx].astype(np.int64)
        sector = net.sector_of[here]
        note(world, idx, Transition.CROSS_BETWEEN_PORTS)
        caught = rng.random(len(idx)) < lev.p_apprehend[day, net.city_of[here]]
        people.flags[with_followers(people, idx)] |= FLAG_IRREGULAR_ENTRY
        for mask, transition, to_state in (
            (caught, Transition.APPREHENDED, State.IN_CUSTODY),
            (~caught, Transition.EVADED, State.EVADED),
        ):
            change(world, idx[mask], transition, to_state, to_place=sector[mask])
        held = idx[caught]
        if len(held) == 0:
            return
        world.handoffs.into_custody.put(held)
        # Single adults only: since Executive Order 13841 (20 June 2018) a parent arriving
        # with children is not referred for prosecution, which had separated families.
        single = people.household[held] == SINGLE_ADULT
        referred = held[single & (rng.random(len(held)) < lev.p_prosecute[day])]
        note(world, referred, Transition.REFERRED_FOR_PROSECUTION)
        people.flags[referred] |= FLAG_PROSECUTED
        if lev.asylum_ban[day]:
            note(world, held, Transition.ASYLUM_BARRED)
            people.flags[with_followers(people, held)] |= FLAG_ASYLUM_BARRED
