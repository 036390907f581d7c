"""Sensitivity: rankings known by construction, determinism, clear errors, the command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.analysis.assumptions import UnknownNameError
from borderflow.interfaces.cli import app
from calibration_cases import known_truth

# Of these, the list at the end depends on p_renege alone (see calibration_cases); the
# violence count on p_violence_unsheltered and, through the people waiting, on p_renege.
PARAMS = ["p_renege", "p_violence_unsheltered", "share_renege_cross", "case_active_days"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("truth")
    known_truth(folder)
    return folder


@pytest.fixture(scope="module")
def scenario(folder: Path) -> borderflow.Scenario:
    return borderflow.load_scenario(folder)


def test_morris_finds_the_only_parameter_that_matters(scenario) -> None:
    res = borderflow.sensitivity(scenario, "list", method="morris", n=4, params=PARAMS)
    assert res.ranking[0] == "p_renege"
    idx = res.indices.set_index("parameter")
    assert idx.loc["p_renege", "mu_star"] > 100
    # Every run uses the same seed, so a parameter without effect has none at all.
    assert (idx.drop("p_renege")["mu_star"] == 0).all()
    assert res.settings["runs"] == 4 * (len(PARAMS) + 1) == len(res.samples)
    again = borderflow.sensitivity(scenario, "list", method="morris", n=4, params=PARAMS)
    pd.testing.assert_frame_equal(res.indices, again.indices)


def test_sobol_total_indices(scenario) -> None:
    res = borderflow.sensitivity(scenario, "violence", method="sobol", n=8, params=PARAMS)
    idx = res.indices.set_index("parameter")
    assert set(res.ranking[:2]) == {"p_violence_unsheltered", "p_renege"}
    assert idx.loc["p_violence_unsheltered", "ST"] > 0.3
    assert (idx.loc[["share_renege_cross", "case_active_days"], ["S1", "ST"]] == 0).all().all()
    assert res.settings["runs"] == 8 * (len(PARAMS) + 2)


def test_summary_indicators_and_clear_errors(scenario) -> None:
    res = borderflow.sensitivity(
        scenario, "waitlist_final_per_port.san_ysidro", method="morris", n=2, params=PARAMS
    )
    assert res.ranking[0] == "p_renege"
    with pytest.raises(UnknownNameError, match=r"no_such.*list, violence.*apprehensions"):
        borderflow.sensitivity(scenario, "no_such", method="morris", n=2, params=PARAMS)
    with pytest.raises(UnknownNameError, match=r"p_renage.*p_renege"):
        borderflow.sensitivity(scenario, "list", method="morris", n=2, params=["p_renage"])
    with pytest.raises(ValueError, match="power of two"):
        borderflow.sensitivity(scenario, "list", method="sobol", n=6, params=PARAMS)
    with pytest.raises(ValueError, match="sobol, morris"):
        borderflow.sensitivity(scenario, "list", method="fast", params=PARAMS)


def test_command_prints_the_ranking_and_writes_the_indices(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "sens"
    args = ["sensitivity", str(folder), "--output", "list", "--method", "morris", "--n", "2"]
    args += [a for p in PARAMS for a in ("--params", p)] + ["--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Sensitivity of list" in result.output and "p_renege" in result.output
    indices = pd.read_csv(out / "indices.csv")
    assert indices["parameter"].iloc[0] == "p_renege"
    assert pd.read_parquet(out / "indices.parquet").shape == indices.shape
    bad = CliRunner().invoke(app, ["sensitivity", str(folder), "--output", "nope"])
    assert bad.exit_code == 2 and "unknown indicator 'nope'" in bad.output
