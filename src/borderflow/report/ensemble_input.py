"""The report of an ensemble folder: medians with 5–95% and 25–75% bands.

It reads the folder ``borderflow ensemble`` writes (``analysis/ensemble.py`` documents
it): ``indicators.csv`` and ``targets.csv`` hold bands already; the time series are
taken from every run's shard (``shards/run-*.parquet``, each run's daily table), since
a band of a sum (a city's waitlist over its ports and groups) cannot be had from the
bands of its parts. Ensembles keep no flows per run, so the flow figures show the
bands of the matching headline indicators instead of daily series.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from borderflow.report import figures as figs
from borderflow.report import target_figures as target_figs
from borderflow.report import us_side
from borderflow.report import us_side_figures as us_figs
from borderflow.report.geo import network_map
from borderflow.report.html import SERIES_FIGURE, report_targets
from borderflow.report.inputs import ReportInput
from borderflow.report.series import (
    PALETTE,
    Band,
    add_band_traces,
    band_lines,
    by_stage,
    mpp_by_city,
    shard_bands,
    sheltered_by_city,
    us_custody_by_state,
    waitlist_by_city,
)
from borderflow.results.indicators import has_us_side, label_of
from borderflow.scenario.levers import build_schedule
from borderflow.scenario.schema import Scenario

ENSEMBLE_NOTES = {
    "section-stocks": "Medians over the runs of each stage, stacked (the sum of the medians "
    "is close to, but not exactly, the median of the total).",
    "section-flows": "An ensemble keeps each run's daily stocks, not its flows: where people "
    "are at the end of the run, median and 5–95% over the runs (bars and whiskers).",
    "section-map": "Median over the runs of the people at each place on each day. Outlines: "
    "Natural Earth (public domain).",
    "section-border-cities": "Lines: medians over the runs; shaded: 25–75% and 5–95% of the "
    "runs. Waits: the headline indicators' bands.",
    "section-crossings": "Totals over the run: median and 5–95% over the runs.",
    "section-violence": "Incidents over the run: median and 5–95% over the runs.",
    "section-us": "Lines: medians and bands over the runs; bars: headline indicators' bands.",
    "section-us-side": "Bars: headline indicators' medians and 5–95% over the runs (an "
    "ensemble keeps no decisions per run, so no breakdown by nationality, representation or "
    "household; the regular docket's days include the start backlog's cases, from filing). "
    "Custody: medians and bands over the runs against the beds; ICE detention counts the "
    "people arrested in the interior (interior_detained).",
    "section-targets": "Dots and lines: the median of the runs; whiskers: 5–95% of the runs; "
    "shaded around a series: 25–75% and 5–95% of the runs. A figure is inside when the "
    "median of the runs lies in its reported range.",
}


def is_ensemble(folder: str | Path) -> bool:
    """Whether ``folder`` is a finished ensemble folder."""
    folder = Path(folder)
    return (folder / "ensemble.json").is_file() and (folder / "manifest.json").is_file()


def ensemble_input(folder: str | Path) -> ReportInput:
    """Read an ensemble folder into a report input.

    Raises:
        FileNotFoundError: the folder holds no finished ensemble.
    """
    folder = Path(folder)
    if not is_ensemble(folder):
        raise FileNotFoundError(f"{folder} is not a finished ensemble (no manifest.json)")
    manifest = json.loads((folder / "manifest.json").read_text())
    scenario = Scenario.model_validate_json((folder / "scenario.json").read_text())
    ind = pd.read_csv(folder / "indicators.csv")
    indicators = {row["indicator"]: row for row in ind.to_dict(orient="records")}
    targets = report_targets(pd.read_csv(folder / "targets.csv"))
    targets = targets.assign(
        simulated=targets["median"],
        sim_p05=targets["p05"],
        sim_p25=targets["p25"],
        sim_p75=targets["p75"],
        sim_p95=targets["p95"],
    )
    shards = sorted((folder / "shards").glob("run-*.parquet"))
    return ReportInput(
        scenario=scenario,
        kind="ensemble",
        tables={"folder": folder, "shards": shards},
        indicators=indicators,
        targets=targets,
        seed=manifest.get("seed"),
        runs=int(manifest.get("succeeded", len(shards))),
        extra={"manifest": manifest},
    )


def median_daily(folder: Path) -> pd.DataFrame:
    """The ensemble's daily table with ``n`` the median over runs (for the map)."""
    bands = pd.read_parquet(folder / "daily.parquet")
    return bands[["date", "place", "state", "group"]].assign(n=bands["median"].round())


