"""The map: country outlines shipped with the package, the route network, people per place.

Plotly's geo subplots fetch their base map (TopoJSON) from a CDN when the page opens, so
the map is drawn on plain x/y axes instead (longitude, latitude, with the aspect ratio
of the map's middle latitude) over outlines read from ``data/outlines.json``: Natural
Earth's 1:50m country boundaries (public domain), simplified and cut to the countries
around the routes by :func:`derive_outlines` once; see ``data/README.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from borderflow.report.figures import TEMPLATE, daily_pivot
from borderflow.scenario.schema import Scenario

OUTLINES_FILE = "outlines.json"
# ISO 3166-1 numeric -> alpha-3, for the countries drawn (the routes run through the
# first nine; Cuba and Canada's southern edge frame the view).
COUNTRIES: dict[str, str] = {
    "840": "USA",
    "484": "MEX",
    "320": "GTM",
    "084": "BLZ",
    "340": "HND",
    "222": "SLV",
    "558": "NIC",
    "188": "CRI",
    "591": "PAN",
    "192": "CUB",
}
# Rings wholly outside this box (Alaska, Hawaii, far islands) are left out.
BOX = (-126.0, 5.0, -59.0, 50.0)
# People shown on the map: those on the road, waiting or held; not those whose journey
# ended (at home, settled, granted, removed), who would pile up at a few places.
MAP_STATES: tuple[str, ...] = (
    "transit",
    "waiting_sheltered",
    "waiting_unsheltered",
    "mpp_waiting",
    "in_custody",
    "prosecution",
    "awaiting_credible_fear",
    "detained",
    "family_detention",
    "awaiting_removal",
)
KIND_COLOURS = {
    "origin": "#6d4c41",
    "town": "#757575",
    "border_city": "#e65100",
    "port_of_entry": "#1e88e5",
    "us_sector": "#3949ab",
}


# ---------------------------------------------------------------- the outlines


def _decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Absolute coordinates of every arc of a quantized TopoJSON topology."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        arcs.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]))
    return arcs


def _ring(arcs: list[np.ndarray], indices: Sequence[int]) -> np.ndarray:
    parts = []
    for k, i in enumerate(indices):
        # a negative index is the one's complement of an arc read backwards
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts)


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas–Peucker: drop points closer than ``tolerance`` to the simplified line."""
    n = len(points)
    if n < 4:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        seg = points[b] - points[a]
        rel = points[a + 1 : b] - points[a]
        length = math.hypot(*seg)
        if length == 0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / length
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            mid = a + 1 + k
            keep[mid] = True
            stack += [(a, mid), (mid, b)]
    return points[keep]


def derive_outlines(
    topojson: str | Path, out: str | Path, *, tolerance: float = 0.04, digits: int = 2
) -> dict[str, Any]:
    """Cut and simplify Natural Earth country outlines (world-atlas TopoJSON) to a small file.

    Run once by hand (``data/README.md``); the package reads only the result.

    Args:
        topojson: a world-atlas ``countries-50m.json`` (Natural Earth 1:50m admin 0).
        out: the JSON file to write.
        tolerance: Douglas–Peucker tolerance in degrees.
        digits: decimals kept per coordinate (2: about a kilometre).
    """
    topology = json.loads(Path(topojson).read_text())
    arcs = _decode_arcs(topology)
    lon0, lat0, lon1, lat1 = BOX
    countries: dict[str, Any] = {}
    for geom in topology["objects"]["countries"]["geometries"]:
        code = COUNTRIES.get(str(geom.get("id")))
        if code is None:
            continue
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = []
        for polygon in polygons:
            outer = _ring(arcs, polygon[0])  # holes (lakes) are not drawn
            if (
                outer[:, 0].max() < lon0
                or outer[:, 0].min() > lon1
                or outer[:, 1].max() < lat0
                or outer[:, 1].min() > lat1
            ):
                continue
            small = simplify(outer, tolerance)
            if len(small) >= 4:
                rings.append(np.round(small, digits).tolist())
        countries[code] = {"name": geom["properties"]["name"], "rings": rings}
    data = {
        "source": "Natural Earth 1:50m Admin 0 countries v4.1.0 (public domain), "
        "via the world-atlas 2.0.2 TopoJSON; simplified with Douglas-Peucker, "
        f"tolerance {tolerance} degrees, {digits} decimals",
        "countries": countries,
    }
    Path(out).write_text(json.dumps(data, separators=(",", ":")) + "\n")
    return data


