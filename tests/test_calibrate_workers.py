"""Calibration: the same seed gives the same fit on any number of workers; screening."""

from __future__ import annotations

import pytest

import borderflow
from calibration_cases import FITTED, known_truth
from test_calibrate_runs import SMALL, same


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> borderflow.Scenario:
    return known_truth(tmp_path_factory.mktemp("truth"))


def test_same_seed_same_fit_with_two_workers(scenario) -> None:
    one = borderflow.calibrate(scenario, params=FITTED, **SMALL)
    two = borderflow.calibrate(scenario, params=FITTED, workers=2, **SMALL)
    same(one, two)


def test_screening_picks_the_assumptions_the_targets_respond_to(scenario) -> None:
    cal = borderflow.calibrate(scenario, **SMALL)
    assert cal.parameters == FITTED
    screen = cal.screening.set_index("parameter")
    assert set(screen.index[screen["fitted"]]) == set(FITTED)
    # The held-out crossings respond to share_renege_cross, but held-out targets are not
    # screened on; the courts' parameters cannot reach these targets at all.
    assert screen.loc["share_renege_cross", "effect"] == 0
    assert screen.loc["case_active_days", "effect"] == 0


@pytest.mark.slow
def test_ray_gives_the_same_fit_and_indices(scenario) -> None:
    pytest.importorskip("ray")
    local = borderflow.calibrate(scenario, params=FITTED, **SMALL)
    on_ray = borderflow.calibrate(scenario, params=FITTED, backend="ray", workers=2, **SMALL)
    same(local, on_ray)
    params = [*FITTED, "share_renege_cross"]
    a = borderflow.sensitivity(scenario, "violence", method="morris", n=2, params=params)
    b = borderflow.sensitivity(
        scenario, "violence", method="morris", n=2, params=params, backend="ray", workers=2
    )
    assert a.indices.equals(b.indices)
