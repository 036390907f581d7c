"""How far a run is from the targets, and the quantiles the calibration reports.

The distance between a run and the targets is the root mean square of
``(simulated - reported) / scale`` over the targets used in the fit, where a target's
scale is half its reported range ``(high - low) / 2``, or 5% of the reported figure if
the range is narrower (a single run is a random draw, so no fit is closer than that),
or 1 for a zero figure reported without a range. A target the run cannot compute (a rate
over no one) counts as :data:`MISSING_SCALES` scales off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from borderflow.scenario.schema import Target

#: How far a target may be off, in scales, when the run cannot compute it.
MISSING_SCALES = 10.0


def target_scales(targets: Sequence[Target]) -> np.ndarray:
    """Each target's scale: half its reported range, at least 5% of the figure (1 if zero)."""
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
    """The targets as the fit sees them.

    Attributes:
        reported: every target's reported value.
        scales: every target's scale.
        used: which targets the fit uses (the others are held out).
    """

    reported: np.ndarray
    scales: np.ndarray
    used: np.ndarray

    def distance(self, values: np.ndarray) -> np.ndarray:
        """The distance of each row of ``values`` (one value per target) over the fitted targets."""
        return distance(values[:, self.used], self.reported[self.used], self.scales[self.used])


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
