"""The U.S. side agrees with queueing theory: the courts with Erlang C, detention with Erlang B.

Both designs make the people reaching a queue a Poisson stream. People appear in Tijuana at
``λ`` a day (Poisson), all put their names on the list (``p_join_waitlist = 1``), the port
admits everyone the same day (no quota), and each spends an independent geometric number of
days in CBP custody before the decision. Independent delays of a Poisson stream leave it
Poisson (the displacement theorem), so, once the first custody stays are over, the people
decided each day are Poisson(λ) and independent from day to day.

The daily step (see ``engine/plan.py``): on each day detention releases come first
(``detention``), then custody decisions (``custody``, ``credible_fear``, which file cases and
ask for beds), then the courts decide finished cases and only then fill free places
(``courts``). A stay or a case in hearings lasts a geometric number of days on {1, 2, …} with
mean exactly ``1/p`` (``p = μ``): something that starts on day ``s`` and lasts ``S`` days ends
on day ``s + S`` and is counted in ``S`` end-of-day snapshots. So both queues are exact
discrete-time Markov chains, which the tests solve numerically beside the continuous-time
closed forms; the gap between the two is the error of the daily step, and it is part of the
tolerance.

Closed forms are computed here, in the tests, and never taken from the engine.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from borderflow.engine.run import RunOutput, run
from borderflow.model.courts import OUTCOMES
from borderflow.scenario.vocabulary import State, Transition
from conftest import BASE_TOML

REGULAR = 0  # docket code in the decisions and courts rows
HEARINGS_BEGAN = OUTCOMES.index("hearings_began")


def head_for(n_days: int) -> str:
    """The fixture's TOML head, with a run of ``n_days`` days from 2000-01-01."""
    end = dt.date(2000, 1, 1) + dt.timedelta(days=n_days - 1)
    head = BASE_TOML.replace("start = 2020-01-01", "start = 2000-01-01")
    return head.replace("end = 2020-03-31", f"end = {end}")


def daily_flow(out: RunOutput, transition: Transition) -> np.ndarray:
    """Flows with ``transition`` per day."""
    f = out.flows
    rows = f[:, 3] == transition
    return np.bincount(f[rows, 0], weights=f[rows, 7], minlength=out.scenario.n_days)


# --- closed forms ------------------------------------------------------------------------------


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


def stationary(trans: np.ndarray) -> np.ndarray:
    """Stationary law of a finite transition matrix."""
    n = len(trans)
    system = trans.T - np.eye(n)
    system[-1] = 1.0
    return np.linalg.solve(system, np.eye(n)[-1])


def poisson_pmf(lam: float) -> np.ndarray:
    """Poisson(λ) probabilities far into the tail (the rest is below 1e-15)."""
    return stats.poisson.pmf(np.arange(int(lam + 20 * math.sqrt(lam) + 20)), lam)


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
    pa = poisson_pmf(lam)
    arrivals = np.arange(len(pa))
    n = 128
    while True:
        steps = []  # (x, probability of (D, A), next state, A) for every x and D
        trans = np.zeros((n + 1, n + 1))
        for x in range(n + 1):
            busy = min(x, c)
            for done, w in enumerate(stats.binom.pmf(np.arange(busy + 1), busy, p)):
                nxt = np.minimum(x - done + arrivals, n)
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
        pi[x] * float(w @ (queue[nxt] - wait * arrivals + g[nxt] - g[x]) ** 2)
        for x, w, nxt in steps
    )
    return wait, math.sqrt(var) / lam


def detention_chain_loss(c: int, lam: float, p: float) -> float:
    """Exact share turned away by the daily loss system.

    ``Y`` = beds taken at the end of a day. The next day ``Binomial(Y, p)`` stays end first,
    then ``Poisson(λ)`` people ask for beds: ``min(A, c − Y + D)`` get one, the rest are lost.
    """
    pa = poisson_pmf(lam)
    arrivals = np.arange(len(pa))
    trans = np.zeros((c + 1, c + 1))
    lost = np.zeros(c + 1)
    for y in range(c + 1):
        for done, w in enumerate(stats.binom.pmf(np.arange(y + 1), y, p)):
            left = y - done
            np.add.at(trans[y], np.minimum(left + arrivals, c), w * pa)
            lost[y] += w * float(pa @ np.maximum(left + arrivals - c, 0))
    return float(stationary(trans) @ lost) / lam


