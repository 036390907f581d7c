"""``report.html``: one self-contained page per run (or ensemble) with every figure.

Plotly.js is embedded once in the page's head and each figure is a ``<div>`` with its
own small script, so the file opens without a network and stays a few megabytes.
Sections and figures carry stable ids (``SECTIONS``; ``fig-…``) that tests and the
dashboard look for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from borderflow._version import __version__
from borderflow.analysis.ensemble import ENSEMBLE, EnsembleResults, bands_sentence
from borderflow.report import figures as figs
from borderflow.report import target_figures as target_figs
from borderflow.report.geo import network_map
from borderflow.report.inputs import ReportInput
from borderflow.report.markup import Num, Raw, _e, _num, table
from borderflow.report.mexico_section import (
    MEXICO_NOTE,
    MEXICO_TABLES,
    NO_MEXICO,
    ensemble_figure,
    mexico_figures,
)
from borderflow.report.png import PngResult, write_pngs
from borderflow.report.tables import tables_of
from borderflow.report.us_side_section import US_SIDE_TABLES, us_side_figures
from borderflow.results import store
from borderflow.results.indicators import (
    flatten,
    formatted,
    has_us_side,
    key_indicators,
    target_format,
)
from borderflow.results.results import RUN, Results
from borderflow.results.targets import (
    inside,
    relative_error,
    role_scores,
    scoreline,
    series_errors,
)
from borderflow.scenario.schema import (
    PER_PLACE_LEVERS,
    SeasonalityEstimate,
    multipliers_of,
)

REPORT_FILE = store.REPORT_FILE
#: A folder holding a report alone (one not written into its run's or ensemble's folder).
REPORT = store.Kind(
    "report",
    frozenset({REPORT_FILE, store.FIGURES}),
    signature=REPORT_FILE,
    folders={store.FIGURES: store.FIGURE_FILES},
)

#: Section id -> heading, in page order.
SECTIONS: dict[str, str] = {
    "section-scenario": "The scenario",
    "section-levers": "Levers and assumptions",
    "section-stocks": "People in each stage over time",
    "section-flows": "From origins to outcomes",
    "section-map": "The map",
    "section-mexico": "Mexico's enforcement",
    "section-border-cities": "Border cities: waitlists, waits and shelters",
    "section-crossings": "Admissions and crossings between ports",
    "section-violence": "Violence",
    "section-us": "The U.S. side: MPP, detention and the courts",
    "section-us-side": "U.S. side: decisions, time to decision, custody and re-crossings",
    "section-targets": "Simulated against reported",
}
#: Figure id -> the section it sits in.
FIGURES: dict[str, str] = {
    "fig-stocks": "section-stocks",
    "fig-sankey": "section-flows",
    "fig-map": "section-map",
    "fig-mexico": "section-mexico",
    "fig-waitlist": "section-border-cities",
    "fig-waits": "section-border-cities",
    "fig-shelter": "section-border-cities",
    "fig-crossings": "section-crossings",
    "fig-violence": "section-violence",
    "fig-mpp": "section-us",
    "fig-detention": "section-us",
    "fig-courts": "section-us",
    "fig-time-to-decision": "section-us",
    "fig-us-decisions": "section-us-side",
    "fig-us-decision-times": "section-us-side",
    "fig-us-custody": "section-us-side",
    "fig-us-recrossings": "section-us-side",
    "fig-us-households": "section-us-side",
    "fig-targets": "section-targets",
}
CONFIG = {"displaylogo": False, "responsive": True}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#212121;
background:#fafafa;line-height:1.45}
header{background:#263238;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px 0;font-size:1.5em}
header p{margin:0;color:#cfd8dc}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:6px 24px;
z-index:10;font-size:.9em;overflow-x:auto;white-space:nowrap}
nav a{margin-right:14px;color:#37474f;text-decoration:none}
main{max-width:1200px;margin:0 auto;padding:8px 24px 40px}
section{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:12px 18px;
margin:18px 0}
h2{margin:4px 0 8px;font-size:1.25em}
table{border-collapse:collapse;font-size:.88em;margin:8px 0}
th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.assumption{color:#e65100}.sourced{color:#2e7d32}
.note{color:#616161;font-size:.9em}
.figure{margin:6px 0 14px}
details summary{cursor:pointer;color:#37474f}
"""


