"""What a stage is, and the hand-offs that carry people from one stage to another.

A stage owns its state (queues, agendas, per-run constants) and some people fields;
the day plan (``borderflow.engine.plan``) runs the stages in order. A stage never
calls another: it puts people on a named :class:`Handoff`, which the stage taking
them drains at its next step, batch by batch in the order they were put.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from borderflow.model.world import World


@dataclass(frozen=True)
class Batch:
    """People put on a hand-off together, with what the taker needs to know of them."""

    people: np.ndarray
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


class Handoff:
    """A queue of batches of people from one stage to another."""

    def __init__(self) -> None:
        self._batches: list[Batch] = []

    def put(self, people: np.ndarray, **values: Any) -> None:
        """Add a batch (nothing if it is empty)."""
        if len(people):
            self._batches.append(Batch(people, values))

    def drain(self) -> Iterator[Batch]:
        """Take every batch off, in the order they were put."""
        batches, self._batches = self._batches, []
        yield from batches

    def waiting(self) -> np.ndarray:
        """Everyone on the hand-off now (not taken off)."""
        if not self._batches:
            return np.empty(0, np.int64)
        return np.concatenate([b.people for b in self._batches])

    def __len__(self) -> int:
        return sum(len(b.people) for b in self._batches)


def handoff(giver: str, taker: str, doc: str) -> Any:
    """A hand-off field of :class:`Handoffs`: who gives, who takes, what it carries."""
    return field(default_factory=Handoff, metadata={"giver": giver, "taker": taker, "doc": doc})


@dataclass
class Handoffs:
    """Every hand-off of the day: who gives, who takes, and what it carries."""

    setting_out: Handoff = handoff(
        "departures", "transit", "people who set out alone today (new or deported and back)"
    )
    onto_waitlist: Handoff = handoff(
        "departures", "border", "people already on a port's list when the run starts (day 0)"
    )
    at_border_city: Handoff = handoff(
        "transit", "border", "travellers who reached their border city today"
    )
    deported: Handoff = handoff(
        "transit, removals",
        "departures",
        "people deported by Mexico or removed by the U.S. who will set out again, and when",
    )
    crossers: Handoff = handoff(
        "border, mpp", "crossing", "people setting out to cross between ports today"
    )
    into_custody: Handoff = handoff(
        "border, crossing", "custody", "people admitted at a port or apprehended today"
    )
    returned_to_mexico: Handoff = handoff(
        "custody", "mpp", "people returned to Mexico under MPP, and when each gives up or moves"
    )
    into_hhs: Handoff = handoff(
        "custody", "hhs", "unaccompanied children to transfer to HHS (ORR) care, in order"
    )
    cases: Handoff = handoff(
        "custody, hhs", "courts", "notices to appear: cases to file on a docket, in order"
    )
    removal_orders: Handoff = handoff(
        "custody, courts", "removals", "people ordered removed, in order"
    )

    @classmethod
    def described(cls) -> list[tuple[str, str, str, str]]:
        """``(name, giver, taker, what it carries)`` for every hand-off, in plan order."""
        return [
            (f.name, f.metadata["giver"], f.metadata["taker"], f.metadata["doc"])
            for f in fields(cls)
        ]


class Stage:
    """A room of the model: its state, the people fields it owns, and its day.

    Subclasses say in their docstring what they do in a day, name themselves, list
    the people fields they own and the hand-offs they take and give, build their
    per-run state in :meth:`init` and act in :meth:`step`.
    """

    name: ClassVar[str]
    #: People fields (``borderflow.model.people.FIELDS``) only this stage writes.
    fields: ClassVar[tuple[str, ...]] = ()
    takes: ClassVar[tuple[str, ...]] = ()
    gives: ClassVar[tuple[str, ...]] = ()

    def init(self, world: World) -> None:
        """Build the stage's state for a run (its constants, queues and agendas)."""

    def step(self, world: World, day: int) -> None:
        """Act for one day."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """What the stage exposes to results at the end of a run (nothing by default)."""
        return {}

    @classmethod
    def summary(cls) -> str:
        """The first paragraph of the stage's docstring, on one line."""
        doc = (cls.__doc__ or "").strip().split("\n\n")[0]
        return " ".join(doc.split())
