"""report.html and compare.html in headless Chromium: every figure drawn, the map's slider
moves the days, no script error and no request beyond the file itself.

Skipped locally without Chromium or Playwright; under CI (``CI`` set) that fails instead
(see ``browser_harness``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import borderflow
from borderflow.report.compare import write_compare
from borderflow.report.geo import MAP_STATES
from borderflow.report.html import FIGURES, SERIES_FIGURE, write_report
from borderflow.report.target_figures import series_figures
from browser_harness import browser_context, need_browser


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Any:
    need_browser()
    with browser_context(tmp_path_factory.mktemp("profile")) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    sc = borderflow.load_scenario("caravan-2018-fall").scaled(0.05)
    root = tmp_path_factory.mktemp("runs")
    a = borderflow.run(sc, seed=1)
    b = borderflow.run(sc.with_levers(quota={"san_ysidro": 1}), seed=1)
    return a, a.write(root / "a"), b.write(root / "b")


def _open(context: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load")
    return page, requests, problems


def test_every_figure_is_drawn_and_the_map_slider_moves(context: Any, runs) -> None:
    res, folder, _ = runs
    path = write_report(res, folder).path
    page, requests, problems = _open(context, path)
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot').length >= {len(FIGURES)}", timeout=60_000
    )
    drawn = page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(d => d.id).sort()")
    # every figure of the report, and one over time for each series target
    series = {SERIES_FIGURE + k for k in series_figures(res.targets)}
    assert drawn == sorted({*FIGURES, *series})
    # every figure has an SVG with something in it
    empty = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(d => !d.querySelector('svg.main-svg')).map(d => d.id)"
    )
    assert empty == []
    # move the map to the last day through its own animation frames
    last = str(res.scenario.end)
    page.evaluate(
        f"Plotly.animate('fig-map', ['{last}'], {{mode: 'immediate', frame: {{duration: 0}}, "
        "transition: {duration: 0}})"
    )
    page.wait_for_timeout(500)
    # _fullData: the arrays as plotly.js decoded them (the frames carry typed arrays)
    shown = page.evaluate(
        "Array.from(document.getElementById('fig-map')._fullData"
        ".find(t => t.name === 'people at a place').customdata)"
    )
    daily = res.daily[res.daily["state"].astype(str).isin(MAP_STATES)]
    rows = daily[pd.to_datetime(daily["date"]) == pd.Timestamp(last)]
    ids = [p.id for p in res.scenario.places]
    want = rows.groupby(rows["place"].astype(str))["n"].sum().reindex(ids, fill_value=0)
    assert [int(v) for v in shown] == want.tolist()
    assert problems == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    page.close()


def test_the_comparison_opens_offline(context: Any, runs, tmp_path: Path) -> None:
    _, a, b = runs
    path = write_compare(a, b, tmp_path)
    page, requests, problems = _open(context, path)
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=60_000
    )
    assert page.locator("#fig-compare-waitlist .main-svg").count() >= 1
    assert problems == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    page.close()