def report_input(
    source: Results | EnsembleResults | Mapping[str, Any] | str | Path | ReportInput,
) -> ReportInput:
    """Turn a run, a results folder (or its tables), or an ensemble (or its folder) into input."""
    if isinstance(source, ReportInput):
        return source
    if isinstance(source, EnsembleResults):
        if source.folder is None:
            raise ValueError("an ensemble's report is drawn from its folder: run it with out=")
        source = source.folder
    if isinstance(source, str | Path) and (Path(source) / "ensemble.json").is_file():
        from borderflow.report.ensemble_input import ensemble_input

        return ensemble_input(source)
    data = tables_of(source)  # type: ignore[arg-type]
    return ReportInput(
        scenario=data["scenario"],
        kind="run",
        tables=data,
        indicators=flatten(data["summary"]),
        targets=report_targets(data["targets"]),
        seed=data.get("seed"),
    )


# ---------------------------------------------------------------- small HTML helpers


def figure_div(fig: go.Figure, div_id: str) -> str:
    """A figure as a ``<div>`` and its script (no plotly.js: the page carries it once)."""
    inner = pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config=CONFIG,
        auto_play=False,
        default_width="100%",
        default_height=f"{fig.layout.height or figs.HEIGHT}px",
    )
    return f'<div class="figure" data-figure="{_e(div_id)}">{inner}</div>'


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole page: head with plotly.js once, a nav bar, then each ``(id, heading, body)``."""
    nav = "".join(f'<a href="#{_e(sid)}">{_e(head)}</a>' for sid, head, _ in sections)
    body = "".join(
        f'<section id="{_e(sid)}"><h2>{_e(head)}</h2>{content}</section>'
        for sid, head, content in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body>"
        f"<header><h1>{_e(title)}</h1><p>{subtitle}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
    )


# ---------------------------------------------------------------- sections


def scenario_section(inp: ReportInput) -> str:
    """What was run: the scenario, its people, the key indicators."""
    sc = inp.scenario
    names = {p.id: p.name for p in sc.places}
    facts = [
        ("scenario", f"{sc.name}: {sc.title}"),
        ("period", f"{sc.start} to {sc.end} ({sc.n_days} days)"),
        ("seed", inp.seed if inp.seed is not None else "–"),
        ("runs", inp.runs),
        ("places / routes", f"{len(sc.places)} / {len(sc.routes)}"),
        ("borderflow", __version__),
    ]
    if inp.targets is not None and not inp.targets.empty:
        facts.append(("targets (checks first)", scoreline(inp.targets)))
    parts = [f"<p>{_e(sc.description)}</p>" if sc.description else "", table(["", ""], facts)]
    if sc.caravans:
        parts.append("<h3>Caravans</h3>")
        parts.append(
            table(
                ["caravan", "from", "leaves", "size", "joiners", "source"],
                [
                    (
                        c.name,
                        names.get(c.origin, c.origin),
                        str(c.depart),
                        c.size,
                        sum(j.n for j in c.joiners),
                        c.source or "",
                    )
                    for c in sc.caravans
                ],
            )
        )
    if sc.background is not None:
        bg = sc.background
        if not bg.streams:
            daily = ", ".join(f"{k} {v:g}" for k, v in bg.daily.items())
            parts.append(
                f"<p>Background departures a day: {_e(daily)} ({_e(bg.source or '')}).</p>"
            )
        else:
            parts.append(f"<p>Background departures a day, by stream ({_e(bg.source or '')}):</p>")
            parts.append(
                table(
                    ["stream", "departures a day", "households", "seasonality", "source"],
                    [
                        (
                            group.name,
                            ", ".join(f"{k} {v:g}" for k, v in group.daily.items()),
                            ", ".join(f"{k} {v:g}" for k, v in group.household.items()),
                            _seasonality_text(group.seasonality),
                            bg.streams[group.name].source or "",
                        )
                        for group in bg.groups
                    ],
                )
            )
    parts.append("<h3>Key indicators</h3>")
    parts.append(indicator_table(inp))
    return "".join(parts)


def _seasonality_text(seasonality: list[float] | SeasonalityEstimate) -> str:
    """A background group's seasonality: its multipliers, and the series estimated from."""
    shown = " ".join(f"{m:.2f}" for m in multipliers_of(seasonality))
    if not isinstance(seasonality, SeasonalityEstimate):
        return f"Jan–Dec: {shown}"
    of = ", ".join(x for x in (seasonality.place, seasonality.breakdown) if x)
    return (
        f"estimated from {seasonality.series}{f' ({of})' if of else ''}, "
        f"{seasonality.from_} to {seasonality.to}, leading by {seasonality.lead_months} "
        f"month(s); Jan–Dec: {shown}"
    )


