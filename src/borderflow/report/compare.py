"""``compare.html``: two results (runs or ensembles) side by side.

What changed between the two scenarios (levers, policies, parameters, people), the key
indicators A against B with the difference and the change in percent, and the main time
series overlaid (A solid, B dashed), with bands where both are ensembles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from borderflow._version import __version__
from borderflow.analysis.ensemble import POSTERIOR_BANDS
from borderflow.report import figures as figs
from borderflow.report import target_figures as target_figs
from borderflow.report.html import figure_div, page, report_input, report_targets
from borderflow.report.inputs import ReportInput
from borderflow.report.markup import table
from borderflow.report.series import (
    Band,
    Series,
    band_lines,
    by_stage,
    mpp_by_city,
    run_band,
    shard_bands,
    us_custody_by_state,
    waitlist_by_city,
)
from borderflow.results import store
from borderflow.results.indicators import formatted, key_indicators, target_format
from borderflow.results.results import RUN, Results
from borderflow.results.targets import inside, role_scores, series_errors
from borderflow.scenario.bounds import shown_capacity
from borderflow.scenario.schema import Scenario

COMPARE_FILE = "compare.html"
#: The folders of the two runs a scenario-with-a-change comparison writes beside its page.
RUN_FOLDERS = ("a", "b")
#: A comparison's folder: the page, and the two runs when it made them.
COMPARE = store.Kind(
    "compare",
    frozenset({COMPARE_FILE, *RUN_FOLDERS}),
    signature=COMPARE_FILE,
    folders=dict.fromkeys(RUN_FOLDERS, RUN),
)
#: Section id -> heading, in page order.
COMPARE_SECTIONS: dict[str, str] = {
    "compare-changes": "What changed",
    "compare-indicators": "Key indicators, A against B",
    "compare-series": "Over time",
    "compare-targets": "Targets, A against B",
}
COMPARED_STAGES = (
    "on the road",
    "waiting at a port, sheltered",
    "waiting at a port, unsheltered",
    "waiting in Mexico under MPP",
    "in U.S. custody",
    "in ICE detention",
    "released, awaiting a hearing",
)
STYLES = {"A": ("", None), "B": ("", "dash")}

Source = Results | Mapping[str, Any] | str | Path | ReportInput


@dataclass
class Side:
    """One side of a comparison: its label and what its report is drawn from."""

    label: str
    inp: ReportInput


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out |= _flat(v, f"{prefix}{k}.")
        return out
    if isinstance(data, list | tuple) and data and isinstance(data[0], Mapping | list | tuple):
        out = {}
        for i, v in enumerate(data):
            out |= _flat(v, f"{prefix}{i}.")
        return out
    return {prefix.rstrip("."): data}


def scenario_changes(a: Scenario, b: Scenario) -> list[tuple[str, str, str]]:
    """Every setting that differs between two scenarios: ``(what, in A, in B)``.

    Levers, dated policies, parameters (value and range), people and targets are
    compared field by field; the network is compared as a whole.
    """
    da = a.model_dump(mode="json", by_alias=True, exclude={"places", "routes"})
    db = b.model_dump(mode="json", by_alias=True, exclude={"places", "routes"})
    fa, fb = _flat(da), _flat(db)
    rows = []
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key, "–"), fb.get(key, "–")
        if va != vb:
            rows.append((key, _show(va), _show(vb)))
    if (a.places, a.routes) != (b.places, b.routes):
        rows.append(("network", f"{len(a.places)} places", f"{len(b.places)} places (differs)"))
    return rows


def _show(value: Any) -> str:
    if isinstance(value, float):
        return shown_capacity(value, lambda v: f"{v:g}")
    return str(value)


def _value(inp: ReportInput, name: str) -> float | None:
    v = inp.indicators.get(name)
    if v is None:
        return None
    return float(v["median"]) if isinstance(v, Mapping) else float(v)


def indicator_table(a: Side, b: Side) -> pd.DataFrame:
    """Key indicators of A and B: value (median for an ensemble), difference, change in %."""
    places = {p.id: p.name for p in (*a.inp.scenario.places, *b.inp.scenario.places)}
    names = list(dict.fromkeys([*a.inp.indicators, *b.inp.indicators]))
    rows = []
    for name, label in key_indicators(names, places):
        va, vb = _value(a.inp, name), _value(b.inp, name)
        diff = None if va is None or vb is None else vb - va
        pct = None if diff is None or not va else 100.0 * diff / abs(va)
        row: dict[str, Any] = {"indicator": name, "label": label, "A": va, "B": vb}
        row |= {"difference": diff, "percent": pct}
        for side, key in ((a, "A"), (b, "B")):
            band = side.inp.indicators.get(name)
            if isinstance(band, Mapping):
                row[f"{key}_p05"], row[f"{key}_p95"] = band["p05"], band["p95"]
        rows.append(row)
    return pd.DataFrame(rows)


def _bands(inp: ReportInput, series: Mapping[str, Series]) -> dict[str, Band]:
    if inp.kind == "ensemble":
        return shard_bands(inp.tables["shards"], series)
    return {name: run_band(inp.tables["daily"], fn) for name, fn in series.items()}


def _fmt(v: float | None, digits: int = 0) -> str:
    if v is None or v != v:
        return "–"
    return shown_capacity(v, lambda x: f"{x:,.{digits}f}")


def indicators_figure(rows: pd.DataFrame) -> go.Figure:
    """The change from A to B of each key indicator that changed, in percent."""
    changed = rows.dropna(subset=["percent"])
    changed = changed[changed["difference"] != 0]
    title = "Change from A to B, in percent of A"
    if changed.empty:
        return figs._empty(title, "No key indicator changed.")
    fig = go.Figure(
        go.Bar(
            y=changed["label"],
            x=changed["percent"],
            orientation="h",
            marker_color="#5c6bc0",
            customdata=changed[["A", "B"]].to_numpy(),
            hovertemplate="%{y}: %{x:+.1f}% (A %{customdata[0]:,.1f}, B %{customdata[1]:,.1f})"
            "<extra></extra>",
        )
    )
    figs._layout(fig, title, y="")
    fig.update_layout(height=max(figs.HEIGHT, 26 * len(changed) + 120), hovermode="closest")
    fig.update_xaxes(title_text="% change (B against A)", zeroline=True)
    fig.update_yaxes(autorange="reversed", rangemode="normal", automargin=True)
    return fig


def compare_figures(a: Side, b: Side) -> dict[str, go.Figure]:
    """The overlaid time series and the change of each indicator, by figure id."""
    names = {p.id: p.name for p in (*b.inp.scenario.places, *a.inp.scenario.places)}

    def series(sc: Scenario) -> dict[str, Series]:
        # each side on its own dates and network, so two periods can be compared
        return {
            "waitlist": waitlist_by_city(sc),
            "stages": by_stage(sc),
            "mpp": mpp_by_city(sc),
            "us": us_custody_by_state(sc),
        }

    ba = _bands(a.inp, series(a.inp.scenario))
    bb = _bands(b.inp, series(b.inp.scenario))
    out: dict[str, go.Figure] = {}

    def overlay(key: str, title: str, labels: Mapping[str, str]) -> go.Figure:
        cols = {
            c: labels.get(c, c)
            for c in sorted(set(ba[key]["median"].columns) | set(bb[key]["median"].columns))
            if ba[key]["median"].get(c, pd.Series([0])).any()
            or bb[key]["median"].get(c, pd.Series([0])).any()
        }
        if not cols:
            return figs._empty(title, "Nothing to show in either.")
        # a column absent on one side is all zeros there
        sides = {
            k: {q: w.reindex(columns=list(cols), fill_value=0) for q, w in band.items()}
            for k, band in (("A", ba[key]), ("B", bb[key]))
        }
        return band_lines(sides, cols, title, styles=STYLES)

    out["fig-compare-waitlist"] = overlay(
        "waitlist", "Waitlist per border city: A solid, B dashed", names
    )
    stage_labels = {s: s for s in COMPARED_STAGES}
    for band in (ba["stages"], bb["stages"]):
        for q in band:
            band[q] = band[q].reindex(columns=list(COMPARED_STAGES), fill_value=0)
    out["fig-compare-stages"] = overlay(
        "stages", "People in each stage: A solid, B dashed", stage_labels
    )
    out["fig-compare-mpp"] = overlay("mpp", "Waiting under MPP: A solid, B dashed", names)
    custody = {s: s.replace("_", " ") for s in figs.US_CUSTODY_STATES}
    out["fig-compare-us"] = overlay("us", "U.S. custody and detention: A solid, B dashed", custody)
    if a.inp.kind == b.inp.kind == "run":
        out["fig-compare-courts"] = _courts(a, b)
    return out


def _courts(a: Side, b: Side) -> go.Figure:
    fig = go.Figure()
    for side, dash in ((a, None), (b, "dash")):
        c = side.inp.tables.get("courts")
        if c is None or c.empty:
            continue
        total = c.assign(date=pd.to_datetime(c["date"])).groupby("date")["backlog"].sum()
        fig.add_trace(
            go.Scatter(
                x=total.index,
                y=total.to_numpy(),
                name=f"court backlog ({side.label})",
                line={"dash": dash, "color": "#3949ab"},
            )
        )
    return figs._layout(fig, "Court backlog, all dockets: A solid, B dashed", y="cases")


def _indicator_html(rows: pd.DataFrame, bands: bool) -> str:
    header = ["indicator", "A", "B", "difference", "change"]
    if bands:
        header[1:3] = ["A (median; 5–95%)", "B (median; 5–95%)"]
    body = []
    for r in rows.to_dict(orient="records"):
        digits = 1 if "days" in r["indicator"] else 0

        def cell(k: str, r: dict[str, Any] = r, digits: int = digits) -> str:
            text = _fmt(r[k], digits)
            if bands and f"{k}_p05" in r and r.get(f"{k}_p05") == r.get(f"{k}_p05"):
                text += f" ({_fmt(r[f'{k}_p05'], digits)} – {_fmt(r[f'{k}_p95'], digits)})"
            return text

        diff = r["difference"]
        pct = r["percent"]
        body.append(
            (
                r["label"],
                cell("A"),
                cell("B"),
                "–" if diff is None or diff != diff else f"{diff:+,.{digits}f}",
                "–" if pct is None or pct != pct else f"{pct:+.1f}%",
            )
        )
    return table(header, body)


def _side_targets(side: Side) -> pd.DataFrame:
    t = report_targets(side.inp.targets)
    return t if t is not None else pd.DataFrame(columns=["key", "id", "role", "simulated"])


def _simulated_cells(figures: pd.DataFrame, simulated: str) -> tuple[str, str]:
    """One side's cells for a target's figures: ``(value, inside)``.

    A series gives its median error and how many figures are inside; a target missing
    on that side, dashes.
    """
    values = figures[simulated]
    if values.isna().all():
        return "–", "–"
    flags = inside(values, figures["low"], figures["high"])
    if len(figures) == 1 and figures["key"].iloc[0] == figures["id"].iloc[0]:
        r = figures.iloc[0]
        return formatted(r[simulated], target_format(str(r["measure"]))), (
            "yes" if flags.iloc[0] else "no"
        )
    error = series_errors(figures.assign(simulated=values)).iloc[0]["median_error"]
    shown = "–" if pd.isna(error) else f"median error {error:.0%}"
    return shown, f"{int(flags.sum())} of {len(figures)}"


def _targets_html(a: Side, b: Side) -> str:
    """Each side's score per role, then one row a point target and one a series, by key."""
    ta, tb = _side_targets(a), _side_targets(b)
    if ta.empty and tb.empty:
        return "<p>The scenario has no observed targets.</p>"
    sa, sb = role_scores(ta), role_scores(tb)
    scores = table(
        ["role", "A", "B"],
        [
            (target_figs.ROLE_HEADINGS[r], sa[r].counted, sb[r].counted)
            for r in target_figs.ROLE_ORDER
        ],
    )
    # every figure of either side, by key (A's description first), with both values
    meta = pd.concat([ta.drop(columns="simulated"), tb.drop(columns="simulated")])
    meta = meta.drop_duplicates("key").reset_index(drop=True)
    merged = meta.assign(
        simulated_a=meta["key"].map(ta.set_index("key")["simulated"]),
        simulated_b=meta["key"].map(tb.set_index("key")["simulated"]),
    )
    order = {role: i for i, role in enumerate(target_figs.ROLE_ORDER)}
    merged = merged.sort_values("role", key=lambda r: r.map(order), kind="stable")
    rows = []
    for target_id, figures in merged.groupby("id", sort=False):
        first, last = figures.iloc[0], figures.iloc[-1]
        a_value, a_inside = _simulated_cells(figures, "simulated_a")
        b_value, b_inside = _simulated_cells(figures, "simulated_b")
        if len(figures) == 1 and first["key"] == target_id:
            fmt = target_format(str(first["measure"]))
            when = str(first["date"])
            reported = formatted(first["reported"], fmt)
            span = f"{formatted(first['low'], fmt)} – {formatted(first['high'], fmt)}"
        else:
            when = f"{first['date']} … {last['date']}"
            reported = f"series of {len(figures)} figures"
            tolerance = first["high"] / first["reported"] - 1 if first["reported"] else None
            span = "–" if tolerance is None else f"each ±{tolerance:.0%}"
        rows.append(
            (
                str(target_id),
                first["role"],
                when,
                reported,
                span,
                a_value,
                a_inside,
                b_value,
                b_inside,
                first["quantity"],
            )
        )
    header = ["target", "role", "date", "reported", "range", "A", "A inside", "B", "B inside"]
    median = any(s.inp.kind == "ensemble" for s in (a, b))
    note = (
        '<p class="note">Checks and fits are scored apart: a check is used for nothing but '
        "this comparison; a fit's figure set or fitted the scenario, so inside shows the fit "
        "worked."
        + (" For an ensemble the value is the median of its runs." if median else "")
        + "</p>"
    )
    return note + scores + table([*header, "quantity"], rows)


