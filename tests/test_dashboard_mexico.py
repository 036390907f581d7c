"""The dashboard's Mexico view: Mexico's enforcement by month, for the changed run and the
unchanged one, beside INM's counts; the same figure from a results folder."""

from __future__ import annotations

import json
import re

import pytest

from borderflow.interfaces.web.jobs import JobManager, mexico_figures_of
from test_dashboard_us_side import live_and_read_back, view_body

pytest.importorskip("dash")

SPRING = "caravan-2018-spring"
LEVER = "mexico_enforcement"


def detained(graph: dict) -> int:
    """People detained by Mexico over the run, as the figure's simulated bars name them."""
    (name,) = [
        t["name"]
        for t in graph["figure"]["data"]
        if t.get("name", "").startswith("detained, simulated")
    ]
    return int(re.search(r"\(([\d,]+)\)", name).group(1).replace(",", ""))


def test_the_mexico_view_draws_both_runs_and_follows_the_lever() -> None:
    from borderflow.interfaces.web.app import MEXICO, create_app

    manager = JobManager()
    try:
        app = create_app(manager=manager)
        assert MEXICO in [o["value"] for o in app.layout["figures-of"].options]
        raw = {"scenario": SPRING, "scale": 0.5, "changes": [{"lever": LEVER, "value": 3}]}
        children = view_body(app, manager, raw, MEXICO)
        graphs = {c["props"]["id"]: c["props"] for c in children if c["type"] == "Graph"}
        assert list(graphs) == ["fig-mexico", "fig-mexico-unchanged"]
        # Three times Mexico's enforcement detains more of the caravan than the scenario's.
        assert detained(graphs["fig-mexico"]) > detained(graphs["fig-mexico-unchanged"]) > 0
    finally:
        manager.shutdown()


def test_a_run_mexico_never_detained_in_says_so() -> None:
    from borderflow.interfaces.web.app import MEXICO, NO_MEXICO, create_app

    manager = JobManager()
    try:
        app = create_app(manager=manager)
        raw = {"scenario": SPRING, "scale": 0.05, "changes": [{"lever": LEVER, "value": 0}]}
        body = json.dumps(view_body(app, manager, raw, MEXICO))
        # the changed run (no enforcement) says so; the unchanged one has its figure
        assert NO_MEXICO in body and "fig-mexico-unchanged" in body
    finally:
        manager.shutdown()


def test_the_mexico_figure_is_the_same_from_a_results_folder(tmp_path) -> None:
    live = live_and_read_back(mexico_figures_of, 0.2, tmp_path / "run")
    assert [name for name, _ in live] == ["mexico"]