def indicator_bars(
    indicators: dict[str, Any], shown: list[tuple[str, str]], title: str, *, y: str = "people"
) -> go.Figure:
    """Bars of indicators' medians with 5–95% whiskers (those present in ``indicators``)."""
    present = [(n, label) for n, label in shown if n in indicators]
    if not present:
        return figs._empty(title, "No such indicator in this ensemble.")
    med = np.array([indicators[n]["median"] for n, _ in present], dtype=float)
    lo = np.array([indicators[n]["p05"] for n, _ in present], dtype=float)
    hi = np.array([indicators[n]["p95"] for n, _ in present], dtype=float)
    fig = go.Figure(
        go.Bar(
            x=[label for _, label in present],
            y=med,
            error_y={"type": "data", "symmetric": False, "array": hi - med, "arrayminus": med - lo},
            marker_color="#5c6bc0",
            name="median (5–95%)",
            customdata=np.column_stack([lo, hi]),
            hovertemplate="%{x}: %{y:,.0f} (%{customdata[0]:,.0f}–%{customdata[1]:,.0f})"
            "<extra></extra>",
        )
    )
    figs._layout(fig, title, y=y)
    fig.update_layout(hovermode="closest")
    return fig


def _names(scenario: Scenario) -> dict[str, str]:
    return {p.id: p.name for p in scenario.places}


def _labelled(*names: str) -> list[tuple[str, str]]:
    return [(name, label_of(name)) for name in names]


def _matching(indicators: dict[str, Any], prefix: str, suffix: str = "") -> list[str]:
    return [n for n in indicators if n.startswith(prefix) and n.endswith(suffix)]


def _shelter(sc: Scenario, sheltered: Band, unsheltered: Band) -> go.Figure:
    names = _names(sc)
    cities = [
        c
        for c in sheltered["median"].columns.union(unsheltered["median"].columns)
        if sheltered["p95"].get(c, pd.Series([0])).any()
        or unsheltered["p95"].get(c, pd.Series([0])).any()
    ]
    if not cities:
        return figs._empty("Shelter occupancy", "Nobody waited in a border city in these runs.")
    fig = go.Figure()
    schedule = build_schedule(sc)
    index = {p.id: i for i, p in enumerate(sc.places)}
    for j, c in enumerate(cities):
        colour = PALETTE[j % len(PALETTE)]
        label = names.get(c, c)
        add_band_traces(fig, sheltered, c, f"{label}: in a bed", colour, group=c)
        add_band_traces(fig, unsheltered, c, f"{label}: no bed", colour, dash="dot", group=c)
        fig.add_trace(
            go.Scatter(
                x=sheltered["median"].index,
                y=schedule.beds[:, index[c]],
                name=f"{label}: beds",
                line={"color": colour, "dash": "dash", "shape": "hv", "width": 1},
                legendgroup=c,
            )
        )
    return figs._layout(fig, "Shelter occupancy against beds (median and bands over runs)")


def _us_side_figures(sc: Scenario, ind: dict[str, Any], custody: Band) -> dict[str, go.Figure]:
    """The U.S.-side section of an ensemble: indicators' bands, custody's bands over runs."""
    us = "us_processing."
    per_docket = us + "time_to_decision_per_docket."
    dockets = [
        n.removeprefix(per_docket).split(".")[0] for n in _matching(ind, per_docket, ".mean_days")
    ]
    outcomes = [
        ("asylum_granted", "asylum granted"),
        ("other_relief", "other relief"),
        ("voluntary_departures", "voluntary departure"),
        ("removal_orders_merits", "removal ordered"),
        ("removal_orders_in_absentia", "ordered removed in absentia"),
    ]
    return {
        "fig-us-decisions": indicator_bars(
            ind,
            [(us + name, label) for name, label in outcomes],
            "Court decisions over the run, by outcome",
            y="cases",
        ),
        "fig-us-decision-times": indicator_bars(
            ind,
            [
                (f"{per_docket}{d}.{stat}", f"{d}: {what}")
                for d in dockets
                for stat, what in (("median_days", "median"), ("mean_days", "mean"))
            ],
            "Days to a court decision per docket",
            y="days",
        ),
        "fig-us-custody": us_figs.custody_panels(
            custody,
            us_side.custody_beds(sc),
            None,
            "Custody against beds (median and bands over runs)",
        ),
        "fig-us-recrossings": indicator_bars(
            ind,
            [(us + "set_out_again_after_removal", "removed by the U.S., set out again")],
            "People removed by the U.S. who set out again over the run",
        ),
        "fig-us-households": indicator_bars(
            ind,
            [
                ("households.people", "people"),
                ("households.households", "households"),
                ("households.single_adults", "single adults"),
                ("households.families", "families"),
                ("households.people_in_families", "people in families"),
                ("households.unaccompanied_children", "unaccompanied children"),
            ],
            "People and households (median and 5–95% over the runs)",
        ),
    }


