"""Fits and checks apart in the report, the comparison and the dashboard; series over time.

A fit's figure set or fitted something in the scenario, so it being inside shows only that
the fit worked; a check is used for nothing but the comparison. Every surface scores the
two apart and never gives one count over both.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import numpy as np
import pytest

import borderflow
from borderflow.analysis.ensemble import ensemble
from borderflow.interfaces.web.app import _target_scores
from borderflow.interfaces.web.jobs import RunSet, figures_of
from borderflow.report import target_figures as target_figs
from borderflow.report.compare import build_compare
from borderflow.report.html import (
    SERIES_FIGURE,
    build_report,
    report_figures,
    report_input,
    write_report,
)
from borderflow.results.targets import role_scores, scoreline
from conftest import head_for, single_port_body, write_scenario
from test_report import parse

#: A check and a fit, each a point target (people on San Ysidro's list on two days).
POINTS = """
[[target]]
id = "early"
role = "check"
quantity = "people on the list in January"
date = 2019-01-20
measure = "stock"
states = ["waiting_unsheltered"]
reported = 20
low = 10
high = 40
source = "made up"

[[target]]
id = "late"
role = "fit"
fitted = "p_renege (the list's length in February)"
quantity = "people on the list in February"
date = 2019-02-15
measure = "stock"
states = ["waiting_unsheltered"]
reported = 100
low = 50
high = 200
source = "made up"
"""

#: A check series: Border Patrol's apprehensions, one figure a month.
SERIES = """
[[target]]
id = "monthly"
role = "check"
quantity = "Border Patrol apprehensions by month"
measure = "flow"
transitions = ["apprehended"]
series = { name = "usbp_sw_monthly", breakdown = "total", from = 2019-01-31, to = 2019-03-31 }
tolerance = 0.2
source = "usbp_sw_monthly"
"""

HEAD = head_for(90, dt.date(2019, 1, 1))


def _scenario(folder: Path, targets: str) -> borderflow.Scenario:
    return borderflow.load_scenario(write_scenario(folder, single_port_body() + targets, head=HEAD))


@pytest.fixture(scope="module")
def points(tmp_path_factory: pytest.TempPathFactory) -> borderflow.Results:
    return borderflow.run(_scenario(tmp_path_factory.mktemp("points"), POINTS), seed=1)


@pytest.fixture(scope="module")
def with_series(tmp_path_factory: pytest.TempPathFactory) -> borderflow.Results:
    return borderflow.run(_scenario(tmp_path_factory.mktemp("series"), POINTS + SERIES), seed=1)


def _section(text: str, sid: str) -> str:
    return text.split(f'id="{sid}"', 1)[1].split("<section", 1)[0]


def _merged(n: int) -> re.Pattern[str]:
    """A count over every figure at once: what must never be shown."""
    return re.compile(rf"\b\d+ of {n} inside")


def test_a_report_states_the_fit_and_check_scores_apart(points, tmp_path: Path) -> None:
    t = points.targets
    assert sorted(t["role"]) == ["check", "fit"]
    scores = role_scores(t)
    text = write_report(points, points.write(tmp_path / "run")).path.read_text(encoding="utf-8")
    section = html.unescape(_section(text, "section-targets"))
    assert "A check is used for nothing but this comparison" in section
    check = f"Checks — used for nothing but this comparison: {scores['check'].counted}"
    fit = (
        "Fits — their figures set or fitted the scenario, so inside shows the fit worked: "
        f"{scores['fit'].counted}"
    )
    assert check in section and fit in section
    assert section.index(check) < section.index(fit)  # checks first
    # what the fit fitted is in the fits' table, and only there
    assert "p_renege (the list&#x27;s length in February)" in _section(text, "section-targets")
    assert "<th>fitted</th>" in section.split(fit, 1)[1]
    assert "<th>fitted</th>" not in section.split(fit, 1)[0]
    # the scenario's facts and the figure's title give both scores, checks first
    assert html.escape(scoreline(t), quote=True) in _section(text, "section-scenario")
    title = target_figs.targets_figure(t).layout.title.text
    assert f"checks: {scores['check'].counted}" in title
    assert f"fits: {scores['fit'].counted}" in title
    # one panel a role in the figure, never one count over both anywhere
    assert [a.text for a in target_figs.targets_figure(t).layout.annotations] == [
        target_figs.ROLE_PANELS["check"],
        target_figs.ROLE_PANELS["fit"],
    ]
    assert not _merged(len(t)).search(html.unescape(text))


def test_a_series_target_gets_its_own_figure_with_the_reported_points(
    with_series, tmp_path: Path
) -> None:
    t = with_series.targets
    rows = t[t["id"] == "monthly"]
    assert rows["key"].tolist() == [f"monthly@2019-{d}" for d in ("01-31", "02-28", "03-31")]
    folder = with_series.write(tmp_path / "run")
    text = write_report(with_series, folder).path.read_text(encoding="utf-8")
    assert build_report(folder) == text  # the same when read back from the folder
    fid = SERIES_FIGURE + "monthly"
    assert fid in parse(_section(text, "section-targets")).ids
    fig = report_figures(report_input(with_series))[fid]
    reported = next(tr for tr in fig.data if tr.name.startswith("reported"))
    np.testing.assert_allclose(reported.y, rows["reported"])
    np.testing.assert_allclose(reported.error_y.array, rows["high"] - rows["reported"])
    np.testing.assert_allclose(reported.error_y.arrayminus, rows["reported"] - rows["low"])
    simulated = next(tr for tr in fig.data if tr.name.startswith("simulated"))
    np.testing.assert_allclose(simulated.y, rows["simulated"])
    assert [str(x)[:10] for x in simulated.x] == ["2019-01-31", "2019-02-28", "2019-03-31"]
    assert "check: " in fig.layout.title.text and "of 3 inside" in fig.layout.title.text
    # the series is one row of the checks' series table, not three dots in the figure
    section = html.unescape(_section(text, "section-targets"))
    assert "<td>monthly</td><td>2019-01-31 … 2019-03-31</td>" in section
    assert "each ±20%" in section
    labels = {y for tr in target_figs.targets_figure(t).data for y in (tr.y or ()) if y}
    assert not any(str(y).startswith("monthly") for y in labels)
    assert not _merged(len(t)).search(html.unescape(text))


def test_an_ensembles_series_has_its_median_and_bands(with_series, tmp_path: Path) -> None:
    ens = ensemble(with_series.scenario, runs=2, seed=4, out=tmp_path / "ens")
    text = write_report(ens.folder).path.read_text(encoding="utf-8")
    inp = report_input(ens.folder)
    fig = report_figures(inp)[SERIES_FIGURE + "monthly"]
    assert [tr.name for tr in fig.data][:3] == [
        "5–95% of the runs",
        "25–75% of the runs",
        "simulated (median of the runs)",
    ]
    scores = role_scores(inp.targets)
    section = html.unescape(_section(text, "section-targets"))
    assert f"this comparison: {scores['check'].counted}" in section
    assert "simulated (median; 5–95%)" in section
    assert not _merged(len(inp.targets)).search(html.unescape(text))


def test_the_comparison_shows_each_targets_role_and_both_sides_scores(with_series) -> None:
    a = with_series
    b = borderflow.run(a.scenario.with_levers(quota={"san_ysidro": 2}), seed=1)
    section = html.unescape(_section(build_compare(a, b), "compare-targets"))
    for target, role in (("monthly", "check"), ("early", "check"), ("late", "fit")):
        assert f"<td>{target}</td><td>{role}</td>" in section
    # checks first, a series in one row
    assert section.index("<td>monthly</td>") < section.index("<td>late</td>")
    assert section.count("<td>monthly</td>") == 1 and "series of 3 figures" in section
    for role, heading in target_figs.ROLE_HEADINGS.items():
        sa, sb = role_scores(a.targets)[role], role_scores(b.targets)[role]
        assert f"<td>{heading}</td><td>{sa.counted}</td><td>{sb.counted}</td>" in section
    assert not _merged(len(a.targets)).search(section)


def test_the_dashboard_shows_fits_and_checks_apart(with_series) -> None:
    res = with_series
    names = [name for name, _ in figures_of(res)]
    assert "targets" in names and "series-monthly" in names
    answer = RunSet("k", {}, (), (), 0.0, report=report_input(res))
    (scores_table,) = _target_scores(answer, answer, 1)
    text = str(scores_table.to_plotly_json())
    scores = role_scores(res.targets)
    for role in ("check", "fit"):
        assert f"targets-{role}" in text and scores[role].counted in text
    assert not _merged(len(res.targets)).search(text)