def test_closed_forms_match_textbook_values():
    """The helpers against known values, so a wrong closed form cannot hide a wrong engine."""
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(10, 10.0) == pytest.approx(0.21458, abs=1e-5)
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = ρ
    assert mmc_wait(1, 0.5, 1.0) == pytest.approx(1.0)  # M/M/1: ρ / (μ − λ)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # A short day (p → 0 with λ, p scaled together) approaches continuous time.
    assert docket_chain(2, 0.01, 0.01)[0] == pytest.approx(mmc_wait(2, 0.01, 0.01), rel=0.03)
    assert detention_chain_loss(3, 0.01, 0.005) == pytest.approx(erlang_b(3, 2.0), rel=0.03)


def batch_ratio(num: np.ndarray, den: np.ndarray, batch: int) -> tuple[float, float, int]:
    """Ratio of sums over stationary daily series, with its standard error from batch means.

    ``num`` and ``den`` are (runs, days); each run is cut into batches of ``batch`` days and
    each batch gives a ratio; the SE is their standard deviation over √(number of batches).
    """
    k = num.shape[1] // batch
    sums = lambda x: x[:, : k * batch].reshape(len(x), k, batch).sum(axis=2).ravel()  # noqa: E731
    ratios = sums(num) / sums(den)
    return float(num.sum() / den.sum()), float(ratios.std(ddof=1) / math.sqrt(len(ratios))), k


# --- a. courts: the regular docket is M/M/c -------------------------------------------------

DOCKET_JUDGES, COMPLETIONS, CASE_DAYS = 1, 0.8, 10  # c = 1 × 0.8 × 10 = 8 places
DOCKET_LAMBDA = 0.64  # ρ = λ · case_active_days / c = 0.8
DOCKET_SEEDS = (1, 2)
DOCKET_WARM_UP = 600  # five relaxation times of the chain (about 115 days)
DOCKET_KEPT = 11000
DOCKET_BATCH = 1000


def docket_body(lam: float) -> str:
    """Families released with a notice to appear on the regular docket, λ a day (Poisson)."""
    return f"""
    [levers]
    judges = {DOCKET_JUDGES}
    mpp = {{ default = 0 }}

    [parameters]
    p_join_waitlist = 1.0
    p_release_family = 1.0
    completions_per_judge_day = {{ value = {COMPLETIONS}, low = 0.1, high = 2.0 }}
    case_active_days = {{ value = {CASE_DAYS}, low = 1, high = 400 }}

    [background]
    daily = {{ OTH = {lam} }}
    origins = {{ OTH = "tijuana" }}
    destinations = {{ tijuana = 1.0 }}
    household = {{ family_adult = 1.0 }}
    """


def began_waits(out: RunOutput, n_days: int) -> np.ndarray:
    """Cases whose hearings began, by days waited since filing (regular docket)."""
    d = out.decisions
    rows = (d[:, 0] == REGULAR) & (d[:, 1] == HEARINGS_BEGAN)
    return np.bincount(d[rows, 2], weights=d[rows, 3], minlength=n_days)


