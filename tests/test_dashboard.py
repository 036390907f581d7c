"""The dashboard without a browser: validation, limits, the cache, jobs, host binding."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow.interfaces import api
from borderflow.interfaces.cli import app
from borderflow.interfaces.web import jobs as jobs_module
from borderflow.interfaces.web.jobs import (
    BusyError,
    JobManager,
    ResultCache,
    RunSet,
    estimate_bytes,
    figures_of,
    indicators,
)
from borderflow.interfaces.web.requests import (
    Limits,
    Prepared,
    RefusedError,
    RunRequest,
    apply_change,
    bind_address,
    check_host,
    estimate_people,
    is_loopback,
    prepare,
)
from borderflow.scenario.levers import build_schedule

SPRING = "caravan-2018-spring"
LIMITS = Limits()


def small(**extra: Any) -> dict[str, Any]:
    return {"scenario": SPRING, "scale": 0.05, **extra}


def wait(job: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not job.finished_state:
        assert time.monotonic() < deadline, f"job still {job.state} after {seconds} s"
        time.sleep(0.02)


def refusal(raw: dict[str, Any], limits: Limits = LIMITS) -> RefusedError:
    with pytest.raises(RefusedError) as info:
        prepare(raw, limits)
    return info.value


# ---------------------------------------------------------------- validation


def test_a_valid_request_is_prepared_with_its_dates_filled_in() -> None:
    p = prepare(small(changes=[{"lever": "quota", "place": "san_ysidro", "value": "0"}]), LIMITS)
    assert p.request.changes[0].date == p.baseline.start
    assert p.seeds == (1,)
    sched = build_schedule(p.changed)
    port = [pl.id for pl in p.changed.places].index("san_ysidro")
    assert sched.quota[:, port].max() == 0
    assert build_schedule(p.baseline).quota[:, port].max() > 0


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"scenario": "atlantis"}, "unknown scenario"),
        ({"scenario": "../etc/passwd"}, "scenario"),
        (small(seed=-1), "seed"),
        (small(scale="a lot"), "scale"),
        (small(scale=float("nan")), "scale"),
        (small(runs=0), "runs"),
        (small(colour="red"), "colour"),
        (small(changes=[{"lever": "wall_height", "value": 3}]), "lever"),
        (small(changes=[{"lever": "judges", "value": "many"}]), "value"),
        (small(changes=[{"lever": "judges", "value": -3}]), "value"),
        (small(changes=[{"lever": "judges", "value": 3, "date": "soon"}]), "date"),
        (small(changes=[{"lever": "judges", "value": 3, "date": "2030-01-01"}]), "date"),
        (small(changes=[{"lever": "quota", "place": "tijuana", "value": 1}]), "port_of_entry"),
        (small(changes=[{"lever": "quota", "place": "atlantis", "value": 1}]), "unknown place"),
        (small(changes=[{"lever": "p_apprehend", "value": 1.5}]), "[0, 1]"),
        (small(changes=[{"lever": "judges", "place": "tijuana", "value": 3}]), "whole border"),
    ],
)
def test_every_bad_field_is_refused_with_a_message_naming_it(
    raw: dict[str, Any], words: str
) -> None:
    refused = refusal(raw)
    assert refused.kind == "invalid"
    assert any(words in m for m in refused.messages), refused.messages


def test_a_bad_change_is_named_by_its_lever() -> None:
    refused = refusal(
        small(changes=[{"lever": "judges", "value": 3}, {"lever": "beds", "value": "x"}])
    )
    assert refused.messages[0].startswith("change of beds.value:"), refused.messages


def test_every_problem_is_reported_at_once() -> None:
    refused = refusal(
        small(
            changes=[
                {"lever": "quota", "place": "tijuana", "value": 1},
                {"lever": "mpp", "value": 7},
            ]
        )
    )
    assert any(
        m.startswith("change of quota.tijuana: place is a border_city; expected a port_of_entry")
        for m in refused.messages
    ), refused.messages
    assert any(m.startswith("change of mpp: ") and "[0, 1]" in m for m in refused.messages)
    # MPP switched on needs judges for its docket: the scenario layer says so.
    assert any("mpp_judges" in m for m in refused.messages)
    on = prepare(
        small(changes=[{"lever": "mpp", "value": 1}, {"lever": "mpp_judges", "value": 2}]), LIMITS
    )
    assert build_schedule(on.changed).mpp.max() == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"lever": "quota", "place": "tijuana", "value": 1}, "change of quota.tijuana: "),
        ({"lever": "beds", "place": "san_ysidro", "value": 1}, "change of beds.san_ysidro: "),
        ({"lever": "p_apprehend", "value": 1.5}, "change of p_apprehend: "),
        (
            {"lever": "p_apprehend", "place": "tijuana", "value": 2},
            "change of p_apprehend.tijuana: ",
        ),
        ({"lever": "mpp", "place": "juarez", "value": 3}, "change of mpp.juarez: "),
        ({"lever": "judges", "value": 3, "date": "2030-01-01"}, "change of judges.date: "),
    ],
)
def test_a_refused_change_is_named_once_by_its_lever_and_place(
    change: dict[str, Any], named: str
) -> None:
    # Two changes, so the refused one is not the first policy added.
    refused = refusal(small(changes=[{"lever": "detention_beds", "value": 5}, change]))
    mine = [m for m in refused.messages if m.startswith("change of")]
    assert mine and all(m.startswith(named) for m in mine), refused.messages
    # Nothing of the scenario's inner spelling (policy[i].set.<key>) reaches the page.
    assert not any(re.search(r"policy\[|\.set\b|\bset\.", m) for m in refused.messages)


# ---------------------------------------------------------------- limits


def test_a_request_above_the_people_limit_is_refused_before_running() -> None:
    refused = refusal({"scenario": "national-fy2019"})
    assert refused.kind == "limit"
    assert "people" in refused.messages[0] and "200,000" in refused.messages[0]
    # The same scenario scaled down to fit is accepted.
    assert prepare({"scenario": "national-fy2019", "scale": 0.1}, LIMITS).people < 200_000


def test_days_and_runs_limits() -> None:
    assert "days" in refusal({"scenario": SPRING}, Limits(days=50)).messages[0]
    assert refusal(small(runs=11)).kind == "limit"
    assert prepare(small(runs=10), LIMITS).seeds == tuple(range(1, 11))


def test_estimated_people_follow_the_scale() -> None:
    sc = api.load_scenario(SPRING)
    assert estimate_people(sc) == 1500
    assert estimate_people(sc.scaled(0.2)) == 300
    national = api.load_scenario("national-fy2019")
    assert 1_000_000 < estimate_people(national) < 2_500_000


def test_limits_from_options_then_environment_then_defaults() -> None:
    env = {"BORDERFLOW_MAX_PEOPLE": "5000", "BORDERFLOW_MAX_RUNS": "3"}
    limits = Limits.from_env(env, runs=4)
    assert (limits.people, limits.days, limits.runs) == (5000, Limits().days, 4)
    with pytest.raises(ValueError, match="BORDERFLOW_MAX_DAYS"):
        Limits.from_env({"BORDERFLOW_MAX_DAYS": "lots"})
    with pytest.raises(ValueError, match="above 0"):
        Limits.from_env({}, people=0)


# ---------------------------------------------------------------- dated changes


def test_a_change_holds_to_the_end_and_earlier_policies_stay() -> None:
    sc = api.load_scenario(SPRING)
    port = [p.id for p in sc.places].index("san_ysidro")
    before = RunRequest.model_validate(
        small(changes=[{"lever": "quota", "place": "san_ysidro", "value": 3, "date": "2018-04-01"}])
    ).changes[0]
    after = before.model_copy(update={"date": dt.date(2018, 5, 15)})
    q1 = build_schedule(apply_change(sc, before)).quota[:, port]
    q2 = build_schedule(apply_change(sc, after)).quota[:, port]
    # From Apr 1 on, 3 a day: the scenario's Apr 30 change (8 a day) is overridden.
    assert q1[sc.day_of(dt.date(2018, 4, 1)) :].tolist() == [3] * (sc.n_days - 7)
    # From May 15: the scenario's own Apr 30 change still applies before it.
    assert q2[sc.day_of(dt.date(2018, 5, 1))] == 8 and q2[-1] == 3


# ---------------------------------------------------------------- cache keys


def test_the_cache_key_holds_everything_that_decides_the_answer() -> None:
    change = {"lever": "quota", "place": "san_ysidro", "value": 0}
    a = prepare(small(changes=[change]), LIMITS).request
    same = prepare(small(changes=[{**change, "date": "2018-03-25", "value": "0"}]), LIMITS)
    assert a.key() == same.request.key()
    others = [
        small(changes=[{**change, "value": 1}]),
        small(changes=[{**change, "date": "2018-04-02"}]),
        small(changes=[change], seed=2),
        small(changes=[change], runs=2),
        {**small(changes=[change]), "scale": 0.1},
    ]
    keys = {prepare(raw, LIMITS).request.key() for raw in others}
    assert a.key() not in keys and len(keys) == len(others)
    assert a.baseline().key() == prepare(small(), LIMITS).request.key()


# ---------------------------------------------------------------- jobs


def test_a_job_runs_both_scenarios_then_the_cache_answers() -> None:
    calls: list[int] = []

    def counted(sc: Any, seed: int, progress: Any) -> Any:
        calls.append(seed)
        return api.run(sc, seed, progress=progress)

    manager = JobManager(run=counted)
    try:
        change = {"lever": "quota", "place": "san_ysidro", "value": 0}
        job = manager.submit(prepare(small(scale=0.2, changes=[change]), LIMITS))
        wait(job)
        assert job.state == "done", job.message
        assert job.done == job.total == 2 * 98
        assert len(calls) == 2
        base, changed = job.baseline, job.changed
        assert base is not None and changed is not None
        assert changed.indicators["waitlist_person_days"] > base.indicators["waitlist_person_days"]
        assert job.comparison is not None
        assert [fid for fid, _ in job.comparison.figures][:2] == [
            "fig-compare-indicators",
            "fig-compare-waitlist",
        ]
        # Figures are kept as Plotly JSON, ready for the page.
        assert json.loads(dict(changed.figures)["waitlist"])["data"]
        again = manager.submit(prepare(small(scale=0.2, changes=[change]), LIMITS))
        assert again.state == "done" and again.cached and len(calls) == 2
        assert again.comparison is job.comparison
        # Another change of the same scenario: only the changed scenario is run.
        other = manager.submit(prepare(small(scale=0.2, changes=[{**change, "value": 20}]), LIMITS))
        wait(other)
        assert other.state == "done" and len(calls) == 3 and other.total == 98
        assert other.baseline == base
        assert other.comparison is not None and other.comparison is not job.comparison
        # The unchanged scenario alone: nothing to compare.
        alone = manager.submit(prepare(small(scale=0.2), LIMITS))
        assert alone.state == "done" and alone.cached and alone.comparison is None
    finally:
        manager.shutdown()


def test_an_ensemble_averages_its_runs() -> None:
    manager = JobManager()
    try:
        job = manager.submit(prepare(small(runs=3, seed=5), LIMITS))
        wait(job)
        assert job.state == "done" and job.baseline is not None
        per_run = job.baseline.per_run
        assert len(per_run) == 3
        mean = sum(r["crossings_between_ports"] for r in per_run) / 3
        assert job.baseline.indicators["crossings_between_ports"] == pytest.approx(mean)
    finally:
        manager.shutdown()


def test_a_running_job_can_be_cancelled_and_the_server_stays_free() -> None:
    started = threading.Event()

    def slow(sc: Any, seed: int, progress: Any) -> Any:
        def each_day(done: int, total: int) -> None:
            started.set()
            time.sleep(0.05)
            progress(done, total)

        return api.run(sc, seed, progress=each_day)

    manager = JobManager(run=slow)
    try:
        job = manager.submit(prepare(small(), LIMITS))
        assert started.wait(30)
        t0 = time.monotonic()
        assert manager.get(job.id) is job  # answered while the run goes on
        assert manager.get(["not", "an", "id"]) is None  # type: ignore[arg-type]
        assert manager.cancel(job.id)
        wait(job, 10)
        assert job.state == "cancelled"
        assert time.monotonic() - t0 < 2, "the run did not stop within a few days"
        assert job.done < job.total
        assert len(manager.cache) == 0  # nothing half-done is cached
        assert not manager.cancel(job.id)
    finally:
        manager.shutdown()


def test_a_failing_run_is_reported_not_raised() -> None:
    def broken(sc: Any, seed: int, progress: Any) -> Any:
        raise RuntimeError("engine on fire")

    manager = JobManager(run=broken)
    try:
        job = manager.submit(prepare(small(), LIMITS))
        wait(job)
        assert job.state == "failed" and "engine on fire" in job.message
    finally:
        manager.shutdown()


def test_too_many_waiting_jobs_are_refused_not_queued() -> None:
    gate = threading.Event()

    def gated(sc: Any, seed: int, progress: Any) -> Any:
        gate.wait(30)
        return api.run(sc, seed, progress=progress)

    manager = JobManager(run=gated, max_pending=2)
    try:
        jobs = [manager.submit(prepare(small(seed=s), LIMITS)) for s in (1, 2)]
        with pytest.raises(BusyError, match="already waiting"):
            manager.submit(prepare(small(seed=3), LIMITS))
        assert len({j.id for j in jobs}) == 2 and all(len(j.id) >= 32 for j in jobs)
        gate.set()
        for job in jobs:
            wait(job)
        # Answers from the cache need no worker: never refused.
        assert manager.submit(prepare(small(seed=1), LIMITS)).cached
    finally:
        manager.shutdown()


def test_identical_requests_in_flight_share_one_job() -> None:
    gate = threading.Event()

    def gated(sc: Any, seed: int, progress: Any) -> Any:
        gate.wait(30)
        return api.run(sc, seed, progress=progress)

    manager = JobManager(run=gated)
    try:
        prepared: Prepared = prepare(small(), LIMITS)
        first = manager.submit(prepared)
        second = manager.submit(prepare(small(), LIMITS))
        assert second is first
        gate.set()
        wait(first)
        assert first.state == "done"
    finally:
        manager.shutdown()


def test_run_after_cancelling_a_queued_job_starts_a_fresh_job_and_the_cancelled_never_runs() -> (
    None
):
    gate = threading.Event()
    seeds_run: list[int] = []

    def gated(sc: Any, seed: int, progress: Any) -> Any:
        seeds_run.append(seed)
        gate.wait(30)
        return api.run(sc, seed, progress=progress)

    manager = JobManager(run=gated, workers=1)
    try:
        ahead = manager.submit(prepare(small(seed=1), LIMITS))  # holds the only worker
        queued = manager.submit(prepare(small(seed=2), LIMITS))
        assert queued.state == "queued"
        assert manager.cancel(queued.id)
        again = manager.submit(prepare(small(seed=2), LIMITS))
        assert again is not queued and again.id != queued.id
        assert not again.cancel_flag.is_set()
        gate.set()
        for job in (ahead, queued, again):
            wait(job)
        assert queued.state == "cancelled" and queued.started is None
        assert again.state == "done", again.message
        assert seeds_run == [1, 2], "the cancelled job ran, or the fresh one did not"
    finally:
        gate.set()
        manager.shutdown()


def slow_run(started: threading.Event, pause: float) -> Any:
    """A run that sets ``started`` on its first day and takes ``pause`` seconds a day."""

    def slow(sc: Any, seed: int, progress: Any) -> Any:
        def each_day(done: int, total: int) -> None:
            started.set()
            time.sleep(pause)
            progress(done, total)

        return api.run(sc, seed, progress=each_day)

    return slow


def test_one_pages_cancel_does_not_stop_a_run_another_page_waits_for() -> None:
    started = threading.Event()
    manager = JobManager(run=slow_run(started, pause=0.01), workers=1)
    try:
        first = manager.submit(prepare(small(), LIMITS))
        second = manager.submit(prepare(small(), LIMITS))
        assert second is first and first.followers == 2
        assert started.wait(30)
        assert manager.cancel(first.id)  # one page gives it up
        assert not first.cancel_flag.is_set()
        wait(first)
        assert first.state == "done"  # the other page gets its answer
        lone = manager.submit(prepare({**small(), "seed": 9}, LIMITS))
        assert manager.cancel(lone.id)
        assert lone.cancel_flag.is_set()  # the last page to give it up stops it
    finally:
        manager.shutdown()


def test_run_after_cancelling_a_running_job_starts_a_fresh_job() -> None:
    started = threading.Event()
    manager = JobManager(run=slow_run(started, pause=0.02), workers=1)
    try:
        running = manager.submit(prepare(small(), LIMITS))
        assert started.wait(30)
        assert manager.cancel(running.id)
        again = manager.submit(prepare(small(), LIMITS))
        assert again is not running
        wait(running)
        wait(again)
        assert running.state == "cancelled"
        assert again.state == "done" and again.done == again.total
    finally:
        manager.shutdown()


def test_cancel_while_the_figures_are_drawn_still_ends_the_job_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every simulated day is done when Cancel arrives: the job ends cancelled, not done,
    # and the answer it computed is kept for whoever asks next.
    jobs: list[Any] = []
    submitted = threading.Event()
    draw = jobs_module.figures_of

    def cancelled_while_drawing(res: Any, targets: bool = True) -> Any:
        assert submitted.wait(30)
        manager.cancel(jobs[0].id)
        return draw(res, targets)

    monkeypatch.setattr(jobs_module, "figures_of", cancelled_while_drawing)
    manager = JobManager(workers=1)
    try:
        job = manager.submit(prepare(small(), LIMITS))
        jobs.append(job)
        submitted.set()
        wait(job)
        assert job.state == "cancelled"
        assert manager.cache.get(job.prepared.request.baseline().key()) is not None
    finally:
        manager.shutdown()


# ---------------------------------------------------------------- memory


@dataclass(frozen=True)
class FakeAnswer:
    """An answer of a given size, as the cache sees one."""

    key: str
    nbytes: int


def test_the_cache_is_bounded_in_bytes_dropping_the_least_recently_used() -> None:
    cache = ResultCache(size=100, max_bytes=1000)
    for key in "abc":
        assert cache.put(FakeAnswer(key, 300))
    assert cache.get("a") is not None  # now b is the least recently used
    assert cache.put(FakeAnswer("d", 300))
    assert cache.get("b") is None
    assert [a.key for a in cache.values()] == ["c", "a", "d"]
    assert cache.nbytes == 900
    # One larger than the whole budget is not kept, and pushes nothing out.
    assert not cache.put(FakeAnswer("huge", 5000))
    assert cache.get("huge") is None and cache.nbytes == 900 and len(cache) == 3
    # A big one that fits pushes out as many old ones as needed.
    assert cache.put(FakeAnswer("big", 800))
    assert [a.key for a in cache.values()] == ["big"] and cache.nbytes == 800


def test_an_answer_is_sized_by_its_figures_tables_and_arrays() -> None:
    figure_json = json.dumps({"data": [{"y": list(range(200_000))}]})
    table = pd.DataFrame({"n": np.zeros(1_000_000, dtype=np.int64)})
    answer = RunSet(
        key="k",
        indicators={"x": 1.0},
        per_run=({"x": 1.0},),
        figures=(("waitlist", figure_json),),
        seconds=0.1,
        report={"tables": {"daily": table}, "extra": np.zeros(500_000)},
    )
    parts = len(figure_json) + 8_000_000 + 4_000_000
    assert parts <= answer.nbytes < parts + 100_000
    assert estimate_bytes(table) >= 8_000_000


def small_answer_bytes() -> int:
    """The estimated size of one small answer (spring at scale 0.05, unchanged)."""
    manager = JobManager()
    try:
        job = manager.submit(prepare(small(seed=7), LIMITS))
        wait(job)
        assert job.baseline is not None
        return job.baseline.nbytes
    finally:
        manager.shutdown()


def test_the_answers_kept_stay_within_the_byte_budget_oldest_dropped_first() -> None:
    one = small_answer_bytes()
    budget = int(3.5 * one)
    manager = JobManager(max_bytes=budget, cache_size=100, keep_jobs=100)
    try:
        jobs = []
        for value in range(1, 7):
            change = {"lever": "quota", "place": "san_ysidro", "value": value}
            job = manager.submit(prepare(small(changes=[change]), LIMITS))
            wait(job)
            assert job.state == "done", job.message
            assert manager.get(job.id) is job  # the page fetches its answer
            jobs.append(job)
            assert manager.kept_bytes() <= budget
        # Six changed answers, their comparisons and the unchanged one would need more.
        assert sum(j.changed.nbytes for j in jobs if j.changed) > budget
        assert manager.cache.nbytes <= budget
        assert manager.get(jobs[0].id) is None, "the oldest job should have been forgotten"
        assert manager.get(jobs[-1].id) is jobs[-1]
        assert manager.cache.get(jobs[-1].prepared.request.key()) is jobs[-1].changed
    finally:
        manager.shutdown()


def test_an_answer_above_the_budget_reaches_its_requester_but_is_not_kept() -> None:
    manager = JobManager(max_bytes=small_answer_bytes() // 2)
    try:
        job = manager.submit(prepare(small(), LIMITS))
        wait(job)
        assert job.state == "done" and job.baseline is not None
        assert len(manager.cache) == 0
        assert manager.kept_bytes() == job.baseline.nbytes  # held for its page only
        assert manager.get(job.id) is job  # the page fetches it
        assert job.baseline.figures, "the requester gets the whole answer"
        assert manager.get(job.id) is None and manager.kept_bytes() == 0
        # Asking again computes it again: nothing was kept.
        again = manager.submit(prepare(small(), LIMITS))
        assert again is not job and not again.cached
        wait(again)
        assert again.state == "done"
    finally:
        manager.shutdown()


def test_indicators_and_figures_of_a_run() -> None:
    res = api.run(api.load_scenario(SPRING).scaled(0.05), 1)
    ind = indicators(res)
    assert ind["people_entered"] == 75
    waiting = res.daily[res.daily["state"].isin(["waiting_sheltered", "waiting_unsheltered"])]
    assert ind["waitlist_person_days"] == waiting["n"].sum() > 0
    names = [name for name, _ in figures_of(res)]
    assert names[:2] == ["stocks", "waitlist"] and "flows" in names and "targets" in names
    assert "targets" not in [name for name, _ in figures_of(res, targets=False)]


# ---------------------------------------------------------------- host binding and CLI


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("dashboard.example", False),
    ],
)
def test_only_loopback_addresses_are_local(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        assert check_host(host, allow_remote=False) is None
    else:
        with pytest.raises(PermissionError, match="--allow-remote"):
            check_host(host, allow_remote=False)
        assert "WARNING" in (check_host(host, allow_remote=True) or "")


runner = CliRunner()


def test_serve_refuses_a_remote_address_without_the_flag(monkeypatch: Any) -> None:
    started: list[Any] = []
    import borderflow.interfaces.web.app as web_app

    monkeypatch.setattr(web_app, "serve", lambda *a, **k: started.append((a, k)))
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and not started
    assert "--allow-remote" in result.output

    monkeypatch.setenv("BORDERFLOW_MAX_PEOPLE", "1234")
    result = runner.invoke(
        app, ["serve", "--host", "0.0.0.0", "--allow-remote", "--port", "9999", "--max-runs", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "WARNING" in result.output
    (args, kwargs) = started[0]
    assert args == ("0.0.0.0", 9999)
    assert (kwargs["limits"].people, kwargs["limits"].runs) == (1234, 2)


@pytest.mark.parametrize(
    ("host", "bound"),
    [("[::1]", "::1"), ("::1", "::1"), ("127.0.0.1", "127.0.0.1"), ("localhost", "localhost")],
)
def test_the_address_checked_is_the_address_bound(host: str, bound: str) -> None:
    assert bind_address(host) == bound
    assert is_loopback(host) and is_loopback(bound)


@pytest.mark.parametrize("host", ["[[::1]]", "[::1", "::1]", "[localhost]", "[127.0.0.1]"])
def test_a_malformed_bracketed_address_is_neither_loopback_nor_unbracketed(host: str) -> None:
    assert bind_address(host) == host
    with pytest.raises(PermissionError):
        check_host(host, allow_remote=False)


def test_serve_binds_a_bracketed_ipv6_address_without_its_brackets(monkeypatch: Any) -> None:
    import borderflow.interfaces.web.app as web_app

    bound: list[tuple[str, int]] = []
    monkeypatch.setattr(
        web_app.Dash, "run", lambda self, host, port, **kw: bound.append((host, port))
    )
    result = runner.invoke(app, ["serve", "--host", "[::1]", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://[::1]:8123/" in result.output  # the URL keeps its brackets
    assert bound == [("::1", 8123)]


def test_serve_takes_the_memory_budget_from_its_option_or_the_environment(
    monkeypatch: Any,
) -> None:
    import borderflow.interfaces.web.app as web_app

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(web_app, "serve", lambda *a, **k: started.append(k))
    assert runner.invoke(app, ["serve", "--cache-mb", "64"]).exit_code == 0
    monkeypatch.setenv("BORDERFLOW_CACHE_MB", "32")
    assert runner.invoke(app, ["serve"]).exit_code == 0
    result = runner.invoke(app, ["serve", "--cache-mb", "0"])
    assert result.exit_code == 2 and len(started) == 2
    assert [k["max_bytes"] for k in started] == [64_000_000, 32_000_000]


def test_serve_says_how_to_install_dash_when_it_is_missing(monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "dash", None)
    monkeypatch.delitem(sys.modules, "borderflow.interfaces.web.app", raising=False)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "borderflow[dashboard]" in result.output


def test_the_core_command_line_does_not_import_dash() -> None:
    code = "import sys, borderflow.interfaces.cli; print('dash' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("raw", [None, [], "x", 3])
def test_a_request_that_is_not_an_object_is_refused(raw: Any) -> None:
    with pytest.raises(RefusedError) as caught:
        prepare(raw, LIMITS)
    assert caught.value.kind == "invalid"
    assert caught.value.messages[0].startswith("request: expected a JSON object")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (small(scale=True), "scale: expected a number, not true or false"),
        (small(seed=True), "seed: expected a number, not true or false"),
        (small(runs=True), "runs: expected a number, not true or false"),
        (small(changes=[{"lever": "judges", "value": True}]), "not true or false"),
        (small(seed=2**63), "seed"),
        (small(seed=2**63 - 1, runs=2), "seed + runs - 1"),
        (small(scale=5e-324), "sets out no one"),
        (small(scale=1e-6), "the smallest scale for this scenario is about"),
    ],
)
def test_booleans_seeds_and_scales_out_of_bounds_are_refused(
    raw: dict[str, Any], words: str
) -> None:
    refused = refusal(raw)
    assert refused.kind == "invalid"
    assert any(words in m for m in refused.messages), refused.messages


def test_the_largest_seed_is_the_scenarios_bound() -> None:
    assert prepare(small(seed=2**63 - 1), LIMITS).seeds == (2**63 - 1,)


def test_a_lever_changed_twice_at_one_place_and_date_is_refused() -> None:
    twice = [
        {"lever": "quota", "place": "san_ysidro", "value": 1},
        {"lever": "quota", "place": "san_ysidro", "value": 2},
    ]
    refused = refusal(small(changes=twice))
    assert refused.messages == [
        "change of quota.san_ysidro: changed twice on 2018-03-25; give one value"
    ]


# ---------------------------------------------------------------- malformed callbacks


@pytest.fixture(scope="module")
def dash_app() -> Any:
    """The whole dashboard (its Flask server answers callbacks), without a browser."""
    from borderflow.interfaces.web.app import create_app

    return create_app()


def callback_body(app: Any, number: int, value: Any) -> dict[str, Any]:
    """The body of the page's callback ``number``, every input set to ``value``."""
    key = list(app.callback_map)[number]
    outputs = [part.rsplit(".", 1) for part in key.strip(".").split("...")]
    inputs = [{**i, "value": value} for i in app.callback_map[key]["inputs"]]
    return {
        "output": key,
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": [],
    }


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2, 3]",
        b"null",
        b'"x"',
        b"{not json",
        b"[" * 30_000 + b"]" * 30_000,
        json.dumps({"output": "x.children", "changedPropIds": []}).encode(),
        json.dumps({"output": "x.children", "inputs": [], "changedPropIds": None}).encode(),
        json.dumps({"output": "x", "inputs": [], "changedPropIds": [], "state": 1}).encode(),
    ],
    ids=[
        "a list",
        "null",
        "a string",
        "not JSON",
        "nested 30,000 deep",
        "no inputs",
        "changedPropIds null",
        "state not a list",
    ],
)
def test_a_callback_body_the_page_never_sends_is_a_400(dash_app: Any, body: bytes) -> None:
    client = dash_app.server.test_client()
    answer = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert answer.status_code == 400


@pytest.mark.parametrize("number", [0, 1], ids=["scenario chosen", "levers shown"])
@pytest.mark.parametrize("value", [{"a": 1}, ["caravan-2018-spring"], 5, None])
def test_a_callback_value_of_the_wrong_type_is_answered_not_a_500(
    dash_app: Any, number: int, value: Any
) -> None:
    client = dash_app.server.test_client()
    answer = client.post("/_dash-update-component", json=callback_body(dash_app, number, value))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
