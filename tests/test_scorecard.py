"""The scorecard: each scenario's median run against its targets, fit and check apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow.analysis.executor import task_seed
from borderflow.analysis.scorecard import scorecard
from borderflow.engine.run import run as run_engine
from borderflow.interfaces.cli import app
from borderflow.results.results import Results
from conftest import write_scenario
from test_targets_by_role import BODY, HEAD, POINT_FIT, SERIES_CHECK


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    body = BODY.replace('arrivals = "constant"', 'arrivals = "poisson"')
    folder = tmp_path_factory.mktemp("card")
    return write_scenario(folder, body + SERIES_CHECK + POINT_FIT, head=HEAD)


def test_each_figure_is_the_median_of_the_runs(path: Path) -> None:
    card = scorecard([path], runs=3, seed=4)
    from borderflow.scenario.load import load_scenario

    sc = load_scenario(path)
    runs = [Results(run_engine(sc, task_seed(4, i))).targets for i in range(3)]
    median = np.median([r["simulated"] for r in runs], axis=0)
    np.testing.assert_array_equal(card.figures["simulated"], median)
    assert card.figures["key"].tolist() == runs[0]["key"].tolist()


def test_fit_and_check_are_scored_apart(path: Path) -> None:
    card = scorecard([path], runs=2)
    row = card.scenarios.iloc[0]
    assert (row["check_figures"], row["fit_figures"]) == (3, 1)
    figures = card.figures
    for role in ("check", "fit"):
        mine = figures[figures["role"] == role]
        assert row[f"{role}_inside"] == mine["inside"].sum()
        assert row[f"{role}_median_error"] == pytest.approx(np.median(np.abs(mine["error"])))
    # Checks first in the per-target table.
    assert card.targets["role"].tolist() == ["check", "fit"]
    assert card.targets.set_index("id").loc["monthly", "figures"] == 3


def test_the_same_with_one_worker_or_two(path: Path) -> None:
    one = scorecard([path], runs=2, seed=9)
    two = scorecard([path], runs=2, seed=9, workers=2)
    pd.testing.assert_frame_equal(one.figures, two.figures)


def test_the_command_prints_both_counts_and_writes_its_tables(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "card"
    args = ["scorecard", str(path), "--runs", "2", "--out", str(out)]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "0 of 3" in result.output and "1 of 1, 0%" in result.output
    assert "Checks were used for nothing but this comparison" in result.output
    assert {p.name for p in out.iterdir()} >= {"scenarios.csv", "targets.csv", "figures.csv"}
    bad = CliRunner().invoke(app, ["scorecard", "no-such-scenario"])
    assert bad.exit_code != 0 and "no-such-scenario" in bad.output
