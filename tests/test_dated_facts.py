"""Scenarios agree on shared dates: every dated fact their runs cover shows in their levers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from borderflow.interfaces.api import load_scenario, scenarios
from borderflow.scenario.dated_facts import DatedFact, dated_facts, disagreements


@pytest.mark.parametrize("name", scenarios())
def test_every_bundled_scenario_shows_the_dated_facts_its_run_covers(name: str) -> None:
    assert [str(p) for p in disagreements(load_scenario(name))] == []


def test_the_facts_shared_by_two_scenarios_are_checked_in_both() -> None:
    covered: dict[str, list[str]] = {}
    for name in scenarios():
        sc = load_scenario(name)
        for fact in dated_facts():
            if sc.start <= fact.date <= sc.end:
                covered.setdefault(fact.id, []).append(name)
    # The asylum ban's ten days fall in the fall caravan's run and the national year's.
    assert covered["asylum-ban-enjoined"] == ["caravan-2018-fall", "national-fy2019"]
    assert len(covered["mpp-tijuana"]) == 3


def test_a_scenario_keeping_a_policy_a_court_stopped_is_told_so() -> None:
    sc = load_scenario("caravan-2018-fall")
    kept_on = sc.model_copy(
        update={"policies": tuple(p for p in sc.policies if p.date != dt.date(2018, 11, 19))}
    )
    (problem,) = disagreements(kept_on)
    assert problem.where == "levers.asylum_ban"
    assert "2018-11-19: should be set to 0.0" in problem.message
    assert "East Bay Sanctuary Covenant" in problem.message


def test_a_policy_a_day_late_does_not_show_a_start() -> None:
    sc = load_scenario("remain-in-mexico-2019")
    (fact,) = [f for f in dated_facts() if f.id == "mpp-tijuana"]
    late = dataclasses.replace(fact, date=fact.date + dt.timedelta(days=1))
    assert disagreements(sc, (fact,)) == []
    assert len(disagreements(sc, (late,))) == 1
    assert isinstance(late, DatedFact)


def test_a_fact_that_cannot_be_read_is_named_by_line_and_field(tmp_path, monkeypatch) -> None:
    from borderflow.scenario import dated_facts as module

    table = tmp_path / "dated_facts.csv"
    table.write_text(
        "id,lever,date,change,value,source\n"
        "ban,asylum_ban,2018-11-09,set,true,F35\n"
        "typo,asylum_bann,2018-11-19,set,false,a court\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(module, "DATED_FACTS_FILE", table)
    module.dated_facts.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"dated_facts.csv: line 3: lever: unknown lever"):
            module.dated_facts()
    finally:
        module.dated_facts.cache_clear()
