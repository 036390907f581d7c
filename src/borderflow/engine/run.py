"""Run a scenario: build the world, step the days in plan order, keep the counts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from borderflow.engine.plan import DAY
from borderflow.model.ledger import recount
from borderflow.model.trips import place_reached, under_way
from borderflow.model.world import World, build_world
from borderflow.scenario.schema import Scenario

EMPTY_FLOWS = np.empty((0, 8), np.int64)
EMPTY_STOCKS = np.empty((0, 5), np.int64)


class ConservationError(RuntimeError):
    """The stocks kept from the flows disagree with a recount of the people."""


@dataclass
class RunOutput:
    """What a run produced, as plain arrays (the results layer makes tables of them).

    Attributes:
        stocks: rows ``(day, place, state, group, n)`` of nonzero end-of-day stocks.
        flows: rows ``(day, place, to_place, transition, from_state, to_state, group, n)``.
        waits: rows ``(port, outcome, waited_days, n)``; outcome 0 admitted, 1 left.
        decisions: rows ``(docket, outcome, days, n)`` (``borderflow.model.courts.OUTCOMES``):
            days from custody to each decision, and from filing to the start of hearings.
        courts: rows ``(day, docket, waiting, in_hearings, pending_from_start)``.
        events: rows ``(day, person, transition, place, to_place, from_state, to_state)``
            when the event log was asked for, else ``None``.
        people: final per-person arrays (state, place, group, nationality, household, flags…).
    """

    scenario: Scenario
    seed: int
    place_ids: tuple[str, ...]
    group_names: tuple[str, ...]
    stocks: np.ndarray
    flows: np.ndarray
    waits: np.ndarray
    decisions: np.ndarray
    courts: np.ndarray
    events: np.ndarray | None
    people: dict[str, np.ndarray]
    n_changes: int
    seconds: dict[str, float] = field(default_factory=dict)
    bytes_per_person: int = 0


def run(
    scenario: Scenario,
    seed: int = 1,
    *,
    check: bool = False,
    events: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RunOutput:
    """Simulate ``scenario`` with ``seed``.

    Args:
        scenario: a validated scenario.
        seed: fixes every random draw; the same seed gives the same output.
        check: recount every stock from the people arrays each day and raise
            :class:`ConservationError` on any difference (slow; for tests).
        events: keep the per-person event log.
        progress: called as ``progress(days_done, n_days)`` after each day.

    Raises:
        ConservationError: with ``check``, if a person was lost or counted twice.
    """
    world = build_world(scenario, seed)
    world.ledger.keep_events = events
    seconds = {stage.name: 0.0 for stage in DAY}
    n_days = scenario.n_days
    court_log = np.zeros((n_days, len(world.dockets), 5), np.int64)
    for day in range(n_days):
        world.ledger.day = day
        for stage in DAY:
            t0 = time.perf_counter()
            stage.run(world, day)
            seconds[stage.name] += time.perf_counter() - t0
        world.ledger.close_day(day)
        for k, docket in enumerate(world.dockets.values()):
            court_log[day, k] = (
                day,
                k,
                len(docket.queue),
                docket.in_service,
                docket.anonymous_waiting,
            )
        if check:
            _check(world, day)
        if progress is not None:
            progress(day + 1, n_days)
    ledger, people = world.ledger, world.people
    return RunOutput(
        scenario=scenario,
        seed=seed,
        place_ids=world.net.ids,
        group_names=tuple(g.name for g in world.groups),
        stocks=np.concatenate(ledger.stocks) if ledger.stocks else EMPTY_STOCKS,
        flows=np.concatenate(ledger.flows) if ledger.flows else EMPTY_FLOWS,
        waits=ledger.wait_table(),
        decisions=ledger.decision_table(),
        courts=court_log.reshape(-1, 5),
        events=(np.concatenate(ledger.events) if ledger.events else np.empty((0, 7), np.int64))
        if events
        else None,
        people={
            "place": places_now(world, n_days - 1),
            **{
                name: getattr(people, name).copy()
                for name in (
                    "state",
                    "origin",
                    "dest",
                    "group",
                    "nationality",
                    "household",
                    "flags",
                    "ti_enter",
                    "ti_custody",
                )
            },
        },
        n_changes=ledger.n_changes,
        seconds=seconds,
        bytes_per_person=people.nbytes_per_person,
    )


def places_now(world: World, day: int) -> np.ndarray:
    """Everyone's place at the end of ``day``: on a planned trip, the last place reached."""
    people = world.people
    place = people.place.copy()
    live = under_way(people)
    place[live] = place_reached(people, world.trips, live, day)
    return place


def _check(world, day: int) -> None:  # type: ignore[no-untyped-def]
    ledger, people = world.ledger, world.people
    counted = recount(people, ledger.n_places, ledger.n_groups, places_now(world, day))
    if not np.array_equal(counted, ledger.stock):
        bad = np.argwhere(counted != ledger.stock)[:5]
        raise ConservationError(
            f"day {day}: stocks kept from flows differ from a recount at (place, state, group) "
            f"{bad.tolist()}"
        )
    if ledger.stock.sum() != people.count or (ledger.stock < 0).any():
        raise ConservationError(f"day {day}: {ledger.stock.sum()} counted, {people.count} entered")
