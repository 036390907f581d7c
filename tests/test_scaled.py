"""Scenario.scaled multiplies volumes and capacities, not probabilities."""

from __future__ import annotations

import pytest

import borderflow
from borderflow.engine.run import run as run_engine
from borderflow.scenario.targets import UNSCALED_MEASURES


def test_scaling_volumes_and_capacities() -> None:
    sc = borderflow.load_scenario("remain-in-mexico-2019")
    half = sc.scaled(0.5)
    assert half.background is not None and sc.background is not None
    for nat, rate in sc.background.daily.items():
        assert half.background.daily[nat] == pytest.approx(rate / 2)
    assert half.levers.quota.for_place("san_ysidro") == sc.levers.quota.for_place("san_ysidro") / 2
    assert half.levers.judges == sc.levers.judges / 2
    assert half.levers.p_apprehend.default == sc.levers.p_apprehend.default
    assert half.courts.initial_backlog == round(sc.courts.initial_backlog / 2)
    scaled_policies = [p.set for p in half.policies]
    for before, after in zip([p.set for p in sc.policies], scaled_policies, strict=True):
        for key, value in before.items():
            if key.partition(".")[0] in ("judges", "mpp_judges", "quota"):
                assert after[key] == pytest.approx(value / 2)
            else:
                assert after[key] == value


def test_people_grow_with_the_factor() -> None:
    sc = borderflow.load_scenario("caravan-2018-spring")
    small, large = (len(run_engine(sc.scaled(f), seed=1).people["state"]) for f in (0.5, 2))
    assert 3.5 < large / small < 4.5


def test_a_bad_factor_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        borderflow.load_scenario("caravan-2018-spring").scaled(0)


def test_targets_that_count_people_scale_and_rates_do_not() -> None:
    sc = borderflow.load_scenario("remain-in-mexico-2019")
    half = sc.scaled(0.5)
    for before, after in zip(sc.targets, half.targets, strict=True):
        factor = 1.0 if before.measure in UNSCALED_MEASURES else 0.5
        assert (after.reported, after.low, after.high) == pytest.approx(
            (before.reported * factor, before.low * factor, before.high * factor)
        )
    assert any(t.measure == "flow_per_person" for t in sc.targets)
    assert any(t.measure == "days_to_clear" for t in sc.targets)