def indicator_table(inp: ReportInput) -> str:
    """The key indicators: a value per run; median and bands for an ensemble."""
    names = {p.id: p.name for p in inp.scenario.places}
    keys = key_indicators(inp.indicators, names)
    if inp.kind == "ensemble":
        rows = []
        for name, label in keys:
            band = inp.indicators[name]
            rows.append(
                (
                    label,
                    band["median"],
                    f"{_num(band['p25'])} – {_num(band['p75'])}",
                    f"{_num(band['p05'])} – {_num(band['p95'])}",
                )
            )
        return table(["indicator", "median", "25–75%", "5–95%"], rows)
    return table(["indicator", "value"], [(label, inp.indicators[n]) for n, label in keys])


def levers_section(inp: ReportInput) -> str:
    """The levers (initial values and dated changes) and every parameter with its status."""
    sc = inp.scenario
    names = {p.id: p.name for p in sc.places}
    lever_rows: list[tuple[object, ...]] = []
    for lever, value in sc.levers:
        if lever in PER_PLACE_LEVERS:
            places = ", ".join(f"{names.get(k, k)} {_num(v)}" for k, v in value.overrides().items())
            shown = f"{places}; elsewhere {_num(value.default)}" if places else _num(value.default)
            lever_rows.append((lever, Raw(_e(shown))))
        else:
            lever_rows.append((lever, Raw(_num(value))))
    policy_rows = [
        (
            str(p.date),
            ", ".join(f"{k} = {_num(v)}" for k, v in p.set.items()),
            p.source or p.note or "",
        )
        for p in sorted(sc.policies, key=lambda p: p.date)
    ]
    param_rows = []
    for name, p in sorted(sc.parameters.items()):
        status = (
            Raw('<span class="assumption">assumption</span>')
            if p.is_assumption
            else Raw('<span class="sourced">sourced</span>')
        )
        param_rows.append(
            (name, p.value, f"{p.low:g} – {p.high:g}", p.unit, status, p.reason or p.source or "")
        )
    n_assumed = sum(p.is_assumption for p in sc.parameters.values())
    return (
        "<h3>Levers at the start</h3>"
        + table(["lever", "value"], lever_rows)
        + "<h3>Dated policy changes</h3>"
        + (
            table(["from", "change", "source or note"], policy_rows)
            if policy_rows
            else "<p>None: the levers hold for the whole run.</p>"
        )
        + f"<h3>Parameters ({len(param_rows)}: {len(param_rows) - n_assumed} sourced, "
        f"{n_assumed} assumptions)</h3>"
        + '<p class="note">A sourced value names the fact it comes from; an assumption gives '
        "its reason and the plausible range it may take.</p>"
        + "<details><summary>show every parameter</summary>"
        + table(["parameter", "value", "range", "unit", "status", "source or reason"], param_rows)
        + "</details>"
    )


#: What fit and check mean, above the targets' figure and tables.
TARGETS_INTRO = (
    "Each target is a figure reported by a public source. A check is used for nothing but "
    "this comparison: how many checks fall inside their range says how well the model "
    "reproduces the record. A fit's figure set or fitted something in the scenario (its "
    "table says what), so a fit inside shows only that the fit worked. Checks and fits are "
    "counted apart, never together. Inside: the simulated value{median} lies in the "
    "reported range; error: (simulated − reported) / reported."
)
#: Added to :data:`TARGETS_INTRO` when a target is a series.
SERIES_INTRO = (
    " A series target compares each row of a public series (one figure a row): its table "
    "has one row a series, and its figure shows the rows over time."
)
#: The id of a series target's figure over time, after its target's id.
SERIES_FIGURE = "fig-series-"


def report_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The target table as the report reads it: read back from CSV or not, the same text."""
    if targets is None:
        return targets
    text = [c for c in ("fitted", "note") if c in targets]  # all empty: read as floats
    return targets.astype(dict.fromkeys(text, object)).fillna(dict.fromkeys(text, ""))


def _percent(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:+.0%}"


def _dates(r: Any) -> str:
    """A figure's date, or the days a flow covers (``from – to``)."""
    if pd.isna(r.date_from) or str(r.date_from) in ("", "None"):
        return str(r.date)
    return f"{r.date_from} – {r.date}"


