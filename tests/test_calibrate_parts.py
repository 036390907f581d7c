"""The calibration's parts on their own: bands, ranges, and simulations shared by phases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from borderflow.analysis.assumptions import bounds
from borderflow.analysis.calibrate import SimulationStore
from borderflow.analysis.calibrate.distance import (
    FitTargets,
    band,
    fitted_dispersion,
    nb_excess,
    nb_log_likelihood,
)
from borderflow.analysis.calibrate.simulations import Phase, Simulations, Tally
from borderflow.analysis.executor import Executor
from calibration_cases import FITTED, known_truth


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    return known_truth(tmp_path_factory.mktemp("truth"))


def test_a_band_names_its_quantiles_and_skips_what_no_run_defines() -> None:
    values = np.column_stack([np.arange(1.0, 102.0), np.full(101, np.nan)])
    plain = band(values)
    assert (plain.q05[0], plain.median[0], plain.q95[0]) == (6.0, 51.0, 96.0)
    assert np.isnan([plain.q05[1], plain.median[1], plain.q95[1]]).all()
    assert list(plain.columns("after")) == ["after_q05", "after_median", "after_q95"]
    # All the weight on the last run: every quantile is that run's value.
    weights = np.r_[np.zeros(100), 1.0]
    assert band(values, weights).q05[0] == 101.0


def test_the_distance_leaves_out_checks_and_held_out_targets() -> None:
    targets = FitTargets(np.array([10.0, 0.0]), np.array([1.0, 1.0]), np.array([True, False]))
    assert targets.distance(np.array([[12.0, 1e9]])).tolist() == [2.0]


def test_the_negative_binomial_is_the_count_law_with_mean_mu_and_dispersion_r() -> None:
    from scipy.stats import nbinom

    mu, r, y = np.array([40.0, 7.5]), 3.0, np.array([35.0, 0.0])
    expected = nbinom.logpmf(y, r, r / (r + mu))
    np.testing.assert_allclose(nb_log_likelihood(mu, y, r), expected)


def test_the_fitted_dispersion_is_found_from_counts_drawn_with_it() -> None:
    rng = np.random.default_rng(7)
    mu = rng.uniform(500, 5000, size=3000)
    for r in (5.0, 50.0):
        y = rng.negative_binomial(r, r / (r + mu))
        assert fitted_dispersion(mu, y) == pytest.approx(r, rel=0.1)
    # Poisson counts: the dispersion runs to the top of its range (no overdispersion).
    assert fitted_dispersion(mu, rng.poisson(mu)) > 1e4


def test_a_perfect_fit_costs_nothing_and_a_worse_one_more() -> None:
    y = np.array([100.0, 2000.0])
    assert nb_excess(y, y, 1e7).max() < 1e-3
    near, far = nb_excess(y * 1.1, y, 20.0), nb_excess(y * 1.5, y, 20.0)
    assert (0 < near).all() and (near < far).all()


def test_the_count_likelihood_ranks_runs_and_leaves_out_checks() -> None:
    reported = np.array([100.0, 120.0, 90.0, 0.5, 1e6])
    targets = FitTargets(
        reported,
        scales=np.array([10.0, 12.0, 9.0, 0.05, 1.0]),
        used=np.array([True, True, True, True, False]),  # the last is a check
        counts=np.array([True, True, True, False, True]),
        likelihood="negative_binomial",
    )
    close = np.array([[101.0, 118.0, 92.0, 0.5, 0.0]])
    far = np.array([[150.0, 60.0, 140.0, 0.5, 0.0]])
    off_rate = np.array([[101.0, 118.0, 92.0, 0.9, 0.0]])
    d_close, d_far, d_rate = (targets.distance(v)[0] for v in (close, far, off_rate))
    assert 0 <= d_close < d_far and d_close < d_rate
    # The check's figure, however far, changes nothing.
    assert targets.distance(close + np.array([0, 0, 0, 0, 1e9]))[0] == d_close


def test_ranges_carry_the_unit_cube_into_each_parameter(scenario) -> None:
    ranges = bounds(scenario, FITTED)
    assert ranges.names == tuple(FITTED)
    lows = [scenario.parameters[n].low for n in FITTED]
    highs = [scenario.parameters[n].high for n in FITTED]
    assert ranges.pairs() == [list(pair) for pair in zip(lows, highs, strict=True)]
    assert ranges.at(np.array([[0.0, 1.0]])).tolist() == [[lows[0], highs[1]]]


def test_phases_share_one_count_and_store_but_never_change_one_another(
    scenario, tmp_path: Path
) -> None:
    told = []
    tally = Tally(planned=3, progress=lambda *args: told.append(args))
    store = SimulationStore(tmp_path / "simulations.jsonl")
    ids = tuple(t.id for t in scenario.targets)
    everything = Simulations(scenario, ("p_renege",), ids, 7, Executor(), store, tally)
    fitting = everything.varying(FITTED)
    assert everything.names == ("p_renege",) and fitting.names == tuple(FITTED)
    fitting.run(Phase("abc", "first"), np.array([[0.03, 0.01], [0.05, 0.01]]), 0)
    # Read back, not run again: the same key and parameter values.
    again = fitting.run(Phase("abc", "again"), np.array([[0.05, 0.01]]), 1)
    assert told == [(1, 3, "first"), (2, 3, "first"), (3, 3, "again")]
    assert again.shape == (1, len(ids)) and set(store.values) == {"abc/0", "abc/1"}