def test_docket_mean_wait_matches_erlang_c(tiny):
    """Mean wait from filing to the start of hearings after a warm-up agrees with M/M/c.

    c = judges × completions_per_judge_day × case_active_days = 8 places, μ = 1/10 a day,
    λ = 0.64 a day, ρ = 0.8: W_q(M/M/c) = C(8, 6.4) / (cμ − λ) ≈ 2.86 days (6.25 days on
    average for the 46 % who wait at all).

    *Warm-up.* ``decisions`` aggregates the whole run, so each seed is run twice: for the
    warm-up alone and for warm-up + kept days. The draws are per stage and per day, so the
    shorter run is an exact prefix of the longer (asserted on the flows), and the difference
    of their ``hearings_began`` rows is the waits of the cases taken up after the warm-up.

    *Monte-Carlo error.* The waits are strongly correlated (a busy spell delays everyone in
    it), so their spread says nothing about the error of their mean. By Little's law —
    exact here, see :func:`docket_chain` — the same mean is the end-of-day queue (``courts``
    rows) summed over the kept days, over the filings (asserted equal to the decisions
    estimate up to the few cases straddling the ends). The exact chain gives the asymptotic
    standard error of that ratio: σ/√T ≈ 0.39 days for T = 22,000 days. Batch means (22
    batches of 1000 days, nine relaxation times each) measure it too, but underestimate it
    (about 0.25): the queue's autocorrelation has a long tail. The test asserts the two agree
    within a factor 2 and takes the larger as the SE.

    *Daily step.* The exact discrete-time chain (decisions before intake on the same day,
    Poisson filings in a batch, geometric hearings on {1, 2, …}) gives W_q ≈ 2.72 days; the
    continuous closed form differs by δ ≈ 0.14 days. The test asserts δ < 1 day, the
    simulation within 4 SE of the exact daily chain, and within 4 SE + δ (≈ 1.7 days) of
    Erlang C.

    *It can fail.* One place fewer (c = 7: W_q ≈ 12.6) or hearings 11 % longer (μ·0.9,
    ρ = 0.89: W_q ≈ 8.4) fall far outside the band. Shorter waits are harder to tell
    apart, as W_q cannot fall below 0: μ·1.2 (W_q ≈ 0.69) lies 2.2 days below the truth,
    only 1.3 tolerances, and resolving it would need about four times the simulated days.
    """
    c = int(DOCKET_JUDGES * COMPLETIONS * CASE_DAYS)
    mu, lam = 1.0 / CASE_DAYS, DOCKET_LAMBDA
    assert c == 8 and lam / (c * mu) == pytest.approx(0.8)
    closed = mmc_wait(c, lam, mu)
    exact, sigma = docket_chain(c, lam, mu)
    step_error = abs(exact - closed)
    assert step_error < 1.0, "the daily step moves the mean wait by less than a day"

    n_days = DOCKET_WARM_UP + DOCKET_KEPT
    long_sc = tiny(docket_body(lam), head=head_for(n_days))
    short_sc = tiny(docket_body(lam), head=head_for(DOCKET_WARM_UP))
    waits = np.zeros(n_days)
    queued, filed = [], []
    for seed in DOCKET_SEEDS:
        full, prefix = run(long_sc, seed=seed), run(short_sc, seed=seed)
        early = full.flows[full.flows[:, 0] < DOCKET_WARM_UP]
        assert np.array_equal(prefix.flows, early), "the warm-up run is a prefix of the long run"
        waits += began_waits(full, n_days) - began_waits(prefix, n_days)
        courts = full.courts[full.courts[:, 1] == REGULAR]
        assert courts[:, 3].max() <= c  # never more cases in hearings than places
        queued.append(courts[DOCKET_WARM_UP:, 2])
        filed.append(daily_flow(full, Transition.CASE_FILED)[DOCKET_WARM_UP:])
    assert (waits >= 0).all()
    sim = float(np.arange(n_days) @ waits / waits.sum())
    little, batch_se, k = batch_ratio(np.array(queued, float), np.array(filed), DOCKET_BATCH)
    assert k * len(DOCKET_SEEDS) >= 20
    theory_se = sigma / math.sqrt(np.array(filed).size)
    assert 0.5 < batch_se / theory_se < 2.0, f"batch SE {batch_se:.3f}, theory {theory_se:.3f}"
    se = max(batch_se, theory_se)
    assert abs(sim - little) < 0.25 * se, f"decisions {sim:.3f} vs queue/filings {little:.3f}"
    assert np.array(filed).mean() == pytest.approx(lam, rel=0.03)

    report = (
        f"sim {sim:.3f} (queue/filings {little:.3f}) SE {se:.3f} (batch {batch_se:.3f}); "
        f"daily chain {exact:.3f}; Erlang C {closed:.3f}"
    )
    print(report)
    assert abs(sim - exact) < 4 * se, report
    tolerance = 4 * se + step_error
    assert abs(sim - closed) < tolerance, report
    for name, wrong in (("c − 1", mmc_wait(c - 1, lam, mu)), ("μ·0.9", mmc_wait(c, lam, 0.9 * mu))):
        assert abs(sim - wrong) > tolerance, f"{name} gives {wrong:.3f}, also in the band; {report}"


# --- b. detention: Erlang's loss system -----------------------------------------------------

BEDS, STAY_DAYS, DETENTION_LAMBDA = 10, 10, 1.0  # offered load a = λ/μ = 10 beds
DETENTION_WARM_UP = 200  # twenty mean stays
DETENTION_KEPT = 8000
DETENTION_BATCH = 500