def _point_table(t: pd.DataFrame, role: str, band: bool) -> str:
    """One row a point target: simulated, reported, range, inside, error, what it fitted."""
    header = ["target", "date", "simulated", "reported", "range", "inside", "error"]
    header += ["quantity", "source"]
    if band:
        header[2] = "simulated (median; 5–95%)"
    if role == "fit":
        header.append("fitted")
    rows = []
    r: Any
    for r in t.itertuples():
        fmt = target_format(str(r.measure))
        sim = formatted(r.simulated, fmt)
        if band:
            sim += f" ({formatted(r.sim_p05, fmt)} – {formatted(r.sim_p95, fmt)})"
        flag = inside(r.simulated, r.low, r.high)
        row: list[object] = [
            r.id,
            _dates(r),
            Num(sim),
            Num(formatted(r.reported, fmt)),
            Num(f"{formatted(r.low, fmt)} – {formatted(r.high, fmt)}"),
            "yes" if flag else "no",
            Num(_percent(float(relative_error(r.simulated, r.reported)))),
            r.quantity,
            r.source,
        ]
        if role == "fit":
            row.append(r.fitted)
        rows.append(row)
    return table(header, rows)


def _series_table(t: pd.DataFrame, role: str, simulated: str = "simulated") -> str:
    """One row a series target: its figures, how many inside, median error and bias."""
    header = ["target", "dates", "figures", "inside", "median error", "bias", "range"]
    header += ["quantity", "source"]
    if role == "fit":
        header.append("fitted")
    errors = series_errors(t, simulated).set_index("id")
    rows = []
    for target_id, figures in t.groupby("id", sort=False):
        first, last = figures.iloc[0], figures.iloc[-1]
        e: Any = errors.loc[target_id]
        tolerance = first["high"] / first["reported"] - 1 if first["reported"] else float("nan")
        row: list[object] = [
            str(target_id),
            f"{first['date']} … {last['date']}",
            Num(str(len(figures))),
            Num(f"{int(e['inside'])} of {len(figures)}"),
            Num("–" if pd.isna(e["median_error"]) else f"{e['median_error']:.0%}"),
            Num(_percent(e["bias"])),
            "–" if pd.isna(tolerance) else f"each ±{tolerance:.0%}",
            first["quantity"],
            first["source"],
        ]
        if role == "fit":
            row.append(first["fitted"])
        rows.append(row)
    return table(header, rows)


def targets_section(
    inp: ReportInput,
    fig: go.Figure | None = None,
    series: Mapping[str, go.Figure] | None = None,
) -> str:
    """The targets: what fit and check mean, the figure, then each role apart.

    Per role, checks first: its score, its point targets, its series targets and each
    series' figure over time.

    Args:
        inp: the report's input.
        fig: the targets figure, if already drawn.
        series: the series' figures by figure id (``fig-series-<target id>``), if drawn.
    """
    t = report_targets(inp.targets)
    fig = fig if fig is not None else target_figs.targets_figure(t)
    if t is None or t.empty:
        return figure_div(fig, "fig-targets")
    band = inp.kind == "ensemble"
    if series is None:
        series = {SERIES_FIGURE + k: f for k, f in target_figs.series_figures(t).items()}
    intro = TARGETS_INTRO.format(median=" (the median of the runs)" if band else "")
    intro += SERIES_INTRO if target_figs.target_is_series(t).any() else ""
    parts = [f"<p>{_e(intro)}</p>", figure_div(fig, "fig-targets")]
    scores = role_scores(t)
    for role in target_figs.ROLE_ORDER:
        rows = t[t["role"] == role]
        heading = f"{target_figs.ROLE_HEADINGS[role]}: {scores[role].counted}"
        parts.append(f'<h3 id="targets-{role}">{_e(heading)}</h3>')
        if rows.empty:
            parts.append(_note(NO_TARGETS[role]))
            continue
        is_series = target_figs.target_is_series(rows)
        if not is_series.all():
            parts.append(_point_table(rows[~is_series], role, band))
        if is_series.any():
            parts.append(_series_table(rows[is_series], role))
            for target_id in dict.fromkeys(rows[is_series]["id"].astype(str)):
                fid = SERIES_FIGURE + target_id
                if fid in series:
                    parts.append(figure_div(series[fid], fid))
    return "".join(parts)


