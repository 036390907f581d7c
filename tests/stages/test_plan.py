"""The day plan: who owns which people fields, who gives and takes each hand-off, in what order."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderflow.engine.plan import DAY, describe
from borderflow.interfaces.cli import app
from borderflow.model.people import FIELDS
from borderflow.model.stage import Handoffs

MODEL = Path(inspect.getfile(Handoffs)).parent
NAMES = [stage.name for stage in DAY]
POSITION = {name: i for i, name in enumerate(NAMES)}
#: Hand-offs given late in one day and taken by an earlier stage the next day.
OVERNIGHT = {"deported", "returned_to_mexico"}
HANDOFFS = {name: (giver, taker) for name, giver, taker, _ in Handoffs.described()}


def givers(metadata: str) -> set[str]:
    return {name.strip() for name in metadata.split(",")}


def test_the_stages_have_distinct_names_and_say_what_they_do():
    assert len(set(NAMES)) == len(NAMES) == 10
    assert all(stage.summary() for stage in DAY)


def test_every_people_field_has_at_most_one_owner_and_owners_name_real_fields():
    owners: dict[str, list[str]] = {}
    for stage in DAY:
        for name in stage.fields:
            owners.setdefault(name, []).append(stage.name)
    assert set(owners) <= set(FIELDS)
    assert {f: who for f, who in owners.items() if len(who) > 1} == {}


def test_every_hand_off_a_stage_names_is_one_of_the_days_hand_offs():
    named = {h for stage in DAY for h in (*stage.takes, *stage.gives)}
    assert named == {f.name for f in fields(Handoffs)}


@pytest.mark.parametrize("handoff", sorted(HANDOFFS))
def test_each_hand_off_is_given_and_taken_by_the_stages_it_names(handoff):
    giver, taker = HANDOFFS[handoff]
    assert givers(giver) == {stage.name for stage in DAY if handoff in stage.gives}
    assert [taker] == [stage.name for stage in DAY if handoff in stage.takes]


@pytest.mark.parametrize("handoff", sorted(HANDOFFS))
def test_a_same_day_hand_off_is_taken_after_it_is_given_and_an_overnight_one_the_next_day(
    handoff,
):
    giver, taker = HANDOFFS[handoff]
    for name in givers(giver):
        if handoff in OVERNIGHT:
            assert POSITION[taker] < POSITION[name], f"{handoff}: {taker} before {name}"
        else:
            assert POSITION[name] < POSITION[taker], f"{handoff}: {name} before {taker}"


#: Modules that write a stage's fields on its behalf (its helpers), by stage.
HELPERS = {"transit": ("trips.py", "caravans.py")}


def writers(field: str) -> set[str]:
    """The model modules with a statement writing ``people.<field>[...]``."""
    write = re.compile(rf"\.{field}\[[^\]]*\]\s*[|+\-]?=(?!=)")
    return {path.name for path in MODEL.glob("*.py") if write.search(path.read_text())}


OWNED = [(field, stage) for stage in DAY for field in stage.fields]


@pytest.mark.parametrize(("field", "stage"), OWNED, ids=[field for field, _ in OWNED])
def test_only_the_owner_of_a_people_field_writes_it(field, stage):
    own = Path(inspect.getfile(stage)).name
    assert writers(field) <= {own, *HELPERS.get(stage.name, ())}


def test_borderflow_plan_prints_every_stage_and_hand_off_in_day_order():
    result = CliRunner().invoke(app, ["plan"])
    assert result.exit_code == 0, result.output
    assert describe() in result.output.replace("\r\n", "\n")
    stage_lines = [line for line in result.output.splitlines() if line[:1].isdigit()]
    assert [line.split(".")[1].split(":")[0].strip() for line in stage_lines] == NAMES
    for name, giver, taker in ((n, g, t) for n, (g, t) in HANDOFFS.items()):
        assert f"- {name} ({giver} -> {taker}):" in result.output


def test_a_finished_world_is_freed_at_once_with_no_reference_cycles(tiny) -> None:
    # A cycle (a stage holding a helper that holds the stage) would keep a finished run's
    # arrays alive until the collector's next full pass, and the next run would pay for it.
    import gc
    import weakref

    from borderflow.model.world import build_world
    from conftest import FULL_BODY

    world = build_world(tiny(FULL_BODY), 1, DAY)
    for day in range(world.n_days):
        for name in world.stages:
            world.stages[name].step(world, day)
        world.ledger.close_day(day)
    alive = [weakref.ref(obj) for obj in (world, world.people, *world.stages.values())]
    gc.disable()
    try:
        del world
        assert [ref() for ref in alive] == [None] * len(alive)
    finally:
        gc.enable()
