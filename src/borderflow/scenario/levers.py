"""Dated levers turned into per-day arrays (``quota[day, place]``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
    """Apply the scenario's initial levers, then its policies in date order."""
    n_days, index = sc.n_days, {p.id: i for i, p in enumerate(sc.places)}
    kinds = np.array([p.kind for p in sc.places])
    arrays: dict[str, np.ndarray] = {}
    for lever, kind in PER_PLACE_LEVERS.items():
        per_place = getattr(sc.levers, lever)
        row = np.where(kinds == kind, per_place.default, 0.0)
        for pid, value in per_place.overrides().items():
            row[index[pid]] = value
        arrays[lever] = np.tile(row, (n_days, 1))
    for lever in SCALAR_LEVERS:
        dtype = bool if lever == "asylum_ban" else float
        arrays[lever] = np.full(n_days, getattr(sc.levers, lever), dtype=dtype)

    changed: dict[int, set[str]] = {}
    for policy in sorted(sc.policies, key=lambda p: p.date):
        day = sc.day_of(policy.date)
        for key, value in policy.set.items():
            lever, _, pid = key.partition(".")
            if lever in PER_PLACE_LEVERS:
                columns = (
                    kinds == PER_PLACE_LEVERS[lever]
                    if pid in ("", "default")
                    else np.arange(len(kinds)) == index[pid]
                )
                arrays[lever][day:, columns] = value
            else:
                arrays[lever][day:] = value
            changed.setdefault(day, set()).add(lever)
    return LeverSchedule(changed=changed, **arrays)


__all__ = ["SCALAR_LEVERS", "LeverSchedule", "build_schedule"]
