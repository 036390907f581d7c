"""The command line: run, scenarios, validate, params, plan; clear errors, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from borderflow.interfaces.cli import app
from conftest import write_scenario

runner = CliRunner()


def test_run_writes_a_complete_results_folder(tmp_path: Path) -> None:
    out = tmp_path / "fall"
    result = runner.invoke(app, ["run", "caravan-2018-fall", "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    for name in (
        "daily.parquet",
        "flows.parquet",
        "waits.parquet",
        "summary.json",
        "targets.csv",
        "scenario.json",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["people_entered"] > 0
    assert "Checks (used for nothing but this comparison)" in result.output


def test_set_changes_a_lever_and_events_are_logged(tmp_path: Path) -> None:
    low, high = tmp_path / "low", tmp_path / "high"
    for folder, quota in ((low, 20), (high, 200)):
        result = runner.invoke(
            app,
            [
                "run",
                "caravan-2018-fall",
                "--out",
                str(folder),
                "--set",
                f"quota.san_ysidro={quota}",
                "--events",
            ],
        )
        assert result.exit_code == 0, result.output
        assert (folder / "events.parquet").is_file()
    admitted = [
        json.loads((f / "summary.json").read_text())["admitted_at_ports"] for f in (low, high)
    ]
    assert admitted[0] < admitted[1]


def test_scenarios_lists_the_bundled_ones() -> None:
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    assert "caravan-2018-fall" in result.output


def test_validate_reports_every_problem_without_a_traceback(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path / "bad",
        """
    [levers]
    quota = { default = -3 }
    typo_lever = 4

    [[policy]]
    date = 2030-01-01
    set = { asylum_ban = true }
    """,
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "levers.typo_lever" in result.output
    assert "policy[1].date" in result.output


def test_validate_accepts_a_good_scenario() -> None:
    result = runner.invoke(app, ["validate", "caravan-2018-fall"])
    assert result.exit_code == 0 and "OK" in result.output


def test_unknown_scenario_and_bad_setting_are_clear_errors() -> None:
    missing = runner.invoke(app, ["run", "no-such-scenario"])
    assert missing.exit_code == 2 and "no such scenario" in missing.output
    bad = runner.invoke(app, ["run", "caravan-2018-fall", "--set", "quota.san_ysidro=lots"])
    assert bad.exit_code == 2 and "expected a number" in bad.output


def test_params_shows_sources_and_assumptions() -> None:
    result = runner.invoke(app, ["params", "caravan-2018-fall"])
    assert result.exit_code == 0
    assert "walk_km_per_day" in result.output
    assert "assumption" in result.output and "sourced" in result.output


def test_plan_prints_the_day_order() -> None:
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 0
    assert "1. departures" in result.output and "removal_orders" in result.output


def test_compare_refuses_a_result_of_another_kind_with_exit_2(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    ran = runner.invoke(app, ["run", "caravan-2018-fall", "--out", str(a), "--no-report"])
    assert ran.exit_code == 0, ran.output
    b.mkdir()
    (b / "manifest.json").write_text(json.dumps({"kind": "calibration", "files": []}))
    result = runner.invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "c")])
    assert result.exit_code == 2, result.output
    assert "calibration result, not a run" in result.output
    assert not (tmp_path / "c").exists()


def test_resuming_another_ensemble_says_what_differs(tmp_path: Path) -> None:
    out = tmp_path / "bands"
    first = ["ensemble", "caravan-2018-fall", "--runs", "1", "--out", str(out)]
    assert runner.invoke(app, first).exit_code == 0
    result = runner.invoke(app, [*first, "--resume", "--set", "judges=10"])
    assert result.exit_code != 0
    message = str(result.exception) + result.output
    assert "differs from the one asked for" in message and "seed 1, not" not in message
    result = runner.invoke(app, [*first, "--resume", "--seed", "2"])
    message = str(result.exception) + result.output
    assert "it was run with seed 1, not 2" in message
