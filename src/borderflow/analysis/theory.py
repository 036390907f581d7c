"""Exact results for the queues the engine must reproduce: the theory tests' yardsticks.

**A metered port.** With ``A ~ Poisson(λ)`` arrivals a day, a quota ``Q`` and a daily
probability ``p`` of giving up, the end-of-day list length is the Markov chain
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

**The courts and detention.** A docket with ``c`` places in hearings is M/M/c (Erlang C);
detention with ``c`` beds and no queue is Erlang's loss system (Erlang B). The engine
steps whole days, so beside the continuous-time closed forms sit the exact daily chains
(:func:`docket_chain`, :func:`detention_chain_loss`); the gap between the two is the
error of the daily step.

Nothing here reads the engine: these are computed from the queue's definition alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Longest list the stationary law is worked out on (its tables are a list's square).
MAX_LIST = 4096


def arrivals(lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Daily arrival counts worth keeping for Poisson(λ), and their probabilities.

    The counts reach far into the tail: the mass left out is below 1e-15.
    """
    a = np.arange(int(lam + 20 * math.sqrt(lam) + 20))
    return a, stats.poisson.pmf(a, lam)


def stationary(trans: np.ndarray) -> np.ndarray:
    """Stationary law of a finite transition matrix ``P[x, x']``."""
    n = len(trans)
    system = trans.T - np.eye(n)
    system[-1] = 1.0
    return np.linalg.solve(system, np.eye(n)[-1])


# --- a metered port --------------------------------------------------------------------------


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
        trans = transition_matrix(lam, quota, p, n)
        trans[:, n] += 1.0 - trans.sum(axis=1)
        pi = stationary(trans)
        if pi[n // 2 :].sum() < 1e-12:
            break
        n *= 2
    length = np.arange(n + 1)
    joint = pi[:, None] * pa[None, :]
    total = length[:, None] + a[None, :]
    moduli = np.sort(np.abs(np.linalg.eigvals(trans)))
    p_admitted, mean_wait = _tagged_wait(pi, a, pa, quota, p)
    return PortSteadyState(
        pi=pi,
        mean_length=float(pi @ length),
        admissions=float((joint * np.minimum(total, quota)).sum()),
        give_ups=float(p * (joint * np.maximum(total - quota, 0)).sum()),
        mean_wait=mean_wait,
        p_admitted=p_admitted,
        relaxation_days=float(-1.0 / math.log(moduli[-2])),
    )


def _tagged_wait(
    pi: np.ndarray, a: np.ndarray, pa: np.ndarray, quota: int, p: float
) -> tuple[float, float]:
    """A tagged arrival's chance of being admitted, and the mean wait of those admitted."""
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
    return admitted, weighted / admitted


# --- Erlang's formulas -----------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Erlang's loss formula B(c, a), by the stable recursion B(k) = aB(k−1) / (k + aB(k−1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load ``a < c``: C = B / (1 − ρ(1 − B))."""
    b = erlang_b(c, a)
    return b / (1.0 - a / c * (1.0 - b))


def mmc_wait(c: int, lam: float, mu: float) -> float:
    """M/M/c mean wait in queue, W_q = C(c, λ/μ) / (cμ − λ) (infinite when cμ ≤ λ)."""
    if c * mu <= lam:
        return math.inf
    return erlang_c(c, lam / mu) / (c * mu - lam)


# --- the daily chains of the courts and detention --------------------------------------------


def docket_chain(c: int, lam: float, p: float) -> tuple[float, float]:
    """Exact mean wait of the daily docket, in whole days, and its Monte-Carlo spread.

    ``X`` = cases in the system (waiting or in hearings) at the end of a day. The next day
    ``D ~ Binomial(min(X, c), p)`` hearings finish first, then ``A ~ Poisson(λ)`` cases are
    filed, then free places take waiting cases: ``X' = X − D + A``; ``max(X' − c, 0)`` wait
    overnight. A case filed on day ``f`` whose hearings begin on day ``s`` is counted waiting
    at the end of days ``f … s − 1``, i.e. exactly its recorded wait ``s − f``; so the mean
    wait is the mean end-of-day queue over λ (Little's law, exact in discrete time).

    The estimate over ``T`` days, Σ queue / Σ filings, has standard error ``σ / √T`` with
    ``σ² = E_π[(h − m + g(X') − g(X))²] / λ²`` for ``h = max(X' − c, 0) − W·A`` (the
    martingale decomposition of an additive functional; ``g`` solves the Poisson equation
    for ``E[h | X]``). Returns ``(W, σ)``. The state space is doubled until the stationary
    mass in its upper half is below 1e-12.
    """
    filed, pa = arrivals(lam)
    n = 128
    while True:
        steps = []  # (x, probability of (D, A), next state) for every x and D
        trans = np.zeros((n + 1, n + 1))
        for x in range(n + 1):
            busy = min(x, c)
            for done, w in enumerate(stats.binom.pmf(np.arange(busy + 1), busy, p)):
                nxt = np.minimum(x - done + filed, n)
                np.add.at(trans[x], nxt, w * pa)
                steps.append((x, w * pa, nxt))
        pi = stationary(trans)
        if pi[n // 2 :].sum() < 1e-12:
            break
        n *= 2
    queue = np.maximum(np.arange(n + 1) - c, 0).astype(float)
    wait = float(pi @ queue) / lam
    reward = trans @ queue - wait * lam  # E[h | X = x]; its stationary mean is 0
    fundamental = np.eye(n + 1) - trans + np.outer(np.ones(n + 1), pi)
    g = np.linalg.solve(fundamental, reward - pi @ reward)
    var = sum(
        pi[x] * float(w @ (queue[nxt] - wait * filed + g[nxt] - g[x]) ** 2) for x, w, nxt in steps
    )
    return wait, math.sqrt(var) / lam


def detention_chain_loss(c: int, lam: float, p: float) -> float:
    """Exact share turned away by the daily loss system.

    ``Y`` = beds taken at the end of a day. The next day ``Binomial(Y, p)`` stays end first,
    then ``Poisson(λ)`` people ask for beds: ``min(A, c − Y + D)`` get one, the rest are lost.
    """
    asking, pa = arrivals(lam)
    trans = np.zeros((c + 1, c + 1))
    lost = np.zeros(c + 1)
    for y in range(c + 1):
        for done, w in enumerate(stats.binom.pmf(np.arange(y + 1), y, p)):
            left = y - done
            np.add.at(trans[y], np.minimum(left + asking, c), w * pa)
            lost[y] += w * float(pa @ np.maximum(left + asking - c, 0))
    return float(stationary(trans) @ lost) / lam