def ensemble_figures(inp: ReportInput) -> dict[str, go.Figure]:
    """Every figure of an ensemble's report, by the same figure ids as a run's."""
    sc, ind = inp.scenario, inp.indicators
    names = _names(sc)
    b = shard_bands(
        inp.tables["shards"],
        {
            "stages": by_stage(sc),
            "waitlist": waitlist_by_city(sc),
            "sheltered": sheltered_by_city(sc),
            "unsheltered": sheltered_by_city(sc, "waiting_unsheltered"),
            "mpp": mpp_by_city(sc),
            "us": us_custody_by_state(sc),
            "custody": lambda daily: us_side.custody_occupancy(daily, sc),
        },
    )
    stocks = go.Figure()
    for stage, (_, colour) in figs.STAGES.items():
        med = b["stages"]["median"]
        if stage in med and med[stage].any():
            stocks.add_trace(
                go.Scatter(
                    x=med.index,
                    y=med[stage],
                    name=stage,
                    stackgroup="stages",
                    line={"width": 0.5, "color": colour},
                    fillcolor=colour,
                )
            )
    figs._layout(stocks, "People in each stage, end of day (medians over runs)", height=460)
    city_cols = {c: names.get(c, c) for c in b["waitlist"]["p95"].columns}
    city_cols = {c: n for c, n in city_cols.items() if b["waitlist"]["p95"][c].any()}
    outcomes = [
        (f"final_state.{s}", s.replace("_", " "))
        for s in figs.STAGE_OF_STATE
        if f"final_state.{s}" in ind
    ]
    ports = sorted({n.split(".")[1] for n in _matching(ind, "waits_per_port.", ".left_list")})
    waited = [p for p in ports if f"waits_per_port.{p}.mean_wait_days" in ind]
    waits = [
        (f"waits_per_port.{port}.{stat}", f"{names.get(port, port)}: {what}")
        for port in waited
        for stat, what in (("mean_wait_days", "mean"), ("p90_wait_days", "90th percentile"))
    ]
    waits_title = "Waits of those admitted, per port"
    if not waits:  # nobody admitted in any run: say how many left the lists instead
        waits = [(f"waits_per_port.{p}.left_list", names.get(p, p)) for p in ports]
        waits_title = "Nobody was admitted: people who left each port's list"
    violence = [
        (n, names.get(n.rsplit(".", 1)[1], n))
        for n in _matching(ind, "violence_incidents_per_city.")
    ]
    violence.append(("us_processing.mpp_violence_incidents", "among MPP returnees"))
    out = {
        "fig-stocks": stocks,
        "fig-sankey": indicator_bars(ind, outcomes, "Where people are at the end of the run"),
        "fig-map": network_map(median_daily(inp.tables["folder"]), sc),
        "fig-waitlist": band_lines(
            {"": b["waitlist"]},
            city_cols,
            "Waitlist per border city (median, 25–75% and 5–95% of runs)",
        )
        if city_cols
        else figs._empty("Waitlist per border city", "Nobody waited on a port's list."),
        "fig-waits": indicator_bars(ind, waits, waits_title, y="days" if waited else "people"),
        "fig-shelter": _shelter(sc, b["sheltered"], b["unsheltered"]),
        "fig-crossings": indicator_bars(
            ind,
            [
                *_labelled(
                    "admitted_at_ports", "crossings_between_ports", "apprehensions", "evasions"
                ),
            ],
            "Admissions and crossings between ports over the run",
        ),
        "fig-violence": indicator_bars(
            ind, violence, "Violent incidents over the run", y="incidents"
        ),
        "fig-targets": target_figs.targets_figure(inp.targets),
    }
    out |= {SERIES_FIGURE + k: f for k, f in target_figs.series_figures(inp.targets).items()}
    if has_us_side({name: band["p95"] for name, band in ind.items()}):
        state_labels = {
            "in_custody": "in CBP custody",
            "prosecution": "held for prosecution",
            "awaiting_credible_fear": "awaiting a credible-fear interview",
            "detained": "in ICE detention",
            "family_detention": "in ICE family residential detention",
        }
        us_cols = {s: lab for s, lab in state_labels.items() if s in b["us"]["median"]}
        mpp_cols = {c: names.get(c, c) for c in b["mpp"]["median"].columns}
        out |= {
            "fig-mpp": band_lines(
                {"": b["mpp"]}, mpp_cols, "Waiting in Mexico under MPP (median and bands)"
            )
            if mpp_cols
            else figs._empty("MPP population", "Nobody was returned under MPP in these runs."),
            "fig-detention": band_lines(
                {"": b["us"]}, us_cols, "U.S. custody and detention (median and bands)"
            ),
            "fig-courts": indicator_bars(
                ind,
                [
                    ("us_processing.court_backlog_peak", "backlog at the peak"),
                    *_labelled(
                        "us_processing.court_backlog_final",
                        "us_processing.asylum_granted",
                        "us_processing.removal_orders_merits",
                        "us_processing.removal_orders_in_absentia",
                    ),
                ],
                "Immigration courts over the run",
                y="cases",
            ),
            "fig-time-to-decision": indicator_bars(
                ind,
                [
                    ("us_processing.time_to_decision.mean_days", "mean"),
                    ("us_processing.time_to_decision.median_days", "median"),
                    ("us_processing.time_to_decision.p90_days", "90th percentile"),
                ],
                "Days from custody to a court decision (cases decided in the run)",
                y="days",
            ),
        }
        out |= _us_side_figures(sc, ind, b["custody"])
    return out