@cache
def outlines() -> dict[str, Any]:
    """The bundled country outlines: ``{"countries": {ISO3: {"name", "rings"}}, "source"}``."""
    text = resources.files("borderflow.report").joinpath("data", OUTLINES_FILE).read_text()
    return json.loads(text)


def _joined(rings: Iterable[Sequence[Sequence[float]]]) -> tuple[list, list]:
    """Rings as one x list and one y list, separated by ``None`` (one trace, many lines)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


# ---------------------------------------------------------------- the map


def _frame_dates(dates: pd.DatetimeIndex, max_frames: int) -> pd.DatetimeIndex:
    step = max(1, math.ceil(len(dates) / max_frames))
    picked = dates[::step]
    if picked[-1] != dates[-1]:
        picked = picked.append(dates[-1:])
    return picked


def _sizes(n: np.ndarray, biggest: float) -> np.ndarray:
    # area proportional to people, so a place with four times the people looks four
    # times as big; empty places keep a small dot so the network stays readable
    scale = 40.0 / math.sqrt(max(biggest, 1.0))
    return np.where(n > 0, 6 + scale * np.sqrt(n), 4)


def network_map(
    daily: pd.DataFrame,
    scenario: Scenario,
    *,
    date: str | pd.Timestamp | None = None,
    animate: bool = True,
    max_frames: int = 120,
) -> go.Figure:
    """The route network with people per place on ``date``, and a slider over days.

    Args:
        daily: the ``daily`` table.
        scenario: the scenario run (places, routes).
        date: the day shown first (default: the day with most people on the map).
        animate: add frames, a slider over days and play/pause buttons.
        max_frames: at most this many days in the slider (evenly spaced; the last included).
    """
    counts = _people_per_place(daily, scenario)
    first = _first_day(counts, scenario, date)
    biggest = float(counts.to_numpy().max())

    def sizes(day: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
        n = counts.loc[day].to_numpy()
        return np.round(_sizes(n, biggest), 1), n

    fig = go.Figure()
    _add_countries(fig)
    _add_routes(fig, scenario)
    markers = _add_places(fig, scenario, *sizes(first))
    _frame(fig, scenario, first)
    if animate:
        _animate(fig, counts.index, first, markers, sizes, max_frames)
    return fig


def _people_per_place(daily: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """People on the map (on the road, waiting or held) per day and place, a column a place."""
    wide = daily_pivot(daily, scenario, states=MAP_STATES, by="place")
    return wide.reindex(columns=[p.id for p in scenario.places], fill_value=0)


def _first_day(
    counts: pd.DataFrame, scenario: Scenario, date: str | pd.Timestamp | None
) -> pd.Timestamp:
    """``date``, or the day with most people on the map.

    Raises:
        ValueError: for a date outside the run.
    """
    if date is None:
        total = counts.sum(axis=1)
        return total.idxmax() if total.any() else counts.index[0]
    first = pd.Timestamp(date)
    if first not in counts.index:
        raise ValueError(
            f"date {first.date()} is outside the run ({scenario.start} to {scenario.end})"
        )
    return first


def _add_countries(fig: go.Figure) -> None:
    """The countries' outlines, the United States and Mexico lighter than the rest."""
    fills = {"USA": "#f7f7f7", "MEX": "#ececec"}
    for code, country in outlines()["countries"].items():
        xs, ys = _joined(country["rings"])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=fills.get(code, "#e4e4e4"),
                line={"color": "#9e9e9e", "width": 0.8},
                name=country["name"],
                hoverinfo="skip",
                showlegend=False,
                meta=code,
            )
        )


def _add_routes(fig: go.Figure, scenario: Scenario) -> None:
    """Every route as a straight line (one trace)."""
    where = {p.id: (p.longitude, p.latitude) for p in scenario.places}
    rx: list[float | None] = []
    ry: list[float | None] = []
    for r in scenario.routes:
        (x0, y0), (x1, y1) = where[r.from_], where[r.to]
        rx += [x0, x1, None]
        ry += [y0, y1, None]
    fig.add_trace(
        go.Scatter(
            x=rx,
            y=ry,
            mode="lines",
            line={"color": "#bdbdbd", "width": 1},
            name="routes",
            hoverinfo="skip",
        )
    )


