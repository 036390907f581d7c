"""MPP waiting: returnees give up, settle or set out to cross again on the day drawn for them."""

from __future__ import annotations

import numpy as np
from tiny_world import places, put, states, step, story, taken, tiny_world

from borderflow.scenario.vocabulary import Event, State, Transition

MPP = State.MPP_WAITING


def returned(world, days: list[int], kinds: list[Event]) -> list[int]:
    """People waiting in Tijuana under MPP, each with a day and what happens then."""
    idx = put(world, len(days), MPP, "tijuana", nationality="HND")
    world.handoffs.returned_to_mexico.put(
        np.array(idx), day=np.array(days), kind=np.array(kinds, np.int8)
    )
    return idx


def test_on_their_day_returnees_go_home_settle_or_head_to_cross(tiny):
    world = tiny_world(tiny)
    home, settle, cross = returned(
        world, [2, 2, 3], [Event.MPP_GIVE_UP, Event.MPP_SETTLE, Event.MPP_CROSS]
    )
    step(world, "mpp", 0, 1)
    assert story(world) == [] and len(world.handoffs.crossers) == 0
    step(world, "mpp", 2)
    assert story(world) == [
        (2, home, Transition.GIVE_UP, State.RETURNED_HOME),
        (2, settle, Transition.SETTLE, State.SETTLED_IN_MEXICO),
    ]
    assert places(world, [home, settle]) == ["home", "tijuana"]
    assert len(world.handoffs.crossers) == 0
    step(world, "mpp", 3)
    # Crossers are handed on still waiting under MPP: the crossing stage moves them.
    assert taken(world.handoffs.crossers) == [([cross], {})]
    assert states(world, [cross]) == [MPP]


def test_a_returnee_whose_case_ended_first_does_nothing_on_her_day(tiny):
    world = tiny_world(tiny)
    a, b = returned(world, [1, 1], [Event.MPP_CROSS, Event.MPP_CROSS])
    step(world, "mpp", 0)
    world.people.state[a] = State.ORDERED_REMOVED_IN_ABSENTIA
    step(world, "mpp", 1)
    assert taken(world.handoffs.crossers) == [([b], {})]


def test_batches_returned_on_different_days_keep_their_own_days(tiny):
    world = tiny_world(tiny)
    (first,) = returned(world, [4], [Event.MPP_SETTLE])
    step(world, "mpp", 0)
    (second,) = returned(world, [2], [Event.MPP_SETTLE])
    step(world, "mpp", 1, 2, 3, 4)
    assert [(d, i) for d, i, _, _ in story(world)] == [(2, second), (4, first)]
