"""How far a run is from the targets, and the quantiles the calibration reports.

Two measures of a run against the figures used in the fit (:data:`LIKELIHOODS`):

* ``distance`` (the default): the root mean square of ``(simulated - reported) /
  scale``, where a figure's scale is half its reported range ``(high - low) / 2``, or 5%
  of the reported figure if the range is narrower (a single run is a random draw, so no
  fit is closer than that), or 1 for a zero figure reported without a range.
* ``negative_binomial``: a count likelihood. Each count figure (a stock or a flow of
  people) is read as a negative binomial draw whose mean is the run's value and whose
  dispersion ``r`` is fitted (by maximum likelihood over the run's count figures, so
  variance ``mu + mu^2 / r`` absorbs what the model leaves out); the discrepancy is the
  mean over the figures of the negative log-likelihood less that of a perfect fit (the
  Poisson at ``mu = y``). Figures that are not counts (rates, shares, per-day means)
  add the Gaussian ``z^2 / 2`` of their scaled error. Zero for a perfect fit, larger
  the worse.

A figure the run cannot compute (a rate over no one) counts as :data:`MISSING_SCALES`
scales off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import gammaln

from borderflow.scenario.schema import TargetPoint

#: How far a target may be off, in scales, when the run cannot compute it.
MISSING_SCALES = 10.0
#: The measures of a run against the targets that a calibration can use.
Likelihood = Literal["distance", "negative_binomial"]
LIKELIHOODS: tuple[str, ...] = ("distance", "negative_binomial")
#: The measures whose figures are counts of people (a negative binomial applies).
COUNT_MEASURES = frozenset({"stock", "flow"})
#: The dispersion's search range (log10 of r): from very overdispersed to Poisson.
LOG10_DISPERSION = (-2.0, 7.0)


def target_scales(targets: Sequence[TargetPoint]) -> np.ndarray:
    """Each figure's scale: half its reported range, at least 5% of the figure (1 if zero)."""
    scales = []
    for t in targets:
        scale = max((t.high - t.low) / 2, 0.05 * abs(t.reported))
        scales.append(scale if scale > 0 else 1.0)
    return np.array(scales, float)


def distance(simulated: np.ndarray, reported: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Root mean square of the scaled errors, one per row of ``simulated``."""
    z = (np.atleast_2d(simulated) - reported) / scales
    z = np.where(np.isfinite(z), z, MISSING_SCALES)
    return np.sqrt(np.mean(z**2, axis=1))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under ``weights`` (inverted weighted CDF)."""
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(weights[order])
    cdf /= cdf[-1]
    return float(values[order][min(int(np.searchsorted(cdf, q)), len(values) - 1)])


@dataclass(frozen=True)
class FitTargets:
    """The targets' figures as the fit sees them (one a point target, one a series row).

    Attributes:
        reported: every figure's reported value.
        scales: every figure's scale.
        used: which figures the fit uses: those of ``fit`` targets not held out. A
            ``check`` target's figures are never used.
    """

    reported: np.ndarray
    scales: np.ndarray
    used: np.ndarray
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    likelihood: Likelihood = "distance"

    def distance(self, values: np.ndarray) -> np.ndarray:
        """How far each row of ``values`` (one value a figure) is, over the fitted figures."""
        values = np.atleast_2d(values)
        if self.likelihood == "distance":
            return distance(values[:, self.used], self.reported[self.used], self.scales[self.used])
        return np.array([self._discrepancy(row) for row in values])

    def _discrepancy(self, row: np.ndarray) -> float:
        """The negative-binomial discrepancy of one run (see the module's docstring)."""
        counts = self.used & self.counts
        others = self.used & ~self.counts
        terms = []
        if counts.any():
            mu, y = row[counts], self.reported[counts]
            r = fitted_dispersion(mu, y)
            terms.append(nb_excess(mu, y, r))
        if others.any():
            z = (row[others] - self.reported[others]) / self.scales[others]
            terms.append(np.where(np.isfinite(z), z, MISSING_SCALES) ** 2 / 2)
        return float(np.mean(np.concatenate(terms))) if terms else 0.0

    def dispersion(self, values: np.ndarray) -> float:
        """The dispersion ``r`` fitted to the median of runs ``values`` (NaN without counts)."""
        counts = self.used & self.counts
        if not counts.any():
            return float("nan")
        mu = np.nanmedian(np.atleast_2d(values)[:, counts], axis=0)
        return fitted_dispersion(mu, self.reported[counts])


def nb_log_likelihood(mu: np.ndarray, y: np.ndarray, r: float) -> np.ndarray:
    """Log-probability of counts ``y`` under negative binomials of mean ``mu``, dispersion ``r``.

    ``mu`` that is not positive or finite is read as a tenth of a person (a run that
    brings nobody where people were reported is far off, not impossible).
    """
    mu = np.where(np.isfinite(mu) & (mu > 0), mu, 0.1)
    y = np.maximum(np.round(y), 0)
    return (
        gammaln(y + r)
        - gammaln(r)
        - gammaln(y + 1)
        + r * np.log(r / (r + mu))
        + y * np.log(mu / (r + mu))
    )


def poisson_best(y: np.ndarray) -> np.ndarray:
    """Log-probability of each count at its own mean under a Poisson: a perfect fit's."""
    y = np.maximum(np.round(y), 0)
    safe = np.where(y > 0, y, 1.0)
    return np.where(y > 0, y * np.log(safe) - y - gammaln(y + 1), 0.0)


def nb_excess(mu: np.ndarray, y: np.ndarray, r: float) -> np.ndarray:
    """Each count's negative log-likelihood beyond a perfect fit's (0 when ``mu = y``)."""
    return np.maximum(poisson_best(y) - nb_log_likelihood(mu, y, r), 0.0)


def fitted_dispersion(mu: np.ndarray, y: np.ndarray) -> float:
    """The dispersion ``r`` that makes counts ``y`` likeliest around means ``mu``.

    Searched over :data:`LOG10_DISPERSION`; at the top the negative binomial is a Poisson.
    """
    found = minimize_scalar(
        lambda log_r: -float(np.sum(nb_log_likelihood(mu, y, 10.0**log_r))),
        bounds=LOG10_DISPERSION,
        method="bounded",
        options={"xatol": 1e-3},
    )
    return float(10.0**found.x)


@dataclass(frozen=True)
class Band:
    """The 5%, 50% and 95% quantiles of each column of a sample (NaN where none is defined)."""

    q05: np.ndarray
    median: np.ndarray
    q95: np.ndarray

    def columns(self, prefix: str) -> dict[str, np.ndarray]:
        """``{prefix}_q05``, ``{prefix}_median`` and ``{prefix}_q95``, as a table's columns."""
        return {
            f"{prefix}_q05": self.q05,
            f"{prefix}_median": self.median,
            f"{prefix}_q95": self.q95,
        }


def band(values: np.ndarray, weights: np.ndarray | None = None) -> Band:
    """5/50/95% quantiles of each column (weighted if ``weights``); NaN rows left out."""
    q05, median, q95 = (np.full(values.shape[1], np.nan) for _ in range(3))
    for j in range(values.shape[1]):
        column = values[:, j]
        ok = np.isfinite(column)
        if not ok.any():
            continue
        w = np.ones(ok.sum()) if weights is None else weights[ok]
        q05[j] = weighted_quantile(column[ok], w, 0.05)
        median[j] = weighted_quantile(column[ok], w, 0.5)
        q95[j] = weighted_quantile(column[ok], w, 0.95)
    return Band(q05, median, q95)
