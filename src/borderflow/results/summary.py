"""The summary of one run (``summary.json``), computed from its tables.

Its entries are read by dotted name (:func:`borderflow.results.indicators.flatten`);
which of them are headline indicators, and how each is labelled and written, is said
once in :data:`borderflow.results.indicators.INDICATORS`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from borderflow.scenario import vocabulary
from borderflow.scenario.schema import Scenario

WAITING = [s.label for s in vocabulary.WAITING]


def _by(frame: pd.DataFrame, column: str) -> dict[str, int]:
    series = frame.groupby(column, observed=True)["n"].sum()
    return {str(k): int(v) for k, v in series.items() if v}


def _total(flows: pd.DataFrame, *transitions: str) -> int:
    return int(flows.loc[flows["transition"].isin(transitions), "n"].sum())


def wait_stats(waits: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per port: admitted, left the list, mean / median / 90th-percentile wait of the admitted."""
    stats: dict[str, dict[str, float]] = {}
    for port, rows in waits.groupby("port", observed=True):
        admitted = rows[rows["outcome"] == "admitted"].sort_values("waited_days")
        left = rows[rows["outcome"] == "left_list"]
        entry: dict[str, float] = {
            "admitted": int(admitted["n"].sum()),
            "left_list": int(left["n"].sum()),
        }
        if len(admitted):
            days, n = admitted["waited_days"].to_numpy(), admitted["n"].to_numpy()
            cum = np.cumsum(n) / n.sum()
            entry |= {
                "mean_wait_days": float(np.average(days, weights=n)),
                "median_wait_days": float(days[np.searchsorted(cum, 0.5)]),
                "p90_wait_days": float(days[np.searchsorted(cum, 0.9)]),
            }
        stats[str(port)] = entry
    return stats


def _stock(daily: pd.DataFrame, state: str) -> pd.Series:
    rows = daily[daily["state"] == state]
    return rows.groupby("date")["n"].sum()


def distribution(rows: pd.DataFrame) -> dict[str, float]:
    """Count, mean, median and 90th percentile of ``days`` weighted by ``n``.

    With nothing counted, the count alone.
    """
    if rows.empty or rows["n"].sum() == 0:
        return {"n": 0}
    rows = rows.sort_values("days")
    days, n = rows["days"].to_numpy(), rows["n"].to_numpy()
    cum = np.cumsum(n) / n.sum()
    return {
        "n": int(n.sum()),
        "mean_days": float(np.average(days, weights=n)),
        "median_days": float(days[np.searchsorted(cum, 0.5)]),
        "p90_days": float(days[np.searchsorted(cum, 0.9)]),
    }


def us_processing(
    daily: pd.DataFrame, flows: pd.DataFrame, decisions: pd.DataFrame, courts: pd.DataFrame
) -> dict[str, Any]:
    """Indicators of custody, detention, MPP, credible fear and the courts."""
    custody = _stock(daily, "in_custody")
    detained = _stock(daily, "detained")
    in_hhs = _stock(daily, "hhs_custody")
    released = _stock(daily, "released_pending_hearing")
    waiting_for_hhs = flows[flows["transition"] == "waiting_for_hhs_bed"].groupby("date")["n"].sum()
    mpp = daily[daily["state"] == "mpp_waiting"]
    interviews = _total(flows, "credible_fear_passed", "credible_fear_failed")
    passed = _total(flows, "credible_fear_passed")
    violence = flows[
        (flows["transition"] == "violence_incident") & (flows["from_state"] == "mpp_waiting")
    ]
    decided = decisions[decisions["outcome"] != "hearings_began"]
    backlog = courts.groupby("date")["backlog"].sum() if len(courts) else pd.Series(dtype=int)
    last = lambda series: int(series.iloc[-1]) if len(series) else 0  # noqa: E731
    peak = lambda series: int(series.max()) if len(series) else 0  # noqa: E731
    return {
        "in_custody_peak": peak(custody),
        "in_detention_peak": peak(detained),
        "in_detention_mean": float(detained.mean()) if len(detained) else 0.0,
        "detention_bed_days": int(detained.sum()),
        "released_pending_hearing_final": last(released),
        "children_transferred_to_hhs": _total(flows, "transferred_to_hhs"),
        "children_released_to_sponsors": _total(flows, "released_to_sponsor"),
        "children_returned_to_mexico": _total(flows, "child_returned_to_mexico"),
        "in_hhs_custody_peak": peak(in_hhs),
        "children_waiting_for_hhs_peak": peak(waiting_for_hhs),
        "children_waiting_for_hhs_days": int(waiting_for_hhs.sum()),
        "mpp_returned": _total(flows, "returned_to_mexico"),
        "mpp_waiting_peak_per_city": {
            str(c): int(s.max())
            for c, s in mpp.groupby(["place", "date"], observed=True)["n"]
            .sum()
            .groupby(level=0, observed=True)
        },
        "mpp_violence_incidents": int(violence["n"].sum()),
        "credible_fear_interviews": interviews,
        "credible_fear_pass_rate": passed / interviews if interviews else None,
        "released_no_bed": _total(flows, "released_no_bed"),
        "family_detention_book_ins": int(
            flows.loc[
                (flows["transition"] == "to_credible_fear")
                & (flows["to_state"] == "family_detention"),
                "n",
            ].sum()
        ),
        "in_family_detention_peak": peak(_stock(daily, "family_detention")),
        "released_from_holding": _total(flows, "released_from_holding"),
        "held_over_capacity_person_days": _total(flows, "held_over_capacity"),
        "held_past_time_limit_person_days": _total(flows, "held_past_time_limit"),
        "court_backlog_start": int(backlog.iloc[0]) if len(backlog) else 0,
        "court_backlog_final": last(backlog),
        "court_backlog_peak": peak(backlog),
        "asylum_granted": _total(flows, "asylum_granted"),
        "other_relief": _total(flows, "other_relief"),
        "removal_orders_merits": _total(flows, "removal_ordered"),
        "removal_orders_in_absentia": _total(flows, "removed_in_absentia"),
        "voluntary_departures": _total(flows, "voluntary_departure"),
        "expedited_removal_orders": _total(flows, "expedited_removal", "credible_fear_failed"),
        "removals_carried_out": _total(flows, "removed"),
        "set_out_again_after_removal": int(
            flows.loc[
                (flows["transition"] == "set_out_again") & (flows["from_state"] == "removed"), "n"
            ].sum()
        ),
        "time_to_decision": distribution(decided),
        "time_to_decision_per_docket": {
            str(d): distribution(rows) for d, rows in decided.groupby("docket", observed=True)
        },
    }


