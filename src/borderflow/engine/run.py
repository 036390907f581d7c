"""Run a scenario: build the world, step the days in plan order, keep the counts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from borderflow.engine.plan import DAY
from borderflow.model.ledger import recount
from borderflow.model.people import household_sizes, with_followers
from borderflow.model.records import Courts, Decisions, Events, Flows, Stocks, Waits
from borderflow.model.transit import Transit
from borderflow.model.trips import place_reached, under_way
from borderflow.model.world import World, build_world
from borderflow.scenario.schema import Scenario


class ConservationError(RuntimeError):
    """The stocks kept from the flows disagree with a recount of the people."""


@dataclass
class RunOutput:
    """What a run produced, as named columns (the results layer makes tables of them).

    The tables are :mod:`borderflow.model.records`, read by column name
    (``out.flows.transition``).

    Attributes:
        stocks: nonzero end-of-day stocks per (day, place, state, group).
        flows: people per (day, place, to_place, transition, from_state, to_state, group).
        waits: finished waits per (port, outcome, waited_days).
        decisions: court durations per (docket, outcome, days): days from custody to each
            decision, and from filing to the start of hearings.
        courts: each docket's cases per day: waiting, in hearings, pending from the start.
        events: the per-person event log when it was asked for, else ``None``.
        people: final per-person arrays (state, place, group, nationality, household, flags…).
    """

    scenario: Scenario
    seed: int
    place_ids: tuple[str, ...]
    group_names: tuple[str, ...]
    stocks: Stocks
    flows: Flows
    waits: Waits
    decisions: Decisions
    courts: Courts
    events: Events | None
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
    world = build_world(scenario, seed, DAY, events=events)
    stages = list(world.stages.values())
    seconds = {stage.name: 0.0 for stage in stages}
    n_days = scenario.n_days
    for day in range(n_days):
        world.ledger.day = day
        for stage in stages:
            t0 = time.perf_counter()
            stage.step(world, day)
            seconds[stage.name] += time.perf_counter() - t0
        world.ledger.close_day(day)
        if check:
            _check(world, day)
        if progress is not None:
            progress(day + 1, n_days)
    return _output(world, seed, seconds, events=events)


def _output(world: World, seed: int, seconds: dict[str, float], events: bool) -> RunOutput:
    """The run's tables, from the ledger, the stages' snapshots and the people."""
    ledger, people = world.ledger, world.people
    snapshot = {k: v for stage in world.stages.values() for k, v in stage.snapshot().items()}
    return RunOutput(
        scenario=world.scenario,
        seed=seed,
        place_ids=world.net.ids,
        group_names=tuple(g.name for g in world.groups),
        stocks=Stocks.concat(ledger.stocks),
        flows=Flows.concat(ledger.flows),
        waits=ledger.wait_table(),
        decisions=ledger.decision_table(),
        courts=snapshot["courts"],
        events=Events.concat(ledger.events) if events else None,
        people={
            "place": places_now(world, world.n_days - 1),
            **{
                name: getattr(people, name).copy()
                for name in (
                    "state",
                    "origin",
                    "dest",
                    "group",
                    "nationality",
                    "household",
                    "lead",
                    "followers",
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
    transit = world.stages["transit"]
    assert isinstance(transit, Transit)
    reached = place_reached(people, transit.trips, live, day)
    # Followers walk their lead's trip.
    place[with_followers(people, live)] = np.repeat(reached, household_sizes(people, live))
    return place


def _check(world: World, day: int) -> None:
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
