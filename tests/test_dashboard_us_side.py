"""The dashboard's U.S. side: the view draws its figures, live and from a results folder."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from borderflow.interfaces import api
from borderflow.interfaces.web.jobs import JobManager, as_json, us_figures_of
from borderflow.interfaces.web.requests import Limits, prepare
from borderflow.report.html import report_input

pytest.importorskip("dash")

SPRING = "caravan-2018-spring"
NAMES = ["us-decisions", "us-decision-times", "us-custody", "us-recrossings", "us-households"]


def wait(job: Any, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not job.finished_state:
        assert time.monotonic() < deadline, f"job still {job.state} after {seconds} s"
        time.sleep(0.02)


def on_action_body(app: Any, job_id: str, view: str) -> dict[str, Any]:
    """The page's body when the view of the figures is switched to ``view``."""
    (key,) = [k for k in app.callback_map if "figures.children" in k]
    spec = app.callback_map[key]
    outputs = [part.rsplit(".", 1) for part in key.strip(".").split("...")]
    inputs = [{**i, "value": view if i["id"] == "figures-of" else 0} for i in spec["inputs"]]
    state = [{**s, "value": job_id if s["id"] == "job-id" else None} for s in spec["state"]]
    return {
        "output": key,
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": inputs,
        "changedPropIds": ["figures-of.value"],
        "state": state,
    }


def test_the_us_side_view_renders_its_figures_for_both_runs() -> None:
    from borderflow.interfaces.web.app import US_SIDE, create_app

    manager = JobManager()
    try:
        app = create_app(manager=manager)
        views = [o["value"] for o in app.layout["figures-of"].options]
        assert US_SIDE in views
        raw = {"scenario": SPRING, "scale": 0.05, "changes": [{"lever": "judges", "value": 1}]}
        job = manager.submit(prepare(raw, Limits()))
        wait(job)
        assert job.state == "done", job.message
        client = app.server.test_client()
        answer = client.post("/_dash-update-component", json=on_action_body(app, job.id, US_SIDE))
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        children = answer.get_json()["response"]["figures"]["children"]
        graphs = [c["props"] for c in children if c["type"] == "Graph"]
        ids = [g["id"] for g in graphs]
        # the changed scenario's, then the unchanged one's
        assert ids == [f"fig-{n}" for n in NAMES] + [f"fig-{n}-unchanged" for n in NAMES]
        for g in graphs:
            assert g["figure"]["data"], g["id"]
        decisions = next(g for g in graphs if g["id"] == "fig-us-decisions")
        panels = [a["text"] for a in decisions["figure"]["layout"]["annotations"]]
        assert panels[:4] == [
            "by docket",
            "by nationality",
            "by representation",
            "by household role",
        ]
        custody = next(g for g in graphs if g["id"] == "fig-us-custody")
        assert any(t.get("name") == "people held" for t in custody["figure"]["data"])
    finally:
        manager.shutdown()


def view_body(app: Any, manager: Any, raw: dict[str, Any], view: str) -> list[dict[str, Any]]:
    """The figures' part of the page for the run ``raw`` asks for, shown in ``view``."""
    job = manager.submit(prepare(raw, Limits()))
    wait(job)
    assert job.state == "done", job.message
    answer = app.server.test_client().post(
        "/_dash-update-component", json=on_action_body(app, job.id, view)
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()["response"]["figures"]["children"]


def live_and_read_back(figures_of: Any, scale: float, folder: Any) -> list[tuple[str, Any]]:
    """A spring run's figures drawn live, checked equal to those drawn from its folder."""
    res = api.run(api.load_scenario(SPRING).scaled(scale), 1)
    written = res.write(folder)
    live = as_json(figures_of(report_input(res)))
    read_back = as_json(figures_of(report_input(written)))
    assert [json.loads(text) for _, text in live] == [json.loads(t) for _, t in read_back]
    return live


def test_the_us_side_figures_are_the_same_from_a_results_folder(tmp_path) -> None:
    live = live_and_read_back(us_figures_of, 0.05, tmp_path / "run")
    assert [name for name, _ in live] == NAMES
