"""Dated levers turned into per-day arrays (``quota[day, place]``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from borderflow.scenario.bounds import CAPACITY, LEVER_BOUNDS, UNLIMITED
from borderflow.scenario.schema import PER_PLACE_LEVERS, SCALAR_LEVERS, Scenario


@dataclass(frozen=True)
class LeverSchedule:
    """Every lever's value on every day.

    Per-place levers are ``(n_days, n_places)`` arrays indexed by the place's
    position in ``scenario.places``; scalar levers are ``(n_days,)`` arrays.
    ``changed[day]`` names the levers whose value changes on that day.
    """

    quota: np.ndarray
    beds: np.ndarray
    p_apprehend: np.ndarray
    mpp: np.ndarray
    mexico_enforcement: np.ndarray
    mexico_refuge_offer: np.ndarray
    p_prosecute: np.ndarray
    asylum_ban: np.ndarray
    cf_interviews_per_day: np.ndarray
    p_credible_fear_pass: np.ndarray
    detention_beds: np.ndarray
    judges: np.ndarray
    mpp_judges: np.ndarray
    removals_per_day: np.ndarray
    p_lawyer: np.ndarray
    changed: dict[int, set[str]] = field(default_factory=dict)


def build_schedule(sc: Scenario) -> LeverSchedule:
    """Apply the scenario's initial levers, then its policies in date order.

    Each day's value is written once, whatever the number of policies: the values between
    two changes of a lever are one block. An unlimited capacity (``inf``) becomes the
    count the model uses, :data:`~borderflow.scenario.bounds.UNLIMITED`.
    """
    n_days, index = sc.n_days, {p.id: i for i, p in enumerate(sc.places)}
    kinds = np.array([p.kind for p in sc.places])
    initial: dict[str, np.ndarray] = {}
    for lever, kind in PER_PLACE_LEVERS.items():
        per_place = getattr(sc.levers, lever)
        row = np.where(kinds == kind, per_place.default, 0.0)
        for pid, value in per_place.overrides().items():
            row[index[pid]] = value
        initial[lever] = row
    for lever in SCALAR_LEVERS:
        dtype = bool if lever == "asylum_ban" else float
        initial[lever] = np.array(getattr(sc.levers, lever), dtype=dtype)

    # Per lever, the day's changes in the order they apply: (places, value); None: all.
    changes: dict[str, dict[int, list[tuple[np.ndarray | None, float | bool]]]] = {}
    changed: dict[int, set[str]] = {}
    for policy in sorted(sc.policies, key=lambda p: p.date):
        day = sc.day_of(policy.date)
        for key, value in policy.set.items():
            lever, _, pid = key.partition(".")
            columns = None
            if lever in PER_PLACE_LEVERS:
                columns = (
                    kinds == PER_PLACE_LEVERS[lever]
                    if pid in ("", "default")
                    else np.arange(len(kinds)) == index[pid]
                )
            changes.setdefault(lever, {}).setdefault(day, []).append((columns, value))
            changed.setdefault(day, set()).add(lever)
    arrays = {
        lever: _by_day(start, changes.get(lever, {}), n_days) for lever, start in initial.items()
    }
    for lever, bound in LEVER_BOUNDS.items():
        if bound is CAPACITY:
            arrays[lever] = np.minimum(arrays[lever], UNLIMITED)
    return LeverSchedule(changed=changed, **arrays)


def _by_day(
    start: np.ndarray,
    changes: dict[int, list[tuple[np.ndarray | None, float | bool]]],
    n_days: int,
) -> np.ndarray:
    """A lever's value on every day: ``start``, then each day's changes from that day on."""
    out = np.empty((n_days, *start.shape), start.dtype)
    current = start.copy()
    first = 0
    for day in sorted(changes):
        out[first:day] = current
        for columns, value in changes[day]:
            if columns is None:
                current[...] = value
            else:
                current[columns] = value
        first = day
    out[first:] = current
    return out


#: Slack on the running sum of fractional capacities: a sum of decimal fractions such
#: as 0.1 falls a few ulps short of the whole number it should reach (ten days of 0.1
#: give 0.9999999999999999). It is far above the rounding error of 36,525 days of sums
#: below one and far below any fraction a scenario means.
_SUM_SLACK = 1e-6


def per_day_counts(capacity: np.ndarray) -> np.ndarray:
    """Whole counts a day from a capacity given as a number a day, carrying its fraction.

    A day serves whole people, yet a capacity a day may be fractional, and is whenever a
    scenario is scaled down (:meth:`~borderflow.scenario.schema.Scenario.scaled`). Cutting
    each day's value down to a whole number would serve nobody at all at 0.4 a day; the
    fraction is carried from day to day instead, so that the count served on day ``t`` is
    ``floor(C(t)) - floor(C(t - 1))``, with ``C`` the running sum of the daily values:
    0.4 a day serves 1 on days 2 and 4 of every 5 (counted from 0) and keeps the mean.

    An unlimited day (a value at or above :data:`~borderflow.scenario.bounds.UNLIMITED`)
    serves :data:`~borderflow.scenario.bounds.UNLIMITED` and adds nothing to the running
    sum, so the days around it carry their fraction as if it were not there. The whole
    parts are summed in integers and only the fractions in floating point, so whole-number
    capacities give exactly their own values.

    Args:
        capacity: the capacity on every day, by day along the first axis (a lever of a
            :class:`LeverSchedule`, or columns of one).

    Returns:
        Counts a day (``int64``) of the same shape.
    """
    values = np.asarray(capacity, np.float64)
    unlimited = values >= UNLIMITED
    finite = np.where(unlimited, 0.0, values)
    whole = np.floor(finite)
    whole_sum = np.cumsum(whole.astype(np.int64), axis=0)
    carried = np.floor(np.cumsum(finite - whole, axis=0) + _SUM_SLACK).astype(np.int64)
    running = whole_sum + carried
    counts = np.diff(running, axis=0, prepend=np.zeros_like(running[:1]))
    return np.where(unlimited, np.int64(UNLIMITED), counts)


def stock_counts(capacity: np.ndarray) -> np.ndarray:
    """Whole counts from a capacity that is a stock (beds), rounded to the nearest, half up.

    A bed held today is still held tomorrow, so a fraction cannot be carried over days as
    :func:`per_day_counts` does: 2.5 beds are 3 beds every day. Values at or above
    :data:`~borderflow.scenario.bounds.UNLIMITED` stay unlimited.

    Args:
        capacity: the capacity on every day (any shape).

    Returns:
        Whole counts (``int64``) of the same shape.
    """
    values = np.minimum(np.asarray(capacity, np.float64), UNLIMITED)
    return np.floor(values + 0.5).astype(np.int64)


__all__ = ["SCALAR_LEVERS", "LeverSchedule", "build_schedule", "per_day_counts", "stock_counts"]