NO_TARGETS = {
    "check": "No check targets: nothing in this scenario tests the model out of sample.",
    "fit": "No fit targets.",
}


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def run_figures(inp: ReportInput) -> dict[str, go.Figure]:
    """Every figure of a single run's report, by figure id (``FIGURES``)."""
    sc, t = inp.scenario, inp.tables
    daily, flows = t["daily"], t["flows"]
    out = {
        "fig-stocks": figs.stocks_over_time(daily, sc),
        "fig-sankey": figs.flow_sankey(flows, daily, sc),
        "fig-map": network_map(daily, sc),
        "fig-waitlist": figs.waitlist_per_city(daily, sc),
        "fig-waits": figs.wait_distribution(t["waits"], sc),
        "fig-shelter": figs.shelter_occupancy(daily, sc),
        "fig-crossings": figs.crossings_over_time(flows, sc),
        "fig-violence": figs.violence_over_time(flows, sc),
        "fig-targets": target_figs.targets_figure(inp.targets),
    }
    out |= {SERIES_FIGURE + k: f for k, f in target_figs.series_figures(inp.targets).items()}
    out |= mexico_figures(inp)
    if has_us_side(inp.indicators):
        out |= {
            "fig-mpp": figs.mpp_population(daily, sc),
            "fig-detention": figs.detention_over_time(daily, sc),
            "fig-courts": figs.court_backlog(t["courts"], sc),
            "fig-time-to-decision": figs.time_to_decision(t["decisions"], sc),
        }
        out |= us_side_figures(inp)
    return out


SANKEY_NOTE = (
    "Widths count moves over the whole run: someone deported by Mexico who set out again is "
    "counted once per journey. The last column is where people are at the end."
)
MAP_NOTE = (
    "Circles: people on the road, waiting at a port or in MPP, or held in the U.S., at each "
    "place (area proportional to people). Move the slider or press play to see the days. "
    "Outlines: Natural Earth (public domain)."
)
NO_US = "Nobody reached MPP, detention or the courts in this run."
#: What a section without figures says (the U.S. side's say :data:`NO_US`).
EMPTY_NOTES = {"section-mexico": NO_MEXICO}
#: The tables printed below a figure in a single run's report, by figure id.
RUN_TABLES = {**US_SIDE_TABLES, **MEXICO_TABLES}
US_SIDE_NOTE = (
    "Decisions: the share of each group's cases decided in the run by outcome; grant rate "
    "and in absentia are shares of the cases whose outcome is simulated. The start "
    "backlog's cases (pending when the run starts, their people not simulated; with the "
    "other receipts, cases of people not simulated filed during the run, where a scenario "
    "has them) are counted apart, with the days since filing; their outcome is not "
    "simulated. Custody: people held at the end of each day against the beds; ICE "
    "detention counts the people arrested in the interior (interior_detained), who hold "
    "its beds too; Border Patrol holding is the people in custody at its stations (the "
    "U.S. sectors; the ports' own holding is not bounded). Re-crossings: apprehensions "
    "after setting out again are read from the per-person event log, kept when the run is "
    "made with --events. Households: a household (a single adult, a family, an "
    "unaccompanied child) is counted once, its people each; where it ends is its lead's."
)


def sections_of(
    inp: ReportInput, figures: Mapping[str, go.Figure], notes: Mapping[str, str] | None = None
) -> list[tuple[str, str, str]]:
    """The page's sections, ``(id, heading, html)``, with each figure in its section.

    Args:
        inp: the report's input (for the tables of the scenario, levers and targets).
        figures: figure id -> figure; a section without figures shows its note.
        notes: section id -> a note printed above the section's figures.
    """
    notes = {
        "section-flows": SANKEY_NOTE,
        "section-map": MAP_NOTE,
        "section-us-side": US_SIDE_NOTE,
        "section-mexico": MEXICO_NOTE,
    } | dict(notes or {})
    bodies: dict[str, str] = {
        "section-scenario": scenario_section(inp),
        "section-levers": levers_section(inp),
    }
    for fid, sid in FIGURES.items():
        if fid in figures and fid != "fig-targets":
            bodies[sid] = bodies.get(sid, "") + figure_div(figures[fid], fid)
            if inp.kind == "run" and fid in RUN_TABLES:
                bodies[sid] += RUN_TABLES[fid](inp)
    series = {k: f for k, f in figures.items() if k.startswith(SERIES_FIGURE)}
    bodies["section-targets"] = targets_section(inp, figures.get("fig-targets"), series)
    out = []
    for sid, head in SECTIONS.items():
        body = bodies.get(sid, "")
        note = notes.get(sid, "") if body else EMPTY_NOTES.get(sid, "")
        if not body and sid.startswith("section-us"):
            note = NO_US
        out.append((sid, head, (_note(note) if note else "") + body))
    return out


