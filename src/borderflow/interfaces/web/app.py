"""The dashboard: a Dash app to move a scenario's levers, run it and compare.

Importing this module imports Dash (the ``dashboard`` extra); the command line imports it
only for ``borderflow serve``. Every callback is quick: runs happen in
:class:`~borderflow.interfaces.web.jobs.JobManager` workers and the page polls them.
"""

from __future__ import annotations

import json
from typing import Any

import dash
import flask
from dash import Dash, Input, Output, State, dcc, html

from borderflow._version import __version__
from borderflow.interfaces import api
from borderflow.interfaces.web.jobs import (
    DEFAULT_MAX_BYTES,
    INDICATORS,
    BusyError,
    Figures,
    Job,
    JobManager,
    RunSet,
)
from borderflow.interfaces.web.requests import (
    DASHBOARD_LEVERS,
    Limits,
    RefusedError,
    bind_address,
    current_value,
    estimate_people,
    places_of,
    prepare,
)
from borderflow.report.target_figures import ROLE_HEADINGS, ROLE_ORDER
from borderflow.results.targets import role_scores
from borderflow.scenario.bounds import shown_capacity
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.schema import Scenario

EVERY_PLACE = "*"
POLL_MS = 400
WAITLIST_KEY = "waitlist_person_days"
#: The view of the figures showing the U.S. side: court decisions, custody, re-crossings.
US_SIDE = "us"
NO_US = "Nobody reached MPP, detention or the courts in this run."
#: The view of Mexico's detentions, returns and refuge by month, beside its published figures.
MEXICO = "mexico"
NO_MEXICO = "Nobody was detained by Mexico in this run."

#: A request body of this many bytes or more is answered 413, without reading more of it.
#: The page's largest callback (Run with every lever, place and date filled in) is about
#: 2.6 kB: this leaves 25 times that for more levers or a newer Dash's extra fields.
MAX_REQUEST_BYTES = 64 * 1024
GONE = "These results are no longer kept on the server; press Run to compute them again."

CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #263238; color: white; padding: 10px 20px; }
header h1 { font-size: 20px; margin: 0; }
header p { margin: 2px 0 0; font-size: 13px; color: #cfd8dc; }
.layout { display: flex; gap: 16px; padding: 12px 16px; align-items: flex-start; }
.panel { background: white; border: 1px solid #ddd; border-radius: 6px; padding: 12px; }
.controls { width: 430px; flex: none; font-size: 13px; }
.main { flex: 1; min-width: 0; }
.controls h2, .main h2 { font-size: 15px; margin: 4px 0 8px; }
.row { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.row label { width: 70px; }
.lever { border-top: 1px solid #eee; padding: 6px 0; }
.lever .name { font-weight: 600; margin-bottom: 3px; }
.lever .inputs { display: grid; grid-template-columns: 1.5fr 1fr 1fr; gap: 4px;
  align-items: center; }
.lever .inputs > * { min-width: 0; }
.lever .whole { color: #666; padding-left: 4px; }
.lever input { width: 100%; padding: 4px; box-sizing: border-box; }
.buttons { display: flex; gap: 8px; margin-top: 10px; }
button { padding: 6px 16px; font-size: 14px; cursor: pointer; }
#run { background: #1565c0; color: white; border: none; border-radius: 4px; }
#cancel { background: white; border: 1px solid #999; border-radius: 4px; }
.refused { color: #b71c1c; background: #ffebee; border-radius: 4px; padding: 6px 8px; }
.refused ul { margin: 4px 0 0; padding-left: 18px; }
progress { width: 100%; height: 14px; }
.status { font-size: 12px; color: #555; min-height: 16px; }
.indicator { font-size: 18px; padding: 10px 12px; border-left: 5px solid #e65100;
  background: #fff3e0; margin-bottom: 10px; }
table.indicators { border-collapse: collapse; font-size: 13px; margin-bottom: 10px; }
table.indicators td, table.indicators th { padding: 3px 10px; border-bottom: 1px solid #eee;
  text-align: right; }
table.indicators td:first-child, table.indicators th:first-child { text-align: left; }
/* More is not always worse: the colours only tell up from down. */
.up { color: #6a1b9a; } .down { color: #00695c; }
.hint { color: #666; font-size: 12px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
  gap: 8px; }
.figures > p { grid-column: 1 / -1; margin: 4px 0; }
"""


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}"


def _lever_row(lever: str, label: str, kind: str | None) -> html.Div:
    inputs: list[Any] = []
    if kind:
        inputs.append(html.Div(dcc.Dropdown(id=f"{lever}-place", clearable=False, options=[])))
    else:
        inputs.append(html.Span("whole border", className="whole"))
    inputs += [
        dcc.Input(id=f"{lever}-value", type="text", placeholder="unchanged", debounce=False),
        dcc.Input(id=f"{lever}-date", type="text", placeholder="from YYYY-MM-DD"),
    ]
    return html.Div(
        [html.Div(label, className="name"), html.Div(inputs, className="inputs")],
        className="lever",
    )


def _layout(limits: Limits, scenarios: list[tuple[str, str]]) -> html.Div:
    return html.Div(
        [
            html.Header(
                [
                    html.H1("borderflow — what if?"),
                    html.P(
                        "Move a scenario's levers from a date, run it, and compare with the "
                        f"unchanged scenario. Limits per request: {limits.people:,} people, "
                        f"{limits.days:,} days, {limits.runs} runs. borderflow {__version__}."
                    ),
                ]
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2("Scenario"),
                            dcc.RadioItems(
                                id="scenario",
                                options=[
                                    {"label": f" {name}: {title}", "value": name}
                                    for name, title in scenarios
                                ],
                                value=api.DEFAULT_SCENARIO,
                                labelStyle={"display": "block", "marginBottom": "3px"},
                            ),
                            html.Details(id="scenario-policies", className="hint"),
                            html.Div(
                                [
                                    html.Label("scale", htmlFor="scale"),
                                    dcc.Input(id="scale", type="text", value="1"),
                                    html.Span(id="scale-hint", className="hint"),
                                ],
                                className="row",
                            ),
                            html.Div(
                                [
                                    html.Label("seed", htmlFor="seed"),
                                    dcc.Input(id="seed", type="text", value="1"),
                                    html.Label("runs", htmlFor="runs"),
                                    dcc.Input(id="runs", type="text", value="1"),
                                ],
                                className="row",
                            ),
                            html.H2("Levers (blank: unchanged; the date: from the start)"),
                            *[_lever_row(*spec) for spec in DASHBOARD_LEVERS],
                            html.P(
                                "A change holds from its date to the end of the run; the "
                                "scenario's own later changes of that lever there are dropped.",
                                className="hint",
                            ),
                            html.Div(
                                [
                                    html.Button("Run", id="run", n_clicks=0),
                                    html.Button("Cancel", id="cancel", n_clicks=0),
                                ],
                                className="buttons",
                            ),
                            html.Div(id="run-message", role="alert"),
                            html.Progress(id="progress", value="0", max="1"),
                            html.Div(id="status", className="status"),
                        ],
                        className="panel controls",
                    ),
                    html.Div(
                        [
                            html.Div(id="results", children=_empty_results()),
                            dcc.RadioItems(
                                id="figures-of",
                                options=[
                                    {"label": " both compared ", "value": "compare"},
                                    {"label": " changed scenario ", "value": "changed"},
                                    {"label": " unchanged scenario ", "value": "baseline"},
                                    {"label": " U.S. side", "value": US_SIDE},
                                    {"label": " Mexico", "value": MEXICO},
                                ],
                                value="compare",
                                inline=True,
                            ),
                            html.Div(id="figures", className="figures"),
                        ],
                        className="panel main",
                    ),
                ],
                className="layout",
            ),
            dcc.Store(id="job-id"),
            dcc.Interval(id="poll", interval=POLL_MS, disabled=True),
        ]
    )


def _empty_results() -> list[Any]:
    return [
        html.H2("Results"),
        html.Div(
            "No run yet: choose a scenario, move a lever and press Run.",
            id="waitlist-indicator",
            className="indicator",
            **{"data-state": "empty"},
        ),
    ]


def _policies(sc: Scenario) -> list[Any]:
    """The scenario's own dated lever changes, which a change made here may override."""
    items = [
        html.Li(
            f"{pol.date}: "
            + ", ".join(f"{k} = {_num(float(v))}" for k, v in pol.set.items())
            + (f" ({pol.source})" if pol.source else "")
        )
        for pol in sorted(sc.policies, key=lambda p: p.date)
    ]
    return [
        html.Summary(f"The scenario's own dated lever changes ({len(items)}), at scale 1"),
        html.Ul(items) if items else html.P("none"),
    ]


def _refusal(refused: RefusedError) -> html.Div:
    title = {
        "limit": "Refused: this request is above the server's limits.",
        "busy": "Refused: the server is busy.",
    }.get(refused.kind, "Not run: the request is not valid.")
    return html.Div(
        [html.Strong(title), html.Ul([html.Li(m) for m in refused.messages])],
        className="refused",
        **{"data-kind": refused.kind},
    )


def _raw_request(
    scenario: Any, scale: Any, seed: Any, runs: Any, levers: list[tuple[Any, Any, Any]]
) -> dict[str, Any]:
    """The request as the browser sent it; blank fields are left out, nothing is coerced."""
    changes = []
    for (lever, _, kind), (place, value, date) in zip(DASHBOARD_LEVERS, levers, strict=True):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        change: dict[str, Any] = {"lever": lever, "value": value}
        if kind and place not in (None, EVERY_PLACE):
            change["place"] = place
        if date is not None and str(date).strip():
            change["date"] = str(date).strip()
        changes.append(change)
    raw: dict[str, Any] = {"scenario": scenario, "changes": changes}
    for name, value in (("scale", scale), ("seed", seed), ("runs", runs)):
        if value is not None and str(value).strip():
            raw[name] = value
    return raw


def _describe_changes(job: Job) -> str:
    parts = []
    for c in job.prepared.request.changes:
        where = f" at {c.place}" if c.place else ""
        parts.append(f"{c.lever}{where} = {c.value:g} from {c.date}")
    return "; ".join(parts) or "no lever changed"


def _results(job: Job, which: str) -> tuple[list[Any], list[Any]]:
    base, changed = job.baseline, job.changed
    assert base is not None and changed is not None
    b, c = base.indicators[WAITLIST_KEY], changed.indicators[WAITLIST_KEY]
    diff = c - b
    pct = f", {diff / b:+.0%}" if b else ""
    indicator = html.Div(
        [
            html.Span("Person-days on port waitlists: "),
            html.Strong(f"{_num(b)} unchanged → {_num(c)} changed"),
            html.Span(f"  ({diff:+,.0f}{pct})"),
        ],
        id="waitlist-indicator",
        className="indicator",
        **{"data-state": "done", "data-baseline": str(b), "data-changed": str(c)},
    )
    rows = [html.Tr([html.Th("indicator"), html.Th("unchanged"), html.Th("changed"), html.Th("±")])]
    for key, label in INDICATORS:
        vb, vc = base.indicators[key], changed.indicators[key]
        d = vc - vb
        cls = "up" if d > 0 else "down" if d < 0 else ""
        rows.append(
            html.Tr(
                [
                    html.Td(label),
                    html.Td(_num(vb)),
                    html.Td(_num(vc)),
                    html.Td(f"{d:+,.0f}" if d else "0", className=cls),
                ],
                id=f"row-{key}",
            )
        )
    p = job.prepared
    runs = len(p.seeds)
    seeds = (
        f"seed {p.seeds[0]}"
        if runs == 1
        else f"seeds {p.seeds[0]}–{p.seeds[-1]} ({runs} runs: indicators are means, "
        f"figures of seed {p.seeds[0]})"
    )
    took = (job.finished or 0) - (job.started or job.finished or 0)
    where = "from the cache" if job.cached else f"in {took:.1f} s"
    head = [
        html.H2(f"Results: {p.changed.title}"),
        html.P(
            f"{p.request.scenario} at scale {p.request.scale:g}, about {p.people:,} people, "
            f"{p.baseline.n_days} days; {seeds}; "
            f"changes: {_describe_changes(job)}; computed {where}.",
            className="hint",
            id="run-description",
        ),
        indicator,
        html.Table(rows, className="indicators", id="indicators"),
        *_target_scores(base, changed, p.seeds[0]),
    ]
    if which == US_SIDE:
        return head, _side(job, "us_figures", "U.S. side", NO_US)
    if which == MEXICO:
        return head, _side(job, "mexico_figures", "Mexico's enforcement", NO_MEXICO)
    if which == "compare":
        if job.comparison is None:
            note = "No lever changed: nothing to compare. The figures of the run:"
            return head, [html.P(note, className="hint"), *_graphs(changed.figures)]
        note = html.P(
            "A is the unchanged scenario (solid lines), B the changed one (dashed).",
            className="hint",
        )
        return head, [note, *_graphs(job.comparison.figures, prefix="")]
    return head, _graphs((changed if which == "changed" else base).figures)


def _side(job: Job, figures: str, title: str, none: str) -> list[Any]:
    """One part of the system on its own: the changed run's ``figures``, then the unchanged's.

    The unchanged run's come only when a lever moved.

    The U.S. side: court decisions by docket, nationality, representation and household
    role; the time to a decision per docket; custody against its beds; re-crossings by
    month. Mexico: detentions, returns and refuge by month beside INM's and COMAR's counts.
    """
    base, changed = job.baseline, job.changed
    assert base is not None and changed is not None
    runs = [("changed scenario", "", changed)]
    if job.comparison is not None:
        runs.append(("unchanged scenario", "-unchanged", base))
    out: list[Any] = []
    for what, suffix, run in runs:
        out.append(html.P(html.Strong(f"{title}, {what}"), className="hint"))
        drawn = getattr(run, figures)
        if not drawn:
            out.append(html.P(none, className="hint"))
            continue
        out += _graphs(tuple((f"{name}{suffix}", text) for name, text in drawn))
    return out


def _target_scores(base: RunSet, changed: RunSet, seed: int) -> list[Any]:
    """Each role's score (checks first) in the unchanged and the changed run, never merged."""
    tables = [getattr(r.report, "targets", None) for r in (base, changed)]
    present = [t for t in tables if t is not None and not t.empty]
    if len(present) < 2:
        return []
    scores = [role_scores(t) for t in present]
    rows = [html.Tr([html.Th(f"targets (seed {seed})"), html.Th("unchanged"), html.Th("changed")])]
    for role in ROLE_ORDER:
        cells = [ROLE_HEADINGS[role], scores[0][role].counted, scores[1][role].counted]
        rows.append(html.Tr([html.Td(c) for c in cells], id=f"targets-{role}"))
    return [html.Table(rows, className="indicators", id="targets")]


def _graphs(figures: Figures, prefix: str = "fig-") -> list[Any]:
    config = {"displaylogo": False}
    return [
        dcc.Graph(id=f"{prefix}{name}", figure=json.loads(text), config=config)
        for name, text in figures
    ]


def create_app(limits: Limits | None = None, manager: JobManager | None = None) -> Dash:
    """The dashboard's Dash app (serve it with ``app.run``; see :func:`serve`).

    Args:
        limits: the most work one request may ask for.
        manager: where runs happen (a new one with one worker if not given).
    """
    limits = limits or Limits()
    manager = manager or JobManager()
    names = api.scenarios()
    loaded: dict[str, Scenario] = {n: api.load_scenario(n) for n in names}
    app = Dash(__name__, title="borderflow dashboard", update_title=None)
    _limit_request_bodies(app.server)
    _refuse_malformed_callbacks(app.server)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    app.layout = _layout(limits, [(n, loaded[n].title) for n in names])
    app.server.config["borderflow.manager"] = manager
    per_place = [(lever, kind) for lever, _, kind in DASHBOARD_LEVERS if kind]

    def named(name: object) -> Scenario:
        """The bundled scenario ``name``, or the default for anything else a page sends."""
        return (loaded.get(name) if isinstance(name, str) else None) or loaded[api.DEFAULT_SCENARIO]

    @app.callback(
        [Output(f"{lever}-place", "options") for lever, _ in per_place]
        + [Output(f"{lever}-place", "value") for lever, _ in per_place]
        + [Output(f"{lever}-date", "placeholder") for lever, _, _ in DASHBOARD_LEVERS]
        + [Output("scenario-policies", "children")],
        Input("scenario", "value"),
    )
    def on_scenario(name: str) -> list[Any]:
        sc = named(name)
        options, values = [], []
        for lever, kind in per_place:
            every = "every port" if kind == "port_of_entry" else "every border city"
            opts = [{"label": every, "value": EVERY_PLACE}] + [
                {"label": label, "value": pid} for pid, label in places_of(sc, kind)
            ]
            overrides = getattr(sc.levers, lever).overrides()
            # The place this scenario already sets highest is the one most likely moved.
            best = max(overrides, key=overrides.get) if overrides else EVERY_PLACE
            options.append(opts)
            values.append(best if lever in ("quota", "beds") else EVERY_PLACE)
        dates = [f"from {sc.start}"] * len(DASHBOARD_LEVERS)
        return [*options, *values, *dates, _policies(sc)]

    @app.callback(
        [Output(f"{lever}-value", "placeholder") for lever, _, _ in DASHBOARD_LEVERS]
        + [Output("scale-hint", "children")],
        Input("scenario", "value"),
        Input("scale", "value"),
        [Input(f"{lever}-place", "value") for lever, _ in per_place],
    )
    def on_levers(name: str, scale: Any, *places: str) -> list[Any]:
        sc = named(name)
        try:
            factor = float(scale)
        except (TypeError, ValueError):
            return [dash.no_update] * len(DASHBOARD_LEVERS) + ["scale: a number above 0"]
        try:
            if factor != 1 and 0 < factor <= 1000:
                sc = sc.scaled(factor)
        except ScenarioError as exc:
            first = exc.problems[0]
            return [dash.no_update] * len(DASHBOARD_LEVERS) + [
                f"at this scale: {first.where}: {first.message}"
            ]
        # Anything but a place id (a page sends ids or the 'every place' choice) is neither.
        places = tuple(p if isinstance(p, str) else EVERY_PLACE for p in places)
        place_of = dict(zip([lever for lever, _ in per_place], places, strict=True))
        out = []
        for lever, _, kind in DASHBOARD_LEVERS:
            place = place_of.get(lever) if kind else None
            value = current_value(sc, lever, None if place == EVERY_PLACE else place)
            # The value on the first day: the scenario's dated changes are listed above.
            shown = shown_capacity(float(value), _num)
            out.append(f"start: {shown}")
        people = estimate_people(sc)
        flag = " — above the limit" if people > limits.people else ""
        out.append(f"about {people:,} people, {sc.start} to {sc.end}{flag}")
        return out

    lever_states = [
        s
        for lever, _, kind in DASHBOARD_LEVERS
        for s in (
            State(f"{lever}-place", "value") if kind else State("scenario", "value"),
            State(f"{lever}-value", "value"),
            State(f"{lever}-date", "value"),
        )
    ]

    @app.callback(
        Output("job-id", "data"),
        Output("poll", "disabled"),
        Output("run-message", "children"),
        Output("progress", "value"),
        Output("progress", "max"),
        Output("status", "children"),
        Output("results", "children"),
        Output("figures", "children"),
        Input("run", "n_clicks"),
        Input("cancel", "n_clicks"),
        Input("poll", "n_intervals"),
        Input("figures-of", "value"),
        State("job-id", "data"),
        State("scenario", "value"),
        State("scale", "value"),
        State("seed", "value"),
        State("runs", "value"),
        *lever_states,
        prevent_initial_call=True,
    )
    def on_action(
        _run: int,
        _cancel: int,
        _poll: int,
        which: str,
        job_id: str | None,
        scenario: Any,
        scale: Any,
        seed: Any,
        runs: Any,
        *lever_values: Any,
    ) -> tuple[Any, ...]:
        keep = dash.no_update
        trigger = dash.ctx.triggered_id
        if trigger == "run":
            triples = [tuple(lever_values[i : i + 3]) for i in range(0, len(lever_values), 3)]
            raw = _raw_request(scenario, scale, seed, runs, triples)  # type: ignore[arg-type]
            try:
                prepared = prepare(raw, limits)
            except RefusedError as refused:
                return (None, True, _refusal(refused), "0", "1", "", keep, keep)
            try:
                job = manager.submit(prepared)
            except BusyError as exc:
                busy = RefusedError([str(exc)], "busy")
                return (None, True, _refusal(busy), "0", "1", "", keep, keep)
            return (job.id, False, "", *_progress(job), keep, keep)
        job = manager.get(job_id)
        if job is None:
            # The results shown stay on the page; only a new view of them needs the server.
            gone = html.P(GONE, className="hint") if job_id and trigger == "figures-of" else ""
            return (None, True, keep, "0", "1", gone, keep, keep)
        if trigger == "cancel":
            if not manager.cancel(job.id):
                return (keep, False, keep, *_progress(job)[:2], "nothing to cancel", keep, keep)
            if not job.cancel_flag.is_set():
                # Another page still waits for this run: it goes on for that page only.
                return (None, True, keep, "0", "1", "cancelled", keep, keep)
            return (keep, False, keep, *_progress(job)[:2], "cancelling…", keep, keep)
        if not job.finished_state:
            return (keep, False, keep, *_progress(job), keep, keep)
        if job.state == "done":
            head, graphs = _results(job, which or "compare")
            return (keep, True, keep, *_progress(job), head, graphs)
        message = html.Div(f"Run {job.state}: {job.message}", className="refused")
        return (keep, True, message if job.state == "failed" else keep, *_progress(job), keep, keep)

    return app


#: The path Dash answers callbacks on, and the fields every callback body has.
CALLBACK_PATH = "/_dash-update-component"
CALLBACK_LISTS = ("inputs", "changedPropIds")


def _refuse_malformed_callbacks(server: flask.Flask) -> None:
    """Answer 400 to a callback body the page never sends, before Dash dispatches it.

    Dash itself answers such a body (not a JSON object, no inputs, nesting thousands deep)
    with a 500 and a traceback in the log; the page's own bodies always have this shape.
    """

    @server.before_request
    def refuse_malformed() -> None:
        request = flask.request
        if request.method != "POST" or not request.path.endswith(CALLBACK_PATH):
            return
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError):
            flask.abort(400, "a callback body must be JSON")
        if not (
            isinstance(body, dict)
            and isinstance(body.get("output"), str)
            and all(isinstance(body.get(key), list) for key in CALLBACK_LISTS)
            and isinstance(body.get("state", []), list)
        ):
            flask.abort(400, "not a callback of this page")


def _limit_request_bodies(server: flask.Flask) -> None:
    """Answer 413 to a body of :data:`MAX_REQUEST_BYTES` or more, before any callback."""
    # Flask itself never reads more than this of a body, whatever code reads it.
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES

    @server.before_request
    def refuse_long_bodies() -> None:
        request = flask.request
        length = request.content_length
        if length is None:
            # Sent in chunks, without a length: Flask stops reading at the limit, so a
            # body that reaches it may have been longer.
            length = len(request.get_data(cache=True))
        if length >= MAX_REQUEST_BYTES:
            flask.abort(413)


def _progress(job: Job) -> tuple[str, str, str]:
    if job.state == "done":
        text = "done" + (" (from the cache)" if job.cached else "")
    elif job.state == "cancelled":
        text = "cancelled"
    elif job.state == "queued":
        text = "waiting for a free worker…"
    else:
        text = f"{job.message}: day {job.done:,} of {job.total:,}"
    return str(job.done), str(max(job.total, 1)), text


def serve(
    host: str = "127.0.0.1",
    port: int = 8050,
    *,
    limits: Limits | None = None,
    cache_size: int = 16,
    workers: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> None:
    """Start the dashboard and serve until interrupted (check the host first: ``check_host``).

    Args:
        host: the address to listen on; an IPv6 address may be written in brackets
            (``[::1]``), as in a URL.
        port: the port to listen on.
        limits: the most work one request may ask for.
        cache_size: scenario variants whose answers are kept.
        workers: runs at the same time.
        max_bytes: estimated bytes of answers kept in memory.
    """
    manager = JobManager(cache_size=cache_size, workers=workers, max_bytes=max_bytes)
    app = create_app(limits, manager)
    try:
        app.run(host=bind_address(host), port=port, debug=False, threaded=True)
    finally:
        manager.shutdown()


__all__ = ["create_app", "serve"]
