"""Remain in Mexico (MPP): people returned to a border city to await their hearings."""

from __future__ import annotations

from borderflow.model.agenda import Agenda
from borderflow.model.stage import Stage
from borderflow.model.world import World, change
from borderflow.scenario.vocabulary import MPP_HAZARDS, State, Transition

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
MPP_WAITING = int(State.MPP_WAITING)
MPP_GIVE_UP, MPP_SETTLE, MPP_CROSS = (int(k) for k in MPP_HAZARDS)


class MppWaiting(Stage):
    """People waiting in Mexico under MPP give up, settle, or set out to cross again.

    When each does so was drawn as they were returned (``returned_to_mexico``); their
    hearings go on at the MPP docket meanwhile.
    """

    name = "mpp"
    takes = ("returned_to_mexico",)
    gives = ("crossers",)

    def init(self, world: World) -> None:
        """The agenda of MPP returnees' giving up, settling and crossing."""
        self.agenda = Agenda(world.people, world.n_days, (MPP_GIVE_UP, MPP_SETTLE, MPP_CROSS))

    def step(self, world: World, day: int) -> None:
        """Returnees whose day has come give up, settle in Mexico, or head to cross."""
        for batch in world.handoffs.returned_to_mexico.drain():
            self.agenda.schedule(batch.people, batch["day"], batch["kind"])
        idx = self.agenda.due(day)
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
        world.handoffs.crossers.put(idx[kinds == MPP_CROSS])