def _describe(side: Side) -> str:
    inp = side.inp
    what = f"ensemble of {inp.runs} runs" if inp.kind == "ensemble" else "one run"
    manifest = inp.extra.get("manifest") or {}
    if inp.kind == "ensemble" and manifest.get("bands") == POSTERIOR_BANDS:
        what += " drawing the fitted parameters from a posterior"
    return f"{side.label}: {inp.scenario.name}, {what}, seed {inp.seed}"


def build_compare(
    a: Source, b: Source, labels: Sequence[str] = ("A", "B"), title: str | None = None
) -> str:
    """The comparison page of two runs or ensembles (objects, tables or folders)."""
    sa, sb = Side(labels[0], report_input(a)), Side(labels[1], report_input(b))
    if sa.inp.scenario.start != sb.inp.scenario.start or sa.inp.scenario.end != sb.inp.scenario.end:
        period = "The two cover different periods; the series are drawn on one time axis."
    else:
        period = ""
    changes = scenario_changes(sa.inp.scenario, sb.inp.scenario)
    if sa.inp.seed != sb.inp.seed:
        changes.append(("seed", str(sa.inp.seed), str(sb.inp.seed)))
    change_html = (
        table(["setting", "A", "B"], changes)
        if changes
        else "<p>The two scenarios are the same (only chance differs).</p>"
    )
    rows = indicator_table(sa, sb)
    both_bands = sa.inp.kind == sb.inp.kind == "ensemble"
    series = compare_figures(sa, sb)
    sections = [
        (
            "compare-changes",
            COMPARE_SECTIONS["compare-changes"],
            f"<p>{escape(_describe(sa))}<br>{escape(_describe(sb))}</p>{change_html}"
            + (f'<p class="note">{period}</p>' if period else ""),
        ),
        (
            "compare-indicators",
            COMPARE_SECTIONS["compare-indicators"],
            _indicator_html(rows, both_bands)
            + figure_div(indicators_figure(rows), "fig-compare-indicators"),
        ),
        (
            "compare-series",
            COMPARE_SECTIONS["compare-series"],
            (
                '<p class="note">Medians with 25–75% and 5–95% bands over the runs.</p>'
                if both_bands
                else ""
            )
            + "".join(figure_div(fig, fid) for fid, fig in series.items()),
        ),
        ("compare-targets", COMPARE_SECTIONS["compare-targets"], _targets_html(sa, sb)),
    ]
    title = title or f"borderflow: {sa.inp.scenario.name} — A against B"
    return page(title, escape(f"{_describe(sa)} · {_describe(sb)}"), sections)


def write_compare(
    a: Source,
    b: Source,
    out: str | Path,
    labels: Sequence[str] = ("A", "B"),
    *,
    with_runs: bool = False,
) -> Path:
    """Write ``compare.html`` into the folder ``out``; return the page's path.

    ``out`` may be new, empty, or an earlier comparison; anything else is refused
    (:func:`borderflow.results.store.claim_output`). An earlier comparison's runs are
    kept, unless ``with_runs`` writes ``a`` and ``b`` (two :class:`Results`) beside the
    page as ``out/a`` and ``out/b``, in the same atomic write.
    """
    text = build_compare(a, b, labels)

    def fill(tmp: Path) -> None:
        if with_runs:
            for run, name in zip((a, b), RUN_FOLDERS, strict=True):
                if not isinstance(run, Results):
                    raise TypeError("with_runs writes two runs: give two Results")
                run.write(tmp / name)
        store.write_text(tmp / COMPARE_FILE, text)

    about = {"borderflow": __version__, "labels": list(labels)}
    folder = store.write_atomically(out, fill, COMPARE, about, replace=with_runs)
    return folder / COMPARE_FILE
