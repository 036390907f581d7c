"""Planned trips: identical runs compiled or not; the arithmetic of a hop; trips add up."""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.engine.run import run as run_engine
from borderflow.interfaces.cli import app
from borderflow.model import kernels, trip_walk
from borderflow.model.queues import expand

#: Walking 20 km a day, the bus 400, the train 100; a bus taken half the time, a train a
#: quarter; no rest days.
TRAVEL = trip_walk.Travel(
    bus_bit=1,
    train_bit=2,
    walk_speed=20.0,
    bus_speed=400.0,
    train_speed=100.0,
    p_bus=0.5,
    p_train=0.25,
    rest_ratio=0.0,
)
#: Two places 200 km apart; roads 0 -> 1 have bus and train, 1 -> 0 only a train.
KM = np.array([[0.0, 200.0], [200.0, 0.0]])
MODES = np.array([[0, 3], [2, 0]], np.uint8)
NO_REST = np.ones((3, 2, 2))


def days(u: int, v: int, d_mode: float) -> float:
    return trip_walk.hop_days(TRAVEL, KM, MODES, NO_REST, u, v, d_mode, 0.5)


def test_a_hop_takes_the_bus_else_the_train_by_what_the_bus_left_else_walks() -> None:
    assert days(0, 1, 0.4) == 0.5  # below p_bus: the bus
    assert days(0, 1, 0.6) == 2.0  # (0.6 - 0.5) / 0.5 = 0.2 < p_train: the train
    assert days(0, 1, 0.7) == 10.0  # 0.4 is not: on foot
    assert days(1, 0, 0.2) == 2.0  # no bus: the uniform itself chooses the train
    assert days(1, 0, 0.3) == 10.0


def test_a_mode_from_two_uniforms_for_legs_that_draw_their_own() -> None:
    assert trip_walk.hop_mode(TRAVEL, 3, 0.4, 0.9) == trip_walk.BUS
    assert trip_walk.hop_mode(TRAVEL, 3, 0.6, 0.1) == trip_walk.TRAIN
    assert trip_walk.hop_mode(TRAVEL, 0, 0.0, 0.0) == trip_walk.WALK  # nothing to ride
    assert trip_walk.travel_days(TRAVEL, 200.0, trip_walk.TRAIN) == 2.0


def test_rest_days_invert_the_poisson_distribution() -> None:
    from scipy import stats

    rng = np.random.default_rng(5)
    for lam in (0.3, 2.0, 7.5):
        for u in rng.random(200):
            assert trip_walk.rest_days(u, lam, math.exp(-lam)) == stats.poisson.ppf(u, lam)


def test_rest_days_add_to_the_time_moving() -> None:
    resting = TRAVEL._replace(rest_ratio=0.5)
    p0 = np.exp(-(KM[None] / np.array([20.0, 400.0, 100.0])[:, None, None]) * 0.5)
    # On foot, 10 days moving and Poisson(5) rest days; u just above P(0) + P(1) gives 2.
    u = float(np.exp(-5.0) * (1 + 5.0)) + 1e-9
    assert trip_walk.hop_days(resting, KM, MODES, p0, 0, 1, 0.9, u) == 12.0


def test_the_walk_works_out_the_uniforms_hop_uniforms_gives() -> None:
    key = np.uint64(2024)
    with np.errstate(over="ignore"):
        one = [trip_walk.splitmix64(key, np.uint64(c)) for c in (14, 15)]
    assert np.array_equal(trip_walk.hop_uniforms(key, np.array([7]))[0], one)


def test_expand_lists_each_run() -> None:
    got = expand(np.array([5, 0, 10, 3]), np.array([2, 0, 3, 1]))
    assert got.tolist() == [5, 6, 10, 11, 12, 3]
    assert expand(np.array([4]), np.array([0])).tolist() == []


@pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="Numba is not installed")
def test_compiled_and_uncompiled_walks_give_identical_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Road levers change on dated policies in this scenario, so redraws are covered too.
    sc = borderflow.load_scenario("national-fy2019").scaled(0.01)
    outputs = {}
    for kernel in ("numba", "numpy"):
        monkeypatch.setenv("BORDERFLOW_KERNEL", kernel)
        assert kernels.use_numba() == (kernel == "numba")
        outputs[kernel] = run_engine(sc, 3, check=True)
    a, b = outputs["numba"], outputs["numpy"]
    assert a.n_changes == b.n_changes
    assert a.flows == b.flows
    assert a.stocks == b.stocks
    for name in a.people:
        assert np.array_equal(a.people[name], b.people[name]), name


def test_hop_uniforms_are_uniform_and_independent_of_each_other() -> None:
    from scipy import stats

    rows = np.arange(200_000)
    u = trip_walk.hop_uniforms(np.uint64(2024), rows)
    assert u.shape == (len(rows), 2)
    assert (u >= 0).all() and (u < 1).all()
    assert np.array_equal(u, trip_walk.hop_uniforms(np.uint64(2024), rows))
    # Each column, and both together, uniform; neighbours and the two draws of a hop
    # uncorrelated; another key gives other draws.
    for sample in (u[:, 0], u[:, 1], u.ravel()):
        assert stats.kstest(sample, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.01
    other = trip_walk.hop_uniforms(np.uint64(2025), rows)
    assert abs(np.corrcoef(u.ravel(), other.ravel())[0, 1]) < 0.01
    # A row's draws do not depend on which other rows are asked for.
    assert np.array_equal(trip_walk.hop_uniforms(np.uint64(2024), rows[[7, 3]]), u[[7, 3]])


def test_an_unknown_kernel_is_an_error_not_the_other_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BORDERFLOW_KERNEL", "NUMPY")
    with pytest.raises(ValueError, match="expected numba or numpy"):
        kernels.use_numba()
    result = CliRunner().invoke(app, ["run", "caravan-2018-spring", "--no-report"])
    assert result.exit_code == 2
    assert "BORDERFLOW_KERNEL='NUMPY': expected numba or numpy" in result.output