def detention_body(beds: int, stay: float, lam: float) -> str:
    """Single adults admitted at the port claim fear, all pass, and ask for a bed."""
    return f"""
    [levers]
    detention_beds = {beds}
    cf_interviews_per_day = 1e9
    p_credible_fear_pass = 1.0
    judges = 0

    [parameters]
    p_join_waitlist = 1.0
    dur_detention_days = {{ value = {stay}, low = 1, high = 100 }}

    [background]
    daily = {{ OTH = {lam} }}
    origins = {{ OTH = "tijuana" }}
    destinations = {{ tijuana = 1.0 }}
    household = {{ single_adult = 1.0 }}
    """


def test_detention_losses_match_erlang_b(tiny):
    """The share released for lack of a bed agrees with Erlang's loss formula B(c, λ/μ).

    c = 10 beds, mean stay 1/μ = 10 days, λ = 1 a day: B(10, 10) ≈ 0.2146. No judge sits
    (``judges = 0``), so no court decision ends a stay early; every stay is geometric.

    *Monte-Carlo error.* Losses and requests per day (``released_no_bed``, ``detained``)
    after a warm-up of twenty mean stays, in batches of 500 days (fifty mean stays, so
    nearly independent): the SE of the loss share is about 0.007.

    *Daily step.* Releases come before admissions each day, so a bed freed on a day serves
    that whole day's requests, and a stay of S days holds its bed for S nights; the exact
    daily chain gives 0.1955, δ ≈ 0.019 below B(10, 10). The effect is that of stays about
    half a day shorter, and the test asserts the exact value lies between B for stays one
    day shorter, B(c, λ(1/μ − 1)), and B(c, λ/μ): the daily step is worth less than a day of
    stay. The simulation must lie within 4 SE of the exact chain and within 4 SE + δ of B.

    *It can fail.* Two more beds (B(12, 10) ≈ 0.120), one fewer (B(9, 10) ≈ 0.273) or
    stays 20 % shorter (B(10, 8.33) ≈ 0.137) fall outside the band.
    """
    c, mu, lam = BEDS, 1.0 / STAY_DAYS, DETENTION_LAMBDA
    closed = erlang_b(c, lam / mu)
    exact = detention_chain_loss(c, lam, mu)
    assert erlang_b(c, lam * (1 / mu - 1)) < exact < closed
    step_error = closed - exact

    n_days = DETENTION_WARM_UP + DETENTION_KEPT
    out = run(tiny(detention_body(c, STAY_DAYS, lam), head=head_for(n_days)), seed=5)
    lost = daily_flow(out, Transition.RELEASED_NO_BED)
    taken = daily_flow(out, Transition.DETAINED)
    detained = out.stocks[out.stocks[:, 2] == State.DETAINED]
    occupied = np.bincount(detained[:, 0], weights=detained[:, 4], minlength=n_days)
    assert occupied.max() <= c
    assert occupied[DETENTION_WARM_UP:].mean() == pytest.approx(lam * (1 - closed) / mu, rel=0.1)
    assert not daily_flow(out, Transition.CREDIBLE_FEAR_FAILED).any()
    asked = lost + taken
    assert asked.sum() == daily_flow(out, Transition.CREDIBLE_FEAR_PASSED).sum()

    kept = slice(DETENTION_WARM_UP, None)
    sim, se, k = batch_ratio(lost[None, kept], asked[None, kept], DETENTION_BATCH)
    assert k >= 16
    assert asked[kept].mean() == pytest.approx(lam, rel=0.03)

    report = f"sim {sim:.4f} SE {se:.4f}; daily chain {exact:.4f}; Erlang B {closed:.4f}"
    print(report)
    assert abs(sim - exact) < 4 * se, report
    tolerance = 4 * se + step_error
    assert abs(sim - closed) < tolerance, report
    for name, wrong in (
        ("c + 2", erlang_b(c + 2, lam / mu)),
        ("c − 1", erlang_b(c - 1, lam / mu)),
        ("μ·1.2", erlang_b(c, lam / (1.2 * mu))),
    ):
        assert abs(sim - wrong) > tolerance, f"{name} gives {wrong:.4f}, also in the band; {report}"
