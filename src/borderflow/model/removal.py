"""Removals: people ordered removed wait in one queue, removed up to a daily capacity.

Some of those removed set out again (``p_set_out_after_removal``, fewer as the border-wide
chance of apprehension rises: :func:`borderflow.model.behaviour.deterrence`): departures
takes them back on the road after a while at home, as it does Mexico's deportees.
"""

from __future__ import annotations

import numpy as np

from borderflow.model.behaviour import deterrence
from borderflow.model.people import household_sizes, leads_of, with_followers
from borderflow.model.queues import MAX_TAKE, FifoQueue
from borderflow.model.rng import waiting_days
from borderflow.model.stage import Stage
from borderflow.model.world import World, change
from borderflow.scenario.levers import per_day_counts
from borderflow.scenario.vocabulary import State, Transition

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
AWAITING_REMOVAL = int(State.AWAITING_REMOVAL)


def order_removal(world: World, idx: np.ndarray, transition: Transition) -> None:
    """Order people removed (the giving stage's decision) and hand them to removals."""
    change(world, idx, transition, State.AWAITING_REMOVAL)
    world.handoffs.removal_orders.put(idx)


class Removals(Stage):
    """Removals carried out in order, up to the day's capacity; some removed set out again."""

    name = "removals"
    takes = ("removal_orders",)
    gives = ("deported",)

    def init(self, world: World) -> None:
        """The removal queue and the removals possible each day (fractions carried over)."""
        self.queue = FifoQueue()
        self.per_day = np.minimum(per_day_counts(world.levers.removals_per_day), MAX_TAKE)
        #: Removals carried out beyond a day's capacity (a household removed whole).
        self.overdrawn = 0

    def step(self, world: World, day: int) -> None:
        """Carry out removals in order, up to the day's capacity."""
        people = world.people
        for batch in world.handoffs.removal_orders.drain():
            # A household holds a place in the queue per member, in a row.
            self.queue.push(with_followers(people, batch.people))
        capacity = int(self.per_day[day]) - self.overdrawn
        self.overdrawn = max(-capacity, 0)
        if not len(self.queue) or capacity <= 0:
            return
        idx = self.queue.take(capacity, lambda chunk: people.state[chunk] == AWAITING_REMOVAL)
        if people.has_households:
            # A household goes whole when its lead does: removals beyond today's
            # capacity come off the next days'.
            idx = leads_of(people, idx)
            self.overdrawn = max(int(household_sizes(people, idx).sum()) - capacity, 0)
        if len(idx) == 0:
            return
        home = world.net.home_of(people.nationality[idx], people.origin[idx])
        change(world, idx, Transition.REMOVED, State.REMOVED, to_place=home)
        p_again = float(world.levers.p_set_out_after_removal[day])
        if p_again > 0 and world.pars.deterrence_elasticity != 0:
            # The chance of being caught again, border-wide, deters a new attempt.
            p_border = world.levers.p_apprehend[day, world.net.cities].mean()
            p_again = min(
                p_again * float(deterrence(p_border, world.pars.deterrence_elasticity)), 1.0
            )
        if p_again > 0:
            rng = world.rng["removals"]
            again = idx[rng.random(len(idx)) < p_again]
            mean = max(world.pars.dur_before_setting_out_again, 1.0)
            wait = waiting_days(rng, 1.0 / mean, len(again))
            world.handoffs.deported.put(again, day=day + wait)
