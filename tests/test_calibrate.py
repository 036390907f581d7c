"""Calibration recovers assumption values known by construction; its files run with `run`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow.interfaces.cli import app
from borderflow.scenario.load import load_scenario
from calibration_cases import FITTED, TRUTH, known_truth

runner = CliRunner()


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One calibration through the command line: (scenario file, output folder)."""
    folder = tmp_path_factory.mktemp("known")
    sc_path = folder / "scenario.toml"
    known_truth(folder)
    out = folder / "calibrated"
    args = ["calibrate", str(sc_path), "--budget", "200", "--seed", "3", "--out", str(out)]
    args += ["--check-runs", "6"] + [a for p in FITTED for a in ("--params", p)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Fitted assumptions" in result.output and "out of sample" in result.output
    return sc_path, out


def test_recovers_the_true_values_within_the_posterior(calibrated: tuple[Path, Path]) -> None:
    _, out = calibrated
    est = pd.read_csv(out / "estimates.csv").set_index("parameter")
    assert sorted(est.index) == sorted(FITTED)
    for name, truth in TRUTH.items():
        row = est.loc[name]
        assert row.posterior_q05 <= truth <= row.posterior_q95, (name, row.to_dict())
        # The targets carry information: the posterior is narrower than the prior, much
        # narrower for p_renege, which the people leaving the list pin down.
        prior_sd = (row.high - row.low) / 12**0.5
        narrower = 0.6 if name == "p_renege" else 0.9
        assert row.posterior_sd < narrower * prior_sd, (name, row.posterior_sd, prior_sd)
        # The point fit lands near the truth, not at the default the scenario started from.
        assert abs(row.fitted - truth) < abs(row.value_before - truth), (name, row.to_dict())
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert posterior["weight"].sum() == pytest.approx(1.0)
    assert set(FITTED) <= set(posterior.columns)


def test_fit_table_reports_before_after_and_the_checks(calibrated: tuple[Path, Path]) -> None:
    _, out = calibrated
    fit = pd.read_csv(out / "fit.csv").set_index("id")
    assert fit.loc["crossings", "held_out"] and not fit.loc["list", "held_out"]
    assert fit.loc["crossings", "role"] == "check" and fit.loc["list", "role"] == "fit"
    for column in ("before_median", "after_q05", "after_median", "after_q95", "posterior_median"):
        assert fit[column].notna().all(), column
    fitted = fit[~fit["held_out"]]
    # The defaults (p_violence_unsheltered 0.004 against a true 0.01) miss the targets.
    assert fitted["error_after"].mean() < fitted["error_before"].mean()
    summary = json.loads((out / "fitted.json").read_text())
    assert summary["targets_checked"] == ["crossings"] and summary["targets_held_out"] == []
    by_target = pd.read_csv(out / "fit_by_target.csv").set_index("id")
    assert by_target.loc["crossings", "role"] == "check"
    assert not by_target.loc["crossings", "fitted_to"] and by_target.loc["list", "fitted_to"]
    assert summary["targets_fitted"] == ["list", "violence", "left"]
    assert summary["out_of_sample_error"] == pytest.approx(fit.loc["crossings", "error_after"])
    assert set(summary["parameters"]) == set(FITTED)


def test_calibrated_scenario_loads_and_runs(calibrated: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = calibrated
    summary = json.loads((out / "fitted.json").read_text())
    sc = load_scenario(out / "scenario")
    for name, value in summary["parameters"].items():
        assert sc.param(name) == value
        assert sc.parameters[name].is_assumption
        assert "calibrated" in (sc.parameters[name].reason or "")
    result = runner.invoke(app, ["run", str(out / "scenario"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "targets.csv").is_file()
    # Nothing is left behind for a resume once the calibration is complete.
    assert not (out.parent / f".{out.name}.calibrating").exists()
    assert (out / "simulations.jsonl").is_file()
