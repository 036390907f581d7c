"""The queues agree with queueing theory: a metered port with its exact Markov chain, the
courts with Erlang C, detention with Erlang B.

**A metered port.** The order of one day at a port, as the engine runs it (see
``engine/plan.py``):

1. *Arrivals* — the day's new people reach the border city and join the **end** of
   the port's waitlist (with ``p_join_waitlist = 1`` every arrival joins; in these
   scenarios people appear at Tijuana itself, so they join on the day they appear).
2. *Shelter* — free beds go to unsheltered waiting people (there are no beds here).
3. *Metering* — the port admits ``min(Q, L + A)`` people **in list order**, where ``L``
   is the list at the end of yesterday and ``A`` today's arrivals. Someone admitted on
   the day they arrived waited 0 days.
4. *Reneging* — each person still on the list then gives up independently with
   probability ``p`` (geometric patience on {0, 1, …} days; one may give up on the
   day of arrival, but only after that day's admissions).
5. *Crossing* — those who gave up and chose to cross between ports do so.

So with ``L`` the list length at the end of a day (the end-of-day stock),
``L' = Binomial(max(L + A − Q, 0), 1 − p)`` with ``A ~ Poisson(λ)`` (or ``A`` fixed).

**The U.S. side.** Both designs make the people reaching a queue a Poisson stream. People
appear in Tijuana at ``λ`` a day (Poisson), all put their names on the list
(``p_join_waitlist = 1``), the port admits everyone the same day (no quota), and each spends
an independent geometric number of days in CBP custody before the decision. Independent
delays of a Poisson stream leave it Poisson (the displacement theorem), so, once the first
custody stays are over, the people decided each day are Poisson(λ) and independent from day
to day.

The daily step (see ``engine/plan.py``): on each day detention releases come first
(``detention``), then custody decisions (``custody``, ``credible_fear``, which file cases and
ask for beds), then the courts decide finished cases and only then fill free places
(``courts``). A stay or a case in hearings lasts a geometric number of days on {1, 2, …} with
mean exactly ``1/p`` (``p = μ``): something that starts on day ``s`` and lasts ``S`` days ends
on day ``s + S`` and is counted in ``S`` end-of-day snapshots. So both queues are exact
discrete-time Markov chains, solved numerically beside the continuous-time closed forms; the
gap between the two is the error of the daily step, and it is part of the tolerance.

The closed forms and exact chains come from :mod:`borderflow.analysis.theory`, worked out
from each queue's definition; none is taken from the engine.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from borderflow.analysis import theory
from borderflow.analysis.theory import (
    detention_chain_loss,
    docket_chain,
    erlang_b,
    erlang_c,
    mmc_wait,
)
from borderflow.engine.run import RunOutput, run
from borderflow.model.records import Waits
from borderflow.scenario.vocabulary import (
    WAITING,
    CourtOutcome,
    DocketKind,
    State,
    Transition,
    WaitOutcome,
)
from conftest import daily_flow, daily_stock, head_for, list_length, single_port_body

#: The first day of every run here.
START = dt.date(2000, 1, 1)
PORT = "san_ysidro"
GIVE_UPS = (Transition.CROSS_BETWEEN_PORTS, Transition.SETTLE, Transition.GIVE_UP)
REGULAR = DocketKind.REGULAR
HEARINGS_BEGAN = CourtOutcome.HEARINGS_BEGAN


# --- a metered port, constant arrivals: the deterministic queue ------------------------------


def even_arrivals(a: float, n_days: int) -> np.ndarray:
    """Arrivals per day when ``a`` a day are spread evenly: floor(k·a) people by day k."""
    cum = np.floor(np.arange(n_days + 1) * a + 1e-9).astype(np.int64)
    return np.diff(cum)


@pytest.mark.parametrize(("arrivals", "quota"), [(12, 5), (7.5, 4)])
def test_constant_arrivals_above_quota_queue_deterministically(tiny, arrivals, quota):
    """Arrivals above the quota, no reneging: the list grows by A − Q a day, waits are exact."""
    n_days = 60
    sc = tiny(
        single_port_body("constant", arrivals, quota, p_renege=0.0), head=head_for(n_days, START)
    )
    out = run(sc, seed=3, check=True)

    per_day = even_arrivals(arrivals, n_days)
    assert per_day.min() >= quota  # the list never empties, so admissions are Q every day
    t = np.arange(n_days)
    assert np.array_equal(list_length(out), np.cumsum(per_day) - (t + 1) * quota)
    if float(arrivals).is_integer():
        assert np.array_equal(list_length(out), (t + 1) * (arrivals - quota))
    admitted = daily_flow(out, Transition.ADMITTED_AT_PORT)
    assert np.array_equal(admitted, np.full(n_days, quota))

    # Person k (0-based, in arrival order) is admitted on day floor(k / Q).
    arrival_day = np.repeat(t, per_day)
    k = np.arange(quota * n_days)
    waited = k // quota - arrival_day[k]
    expected = sorted(Counter(waited.tolist()).items())
    port = out.place_ids.index(PORT)
    assert out.waits == Waits(
        port=np.full(len(expected), port),
        outcome=np.full(len(expected), WaitOutcome.ADMITTED),
        waited_days=[w for w, _ in expected],
        n=[n for _, n in expected],
    )
    assert not daily_flow(out, *GIVE_UPS).any()


def test_constant_arrivals_below_quota_never_queue(tiny):
    """Arrivals below the quota: all are admitted on the day they arrive; the list stays empty."""
    n_days, arrivals, quota = 40, 5, 8
    sc = tiny(
        single_port_body("constant", arrivals, quota, p_renege=0.0), head=head_for(n_days, START)
    )
    out = run(sc, seed=3, check=True)

    assert not list_length(out).any()
    admitted = daily_flow(out, Transition.ADMITTED_AT_PORT)
    assert np.array_equal(admitted, np.full(n_days, arrivals))
    port = out.place_ids.index(PORT)
    assert out.waits == Waits(
        port=[port], outcome=[WaitOutcome.ADMITTED], waited_days=[0], n=[arrivals * n_days]
    )


# --- a metered port, Poisson arrivals with geometric patience: the exact Markov chain --------


def batch_means(x: np.ndarray, batch: int) -> tuple[float, float, int]:
    """Mean of a stationary series and its standard error from non-overlapping batch means."""
    k = len(x) // batch
    means = x[: k * batch].reshape(k, batch).mean(axis=1)
    return float(x.mean()), float(means.std(ddof=1) / math.sqrt(k)), k


# (λ, Q, p, days kept, quantities whose 50 % error in p this design resolves)
POISSON_CASES = {
    # A real queue (mean ≈ 11 people): length and admissions are sharp; give-ups barely move
    # with p (nearly all excess arrivals give up anyway) and are lost in the arrival noise.
    "long_queue": (10.0, 8, 0.15, 6000, ("mean_length", "admissions")),
    # Arrivals at the quota: the list is short and give-ups depend strongly on p.
    "balanced": (10.0, 10, 0.4, 8000, ("mean_length", "admissions", "give_ups")),
}


@pytest.mark.parametrize("case", list(POISSON_CASES))
def test_poisson_port_matches_markov_chain_steady_state(tiny, case):
    """Mean list length, admissions and give-ups a day agree with the exact chain within 4 SE."""
    lam, quota, p, kept, resolved = POISSON_CASES[case]
    exact = theory.steady_state(lam, quota, p)
    assert exact.admissions + exact.give_ups == pytest.approx(lam, rel=1e-9)  # flow balance

    # Warm-up and batches long against the chain's own relaxation time.
    warm_up = max(100, math.ceil(30 * exact.relaxation_days))
    batch = max(25, math.ceil(20 * exact.relaxation_days))
    n_days = warm_up + kept
    sc = tiny(single_port_body("poisson", lam, quota, p_renege=p), head=head_for(n_days, START))
    out = run(sc, seed=11)

    series = {
        "mean_length": list_length(out),
        "admissions": daily_flow(out, Transition.ADMITTED_AT_PORT),
        "give_ups": daily_flow(out, *GIVE_UPS, from_states=WAITING),
    }
    # Every finished wait that did not end in admission is a give-up, and vice versa.
    waits = out.waits
    assert waits.n[waits.outcome == WaitOutcome.LEFT_LIST].sum() == series["give_ups"].sum()
    assert waits.n[waits.outcome == WaitOutcome.ADMITTED].sum() == series["admissions"].sum()

    off = theory.steady_state(lam, quota, 1.5 * p)
    for name, x in series.items():
        sim, se, n_batches = batch_means(x[warm_up:], batch)
        assert n_batches >= 30
        truth = getattr(exact, name)
        assert abs(sim - truth) < 4 * se, f"{name}: sim {sim:.4f} exact {truth:.4f} SE {se:.4f}"
        if name in resolved:  # the band is narrow enough to catch p off by 50 %
            wrong = getattr(off, name)
            assert abs(sim - wrong) > 4 * se, f"{name}: p·1.5 gives {wrong:.4f}, also in the band"


# --- the closed forms themselves ------------------------------------------------------------


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


# --- courts: the regular docket is M/M/c ----------------------------------------------------

DOCKET_JUDGES, COMPLETIONS, CASE_DAYS = 1, 0.8, 10  # c = 1 × 0.8 × 10 = 8 places
DOCKET_LAMBDA = 0.64  # ρ = λ · case_active_days / c = 0.8
DOCKET_SEEDS = (1, 2)
DOCKET_WARM_UP = 600  # five relaxation times of the chain (about 115 days)
DOCKET_KEPT = 11000
DOCKET_BATCH = 1000


def docket_body(lam: float, docket: DocketKind = DocketKind.REGULAR) -> str:
    """Cases filed λ a day (Poisson) on ``docket``.

    The regular docket: families released with a notice to appear. The detained docket:
    single adults admitted at the port pass their fear interview at once and are detained
    for good (a stay of 100 years on average, the longest a scenario takes: about one in
    5,000 is released within a week's wait and leaves the docket), heard by its own judges.
    """
    if docket == DocketKind.DETAINED:
        return f"""
    [levers]
    detained_judges = {DOCKET_JUDGES}
    judges = 0
    cf_interviews_per_day = 1e9
    p_credible_fear_pass = 1.0
    mpp = {{ default = 0 }}

    [parameters]
    p_join_waitlist = 1.0
    dur_detention_days = {{ value = 36525, low = 1, high = 36525 }}
    completions_per_judge_day = {{ value = {COMPLETIONS}, low = 0.1, high = 2.0 }}
    case_active_days_detained = {{ value = {CASE_DAYS}, low = 1, high = 400 }}

    [background]
    daily = {{ OTH = {lam} }}
    origins = {{ OTH = "tijuana" }}
    destinations = {{ tijuana = 1.0 }}
    household = {{ single_adult = 1.0 }}
    """
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


def began_waits(out: RunOutput, n_days: int, docket: DocketKind = DocketKind.REGULAR) -> np.ndarray:
    """Cases whose hearings began on ``docket``, by days waited since filing."""
    d = out.decisions
    rows = (d.docket == docket) & (d.outcome == HEARINGS_BEGAN)
    return np.bincount(d.days[rows], weights=d.n[rows], minlength=n_days)


@pytest.mark.parametrize("docket", [DocketKind.REGULAR, DocketKind.DETAINED])
def test_docket_mean_wait_matches_erlang_c(tiny, docket):
    """Mean wait from filing to the start of hearings after a warm-up agrees with M/M/c.

    On the regular docket, and on the detained docket with its own judges (the same queue
    fed from detention: it must not lose or duplicate a case on the way).

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
    long_sc = tiny(docket_body(lam, docket), head=head_for(n_days, START))
    short_sc = tiny(docket_body(lam, docket), head=head_for(DOCKET_WARM_UP, START))
    waits = np.zeros(n_days)
    queued, filed = [], []
    for seed in DOCKET_SEEDS:
        full, prefix = run(long_sc, seed=seed), run(short_sc, seed=seed)
        early = full.flows[full.flows.day < DOCKET_WARM_UP]
        assert prefix.flows == early, "the warm-up run is a prefix of the long run"
        waits += began_waits(full, n_days, docket) - began_waits(prefix, n_days, docket)
        courts = full.courts[full.courts.docket == docket]
        assert courts.in_hearings.max() <= c  # never more cases in hearings than places
        queued.append(courts.waiting[DOCKET_WARM_UP:])
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


# --- detention: Erlang's loss system --------------------------------------------------------

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
    out = run(tiny(detention_body(c, STAY_DAYS, lam), head=head_for(n_days, START)), seed=5)
    lost = daily_flow(out, Transition.RELEASED_NO_BED)
    taken = daily_flow(out, Transition.DETAINED)
    occupied = daily_stock(out, State.DETAINED)
    assert occupied.max() <= c
    assert occupied[DETENTION_WARM_UP:].mean() == pytest.approx(lam * (1 - closed) / mu, rel=0.1)
    assert not daily_flow(out, Transition.CREDIBLE_FEAR_FAILED).any()
    # A claimant asks for a bed to wait in for the interview (held the same day, every
    # fear found) and keeps it, detained; one who finds none is released uninterviewed.
    asked = lost + taken
    assert taken.sum() == daily_flow(out, Transition.CREDIBLE_FEAR_PASSED).sum()

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


# --- family residential centres: a loss system with a time limit ----------------------------

FAMILY_BEDS, FAMILY_STAY, FAMILY_LIMIT, FAMILY_LAMBDA = 10, 12, 8, 1.6


def family_detention_body(beds: int, stay: float, limit: int, lam: float) -> str:
    """Family members admitted at the port all claim fear; none is released at the decision."""
    return f"""
    [levers]
    family_beds = {beds}
    judges = 0

    [parameters]
    p_join_waitlist = 1.0
    p_release_family = {{ value = 0.0, low = 0.0, high = 1.0 }}
    dur_family_detention_days = {{ value = {stay}, low = 1, high = 100 }}
    family_detention_limit_days = {{ value = {limit}, low = {limit}, high = {limit} }}

    [background]
    daily = {{ OTH = {lam} }}
    origins = {{ OTH = "tijuana" }}
    destinations = {{ tijuana = 1.0 }}
    household = {{ family_adult = 1.0 }}
    """


def test_family_detention_losses_match_erlang_b_whatever_the_stay(tiny):
    """Family beds with a time limit are an M/G/c/c loss system: the share released from
    holding for lack of a bed is Erlang's B(c, λ·E[S]), whatever the law of the stay S.

    c = 10 beds; a stay is geometric with mean 12 days cut at the limit of 8 days, so
    E[S] = 12 (1 − (11/12)^8) ≈ 6.02 days; λ = 1.6 a day: B(10, 9.63) ≈ 0.197.

    *Insensitivity.* The stay is far from geometric (a third of the stays end at the limit),
    yet the share lost must agree with the exact daily chain of *geometric* stays of the
    same mean (``detention_chain_loss``, 0.170) within 4 SE; and with B within 4 SE plus the
    daily step's δ (as for detention: a stay of S days holds its bed for S nights).

    *It can fail.* Ignoring the limit (B(10, λ · 12) ≈ 0.52), two more beds (0.106), one
    fewer (0.255) or stays 20 % longer fall outside the band.
    """
    c, lam = FAMILY_BEDS, FAMILY_LAMBDA
    mean_stay = FAMILY_STAY * (1 - (1 - 1 / FAMILY_STAY) ** FAMILY_LIMIT)
    closed = erlang_b(c, lam * mean_stay)
    exact = detention_chain_loss(c, lam, 1 / mean_stay)
    assert erlang_b(c, lam * (mean_stay - 1)) < exact < closed
    step_error = closed - exact

    n_days = DETENTION_WARM_UP + DETENTION_KEPT
    body = family_detention_body(c, FAMILY_STAY, FAMILY_LIMIT, lam)
    out = run(tiny(body, head=head_for(n_days, START)), seed=5)
    lost = daily_flow(out, Transition.RELEASED_FROM_HOLDING)
    taken = daily_flow(out, Transition.TO_CREDIBLE_FEAR)
    occupied = daily_stock(out, State.FAMILY_DETENTION)
    assert occupied.max() <= c
    assert not daily_stock(out, State.DETAINED, State.AWAITING_CREDIBLE_FEAR).any()
    kept = slice(DETENTION_WARM_UP, None)
    # A stay of S days is S end-of-day snapshots: the beds in use are admissions × E[S].
    assert occupied[kept].mean() == pytest.approx(taken[kept].mean() * mean_stay, rel=0.03)

    asked = lost + taken
    sim, se, k = batch_ratio(lost[None, kept], asked[None, kept], DETENTION_BATCH)
    assert k >= 16
    assert asked[kept].mean() == pytest.approx(lam, rel=0.03)

    report = f"sim {sim:.4f} SE {se:.4f}; geometric daily chain {exact:.4f}; Erlang B {closed:.4f}"
    print(report)
    assert abs(sim - exact) < 4 * se, report
    tolerance = 4 * se + step_error
    assert abs(sim - closed) < tolerance, report
    for name, wrong in (
        ("no limit", erlang_b(c, lam * FAMILY_STAY)),
        ("c + 2", erlang_b(c + 2, lam * mean_stay)),
        ("c − 1", erlang_b(c - 1, lam * mean_stay)),
        ("E[S]·1.2", erlang_b(c, 1.2 * lam * mean_stay)),
    ):
        assert abs(sim - wrong) > tolerance, f"{name} gives {wrong:.4f}, also in the band; {report}"


# --- courts: a priority docket is a two-class non-preemptive priority M/M/c ------------------

PRIORITY_LAMBDAS = (0.28, 0.28)  # the run's cases, other receipts: ρ = 0.56 / 0.8 = 0.7
PRIORITY_SEEDS = (1, 2)
PRIORITY_WARM_UP = 500  # about twenty relaxation times
PRIORITY_KEPT = 10_000
PRIORITY_BATCH = 1000


def cobham_waits(c: int, lam1: float, lam2: float, mu: float) -> tuple[float, float]:
    """Mean waits in queue of the two classes of a non-preemptive priority M/M/c.

    Cobham's formula with a service rate ``μ`` common to both classes: W_k =
    (C(c, a) / cμ) / ((1 − σ_{k−1})(1 − σ_k)), with ``a = (λ1 + λ2) / μ`` and ``σ_k`` the
    load of classes 1..k over ``cμ`` (Kleinrock, *Queueing Systems* II, 3.7; Gross &
    Harris, 3.4.2). Infinite when the load reaches ``cμ``.
    """
    lam = lam1 + lam2
    if lam >= c * mu:
        return math.inf, math.inf
    base = erlang_c(c, lam / mu) / (c * mu)
    sigma1, sigma2 = lam1 / (c * mu), lam / (c * mu)
    return base / (1 - sigma1), base / ((1 - sigma1) * (1 - sigma2))


def priority_docket_chain(
    c: int, lam1: float, lam2: float, p: float, n: int = 50
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Exact mean waits of the daily two-class priority docket, and their spreads.

    State at the end of a day: ``(b, q1, q2)``, cases in hearings and waiting per class
    (waiting only when all ``c`` places are busy). The next day ``D ~ Binomial(b, p)``
    hearings finish, ``A_k ~ Poisson(λ_k)`` cases of each class are filed, and the free
    places take class 1 first, then class 2 (non-preemptive: hearings never stop). As in
    :func:`~borderflow.analysis.theory.docket_chain`, each class's mean wait in whole days
    is its mean end-of-day queue over ``λ_k`` (Little's law, exact in discrete time). Queues
    are cut at ``q1 + q2 <= n`` (the mass beyond is below 1e-7 at ρ = 0.7).

    Returns ``((W1, W2), (σ1, σ2))``: the estimate ``Σ_t q_k / (T λ_k)`` over ``T`` days has
    standard error ``σ_k / √T``, from the Poisson equation of the chain as in ``docket_chain``.
    """
    states = [(b, 0, 0) for b in range(c)]
    states += [(c, q1, q2) for q1 in range(n + 1) for q2 in range(n + 1 - q1)]
    s = np.array(states)
    index = np.full((c + 1, n + 1, n + 1), -1)
    index[s[:, 0], s[:, 1], s[:, 2]] = np.arange(len(s))
    busy, q1, q2 = s.T
    filed = []
    for lam in (lam1, lam2):
        a, pa = theory.arrivals(lam)
        filed.append((a[pa > 1e-16], pa[pa > 1e-16]))
    trans = np.zeros((len(s), len(s)))
    rows = np.arange(len(s))
    for done in range(c + 1):
        w_done = stats.binom.pmf(done, busy, p)  # 0 where more finish than are heard
        some = w_done > 0
        free = c - busy + done
        for a1, w1 in zip(*filed[0], strict=True):
            waiting1 = q1 + a1
            took1 = np.minimum(waiting1, free)
            for a2, w2 in zip(*filed[1], strict=True):
                waiting2 = q2 + a2
                took2 = np.minimum(waiting2, free - took1)
                left1 = np.minimum(waiting1 - took1, n)
                left2 = np.minimum(waiting2 - took2, n - left1)
                nxt = index[busy - done + took1 + took2, left1, left2]
                np.add.at(trans, (rows[some], nxt[some]), (w_done * w1 * w2)[some])
    trans /= trans.sum(axis=1, keepdims=True)
    pi = theory.stationary(trans)
    fundamental = np.eye(len(s)) - trans + np.outer(np.ones(len(s)), pi)
    waits, spreads = [], []
    for queue, lam in ((q1, lam1), (q2, lam2)):
        centred = queue - float(pi @ queue)
        g = np.linalg.solve(fundamental, centred)
        var = 2 * float(pi @ (centred * g)) - float(pi @ centred**2)
        waits.append(float(pi @ queue) / lam)
        spreads.append(math.sqrt(var) / lam)
    return (waits[0], waits[1]), (spreads[0], spreads[1])


def priority_body(lam1: float, lam2: float) -> str:
    """The run's cases (families released, λ1 a day) kept every free place ahead of the
    cases of people not simulated (``other_receipts``, λ2 a day): ``priority_share = 1``."""
    body = docket_body(lam1).replace("[levers]\n", "[levers]\n    priority_share = 1.0\n", 1)
    return (
        body
        + f"""
    [courts]
    other_receipts = {lam2}
    other_receipts_source = "the theory test's low-priority class"
    """
    )


def test_priority_docket_waits_match_cobham(tiny):
    """Each class's mean wait agrees with Cobham's non-preemptive priority M/M/c.

    c = 8 places, μ = 1/10 a day; the run's cases (class 1, λ1 = 0.28 a day) take every
    free place ahead of the other receipts (class 2, λ2 = 0.28), ρ = 0.7: Cobham gives
    W1 ≈ 0.52 and W2 ≈ 1.74 days, against 1.13 for both without priority (Erlang C).

    *Measured* by Little's law on the end-of-day queues (the docket's ``waiting`` and
    ``pending_from_start`` columns) over 2 × 10,000 days after a warm-up, each over its
    class's rate; the exact daily chain gives the standard errors (about 0.045 and 0.29
    days), which batch means of 1,000 days must confirm within a factor 2.

    *Daily step.* The exact two-class daily chain gives W1 ≈ 0.40 and W2 ≈ 1.74: a place
    freed on a day takes that day's filings, so class 1 waits about a tenth of a day less
    than in continuous time (δ1 ≈ 0.12), class 2 about the same. The chain itself is checked:
    by work conservation its λ-weighted total is the one-class daily chain's. The simulation
    must lie within 4 SE of the chain, and within 4 SE + δ of Cobham.

    *It can fail.* Cobham with a service rate 20% too slow (μ·0.8, ρ = 0.875: W1 ≈ 1.77,
    W2 ≈ 14.1) is far outside both bands, and FIFO's 1.13 days outside class 1's. (Class
    2's band, about ±1.2 days, is too wide to tell FIFO or μ·1.2 from the truth: that would
    take about four times the days.)
    """
    lam1, lam2 = PRIORITY_LAMBDAS
    c = int(DOCKET_JUDGES * COMPLETIONS * CASE_DAYS)
    mu = 1.0 / CASE_DAYS
    closed = cobham_waits(c, lam1, lam2, mu)
    exact, sigma = priority_docket_chain(c, lam1, lam2, mu)
    one_class, _ = docket_chain(c, lam1 + lam2, mu)
    assert lam1 * exact[0] + lam2 * exact[1] == pytest.approx((lam1 + lam2) * one_class, rel=1e-6)
    assert exact[0] < one_class < exact[1]  # priority moves waiting from class 1 to class 2

    n_days = PRIORITY_WARM_UP + PRIORITY_KEPT
    sc = tiny(priority_body(lam1, lam2), head=head_for(n_days, START))
    queues: list[list[np.ndarray]] = [[], []]
    for seed in PRIORITY_SEEDS:
        out = run(sc, seed=seed)
        courts = out.courts[out.courts.docket == REGULAR]
        assert courts.in_hearings.max() <= c
        queues[0].append(courts.waiting[PRIORITY_WARM_UP:])
        queues[1].append(courts.pending_from_start[PRIORITY_WARM_UP:])
        filed = daily_flow(out, Transition.CASE_FILED)[PRIORITY_WARM_UP:]
        assert filed.mean() == pytest.approx(lam1, rel=0.05)
    kept_days = PRIORITY_KEPT * len(PRIORITY_SEEDS)

    reports = []
    for k, lam in enumerate(PRIORITY_LAMBDAS):
        series = np.array(queues[k], float)
        sim = float(series.mean()) / lam
        se = sigma[k] / math.sqrt(kept_days)
        batches = series[:, : PRIORITY_KEPT // PRIORITY_BATCH * PRIORITY_BATCH]
        means = batches.reshape(len(series), -1, PRIORITY_BATCH).mean(axis=2).ravel() / lam
        batch_se = float(means.std(ddof=1) / math.sqrt(len(means)))
        assert 0.5 < batch_se / se < 2.0, f"class {k + 1}: batch SE {batch_se:.3f}, theory {se:.3f}"
        step_error = abs(exact[k] - closed[k])
        tolerance = 4 * se + step_error
        report = (
            f"class {k + 1}: sim {sim:.3f} SE {se:.3f}; daily chain {exact[k]:.3f}; "
            f"Cobham {closed[k]:.3f}"
        )
        reports.append(report)
        assert abs(sim - exact[k]) < 4 * se, report
        assert abs(sim - closed[k]) < tolerance, report
        wrong = cobham_waits(c, lam1, lam2, 0.8 * mu)[k]
        assert abs(sim - wrong) > tolerance, f"μ·0.8 gives {wrong:.3f}, also in the band; {report}"
        if k == 0:
            fifo = mmc_wait(c, lam1 + lam2, mu)
            assert abs(sim - fifo) > tolerance, f"FIFO gives {fifo:.3f}, in the band; {report}"
    print("; ".join(reports))
