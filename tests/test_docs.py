"""The README documents what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from borderflow.engine.plan import DAY
from borderflow.scenario.vocabulary import EVENTS, State, Transition, state_table, transition_table

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _table_names(header: str) -> list[str]:
    block = README.split(f"| {header} |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", block, flags=re.MULTILINE)


def test_every_state_is_documented_in_order() -> None:
    assert _table_names("state") == [s.label for s in State]


def test_every_transition_is_documented_with_its_kind() -> None:
    assert _table_names("transition") == [t.label for t in Transition]
    for t in Transition:
        kind = "event" if t in EVENTS else "transition"
        assert f"| `{t.label}` | {kind} |" in README


def test_the_readme_tables_of_states_and_transitions_are_the_codes_own() -> None:
    # Written once, beside the codes: the README shows them as the code words them.
    assert state_table() in README
    assert transition_table() in README


def test_the_day_order_in_the_readme_matches_the_plan() -> None:
    section = README.split("## The order of events within a day", 1)[1].split("##", 1)[0]
    named = re.findall(r"^\d+\. \*\*([a-z_]+)\*\*", section, flags=re.MULTILINE)
    assert named == [stage.name for stage in DAY]


def test_ci_runs_the_readme_test_command() -> None:
    command = 'pip install -e ".[test,bench]" && pytest'
    assert command in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert command in ci