def report_figures(inp: ReportInput) -> dict[str, go.Figure]:
    """Every figure of the report of a run or an ensemble, by figure id."""
    if inp.kind == "ensemble":
        from borderflow.report.ensemble_input import ensemble_figures

        return ensemble_figures(inp) | {"fig-mexico": ensemble_figure()}
    return run_figures(inp)


def build_report(
    source: Results | Mapping[str, Any] | str | Path | ReportInput,
    figures: Mapping[str, go.Figure] | None = None,
) -> str:
    """The report of a run or an ensemble (object, tables or folder) as one HTML string.

    Args:
        source: the run or ensemble.
        figures: the figures, if already drawn (default: :func:`report_figures`).
    """
    inp = report_input(source)
    sc = inp.scenario
    figures = report_figures(inp) if figures is None else figures
    notes = {}
    kind_of_band = ""
    if inp.kind == "ensemble":
        from borderflow.report.ensemble_input import ENSEMBLE_NOTES

        notes = ENSEMBLE_NOTES
        what = f"ensemble of {inp.runs} runs (seed {inp.seed})"
        # Seed noise only, or the fitted parameters' uncertainty too: say which.
        manifest = inp.extra.get("manifest") or {}
        kind_of_band = f'<br><span class="bands">{_e(bands_sentence(manifest))}</span>'
    else:
        what = f"seed {inp.seed}"
    # no clock time in the page: the same results give the same file
    subtitle = _e(f"{sc.title} — {sc.start} to {sc.end}, {what}; borderflow {__version__}")
    subtitle += kind_of_band
    return page(f"borderflow: {sc.name}", subtitle, sections_of(inp, figures, notes))


def write_text_atomically(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half a file)."""
    return store.replace_file(path, lambda tmp: store.write_text(tmp, text))


@dataclass
class Written:
    """What :func:`write_report` wrote: the report, and the PNGs if asked for."""

    path: Path
    png: PngResult | None = None


def write_report(
    source: Results | Mapping[str, Any] | str | Path | ReportInput,
    folder: str | Path | None = None,
    *,
    png: bool = False,
) -> Written:
    """Write ``report.html`` into ``folder`` (default: the source's own folder).

    Args:
        source: a run, its tables, or a results or ensemble folder.
        folder: where to write (needed unless ``source`` is a folder): a finished run's
            or ensemble's folder, where the report joins the results; or a new or empty
            folder (or an earlier report's), which then holds the report alone.
        png: also write each figure as ``figures/<figure id>.png`` where a renderer is
            available (see :mod:`borderflow.report.png`); where not, say so and carry on.

    Raises:
        FileNotFoundError: ``source`` is a folder without a finished run or ensemble.
        OutputRefusedError: ``folder`` holds something else (other files, another kind
            of result); it is left as it was.
        OutputError: the system refused the write; the results are left as they were.
    """
    if folder is None:
        if not isinstance(source, str | Path):
            raise ValueError("give the folder to write the report into")
        folder = source
    inp = report_input(source)
    figures = report_figures(inp)
    text = build_report(inp, figures)
    folder = Path(folder)
    try:
        store.require_finished(folder, RUN, ENSEMBLE)
    except FileNotFoundError:
        about = {"borderflow": __version__, "scenario": inp.scenario.name, "seed": inp.seed}
        store.write_atomically(
            folder, lambda tmp: store.write_text(tmp / REPORT_FILE, text), REPORT, about
        )
        path = folder / REPORT_FILE
    else:
        path = write_text_atomically(folder / REPORT_FILE, text)
    result = write_pngs(figures, folder / store.FIGURES) if png else None
    return Written(path, result)
