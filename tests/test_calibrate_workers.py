"""Calibration: the same fit on any number of workers and after Ctrl-C; screening."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.interfaces.cli import app
from calibration_cases import FITTED, known_truth
from conftest import interruptible
from test_calibrate_runs import SMALL, same


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> borderflow.Scenario:
    return known_truth(tmp_path_factory.mktemp("truth"))


@pytest.fixture(scope="module")
def scenario_file(scenario: borderflow.Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from borderflow.scenario.write import write_scenario

    return write_scenario(scenario, tmp_path_factory.mktemp("file"))


def test_same_seed_same_fit_with_two_workers(scenario) -> None:
    one = borderflow.calibrate(scenario, params=FITTED, **SMALL)
    two = borderflow.calibrate(scenario, params=FITTED, workers=2, **SMALL)
    same(one, two)


def test_screening_picks_the_assumptions_the_targets_respond_to(scenario) -> None:
    cal = borderflow.calibrate(scenario, **SMALL)
    # In the scenario's order; share_renege_cross splits those who leave the list between
    # crossing and going home or settling, so the "left" target responds to it.
    assert cal.parameters == ["p_renege", "share_renege_cross", "p_violence_unsheltered"]
    screen = cal.screening.set_index("parameter")
    assert set(screen.index[screen["fitted"]]) == set(cal.parameters)
    # Going home and settling are counted together: their split does not matter; the
    # courts' parameters cannot reach these targets at all.
    assert screen.loc["share_renege_settle", "effect"] == 0
    assert screen.loc["case_active_days", "effect"] == 0


@pytest.mark.slow
def test_ray_gives_the_same_fit_and_indices(scenario) -> None:
    pytest.importorskip("ray")
    local = borderflow.calibrate(scenario, params=FITTED, **SMALL)
    on_ray = borderflow.calibrate(scenario, params=FITTED, backend="ray", workers=2, **SMALL)
    same(local, on_ray)
    params = [*FITTED, "share_renege_cross"]
    a = borderflow.sensitivity(scenario, "violence", method="morris", n=2, params=params)
    b = borderflow.sensitivity(
        scenario, "violence", method="morris", n=2, params=params, backend="ray", workers=2
    )
    assert a.indices.equals(b.indices)


def test_ctrl_c_then_resume_gives_the_uninterrupted_fit(scenario, scenario_file, tmp_path) -> None:
    whole = borderflow.calibrate(scenario, params=FITTED, workers=2, **SMALL)
    out = tmp_path / "fit"
    args = [str(scenario_file), "--out", str(out), "--workers", "2"]
    args += ["--budget", "60", "--population", "10", "--check-runs", "2", "--seed", "5"]
    args += [a for p in FITTED for a in ("--params", p)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "borderflow", "calibrate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=interruptible,
    )
    log = out.parent / f".{out.name}.calibrating" / "simulations.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= 25:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "--resume" in output and not out.exists()
    result = CliRunner().invoke(app, ["calibrate", *args, "--resume"])
    assert result.exit_code == 0, result.output
    fitted = json.loads((out / "fitted.json").read_text())
    assert fitted["parameters"] == whole.fitted
    assert fitted["simulations"] == whole.simulations
