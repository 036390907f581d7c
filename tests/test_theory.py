"""A single metered port agrees with queueing theory.

The order of one day at a port, as the engine runs it (see ``engine/plan.py``):

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

Closed forms are computed here, in the tests, and never taken from the engine.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from borderflow.engine.run import RunOutput, run
from borderflow.model import theory
from borderflow.scenario.vocabulary import WAITING, Transition
from conftest import BASE_TOML, single_port_body

PORT = "san_ysidro"
GIVE_UPS = (Transition.CROSS_BETWEEN_PORTS, Transition.SETTLE, Transition.GIVE_UP)


def head_for(n_days: int) -> str:
    """The fixture's TOML head, with a run of ``n_days`` days from 2000-01-01."""
    end = np.datetime64("2000-01-01") + np.timedelta64(n_days - 1, "D")
    head = BASE_TOML.replace("start = 2020-01-01", "start = 2000-01-01")
    return head.replace("end = 2020-03-31", f"end = {end}")


def list_length(out: RunOutput, n_days: int) -> np.ndarray:
    """People on the port's list at the end of each day."""
    port = out.place_ids.index(PORT)
    s = out.stocks
    rows = (s[:, 1] == port) & np.isin(s[:, 2], WAITING)
    return np.bincount(s[rows, 0], weights=s[rows, 4], minlength=n_days)


def daily_flow(out: RunOutput, n_days: int, transitions, from_states=None) -> np.ndarray:
    """Flows per day with the given transitions (and, optionally, from the given states)."""
    f = out.flows
    rows = np.isin(f[:, 3], transitions)
    if from_states is not None:
        rows &= np.isin(f[:, 4], from_states)
    return np.bincount(f[rows, 0], weights=f[rows, 7], minlength=n_days)


# --- a. constant arrivals: the deterministic queue -------------------------------------------


def even_arrivals(a: float, n_days: int) -> np.ndarray:
    """Arrivals per day when ``a`` a day are spread evenly: floor(k·a) people by day k."""
    cum = np.floor(np.arange(n_days + 1) * a + 1e-9).astype(np.int64)
    return np.diff(cum)


@pytest.mark.parametrize(("arrivals", "quota"), [(12, 5), (7.5, 4)])
def test_constant_arrivals_above_quota_queue_deterministically(tiny, arrivals, quota):
    """Arrivals above the quota, no reneging: the list grows by A − Q a day, waits are exact."""
    n_days = 60
    sc = tiny(single_port_body("constant", arrivals, quota, p_renege=0.0), head=head_for(n_days))
    out = run(sc, seed=3, check=True)

    per_day = even_arrivals(arrivals, n_days)
    assert per_day.min() >= quota  # the list never empties, so admissions are Q every day
    t = np.arange(n_days)
    assert np.array_equal(list_length(out, n_days), np.cumsum(per_day) - (t + 1) * quota)
    if float(arrivals).is_integer():
        assert np.array_equal(list_length(out, n_days), (t + 1) * (arrivals - quota))
    admitted = daily_flow(out, n_days, [Transition.ADMITTED_AT_PORT])
    assert np.array_equal(admitted, np.full(n_days, quota))

    # Person k (0-based, in arrival order) is admitted on day floor(k / Q).
    arrival_day = np.repeat(t, per_day)
    k = np.arange(quota * n_days)
    waited = k // quota - arrival_day[k]
    expected = sorted(Counter(waited.tolist()).items())
    port = out.place_ids.index(PORT)
    assert out.waits.tolist() == [[port, 0, w, n] for w, n in expected]
    assert not daily_flow(out, n_days, GIVE_UPS).any()


def test_constant_arrivals_below_quota_never_queue(tiny):
    """Arrivals below the quota: all are admitted on the day they arrive; the list stays empty."""
    n_days, arrivals, quota = 40, 5, 8
    sc = tiny(single_port_body("constant", arrivals, quota, p_renege=0.0), head=head_for(n_days))
    out = run(sc, seed=3, check=True)

    assert not list_length(out, n_days).any()
    admitted = daily_flow(out, n_days, [Transition.ADMITTED_AT_PORT])
    assert np.array_equal(admitted, np.full(n_days, arrivals))
    port = out.place_ids.index(PORT)
    assert out.waits.tolist() == [[port, 0, 0, arrivals * n_days]]


# --- b. Poisson arrivals with geometric patience: the exact Markov chain ---------------------


def exact_chain(lam: float, quota: int, p: float) -> theory.PortSteadyState:
    """Stationary law of ``L' = Binomial(max(L + A − Q, 0), 1 − p)``, ``A ~ Poisson(lam)``."""
    return theory.steady_state(lam, quota, p)


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
    exact = exact_chain(lam, quota, p)
    assert exact.admissions + exact.give_ups == pytest.approx(lam, rel=1e-9)  # flow balance

    # Warm-up and batches long against the chain's own relaxation time.
    warm_up = max(100, math.ceil(30 * exact.relaxation_days))
    batch = max(25, math.ceil(20 * exact.relaxation_days))
    n_days = warm_up + kept
    sc = tiny(single_port_body("poisson", lam, quota, p_renege=p), head=head_for(n_days))
    out = run(sc, seed=11)

    series = {
        "mean_length": list_length(out, n_days),
        "admissions": daily_flow(out, n_days, [Transition.ADMITTED_AT_PORT]),
        "give_ups": daily_flow(out, n_days, GIVE_UPS, WAITING),
    }
    # Every finished wait that did not end in admission is a give-up, and vice versa.
    assert out.waits[out.waits[:, 1] == 1, 3].sum() == series["give_ups"].sum()
    assert out.waits[out.waits[:, 1] == 0, 3].sum() == series["admissions"].sum()

    off = exact_chain(lam, quota, 1.5 * p)
    for name, x in series.items():
        sim, se, n_batches = batch_means(x[warm_up:], batch)
        assert n_batches >= 30
        truth = getattr(exact, name)
        assert abs(sim - truth) < 4 * se, f"{name}: sim {sim:.4f} exact {truth:.4f} SE {se:.4f}"
        if name in resolved:  # the band is narrow enough to catch p off by 50 %
            wrong = getattr(off, name)
            assert abs(sim - wrong) > 4 * se, f"{name}: p·1.5 gives {wrong:.4f}, also in the band"
