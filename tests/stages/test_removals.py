"""Removals: people ordered removed wait in one queue, removed in order up to a daily capacity."""

from __future__ import annotations

import numpy as np
from tiny_world import counted, levers, places, put, states, step, story, tiny_world

from borderflow.model.removal import order_removal
from borderflow.scenario.vocabulary import State, Transition

REMOVED, AWAITING = State.REMOVED, State.AWAITING_REMOVAL


def ordered_removed(world, n: int) -> list[int]:
    """``n`` people awaiting removal in the San Diego sector, handed to removals in order."""
    idx = put(world, n, AWAITING, "san_diego_sector", nationality="HND")
    world.handoffs.removal_orders.put(idx)
    return idx


def test_two_removals_a_day_take_three_people_over_two_days_in_order(tiny):
    world = tiny_world(tiny, levers(removals_per_day=2))
    a, b, c = ordered_removed(world, 3)
    step(world, "removals", 0, 1, 2)
    assert story(world) == [
        (0, a, Transition.REMOVED, REMOVED),
        (0, b, Transition.REMOVED, REMOVED),
        (1, c, Transition.REMOVED, REMOVED),
    ]
    # Hondurans are removed to Honduras' home place, the origin 'home'.
    assert places(world, [a, b, c]) == ["home"] * 3
    assert [counted(world, Transition.REMOVED, day) for day in range(3)] == [2, 1, 0]
    assert len(world.handoffs.removal_orders) == 0


def test_someone_no_longer_awaiting_removal_is_skipped_and_takes_no_place(tiny):
    world = tiny_world(tiny, levers(removals_per_day=2))
    a, b, c = ordered_removed(world, 3)
    world.people.state[b] = State.ASYLUM_GRANTED  # say, reopened and won
    step(world, "removals", 0)
    assert story(world) == [
        (0, a, Transition.REMOVED, REMOVED),
        (0, c, Transition.REMOVED, REMOVED),
    ]
    assert states(world, [b]) == [State.ASYLUM_GRANTED]


def test_half_a_removal_a_day_removes_one_person_every_second_day(tiny):
    world = tiny_world(tiny, levers(removals_per_day=0.5))
    a, b = ordered_removed(world, 2)
    step(world, "removals", 0, 1, 2, 3, 4)
    assert story(world) == [
        (1, a, Transition.REMOVED, REMOVED),
        (3, b, Transition.REMOVED, REMOVED),
    ]


def test_without_capacity_the_ordered_wait_and_are_not_lost(tiny):
    world = tiny_world(tiny, levers(removals_per_day=0))
    a, b = ordered_removed(world, 2)
    step(world, "removals", 0, 1, 2)
    assert story(world) == []
    assert states(world, [a, b]) == [AWAITING, AWAITING]
    assert len(world.stages["removals"].queue) == 2


def test_orders_given_on_later_days_join_the_end_of_the_queue(tiny):
    world = tiny_world(tiny, levers(removals_per_day=1))
    a, b = ordered_removed(world, 2)
    step(world, "removals", 0)
    (c,) = ordered_removed(world, 1)
    step(world, "removals", 1, 2)
    assert [(day, who) for day, who, _, _ in story(world)] == [(0, a), (1, b), (2, c)]


def test_ordering_a_removal_counts_it_and_hands_the_person_to_removals(tiny):
    world = tiny_world(tiny)
    idx = put(world, 2, State.IN_CUSTODY, "san_diego_sector")
    world.ledger.day = 4
    order_removal(world, np.array(idx), Transition.EXPEDITED_REMOVAL)
    assert story(world) == [(4, i, Transition.EXPEDITED_REMOVAL, AWAITING) for i in idx]
    assert world.handoffs.removal_orders.waiting().tolist() == idx


def test_with_every_removed_person_setting_out_again_each_is_handed_back_with_a_day(tiny):
    world = tiny_world(tiny, levers(removals_per_day=2, p_set_out_after_removal=1.0))
    a, b = ordered_removed(world, 2)
    step(world, "removals", 0)
    (batch,) = world.handoffs.deported.drain()
    assert batch.people.tolist() == [a, b]
    assert (batch["day"] >= 1).all()  # at home for a while first
    assert states(world, [a, b]) == [REMOVED, REMOVED]


def test_nobody_removed_sets_out_again_by_default(tiny):
    world = tiny_world(tiny, levers(removals_per_day=2))
    ordered_removed(world, 2)
    step(world, "removals", 0)
    assert len(world.handoffs.deported) == 0
