"""Figures of the targets: each simulated against reported, fit and check apart, and series.

The report, the comparison and the dashboard draw the targets with these; the other
figures are in :mod:`borderflow.report.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from borderflow.report.figures import HEIGHT, _empty, _layout
from borderflow.results.indicators import formatted, target_format
from borderflow.results.targets import inside as inside_of
from borderflow.results.targets import relative_error, scoreline, series_errors


def _target_numbers(t: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The targets' values in ``columns`` as text, each in its measure's format."""
    fmts = [target_format(m) for m in t["measure"]] if "measure" in t else ["count"] * len(t)
    return np.array(
        [
            [formatted(v, fmt) for v in row]
            for row, fmt in zip(t[columns].to_numpy(), fmts, strict=True)
        ],
        dtype=object,
    ).reshape(len(t), len(columns))


#: Roles in the order they are shown: checks first (they are the out-of-sample test).
ROLE_ORDER = ("check", "fit")
#: What a role's figures say, as a heading (the report, the comparison, the dashboard).
ROLE_HEADINGS = {
    "check": "Checks — used for nothing but this comparison",
    "fit": "Fits — their figures set or fitted the scenario, so inside shows the fit worked",
}
#: The short name of a role's panel in the targets figure.
ROLE_PANELS = {
    "check": "Checks (used for nothing but this comparison)",
    "fit": "Fits (set or fitted the scenario: inside shows the fit worked)",
}
ROLE_SYMBOLS = {"check": "circle", "fit": "diamond"}
INSIDE, OUTSIDE = "#2e7d32", "#c62828"


def target_is_series(targets: pd.DataFrame) -> pd.Series:
    """Whether each figure of a target table is a series row (key ``id@date``), not a point."""
    if "key" not in targets:
        return pd.Series(False, index=targets.index)
    return targets["key"].astype(str) != targets["id"].astype(str)


def _has_band(t: pd.DataFrame) -> bool:
    return {"sim_p05", "sim_p95"} <= set(t.columns)


def _point_traces(fig: go.Figure, t: pd.DataFrame, role: str, row: int) -> None:
    """A role's point targets in its panel: range bar, reported tick, simulated dot."""
    ref = t["reported"].where(t["reported"] != 0, 1.0)
    label = t["id"].astype(str) + " · " + t["quantity"].astype(str).str.slice(0, 60)
    inside = inside_of(t["simulated"], t["low"], t["high"]).astype(bool)
    first = row == 1
    fig.add_trace(
        go.Bar(
            y=label,
            x=(t["high"] - t["low"]) / ref,
            base=t["low"] / ref,
            orientation="h",
            marker_color="rgba(120,120,120,0.25)",
            name="reported range",
            legendgroup="range",
            showlegend=first,
            hoverinfo="skip",
        ),
        row=row,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            y=label,
            x=np.ones(len(t)),
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 16, "color": "#212121"},
            name="reported",
            legendgroup="reported",
            showlegend=first,
            customdata=_target_numbers(t, ["reported", "low", "high"]),
            hovertemplate="reported %{customdata[0]} (%{customdata[1]}–"
            "%{customdata[2]})<extra></extra>",
        ),
        row=row,
        col=1,
    )
    error_x = None
    if _has_band(t):
        error_x = {
            "type": "data",
            "symmetric": False,
            "array": (t["sim_p95"] - t["simulated"]) / ref,
            "arrayminus": (t["simulated"] - t["sim_p05"]) / ref,
            "color": "#455a64",
        }
    errors = relative_error(t["simulated"], t["reported"])
    fig.add_trace(
        go.Scatter(
            y=label,
            x=t["simulated"] / ref,
            mode="markers",
            marker={
                "size": 11,
                "symbol": ROLE_SYMBOLS[role],
                "color": np.where(inside, INSIDE, OUTSIDE),
            },
            error_x=error_x,
            name=f"simulated ({role})",
            showlegend=False,
            customdata=np.column_stack(
                [
                    _target_numbers(t, ["simulated"])[:, 0],
                    t["date"].astype(str),
                    [f"{e:+.0%}" if np.isfinite(e) else "–" for e in errors],
                ]
            ),
            hovertemplate="simulated %{customdata[0]} on %{customdata[1]} "
            "(error %{customdata[2]})<extra></extra>",
        ),
        row=row,
        col=1,
    )


