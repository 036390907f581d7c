"""compare.html, the ensemble's report, and the report commands of the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.analysis.ensemble import ensemble
from borderflow.interfaces.cli import app
from borderflow.report.compare import (
    COMPARE_FILE,
    COMPARE_SECTIONS,
    Side,
    build_compare,
    compare_figures,
    indicator_table,
    scenario_changes,
)
from borderflow.report.html import (
    FIGURES,
    REPORT_FILE,
    SECTIONS,
    build_report,
    report_input,
    write_report,
)
from borderflow.report.series import bands_of
from test_report import parse

FALL = "caravan-2018-fall"


@pytest.fixture(scope="module")
def pair():
    sc = borderflow.load_scenario(FALL).scaled(0.1)
    a = borderflow.run(sc, seed=1)
    b = borderflow.run(sc.with_levers(quota={"san_ysidro": 2}), seed=1)
    return sc, a, b


def _row(rows, name):
    return rows[rows["indicator"] == name].iloc[0]


def test_a_lower_quota_shows_a_longer_waitlist_in_the_comparison(pair) -> None:
    _, a, b = pair
    rows = indicator_table(Side("A", report_input(a)), Side("B", report_input(b)))
    peak = _row(rows, "waitlist_peak_per_port.san_ysidro")
    assert peak["B"] > peak["A"] and peak["difference"] > 0 and peak["percent"] > 0
    assert peak["percent"] == pytest.approx(100 * (peak["B"] - peak["A"]) / peak["A"])
    wait = _row(rows, "waits_per_port.san_ysidro.mean_wait_days")
    assert wait["difference"] > 0
    admitted = _row(rows, "admitted_at_ports")
    assert admitted["difference"] < 0 and admitted["percent"] < 0
    # the people setting out do not depend on the quota
    assert _row(rows, "people_entered")["difference"] == 0


def test_the_comparison_names_the_change_and_overlays_the_series(pair, tmp_path) -> None:
    sc, a, b = pair
    changes = scenario_changes(a.scenario, b.scenario)
    assert ("levers.quota.san_ysidro", f"{7.0:g}", "2") in changes
    assert scenario_changes(sc, sc) == []
    text = build_compare(a.write(tmp_path / "a"), b.write(tmp_path / "b"))
    page = parse(text)
    for sid in COMPARE_SECTIONS:
        assert sid in page.ids
    for fid in ("fig-compare-indicators", "fig-compare-waitlist", "fig-compare-stages"):
        assert fid in page.ids
    assert [u for u in page.urls if not u[2].startswith("#")] == []
    assert "levers.quota.san_ysidro" in text
    # A solid, B dashed, the same city in both
    assert '"name":"Tijuana (A)"' in text and '"name":"Tijuana (B)"' in text


def test_bands_are_quantiles_over_runs() -> None:
    import pandas as pd

    idx = pd.date_range("2020-01-01", periods=2)
    runs = [pd.DataFrame({"x": [float(i), 2.0 * i]}, index=idx) for i in range(101)]
    runs[0] = runs[0].assign(y=[5.0, 5.0])  # a column present in one run only counts 0 elsewhere
    band = bands_of(runs)
    assert band["median"]["x"].tolist() == [50.0, 100.0]
    assert band["p05"]["x"].tolist() == [5.0, 10.0]
    assert band["p95"]["x"].tolist() == [95.0, 190.0]
    assert band["p95"]["y"].tolist() == [0.0, 0.0]


@pytest.fixture(scope="module")
def ensembles(tmp_path_factory):
    sc = borderflow.load_scenario(FALL).scaled(0.05)
    root = tmp_path_factory.mktemp("ens")
    a = ensemble(sc, runs=4, seed=3, out=root / "a")
    b = ensemble(sc.with_levers(quota={"san_ysidro": 0.5}), runs=4, seed=3, out=root / "b")
    return a, b


def test_an_ensemble_report_has_every_section_with_bands(ensembles) -> None:
    a, _ = ensembles
    text = write_report(a.folder).path.read_text(encoding="utf-8")
    page = parse(text)
    for sid in SECTIONS:
        assert sid in page.ids
    for fid in set(FIGURES) - {"fig-mpp", "fig-detention", "fig-courts", "fig-time-to-decision"}:
        assert fid in page.ids
    assert "ensemble of 4 runs" in text
    assert "5–95%" in text
    assert [u for u in page.urls if not u[2].startswith("#")] == []
    # the waitlist has its shaded bands (a filled polygon per band)
    waitlist = text.split('id="fig-waitlist"', 1)[1].split("</script>", 1)[0]
    assert '"fill":"toself"' in waitlist


def test_an_ensemble_object_and_its_folder_give_the_same_report(ensembles) -> None:
    a, _ = ensembles
    assert build_report(a) == build_report(a.folder)
    assert borderflow.write_report(a) == a.folder / REPORT_FILE


def test_comparing_two_ensembles_shows_bands(ensembles, tmp_path) -> None:
    a, b = ensembles
    text = build_compare(a.folder, b.folder)
    assert "Medians with 25–75% and 5–95% bands" in text
    assert "A (median; 5–95%)" in text
    rows = indicator_table(Side("A", report_input(a.folder)), Side("B", report_input(b.folder)))
    peak = _row(rows, "waitlist_peak_per_port.san_ysidro")
    assert peak["B"] > peak["A"] and "A_p05" in rows and "B_p95" in rows


def test_cli_run_writes_the_report_and_report_rebuilds_it(tiny, tmp_path: Path) -> None:
    sc_path = tmp_path / "tiny.toml"
    runner = CliRunner()
    from conftest import single_port_body, write_scenario

    sc_path = write_scenario(tmp_path / "sc", single_port_body())
    out = tmp_path / "res"
    result = runner.invoke(app, ["run", str(sc_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Report in" in result.output
    report = out / REPORT_FILE
    first = report.read_text(encoding="utf-8")
    report.unlink()
    result = runner.invoke(app, ["report", str(out), "--png"])
    assert result.exit_code == 0, result.output
    assert report.read_text(encoding="utf-8") == first
    assert "PNG" in result.output  # written, or said why not
    result = runner.invoke(app, ["run", str(sc_path), "--out", str(tmp_path / "r2"), "--no-report"])
    assert result.exit_code == 0 and not (tmp_path / "r2" / REPORT_FILE).exists()
    result = runner.invoke(app, ["report", str(tmp_path / "nothing")])
    assert result.exit_code == 2


def test_cli_compare_a_scenario_with_a_change(tiny, tmp_path: Path) -> None:
    from conftest import single_port_body, write_scenario

    sc_path = write_scenario(tmp_path / "sc", single_port_body(quota=8))
    out = tmp_path / "cmp"
    runner = CliRunner()
    args = ["compare", str(sc_path), "--set", "quota.san_ysidro=4", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = (out / COMPARE_FILE).read_text(encoding="utf-8")
    assert "levers.quota.san_ysidro" in text
    assert (out / "a" / "manifest.json").is_file() and (out / "b" / "manifest.json").is_file()
    result = runner.invoke(app, ["compare", str(out / "a"), str(out / "b"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["compare", str(out / "a")]).exit_code == 2


def test_cli_ensemble_writes_its_report(tiny, tmp_path: Path) -> None:
    from conftest import single_port_body, write_scenario

    sc_path = write_scenario(tmp_path / "sc", single_port_body())
    out = tmp_path / "ens"
    args = ["ensemble", str(sc_path), "--runs", "2", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert "ensemble of 2 runs" in text and 'id="fig-waitlist"' in text


def test_two_scenarios_of_different_periods_keep_their_own_dates(pair) -> None:
    _, a, _ = pair
    spring = borderflow.run(borderflow.load_scenario("caravan-2018-spring").scaled(0.05), seed=1)
    figs = compare_figures(Side("A", report_input(a)), Side("B", report_input(spring)))
    b_lines = [t for t in figs["fig-compare-stages"].data if t.name.endswith("(B)")]
    assert b_lines
    first = min(str(x)[:10] for t in b_lines for x in t.x)
    assert first == str(spring.scenario.start)
    text = build_compare(a, spring)
    assert "different periods" in text and "caravan-2018-spring" in text
