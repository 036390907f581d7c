"""Time series with bands: one run's line, or an ensemble's median and 5–95% / 25–75% bands.

A *series function* turns one run's ``daily`` table into a wide table (every date x a
few named series, e.g. the waitlist per city). For a single run that is the line; for an
ensemble it is applied to every run's daily table (its shard) and the bands are taken
per date and series over runs. Summing the ensemble's per-row bands instead would be
wrong: the median of a sum is not the sum of the medians.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from borderflow.report.figures import (
    STAGE_OF_STATE,
    STAGES,
    US_CUSTODY_STATES,
    WAITING,
    _layout,
    city_of_place,
    daily_pivot,
)
from borderflow.scenario.schema import Scenario

#: Quantile name -> level, as in an ensemble's tables.
QUANTILES = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}
#: quantile name -> wide table (dates x series); a single run has only ``median``.
Band = dict[str, pd.DataFrame]
Series = Callable[[pd.DataFrame], pd.DataFrame]


def waitlist_by_city(scenario: Scenario) -> Series:
    """People on a port's list in each border city."""
    key = city_of_place(scenario)
    return lambda daily: daily_pivot(daily, scenario, states=WAITING, by="place", key=key)


def sheltered_by_city(scenario: Scenario, state: str = "waiting_sheltered") -> Series:
    """People waiting in each border city in ``state`` (with or without a bed)."""
    key = city_of_place(scenario)
    return lambda daily: daily_pivot(daily, scenario, states=[state], by="place", key=key)


def mpp_by_city(scenario: Scenario) -> Series:
    """People waiting under MPP in each border city."""
    return lambda daily: daily_pivot(daily, scenario, states=["mpp_waiting"], by="place")


def us_custody_by_state(scenario: Scenario) -> Series:
    """People in CBP custody, held for prosecution or an interview, and in ICE detention."""
    return lambda daily: daily_pivot(daily, scenario, states=US_CUSTODY_STATES, by="state")


def by_stage(scenario: Scenario) -> Series:
    """People in each stage (``figures.STAGES``)."""
    return lambda daily: daily_pivot(daily, scenario, by="state", key=STAGE_OF_STATE)


def run_band(daily: pd.DataFrame, series: Series) -> Band:
    """A single run's series (its ``median`` is the run itself)."""
    return {"median": series(daily)}


def shard_bands(paths: Sequence[Path], series: Mapping[str, Series]) -> dict[str, Band]:
    """Bands over runs of each series, reading every run's daily table once.

    Args:
        paths: the runs' daily tables (an ensemble's shards, Parquet).
        series: name -> series function.
    """
    collected: dict[str, list[pd.DataFrame]] = {name: [] for name in series}
    for path in paths:
        daily = pd.read_parquet(path, columns=["date", "place", "state", "group", "n"])
        for name, fn in series.items():
            collected[name].append(fn(daily))
    return {name: bands_of(frames) for name, frames in collected.items()}


def bands_of(frames: Sequence[pd.DataFrame]) -> Band:
    """Per date and column, the quantiles over ``frames`` (a column missing in one is 0)."""
    if not frames:
        return {}
    columns = sorted(set().union(*(f.columns for f in frames)))
    index = frames[0].index
    cube = np.stack([f.reindex(columns=columns, fill_value=0).to_numpy(float) for f in frames])
    levels = np.quantile(cube, list(QUANTILES.values()), axis=0)
    return {
        name: pd.DataFrame(levels[i], index=index, columns=columns)
        for i, name in enumerate(QUANTILES)
    }


def _rgba(colour: str, alpha: float) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


PALETTE = (
    "#1e88e5",
    "#e65100",
    "#2e7d32",
    "#8e24aa",
    "#c62828",
    "#00838f",
    "#6d4c41",
    "#f9a825",
    "#3949ab",
    "#ad1457",
    "#558b2f",
)


def add_band_traces(
    fig: go.Figure,
    band: Band,
    column: str,
    label: str,
    colour: str,
    *,
    dash: str | None = None,
    group: str | None = None,
    **where: int,
) -> None:
    """One series: the median line, with 5–95% and 25–75% bands when ``band`` has them."""
    med = band["median"]
    if column not in med:
        return
    x = med.index
    group = group or label
    for lo, hi, alpha in (("p05", "p95", 0.12), ("p25", "p75", 0.22)):
        if lo in band and hi in band:
            fig.add_trace(
                go.Scatter(
                    x=list(x) + list(x[::-1]),
                    y=list(band[hi][column]) + list(band[lo][column][::-1]),
                    fill="toself",
                    fillcolor=_rgba(colour, alpha),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=group,
                    name=f"{label} {lo}–{hi}",
                ),
                **where,
            )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=med[column],
            name=label,
            line={"color": colour, "dash": dash},
            legendgroup=group,
        ),
        **where,
    )


def band_lines(
    bands: Mapping[str, Band],
    columns: Mapping[str, str] | None,
    title: str,
    *,
    y: str = "people",
    styles: Mapping[str, tuple[str, str | None]] | None = None,
) -> go.Figure:
    """Lines with bands: for each ``(name, band)`` and each column, a median and its bands.

    Args:
        bands: a name (e.g. ``"A"``, ``"B"``, or ``""`` for one source) -> its band.
        columns: column -> label to draw (default: every column that is not all zero).
        title: the figure's title.
        y: the y axis title.
        styles: name -> (colour, dash) to tell sources apart; without it each column
            gets its own colour.
    """
    fig = go.Figure()
    for k, (name, band) in enumerate(bands.items()):
        if not band:
            continue
        med = band["median"]
        shown = columns or {c: c for c in med.columns if med[c].to_numpy().any()}
        for j, (col, label) in enumerate(shown.items()):
            if styles and name in styles:
                colour, dash = styles[name]
                colour = PALETTE[j % len(PALETTE)] if colour == "" else colour
            else:
                colour, dash = PALETTE[(j + k) % len(PALETTE)], None
            full = f"{label} ({name})" if name else label
            add_band_traces(fig, band, col, full, colour, dash=dash)
    return _layout(fig, title, y=y)


__all__ = [
    "QUANTILES",
    "STAGES",
    "Band",
    "Series",
    "add_band_traces",
    "band_lines",
    "bands_of",
    "by_stage",
    "mpp_by_city",
    "run_band",
    "shard_bands",
    "sheltered_by_city",
    "us_custody_by_state",
    "waitlist_by_city",
]