def targets_figure(targets: pd.DataFrame) -> go.Figure:
    """Each point target's simulated value against the reported one, checks and fits apart.

    One panel a role, checks on top: the reported value sits at 1 and its plausible
    range is a grey bar; the simulated value is a dot (a circle for a check, a diamond
    for a fit), green inside the range and red outside (ensemble bands, when given as
    ``sim_p05``/``sim_p95`` columns, are whiskers). The title gives each role's score
    over all its figures, series rows included; a series is drawn over time by
    :func:`series_figure`, not here.
    """
    if targets is None or targets.empty:
        return _empty("Targets", "This scenario has no observed targets.")
    t = targets.reset_index(drop=True)
    title = f"Targets: simulated against reported<br><sup>{scoreline(t)}</sup>"
    points = t[~target_is_series(t)].reset_index(drop=True)
    roles = [r for r in ROLE_ORDER if (points["role"] == r).any()]
    if not roles:
        return _empty(title, "Every target is a series: each is drawn over time below.")
    counts = [int((points["role"] == r).sum()) for r in roles]
    height = max(HEIGHT, 32 * sum(counts) + 70 * len(roles) + 130)
    fig = make_subplots(
        rows=len(roles),
        cols=1,
        shared_xaxes=True,
        row_heights=counts,
        vertical_spacing=min(0.3, 70 / height) if len(roles) > 1 else 0.0,
        subplot_titles=[ROLE_PANELS[r] for r in roles],
    )
    for row, role in enumerate(roles, start=1):
        _point_traces(fig, points[points["role"] == role].reset_index(drop=True), role, row)
    # the legend says what the marks mean, not the colour of a role's first dot
    keys = [(f"simulated, {r}", ROLE_SYMBOLS[r], "#757575") for r in roles]
    keys += [("inside the range", "square", INSIDE), ("outside the range", "square", OUTSIDE)]
    for name, symbol, colour in keys:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"size": 10, "symbol": symbol, "color": colour},
                name=name,
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    fig.update_xaxes(type="log")
    fig.update_xaxes(
        title_text="relative to the reported value (1 = as reported)", row=len(roles), col=1
    )
    _layout(fig, title)
    fig.update_yaxes(autorange="reversed", title_text="")
    # the legend below the axis title, not on it
    fig.update_layout(
        height=height,
        hovermode="closest",
        margin={"l": 20, "t": 90},
        legend={"y": -120 / height},
    )
    fig.update_yaxes(rangemode="normal", automargin=True)
    return fig


#: The y axis of a series target's figure, by measure.
SERIES_AXES = {
    "stock": "people",
    "flow": "people in the period",
    "flow_per_day": "people a day",
    "flow_per_person": "per person",
    "share": "share",
    "days_to_clear": "days",
}


def series_figure(rows: pd.DataFrame) -> go.Figure:
    """One series target over time: simulated against each reported figure and its range.

    ``rows`` are the target's figures (rows of a target table). The simulated values are
    a line (an ensemble's: the median, with its 25–75% and 5–95% bands when given as
    ``sim_p25``… columns), its markers green inside the range and red outside; the
    reported figures are black points with their range (± the tolerance) as error bars.
    """
    r = rows.sort_values("date").reset_index(drop=True)
    x = pd.to_datetime(r["date"].astype(str))
    first = r.iloc[0]
    role = str(first["role"])
    fig = go.Figure()
    band = _has_band(r)
    for lo, hi, alpha, name in (
        ("sim_p05", "sim_p95", 0.15, "5–95% of the runs"),
        ("sim_p25", "sim_p75", 0.3, "25–75% of the runs"),
    ):
        if lo in r and hi in r:
            fig.add_trace(
                go.Scatter(
                    x=list(x) + list(x[::-1]),
                    y=list(r[hi]) + list(r[lo][::-1]),
                    fill="toself",
                    fillcolor=f"rgba(30,136,229,{alpha})",
                    line={"width": 0},
                    mode="lines",
                    hoverinfo="skip",
                    name=name,
                )
            )
    inside = inside_of(r["simulated"], r["low"], r["high"]).astype(bool)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=r["simulated"],
            mode="lines+markers",
            line={"color": "#1e88e5"},
            marker={
                "size": 8,
                "symbol": ROLE_SYMBOLS.get(role, "circle"),
                "color": np.where(inside, INSIDE, OUTSIDE),
            },
            name="simulated (median of the runs)" if band else "simulated",
            customdata=_target_numbers(r, ["simulated"]),
            hovertemplate="%{x|%Y-%m-%d}: simulated %{customdata[0]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=r["reported"],
            mode="markers",
            marker={"size": 7, "color": "#212121"},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": r["high"] - r["reported"],
                "arrayminus": r["reported"] - r["low"],
                "color": "#757575",
            },
            name="reported (bar: range counted inside)",
            customdata=_target_numbers(r, ["reported", "low", "high"]),
            hovertemplate="%{x|%Y-%m-%d}: reported %{customdata[0]} "
            "(%{customdata[1]}–%{customdata[2]})<extra></extra>",
        )
    )
    errors = series_errors(r).iloc[0]
    bias = f", bias {errors['bias']:+.0%}" if np.isfinite(errors["bias"]) else ""
    median = (
        f", median error {errors['median_error']:.0%}"
        if np.isfinite(errors["median_error"])
        else ""
    )
    score = f"{role}: {int(errors['inside'])} of {len(r)} inside{median}{bias}"
    title = f"{first['id']}: {str(first['quantity'])[:80]}<br><sup>{score}</sup>"
    _layout(fig, title, y=SERIES_AXES.get(str(first["measure"]), ""))
    fig.update_layout(hovermode="closest", margin={"t": 80})
    return fig


def series_figures(targets: pd.DataFrame) -> dict[str, go.Figure]:
    """A figure over time (:func:`series_figure`) for each series target, by target id."""
    if targets is None or targets.empty:
        return {}
    series = targets[target_is_series(targets)]
    return {str(tid): series_figure(rows) for tid, rows in series.groupby("id", sort=False)}