def _add_places(fig: go.Figure, scenario: Scenario, size: np.ndarray, n: np.ndarray) -> int:
    """A marker a place sized by its people, and names; return the markers' trace index."""
    places = list(scenario.places)
    lon = np.array([p.longitude for p in places])
    lat = np.array([p.latitude for p in places])
    names = [p.name for p in places]
    fig.add_trace(
        go.Scatter(
            x=lon,
            y=lat,
            mode="markers",
            name="people at a place",
            text=names,
            customdata=n,
            marker={
                "size": size,
                "color": [KIND_COLOURS[p.kind] for p in places],
                "line": {"width": 0.5, "color": "white"},
                "opacity": 0.85,
            },
            hovertemplate="%{text}: %{customdata:,} people<extra></extra>",
        )
    )
    markers = len(fig.data) - 1
    # names of the origins and border cities only: every town's would bury the map
    named = [i for i, p in enumerate(places) if p.kind in ("origin", "border_city")]
    # border cities alternate above and below the line, west to east, as they lie close
    along = sorted((i for i in named if places[i].kind == "border_city"), key=lambda i: lon[i])
    position = {i: ("top center", "bottom center")[k % 2] for k, i in enumerate(along)}
    fig.add_trace(
        go.Scatter(
            x=lon[named],
            y=lat[named],
            mode="text",
            text=[names[i] for i in named],
            textposition=[position.get(i, "middle right") for i in named],
            textfont={"size": 9, "color": "#424242"},
            hoverinfo="skip",
            name="names",
        )
    )
    return markers


def _frame(fig: go.Figure, scenario: Scenario, first: pd.Timestamp) -> None:
    """Axes around the places and the border at true proportions, title and layout."""
    lon = np.array([p.longitude for p in scenario.places])
    lat = np.array([p.latitude for p in scenario.places])
    mid = math.radians((BOX[1] + BOX[3]) / 2)
    x_range = [min(lon.min(), -118) - 2, max(lon.max(), -86) + 2]
    y_range = [min(lat.min(), 12) - 1.5, max(lat.max(), 33) + 1.5]
    fig.update_xaxes(range=x_range, visible=False, constrain="domain")
    # one degree of latitude is longer on the ground than one of longitude here
    fig.update_yaxes(range=y_range, visible=False, scaleanchor="x", scaleratio=1 / math.cos(mid))
    fig.update_layout(
        title={
            "text": f"People on the road, waiting or held, per place — {first.date()}",
            "x": 0.01,
        },
        template=TEMPLATE,
        height=620,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        showlegend=False,
        plot_bgcolor="#e3f2fd",
        hovermode="closest",
    )


def _animate(
    fig: go.Figure,
    dates: pd.DatetimeIndex,
    first: pd.Timestamp,
    markers: int,
    sizes: Callable[[pd.Timestamp], tuple[np.ndarray, np.ndarray]],
    max_frames: int,
) -> None:
    """Frames of the markers' sizes by day, a slider over the days and play/pause."""
    days = _frame_dates(dates, max_frames)
    fig.frames = [
        go.Frame(
            name=str(day.date()),
            # only what changes: sizes and counts (names and colours stay from the trace)
            data=[go.Scatter(marker={"size": sz}, customdata=n) for sz, n in [sizes(day)]],
            traces=[markers],
            layout={"title": {"text": f"People per place — {day.date()}"}},
        )
        for day in days
    ]
    step_args = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}
    fig.update_layout(
        sliders=[
            {
                "active": int(np.searchsorted(days, first)) if first in days else 0,
                "currentvalue": {"prefix": "day: "},
                "pad": {"t": 10},
                "x": 0.16,
                "len": 0.84,
                "steps": [
                    {
                        "label": str(d.date()),
                        "method": "animate",
                        "args": [[str(d.date())], step_args],
                    }
                    for d in days
                ],
            }
        ],
        updatemenus=[_play_pause()],
        margin={"b": 80},
    )


def _step(day: pd.Timestamp, args: dict[str, Any]) -> dict[str, Any]:
    """A slider step showing ``day``'s frame."""
    return {"label": str(day.date()), "method": "animate", "args": [[str(day.date())], args]}


def _play_pause() -> dict[str, Any]:
    """The play and pause buttons of an animated map."""
    return {
        "type": "buttons",
        "direction": "left",
        "x": 0.0,
        "y": 0.0,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 30},
        "buttons": [
            {
                "label": "▶ play",
                "method": "animate",
                "args": [None, {"frame": {"duration": 120, "redraw": False}, "fromcurrent": True}],
            },
            {
                "label": "❚❚ pause",
                "method": "animate",
                "args": [[None], {"mode": "immediate", "frame": {"duration": 0}}],
            },
        ],
    }
