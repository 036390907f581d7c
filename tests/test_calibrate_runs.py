"""Calibration: held-out targets stay out of the fit, an interrupted one resumes, clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.analysis.assumptions import UnknownNameError
from borderflow.analysis.calibrate import Calibration, CalibrationError, work_folder
from borderflow.interfaces.cli import app
from calibration_cases import FITTED, known_truth
from conftest import head_for, write_scenario

SMALL = {"budget": 60, "population": 10, "check_runs": 2, "seed": 5}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> borderflow.Scenario:
    return known_truth(tmp_path_factory.mktemp("truth"))


def same(a: Calibration, b: Calibration) -> None:
    pd.testing.assert_frame_equal(a.posterior, b.posterior)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    assert a.fitted == b.fitted


def test_held_out_targets_do_not_move_the_fit(scenario, tmp_path: Path) -> None:
    # A check (crossings) and a fit target held out by the option (violence): reporting
    # them fifty times larger changes nothing in the fit, only their out-of-sample error.
    shifted = known_truth(tmp_path, shift={"crossings": 50, "violence": 50})
    a = borderflow.calibrate(scenario, params=FITTED, hold_out=["violence"], **SMALL)
    b = borderflow.calibrate(shifted, params=FITTED, hold_out=["violence"], **SMALL)
    same(a, b)
    held = a.fit.set_index("id")["held_out"]
    assert held.to_dict() == {"list": False, "violence": True, "left": False, "crossings": True}
    simulated = [c for c in a.fit.columns if c.split("_")[0] in ("before", "after", "posterior")]
    pd.testing.assert_frame_equal(a.fit[simulated], b.fit[simulated])
    assert a.in_sample_error == b.in_sample_error
    assert b.out_of_sample_error > a.out_of_sample_error
    assert a.summary()["targets_fitted"] == ["list", "left"]
    assert a.summary()["targets_held_out"] == ["violence"]
    assert a.summary()["targets_checked"] == ["crossings"]
    series = a.series.set_index("id")
    assert series.loc["crossings", "role"] == "check" and not series.loc["crossings", "fitted_to"]


def test_calibration_refuses_a_scenario_whose_targets_are_all_checks(tmp_path: Path) -> None:
    only_checks = known_truth(tmp_path, held_out=("list", "violence", "left", "crossings"))
    with pytest.raises(CalibrationError, match=r"no fit target left to fit to.*4 are checks"):
        borderflow.calibrate(only_checks, params=FITTED, **SMALL)


def test_a_count_likelihood_calibration_fits_and_says_its_dispersion(scenario) -> None:
    cal = borderflow.calibrate(scenario, params=FITTED, likelihood="negative_binomial", **SMALL)
    summary = cal.summary()
    assert summary["likelihood"] == "negative_binomial"
    assert summary["dispersion"] is not None and summary["dispersion"] > 0
    assert cal.in_sample_error < cal.fit["error_before"][~cal.fit["held_out"]].mean()
    with pytest.raises(ValueError, match="unknown likelihood 'poisson'"):
        borderflow.calibrate(scenario, params=FITTED, likelihood="poisson", **SMALL)


#: A world whose apprehensions a month are fitted to Border Patrol's (at a hundredth).
SERIES_FIT = """
[levers]
quota = { default = 0 }
beds = { default = 0 }
p_apprehend = { default = 0.8 }

[parameters]
p_join_waitlist = { value = 0.5, low = 0.0, high = 1.0, reason = "to be fitted" }

[background]
daily = { OTH = 40 }
origins = { OTH = "tijuana" }
destinations = { tijuana = 1.0 }
arrivals = "constant"

[[target]]
id = "monthly"
role = "fit"
fitted = "p_join_waitlist"
quantity = "apprehensions by month, Border Patrol's at a hundredth"
measure = "flow"
transitions = ["apprehended"]
tolerance = 0.2
source = "usbp_sw_monthly"

[target.series]
name = "usbp_sw_monthly"
breakdown = "total"
from = 2019-01-31
to = 2019-03-31
scale = 0.01
"""


def test_a_series_is_fitted_row_by_row_by_the_count_likelihood(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, SERIES_FIT, head=head_for(90, dt.date(2019, 1, 1)))
    sc = borderflow.load_scenario(path)
    cal = borderflow.calibrate(
        sc, params=["p_join_waitlist"], likelihood="negative_binomial", **SMALL
    )
    fit = cal.fit.set_index("key")
    rows = ["monthly@2019-01-31", "monthly@2019-02-28", "monthly@2019-03-31"]
    assert fit.index.tolist() == rows and not fit["held_out"].any()
    # The record rises from 480 to 930 a month; half the arrivals crossing gives about 600
    # each month: the fit sends more across, and the dispersion says the rise is missed.
    assert cal.fitted["p_join_waitlist"] < 0.5
    assert 1 < cal.summary()["dispersion"] < 1e4


def test_interrupted_calibration_resumes_to_the_same_result(scenario, tmp_path: Path) -> None:
    whole = borderflow.calibrate(scenario, params=FITTED, out=tmp_path / "whole", **SMALL)
    out = tmp_path / "cut"

    def stop_at_35(done: int, planned: int, what: str) -> None:
        if done == 35:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        borderflow.calibrate(scenario, params=FITTED, out=out, progress=stop_at_35, **SMALL)
    work = work_folder(out)
    kept = (work / "simulations.jsonl").read_text().splitlines()
    assert 30 <= len(kept) <= 35 and not out.exists()
    with pytest.raises(CalibrationError, match="--resume"):
        borderflow.calibrate(scenario, params=FITTED, out=out, **SMALL)
    with pytest.raises(CalibrationError, match="seed"):
        borderflow.calibrate(scenario, params=FITTED, out=out, resume=True, **{**SMALL, "seed": 6})
    resumed = borderflow.calibrate(scenario, params=FITTED, out=out, resume=True, **SMALL)
    same(whole, resumed)
    pd.testing.assert_frame_equal(whole.fit, resumed.fit)
    # Nothing ran twice: one line per simulation, and the first lines are those kept.
    lines = (out / "simulations.jsonl").read_text().splitlines()
    keys = [json.loads(line)["key"] for line in lines]
    assert len(keys) == len(set(keys)) == whole.simulations
    assert lines[: len(kept)] == kept
    assert not work.exists()


def test_clear_errors(scenario) -> None:
    with pytest.raises(UnknownNameError, match=r"p_renege_typo.*p_renege"):
        borderflow.calibrate(scenario, params=["p_renege_typo"], **SMALL)
    with pytest.raises(UnknownNameError, match=r"nope.*list, violence, left, crossings"):
        borderflow.calibrate(scenario, params=FITTED, hold_out=["nope"], **SMALL)
    with pytest.raises(CalibrationError, match="no fit target left"):
        everything = ["list", "violence", "left"]
        borderflow.calibrate(scenario, params=FITTED, hold_out=everything, **SMALL)
    with pytest.raises(UnknownNameError, match="point range"):
        borderflow.calibrate(scenario, params=["p_join_waitlist"], **SMALL)
    result = CliRunner().invoke(
        app, ["calibrate", "caravan-2018-spring", "--params", "walk_km_per_dayy", "--budget", "60"]
    )
    assert result.exit_code == 2
    assert "walk_km_per_dayy" in result.output and "train_km_per_day" in result.output