def household_kinds(households: pd.DataFrame) -> pd.DataFrame:
    """Households and their people per kind of household, with the mean size.

    Args:
        households: the run's households table (per group, kind, size and state at the
            end: ``households`` and their ``people``).

    Returns:
        One row per kind (:data:`~borderflow.scenario.vocabulary.HOUSEHOLD_KINDS`, all of
        them): ``households``, ``people`` and ``mean_size`` (NaN without a household).
    """
    kinds = households["kind"].astype(object)
    out = (
        households.groupby(kinds.to_numpy())[["households", "people"]]
        .sum()
        .reindex(list(vocabulary.HOUSEHOLD_KINDS), fill_value=0)
        .astype(np.int64)
    )
    out["mean_size"] = out["people"] / out["households"].where(out["households"] > 0)
    out.index.name = "kind"
    return out


def household_counts(households: pd.DataFrame) -> dict[str, Any]:
    """People and households: how many, by kind, and families' mean size."""
    kinds = household_kinds(households)
    families, in_families = (int(v) for v in kinds.loc["family", ["households", "people"]])
    return {
        "people": int(households["people"].sum()),
        "households": int(households["households"].sum()),
        "single_adults": int(kinds.loc["single_adult", "households"]),
        "families": families,
        "people_in_families": in_families,
        "mean_family_size": round(in_families / families, 3) if families else 0.0,
        "unaccompanied_children": int(kinds.loc["unaccompanied_child", "households"]),
    }


def summarise(
    sc: Scenario,
    daily: pd.DataFrame,
    flows: pd.DataFrame,
    waits: pd.DataFrame,
    city_of_port: dict[str, str],
    kinds: dict[str, str],
) -> dict[str, Any]:
    """Headline indicators as a JSON-ready dict."""
    arrivals = flows[flows["transition"] == "reach_border_city"]
    waiting = daily[daily["state"].isin(WAITING)].copy()
    waiting["city"] = waiting["place"].astype(str).map(city_of_port)
    list_length = waiting.groupby(["place", "date"], observed=True)["n"].sum()
    sheltered = waiting[waiting["state"] == "waiting_sheltered"]
    unsheltered = waiting[waiting["state"] == "waiting_unsheltered"]
    last_day = daily[daily["date"] == daily["date"].max()] if len(daily) else daily
    violence = flows[flows["transition"] == "violence_incident"].copy()
    violence["city"] = violence["place"].astype(str).map(city_of_port)
    stayed = _total(flows, "refuge_in_mexico", "settle")
    return {
        "scenario": sc.name,
        "start": sc.start.isoformat(),
        "end": sc.end.isoformat(),
        "people_entered": int(flows.loc[flows["from_state"] == "outside", "n"].sum()),
        "arrivals_per_border_city": _by(arrivals, "place"),
        "waitlist_peak_per_port": {
            str(port): int(s.max()) for port, s in list_length.groupby(level=0, observed=True)
        },
        "waitlist_final_per_port": _by(waiting[waiting["date"] == daily["date"].max()], "place"),
        "waits_per_port": wait_stats(waits),
        "admitted_at_ports": _total(flows, "admitted_at_port"),
        "crossings_between_ports": _total(flows, "cross_between_ports"),
        "apprehensions": _total(flows, "apprehended"),
        "evasions": _total(flows, "evaded"),
        "referred_for_prosecution": _total(flows, "referred_for_prosecution"),
        "asylum_barred": _total(flows, "asylum_barred"),
        "shelter_peak_per_city": {
            str(c): int(s.max())
            for c, s in sheltered.groupby(["city", "date"])["n"].sum().groupby(level=0)
        },
        "sheltered_person_days_per_city": _by(sheltered, "city"),
        "unsheltered_person_days_per_city": _by(unsheltered, "city"),
        "violence_incidents": int(violence["n"].sum()),
        "violence_incidents_per_city": _by(violence, "city"),
        "deported_by_mexico": _total(flows, "deported_by_mexico"),
        "refuge_in_mexico": _total(flows, "refuge_in_mexico"),
        "stayed_in_mexico": stayed,
        "returned_home": _total(flows, "give_up"),
        "final_state": _by(last_day, "state"),
    }


def summary_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """The summary flattened to rows ``(indicator, key, value)`` for display."""
    rows = []
    for name, value in summary.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, dict):
                    for k2, v2 in inner.items():
                        rows.append((name, f"{key}.{k2}", v2))
                else:
                    rows.append((name, key, inner))
        else:
            rows.append((name, "", value))
    return pd.DataFrame(rows, columns=["indicator", "key", "value"])
