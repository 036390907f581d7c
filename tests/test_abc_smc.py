"""ABC-SMC against a posterior known in closed form, and the distance's pieces."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.analysis.calibrate import distance, target_scales, weighted_quantile
from borderflow.analysis.calibrate.abc_smc import abc_smc
from borderflow.analysis.calibrate.distance import FitTargets
from borderflow.scenario.schema import Target


class GaussianModel:
    """y = theta + N(0, 1): with a flat prior on [0, 10] and y = 3 observed, the posterior
    of theta is N(3, 1) (truncation at 0 and 10 is negligible)."""

    what = ""

    def run(self, stage: str, points: np.ndarray, first: int, seeds=None) -> np.ndarray:
        rng = np.random.default_rng([first, len(points)])
        return points + rng.standard_normal(points.shape)


def test_posterior_matches_the_closed_form() -> None:
    lo, hi = np.array([0.0]), np.array([10.0])
    pop, history = abc_smc(
        GaussianModel(),
        lo,
        hi,
        FitTargets(np.array([3.0]), np.array([1.0]), np.array([True])),
        n=1000,
        budget=12_000,
        seed=1,
    )
    theta = lo + pop.u[:, 0] * (hi - lo)
    mean = float(pop.weights @ theta)
    sd = float(np.sqrt(pop.weights @ (theta - mean) ** 2))
    # A tolerance eps adds a uniform error of variance eps^2 / 3 around the observation.
    eps = history[-1]["tolerance"]
    assert len(history) == 3 and eps < 0.7
    assert mean == pytest.approx(3.0, abs=0.08)
    expected_sd = np.sqrt(1 + eps**2 / 3)
    assert sd == pytest.approx(expected_sd, rel=0.06)
    assert weighted_quantile(theta, pop.weights, 0.05) == pytest.approx(
        3 - 1.645 * expected_sd, abs=0.15
    )
    # The importance weights matter: unweighted, the particles are about 11% too narrow.
    assert theta.std() < 0.94 * expected_sd


def test_scales_and_distance() -> None:
    def target(reported: float, low: float, high: float) -> Target:
        return Target(
            id="t",
            role="check",
            quantity="q",
            date="2020-01-01",
            measure="stock",
            states=["transit"],
            reported=reported,
            low=low,
            high=high,
            source="s",
        )

    targets = [
        p for t in (target(100, 80, 120), target(100, 100, 100), target(0, 0, 0)) for p in t.points
    ]
    scales = target_scales(targets)
    assert scales.tolist() == [20.0, 5.0, 1.0]
    sim = np.array([[120.0, 105.0, 1.0], [100.0, 100.0, np.nan]])
    d = distance(sim, np.array([100.0, 100.0, 0.0]), scales)
    assert d[0] == pytest.approx(1.0)
    assert d[1] == pytest.approx(np.sqrt(100 / 3))  # an undefined value counts 10 scales
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.1, 0.8]), 0.5) == 3.0
