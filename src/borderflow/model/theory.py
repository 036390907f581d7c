"""Exact results for one metered port, the model that the engine must reproduce.

With ``A ~ Poisson(λ)`` arrivals a day, a quota ``Q`` and a daily probability ``p`` of
giving up, the end-of-day list length is the Markov chain
``L' = Binomial(max(L + A − Q, 0), 1 − p)`` (arrivals join, the port admits up to
``Q``, then each person still waiting gives up with probability ``p``). The theory
tests, the ensemble's band-coverage test and the metered-port benchmark all check
against these figures.

The mean wait of those admitted comes from a tagged person: on the day they arrive,
the people ahead of them are yesterday's list ``L ~ π`` plus those of today's arrivals
who precede them, ``U`` (the others arriving the same day are Poisson(λ) and the
tagged person's place among them is uniform). Each day, if fewer than ``Q`` are ahead
they are admitted; otherwise ``Q`` are admitted, the tagged person gives up with
probability ``p``, and each of the others ahead stays with probability ``1 − p``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Longest list the stationary law is worked out on (its tables are a list's square).
MAX_LIST = 4096


def arrivals(lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Daily arrival counts worth keeping for Poisson(λ), and their probabilities."""
    a = np.arange(int(lam + 20 * math.sqrt(lam) + 20))
    return a, stats.poisson.pmf(a, lam)


def transition_matrix(lam: float, quota: int, p: float, n: int) -> np.ndarray:
    """``P[L, L']`` on {0, …, n}; mass that would go above ``n`` is left out."""
    a, pa = arrivals(lam)
    length = np.arange(n + 1)
    after = np.maximum(length[:, None] + a[None, :] - quota, 0)  # the list after metering
    m_pmf = np.zeros((n + 1, after.max() + 1))
    np.add.at(m_pmf, (np.repeat(length, len(a)), after.ravel()), np.tile(pa, n + 1))
    stay = stats.binom.pmf(length[None, :], np.arange(after.max() + 1)[:, None], 1 - p)
    return np.asarray(m_pmf @ stay)


@dataclass(frozen=True)
class PortSteadyState:
    """Exact stationary figures of one metered port (per day; waits in days)."""

    pi: np.ndarray
    mean_length: float
    admissions: float
    give_ups: float
    mean_wait: float
    p_admitted: float
    relaxation_days: float


def steady_state(lam: float, quota: int, p: float) -> PortSteadyState:
    """The stationary law of the list and what follows from it.

    The state space {0, …, N} is doubled until the stationary mass above N/2 is below
    1e-12 (mass that would leave {0, …, N} is kept at N, far out in that tail).

    Raises:
        ValueError: if the list does not settle within :data:`MAX_LIST` people (without
            giving up, arrivals at or above the quota make it grow for ever).
    """
    a, pa = arrivals(lam)
    n = 64
    while True:
        if n > MAX_LIST:
            raise ValueError(
                f"the list does not settle within {MAX_LIST:,} people (λ={lam}, quota={quota}, "
                f"p={p}): with few give-ups, arrivals at the quota or above make it grow"
            )
        length = np.arange(n + 1)
        trans = transition_matrix(lam, quota, p, n)
        trans[:, -1] += 1.0 - trans.sum(axis=1)
        system = trans.T - np.eye(n + 1)
        system[-1] = 1.0
        pi = np.linalg.solve(system, np.eye(n + 1)[-1])
        if pi[n // 2 :].sum() < 1e-12:
            break
        n *= 2
    joint = pi[:, None] * pa[None, :]
    total = length[:, None] + a[None, :]
    moduli = np.sort(np.abs(np.linalg.eigvals(trans)))

    tail = np.cumsum((pa / (a + 1))[::-1])[::-1]  # P(U = u) = Σ_{a ≥ u} P(A = a) / (a + 1)
    ahead = np.convolve(pi, tail)
    size = len(ahead)
    thin = stats.binom.pmf(np.arange(size)[None, :], np.arange(size)[:, None], 1 - p)
    admitted, weighted, day = 0.0, 0.0, 0
    while ahead.sum() > 1e-14 and day < 100_000:
        now = float(ahead[:quota].sum())
        admitted += now
        weighted += day * now
        ahead = (1 - p) * (ahead[quota:] @ thin[: size - quota])
        day += 1
    return PortSteadyState(
        pi=pi,
        mean_length=float(pi @ length),
        admissions=float((joint * np.minimum(total, quota)).sum()),
        give_ups=float(p * (joint * np.maximum(total - quota, 0)).sum()),
        mean_wait=weighted / admitted,
        p_admitted=admitted,
        relaxation_days=float(-1.0 / math.log(moduli[-2])),
    )
