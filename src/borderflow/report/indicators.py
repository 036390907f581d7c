"""Headline indicators by dotted name, with labels a reader understands.

A run's ``summary.json`` nests its indicators (``waits_per_port.san_ysidro.mean_wait_days``);
an ensemble's ``indicators.csv`` holds the same dotted names with bands. The report and
the comparison both pick and label the key ones here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# (pattern on the dotted name, label with {0} for the place) in display order; a name
# is shown under the first pattern it matches.
KEY_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"people_entered", "people who set out"),
    (r"arrivals_per_border_city\.(\w+)", "arrivals at {0}"),
    (r"waitlist_peak_per_port\.(\w+)", "waitlist peak at {0}"),
    (r"waits_per_port\.(\w+)\.mean_wait_days", "mean wait at {0} (days, admitted)"),
    (r"waits_per_port\.(\w+)\.left_list", "left the list at {0}"),
    (r"admitted_at_ports", "admitted at ports"),
    (r"crossings_between_ports", "crossings between ports"),
    (r"apprehensions", "apprehensions"),
    (r"evasions", "evasions"),
    (r"shelter_peak_per_city\.(\w+)", "people in shelter beds at the peak, {0}"),
    (r"unsheltered_person_days_per_city\.(\w+)", "unsheltered person-days in {0}"),
    (r"violence_incidents", "violence incidents"),
    (r"deported_by_mexico", "deported by Mexico"),
    (r"stayed_in_mexico", "stayed in Mexico (refuge or settled)"),
    (r"returned_home", "went home"),
    (r"us_processing\.in_custody_peak", "in U.S. custody (peak)"),
    (r"us_processing\.in_detention_peak", "in ICE detention (peak)"),
    (r"us_processing\.released_no_bed", "released for lack of a detention bed"),
    (r"us_processing\.mpp_returned", "returned to Mexico (MPP)"),
    (r"us_processing\.mpp_violence_incidents", "violence incidents among MPP returnees"),
    (r"us_processing\.credible_fear_interviews", "credible-fear interviews"),
    (r"us_processing\.court_backlog_final", "court backlog at the end"),
    (r"us_processing\.asylum_granted", "asylum granted"),
    (r"us_processing\.removal_orders_in_absentia", "removal orders in absentia"),
    (r"us_processing\.removals_carried_out", "removals carried out"),
    (r"us_processing\.time_to_decision\.mean_days", "mean days from custody to a decision"),
)
_COMPILED = tuple((re.compile(p + r"$"), label) for p, label in KEY_PATTERNS)


def flatten(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric entries of a nested summary by dotted name (booleans and the seed left out)."""
    flat: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= flatten(value, f"{name}.")
        elif isinstance(value, int | float) and not isinstance(value, bool) and name != "seed":
            flat[name] = float(value)
    return flat


def key_indicators(names: Iterable[str], places: Mapping[str, str]) -> list[tuple[str, str]]:
    """The key indicators among ``names``, in display order, as ``(name, label)``.

    Args:
        names: dotted indicator names present (a run's flattened summary, or an
            ensemble's ``indicators.csv``).
        places: place id -> name, for the labels.
    """
    present = list(names)
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for pattern, label in _COMPILED:
        for name in present:
            m = pattern.match(name)
            if m and name not in seen:
                seen.add(name)
                arg = places.get(m.group(1), m.group(1)) if m.groups() else ""
                out.append((name, label.format(arg)))
    return out
