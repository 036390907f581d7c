"""The exact Markov chain of one metered port, and the mean wait of those admitted.

The end-of-day list length follows ``L' = Binomial(max(L + A − Q, 0), 1 − p)`` with
``A ~ Poisson(λ)`` (see ``tests/test_theory.py``, whose method this recomputes so the
benchmark does not depend on the tests). The mean wait of those admitted comes from a
tagged person: on the day they arrive, the people ahead of them are yesterday's list
``L ~ π`` plus those of today's arrivals who precede them, ``U`` (for Poisson arrivals
the others arriving the same day are Poisson(λ) and the tagged person's place among
them is uniform). Each day, if fewer than ``Q`` are ahead they are admitted; otherwise
``Q`` are admitted, the tagged person gives up with probability ``p``, and each of the
others ahead stays with probability ``1 − p`` (later arrivals are behind and never
matter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Port:
    """Exact stationary figures of one metered port."""

    mean_length: float
    admissions: float
    give_ups: float
    mean_wait: float
    p_admitted: float
    relaxation_days: float


def exact_port(lam: float, quota: int, p: float) -> Port:
    """Stationary admissions/day, give-ups/day and mean wait of those admitted (days)."""
    a = np.arange(int(lam + 20 * math.sqrt(lam) + 20))
    pa = stats.poisson.pmf(a, lam)
    n = 64
    while True:
        length = np.arange(n + 1)
        after = np.maximum(length[:, None] + a[None, :] - quota, 0)
        m_pmf = np.zeros((n + 1, after.max() + 1))
        np.add.at(m_pmf, (np.repeat(length, len(a)), after.ravel()), np.tile(pa, n + 1))
        stay = stats.binom.pmf(length[None, :], np.arange(after.max() + 1)[:, None], 1 - p)
        trans = m_pmf @ stay
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

    # The tagged person: U = those of today's arrivals ahead of them.
    tail = np.cumsum((pa / (a + 1))[::-1])[::-1]  # P(U = u) = Σ_{a ≥ u} P(A = a) / (a + 1)
    ahead = np.convolve(pi, tail)
    size = len(ahead)
    thin = stats.binom.pmf(np.arange(size)[None, :], np.arange(size)[:, None], 1 - p)
    admitted, weighted, day = 0.0, 0.0, 0
    while ahead.sum() > 1e-14 and day < 100_000:
        now = ahead[:quota].sum()
        admitted += now
        weighted += day * now
        ahead = (1 - p) * (ahead[quota:] @ thin[: size - quota])
        day += 1
    return Port(
        mean_length=float(pi @ length),
        admissions=float((joint * np.minimum(total, quota)).sum()),
        give_ups=float(p * (joint * np.maximum(total - quota, 0)).sum()),
        mean_wait=weighted / admitted,
        p_admitted=admitted,
        relaxation_days=float(-1.0 / math.log(moduli[-2])),
    )
