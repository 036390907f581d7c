"""The ensemble's bands on a metered port agree with the exact Markov chain, day by day.

The list length at the end of a day follows ``L' = Binomial(max(L + A − Q, 0), 1 − p)``
with ``A ~ Poisson(λ)`` from an empty list (see ``tests/test_theory.py``), so its exact
distribution on every day is the start vector times a power of the transition matrix.
The ensemble's 5 %, 50 % and 95 % quantiles of the daily list length must each lie
between the exact quantiles at levels ``u ± δ``, where ``δ`` is four binomial standard
errors of an empirical CDF over the runs plus the rounding of order statistics.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from borderflow.analysis import ensemble as ens
from borderflow.analysis import theory
from conftest import head_for, single_port_body

LAM, QUOTA, P = 10.0, 8, 0.15
DAYS, RUNS = 20, 100


def transient(lam: float, quota: int, p: float, days: int, n: int = 200) -> np.ndarray:
    """``dist[t, L]``: the exact law of the end-of-day list on days 0 … days-1."""
    trans = theory.transition_matrix(lam, quota, p, n)
    dist = np.zeros((days, n + 1))
    state = np.eye(n + 1)[0]  # the list is empty before the first day
    for t in range(days):
        state = state @ trans
        dist[t] = state
    assert dist[:, -20:].sum() < 1e-12, "truncated too close to the mass"
    return dist


def exact_quantile(cdf: np.ndarray, u: float) -> int:
    """The smallest L with P(list ≤ L) ≥ u."""
    return int(np.searchsorted(cdf, min(max(u, 0.0), 1.0) - 1e-12))


def test_bands_cover_the_exact_chain(tiny):
    head = head_for(DAYS, start=dt.date(2000, 1, 1))
    sc = tiny(single_port_body("poisson", LAM, QUOTA, p_renege=P), head=head)
    res = ens.ensemble(sc, RUNS, seed=21, workers=2)

    rows = res.daily[
        (res.daily["place"] == "san_ysidro") & (res.daily["state"] == "waiting_unsheltered")
    ]
    assert rows["group"].nunique() == 1 and not res.daily["state"].eq("waiting_sheltered").any()
    day = (rows["date"] - np.datetime64("2000-01-01")).dt.days.to_numpy()
    band = {q: np.zeros(DAYS) for q in ("p05", "median", "p95")}
    for q in band:
        band[q][day] = rows[q].to_numpy()  # a day no run has a list on is 0 throughout

    cdf = np.cumsum(transient(LAM, QUOTA, P, DAYS), axis=1)
    covered = []
    for q, u in (("p05", 0.05), ("median", 0.5), ("p95", 0.95)):
        delta = 4 * math.sqrt(u * (1 - u) / RUNS) + 1 / RUNS
        for t in range(DAYS):
            low, high = exact_quantile(cdf[t], u - delta), exact_quantile(cdf[t], u + delta)
            assert low <= band[q][t] <= high, f"day {t} {q}: {band[q][t]} not in [{low}, {high}]"
        covered.append(band[q])
    # The 90 % band holds the exact 5–95 % range of a typical day once the queue has formed,
    # and it is not trivially wide: the exact mass inside it is near 90 %.
    for t in range(5, DAYS):
        lo, hi = int(np.ceil(band["p05"][t])), int(np.floor(band["p95"][t]))
        mass = cdf[t][hi] - (cdf[t][lo - 1] if lo > 0 else 0.0)
        assert 0.75 < mass < 0.99, f"day {t}: exact mass {mass:.3f} inside the 90% band"
    assert band["median"][-1] > 5, "the queue formed (the test is not about empty lists)"
