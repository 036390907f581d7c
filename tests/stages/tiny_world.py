"""A tiny world for stage stories: build it, put people in it, step one stage, read the books.

The world is the tiny network of ``tests/conftest.py`` (home -> south -> middle -> Tijuana or
Mexicali, each border city with one port and one U.S. sector), built with the plan's stages
and the per-person event log on. A story puts people where a stage expects them (on the
ledger too, so stocks are right), steps that stage alone on the days it wants, and reads
who did what on which day from the event log, the day's flows and the hand-offs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from borderflow.engine.plan import DAY
from borderflow.model.records import Events, Flows
from borderflow.model.stage import Handoff, Stage
from borderflow.model.world import World, build_world
from borderflow.scenario.vocabulary import (
    HOUSEHOLD_ROLES,
    NATIONALITIES,
    OUTSIDE,
    State,
    Transition,
)
from conftest import STILL, head_for

#: Days in a tiny world's run.
N_DAYS = 10

#: A background group (group 0): people of other nationalities bound for Tijuana. Only the
#: departures stories step the departures stage; the others need the group for its shares.
BACKGROUND = """
[background]
arrivals = "constant"
daily = { OTH = 1.0 }
origins = { OTH = "home" }
destinations = { tijuana = 1.0 }
"""


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return repr(value) if isinstance(value, str) else str(value)


def levers(**values: Any) -> str:
    """A ``[levers]`` table: ``levers(quota={"default": 1}, asylum_ban=True)``."""
    return "\n[levers]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items())


PARAMETERS = "\n[parameters]\n"


def parameters(**values: float) -> str:
    """A ``[parameters]`` table, each range narrowed to the value (so 0 and 1 are allowed)."""
    rows = (f"{k} = {{ value = {v}, low = {v}, high = {v} }}\n" for k, v in values.items())
    return PARAMETERS + "".join(rows)


def _held_still(sections: tuple[str, ...]) -> tuple[str, ...]:
    """The sections with :data:`STILL`'s values added to (or as) the parameters table."""
    given = next((s for s in sections if PARAMETERS in s), None)
    table = given[given.index(PARAMETERS) :] if given is not None else ""
    rows = parameters(**{k: v for k, v in STILL.items() if f"\n{k} = " not in table})
    if given is None:
        return (*sections, rows)
    # The rows go right under the table's header: the table may not be the section's last.
    return tuple(s.replace(PARAMETERS, rows, 1) if s is given else s for s in sections)


def tiny_world(tiny: Any, *sections: str, n_days: int = N_DAYS, **files: str) -> World:
    """A fresh world of the plan's stages on the tiny network, with TOML ``sections``.

    The choices in :data:`STILL` are held still unless the sections set them.
    """
    scenario = tiny("".join(_held_still(sections)), head=head_for(n_days), **files)
    return build_world(scenario, 1, DAY, events=True)


def at(world: World, *names: str) -> list[int]:
    """The place indices of ``names``."""
    return [world.net.index(name) for name in names]


def put(
    world: World,
    n: int,
    state: State,
    place: str,
    *,
    origin: str = "home",
    dest: str = "tijuana",
    nationality: str = "OTH",
    household: str = "single_adult",
    **fields: Any,
) -> list[int]:
    """``n`` people in ``state`` at ``place``, counted on the ledger as entering there."""
    where = world.net.index(place)
    idx = world.people.add(
        n,
        state=int(state),
        place=where,
        origin=world.net.index(origin),
        dest=world.net.index(dest),
        nationality=NATIONALITIES.index(nationality),
        household=HOUSEHOLD_ROLES.index(household),
        **fields,
    )
    group = world.people.group[idx]
    world.ledger.record(Transition.DEPART, OUTSIDE, int(state), where, where, group, who=idx)
    return idx.tolist()


def step(world: World, name: str, *days: int) -> Stage:
    """Step the stage ``name`` alone on each of ``days``, closing each day's books after."""
    stage = world.stages[name]
    for day in days:
        world.ledger.day = day
        stage.step(world, day)
        world.ledger.close_day(day)
    return stage


def story(world: World, *, entries: bool = False) -> list[tuple[int, int, Transition, State]]:
    """``(day, person, transition, state after)`` for every change and event, in order.

    People entering (from outside) are left out unless ``entries``.
    """
    log = Events.concat(world.ledger.events)
    if not entries:
        log = log[log.from_state != OUTSIDE]
    return [
        (int(d), int(p), Transition(t), State(s))
        for d, p, t, s in zip(log.day, log.person, log.transition, log.to_state, strict=True)
    ]


def flows(world: World) -> Flows:
    """Every closed day's flows."""
    return Flows.concat(world.ledger.flows)


def counted(world: World, transition: Transition, day: int | None = None) -> int:
    """People (or events) the ledger counted for ``transition`` (on ``day``, or all days)."""
    rows = flows(world)
    keep = rows.transition == transition
    if day is not None:
        keep &= rows.day == day
    return int(rows.n[keep].sum())


def _plain(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray | np.generic) else value


def taken(handoff: Handoff) -> list[tuple[list[int], dict[str, Any]]]:
    """Take every batch off ``handoff``: its people and values, as plain lists and numbers."""
    return [
        (batch.people.tolist(), {k: _plain(v) for k, v in batch.values.items()})
        for batch in handoff.drain()
    ]


def states(world: World, idx: list[int]) -> list[State]:
    """The states of people ``idx`` now."""
    return [State(s) for s in world.people.state[idx]]


def places(world: World, idx: list[int]) -> list[str]:
    """The place ids of people ``idx`` now."""
    return [world.net.ids[p] for p in world.people.place[idx]]


def put_household(
    world: World, roles: tuple[str, ...], state: State, place: str, **kwargs: Any
) -> list[int]:
    """One household in ``state`` at ``place``: its lead (the first role), then its followers."""
    idx = [put(world, 1, state, place, household=role, **kwargs)[0] for role in roles]
    people = world.people
    people.lead[idx[1:]] = idx[0]
    people.followers[idx[0]] = len(idx) - 1
    people.has_households = people.has_households or len(idx) > 1
    return idx
