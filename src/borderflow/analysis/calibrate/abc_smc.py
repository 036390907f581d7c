"""ABC-SMC: a weighted sample of the assumptions' posterior given the targets.

Approximate Bayesian computation with sequential Monte Carlo (Beaumont et al. 2009,
"Adaptive approximate Bayesian computation"), with the tolerance set each generation to
the median distance of the last population, as in Del Moral et al. 2012. The prior is
uniform on each assumption's declared range. Generation 0 draws ``2N`` points from the
prior and keeps the ``N`` closest; each later generation resamples the population by
weight, moves each point with a Gaussian kernel (per-dimension variance twice the
weighted variance, truncated to the range) and keeps proposals whose distance is within
the tolerance, until ``N`` are accepted; weights are prior over proposal density (the
truncated kernel mixture). It stops when the budget would be exceeded or the acceptance
rate falls below :data:`MIN_ACCEPTANCE`; the last complete population is the posterior.

Proposals are drawn from generators seeded by (seed, generation, batch), so the result
does not depend on how the simulations are spread over workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
from scipy.special import logsumexp, ndtr, ndtri

from borderflow.analysis.calibrate.distance import FitTargets, weighted_quantile
from borderflow.analysis.calibrate.simulations import Phase

#: Below this share of proposals accepted, another generation costs more than it brings.
MIN_ACCEPTANCE = 0.02


class Simulator(Protocol):
    """Whatever runs a batch of points: :class:`~.simulations.Simulations`, or a stand-in."""

    def run(self, phase: Phase, points: np.ndarray, first: int) -> np.ndarray:
        """Indicator values (one row per point) of simulations ``first, first + 1, ...``."""
        ...


@dataclass
class Population:
    """One ABC-SMC generation: points in the unit cube, weights, distances, indicator values."""

    u: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    values: np.ndarray


def _truncated_normal(rng: np.random.Generator, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Draws from normals truncated to [0, 1] (by inverting the CDF, so exact and without loops)."""
    lo, hi = ndtr(-mean / sd), ndtr((1 - mean) / sd)
    draw = ndtri(lo + rng.random(mean.shape) * (hi - lo))
    return np.clip(mean + sd * draw, 0.0, 1.0)


def _log_kernel(u: np.ndarray, centres: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """``log K(u_i | centre_j)`` of the truncated Gaussian kernel, shape (len(u), len(centres))."""
    z = (u[:, None, :] - centres[None, :, :]) / sd
    mass = ndtr((1 - centres) / sd) - ndtr(-centres / sd)
    log = -0.5 * z**2 - np.log(sd) - 0.5 * np.log(2 * np.pi) - np.log(mass)[None, :, :]
    return log.sum(axis=2)


class _Accepted(NamedTuple):
    """A proposal within the tolerance: its point in the unit cube, distance and values."""

    u: np.ndarray
    distance: float
    values: np.ndarray


@dataclass(frozen=True)
class _Search:
    """What every generation needs: the simulations, the ranges, the targets, the seed."""

    simulations: Simulator
    lo: np.ndarray
    hi: np.ndarray
    targets: FitTargets
    seed: int

    def run(self, label: str, u: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
        """The indicator values and distances of points ``u`` of the unit cube."""
        values = self.simulations.run(Phase("abc", label), self.lo + u * (self.hi - self.lo), first)
        return values, self.targets.distance(values)


def abc_smc(
    simulations: Simulator,
    lo: np.ndarray,
    hi: np.ndarray,
    targets: FitTargets,
    n: int,
    budget: int,
    seed: int,
) -> tuple[Population, list[dict[str, Any]]]:
    """The posterior sample of ABC-SMC and one row per generation.

    Args:
        simulations: runs the points of the unit cube carried into ``[lo, hi]``.
        lo: each parameter's lowest value.
        hi: each parameter's highest value.
        targets: the figures, which of them are fitted, and how a run is measured
            against them (:class:`~borderflow.analysis.calibrate.distance.FitTargets`).
        n: the population size.
        budget: the simulations ABC-SMC may run.
        seed: the seed of the proposals.

    Returns:
        The last complete population and, per generation, its tolerance, simulations,
        acceptance rate, effective sample size and median distance.
    """
    search = _Search(simulations, lo, hi, targets, seed)
    u = np.random.default_rng([seed, 0]).random((2 * n, len(lo)))
    values, dists = search.run("ABC-SMC generation 0", u, 0)
    used = len(u)
    keep = np.argsort(dists, kind="stable")[:n]
    pop = Population(u[keep], np.full(n, 1.0 / n), dists[keep], values[keep])
    history = [_generation_row(0, float(dists[keep][-1]), 2 * n, pop)]
    generation = 1
    while True:
        eps = weighted_quantile(pop.distances, pop.weights, 0.5)
        accepted, tried = _accepted(search, pop, generation, eps, used, budget)
        used += tried
        if len(accepted) < n:
            break  # the budget ends within this generation: keep the last complete one
        pop = _weighted(accepted, pop)
        history.append(_generation_row(generation, eps, tried, pop))
        if n / tried < MIN_ACCEPTANCE:
            break
        generation += 1
    return pop, history


def _kernel_sd(pop: Population) -> np.ndarray:
    """The proposal kernel's spread: twice the population's weighted variance, per dimension."""
    mean = pop.weights @ pop.u
    return np.sqrt(np.maximum(2 * (pop.weights @ (pop.u - mean) ** 2), 1e-6))


def _accepted(
    search: _Search, pop: Population, generation: int, eps: float, used: int, budget: int
) -> tuple[list[_Accepted], int]:
    """Proposals within ``eps``, up to the population's size; and how many were tried.

    Proposals come in batches of ``n`` while the budget lasts, each batch from a generator
    seeded by (seed, generation, batch).
    """
    n = len(pop.weights)
    sd = _kernel_sd(pop)
    label = f"ABC-SMC generation {generation} (tolerance {eps:.3g})"
    accepted: list[_Accepted] = []
    tried = 0
    batch = 0
    while len(accepted) < n and used + tried + n <= budget:
        rng = np.random.default_rng([search.seed, generation, batch])
        parents = rng.choice(n, size=n, p=pop.weights)
        proposals = _truncated_normal(rng, pop.u[parents], sd)
        values, dists = search.run(label, proposals, used + tried)
        tried += n
        batch += 1
        for k, dk in enumerate(dists):
            if dk <= eps and len(accepted) < n:
                accepted.append(_Accepted(proposals[k], float(dk), values[k]))
    return accepted, tried


def _weighted(accepted: list[_Accepted], pop: Population) -> Population:
    """The accepted proposals as the next population, weighted prior over proposal density."""
    new_u = np.array([a.u for a in accepted])
    sd = _kernel_sd(pop)
    log_q = logsumexp(np.log(pop.weights)[None, :] + _log_kernel(new_u, pop.u, sd), axis=1)
    log_w = -log_q  # a uniform prior is constant on the range
    weights = np.exp(log_w - log_w.max())
    return Population(
        new_u,
        weights / weights.sum(),
        np.array([a.distance for a in accepted]),
        np.array([a.values for a in accepted]),
    )


def _generation_row(generation: int, eps: float, tried: int, pop: Population) -> dict[str, Any]:
    n = len(pop.weights)
    return {
        "generation": generation,
        "tolerance": eps,
        "simulations": tried,
        "acceptance": n / tried,
        "ess": float(1.0 / np.sum(pop.weights**2)),
        "median_distance": weighted_quantile(pop.distances, pop.weights, 0.5),
    }
