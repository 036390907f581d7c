"""Every bundled scenario validates, runs, conserves people and reports its targets."""

from __future__ import annotations

import datetime as dt

import pytest

import borderflow
from borderflow.engine.run import run as run_engine


@pytest.mark.parametrize("name", borderflow.scenarios())
def test_first_weeks_conserve_people(name: str) -> None:
    """Each scenario's first 45 days with the daily recount of every stock."""
    sc = borderflow.load_scenario(name)
    short = sc.model_copy(update={"end": sc.start + dt.timedelta(days=44)})
    out = run_engine(short, seed=1, check=True)
    assert out.stocks.n.sum() > 0


@pytest.mark.parametrize("name", ["caravan-2018-fall", "caravan-2018-spring"])
def test_caravan_scenarios_meet_most_targets(name: str) -> None:
    targets = borderflow.run(name, seed=5).targets
    assert len(targets) >= 8
    assert targets["inside"].mean() >= 0.7, targets[["id", "simulated", "low", "high"]]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["remain-in-mexico-2019", "national-fy2019"])
def test_2019_scenarios_meet_their_targets(name: str) -> None:
    targets = borderflow.run(name, seed=2).targets
    assert targets["inside"].all(), targets[["id", "simulated", "low", "high"]]
