"""Removal orders and removals carried out with finite capacity."""

from __future__ import annotations

import numpy as np

from borderflow.model.world import World, change
from borderflow.scenario.levers import per_day_counts
from borderflow.scenario.vocabulary import State, Transition

# Most removals a day: the queue takes a count that fits in 32 bits.
MAX_PER_DAY = 2**31 - 1
# Plain ints for array comparisons and writes: NumPy takes a slower path for an IntEnum
# member than for an int, a few microseconds a call.
AWAITING_REMOVAL = int(State.AWAITING_REMOVAL)


def order_removal(world: World, idx: np.ndarray, transition: Transition) -> None:
    """Put people at the end of the removal queue."""
    if len(idx) == 0:
        return
    people = world.people
    here = people.place[idx]
    world.ledger.record(
        transition,
        people.state[idx],
        State.AWAITING_REMOVAL,
        here,
        here,
        people.group[idx],
        who=idx,
    )
    people.state[idx] = AWAITING_REMOVAL
    world.removal_queue.push(idx)


def removals(world: World, day: int) -> None:
    """Carry out removals in order, up to the day's capacity."""
    queue = world.removal_queue
    if not len(queue):
        return
    capacity = int(world.once("removals_per_day", _removals_per_day)[day])
    if capacity <= 0:
        return
    people = world.people
    idx = queue.take(capacity, lambda chunk: people.state[chunk] == AWAITING_REMOVAL)
    if len(idx) == 0:
        return
    home = world.net.home_of(people.nationality[idx], people.origin[idx])
    change(world, idx, Transition.REMOVED, State.REMOVED, to_place=home)


def _removals_per_day(world: World) -> np.ndarray:
    """Removals possible on each day, fractions of the lever carried from day to day."""
    return np.minimum(per_day_counts(world.levers.removals_per_day), MAX_PER_DAY)
