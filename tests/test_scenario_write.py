"""A scenario written back to files loads as the same scenario (calibrated copies rely on it)."""

from __future__ import annotations

from pathlib import Path

import pytest

import borderflow
from borderflow.scenario.load import load_scenario
from borderflow.scenario.write import parameter_overrides, to_toml, write_scenario


@pytest.mark.parametrize("name", borderflow.scenarios())
def test_bundled_scenarios_round_trip(name: str, tmp_path: Path) -> None:
    sc = borderflow.load_scenario(name)
    for variant in (sc, sc.scaled(0.1).with_parameters(p_renege=0.0123456789)):
        back = load_scenario(write_scenario(variant, tmp_path / f"{variant.name}-{id(variant)}"))
        assert back == variant


def test_only_changed_parameters_are_written(tmp_path: Path) -> None:
    sc = borderflow.load_scenario("caravan-2018-fall")
    changed = sc.with_parameters(p_settle_transit=0.002)
    assert "p_settle_transit" in parameter_overrides(changed)
    assert "p_settle_transit" not in parameter_overrides(sc)
    assert set(parameter_overrides(sc)) < set(sc.parameters)
    text = to_toml(changed)
    assert "p_settle_transit = { value = 0.002, low = 0.0, high = 0.005" in text
    assert '"beds.tijuana"' in text  # dotted policy keys are quoted
