"""The task backends: same outcomes on every backend, retries, failures reported, Ctrl-C."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from borderflow.analysis import executor as backends
from borderflow.analysis.executor import Task, run_tasks, spawn_seeds, task_seed


def draw(task: Task) -> float:
    return float(np.random.default_rng(task.seed).normal())


def fail_on(task: Task) -> float:
    """Raises for the indices in ``task.data["fail"]``; dies for ``task.data["die"]`` once."""
    if task.index in task.data.get("fail", ()):
        raise ValueError(f"run {task.index} cannot go on")
    marker = task.data.get("marker")
    if task.index in task.data.get("die", ()) and not Path(marker).exists():
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return draw(task)


def flaky(task: Task) -> int:
    """Fails on the first attempt of every task (a marker file per task says it was tried)."""
    marker = Path(task.data) / f"tried-{task.index}"
    if not marker.exists():
        marker.touch()
        raise OSError("transient")
    return task.index


def test_task_seeds_are_spawned_children():
    children = np.random.SeedSequence(7).spawn(5)
    for i, child in enumerate(children):
        assert task_seed(7, i) == int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    assert spawn_seeds(7, 5) == [task_seed(7, i) for i in range(5)]
    assert len(set(spawn_seeds(7, 100))) == 100
    assert spawn_seeds(7, 3) != spawn_seeds(8, 3)


def tasks(n: int, data=None) -> list[Task]:
    return [Task(i, s, data) for i, s in enumerate(spawn_seeds(3, n))]


def values(outcomes) -> dict[int, float]:
    return {o.index: o.value for o in outcomes}


def test_same_values_in_process_and_in_two_processes():
    here = values(run_tasks(draw, tasks(12), workers=1))
    two = values(run_tasks(draw, tasks(12), workers=2))
    assert here == two
    assert sorted(here) == list(range(12))
    assert len(set(here.values())) == 12


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_is_retried_then_reported_and_the_rest_finish(workers):
    seen = []
    out = list(
        run_tasks(fail_on, tasks(6, {"fail": [2]}), workers=workers, retries=2, on_done=seen.append)
    )
    assert len(out) == 6 and seen == out
    bad = [o for o in out if not o.ok]
    assert len(bad) == 1
    assert bad[0].index == 2 and bad[0].seed == task_seed(3, 2)
    assert bad[0].attempts == 3
    assert bad[0].error == "ValueError: run 2 cannot go on"
    assert all(o.ok and o.attempts == 1 for o in out if o.index != 2)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_task_that_fails_once_succeeds_on_retry(tmp_path, workers):
    out = list(run_tasks(flaky, tasks(4, str(tmp_path)), workers=workers, retries=1))
    assert all(o.ok and o.attempts == 2 for o in out)
    assert sorted(o.value for o in out) == [0, 1, 2, 3]
    no_retry = list(run_tasks(flaky, [Task(9, 1, str(tmp_path))], retries=0))
    assert not no_retry[0].ok and no_retry[0].error == "OSError: transient"


def test_a_killed_worker_is_replaced_and_its_task_rerun(tmp_path):
    data = {"die": [3], "marker": str(tmp_path / "died")}
    out = values(run_tasks(fail_on, tasks(8, data), workers=2, retries=2))
    assert (tmp_path / "died").exists()
    assert out == values(run_tasks(draw, tasks(8), workers=1))


def test_bad_arguments_are_refused_at_once():
    with pytest.raises(backends.BackendError, match="unknown backend"):
        run_tasks(draw, tasks(2), backend="dask")
    with pytest.raises(ValueError, match="unique"):
        run_tasks(draw, [Task(0, 1), Task(0, 2)])
    with pytest.raises(ValueError, match="workers"):
        run_tasks(draw, tasks(2), workers=0)


def test_missing_ray_says_how_to_install_it(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(backends.BackendError, match=r"pip install 'borderflow\[ray\]'"):
        run_tasks(draw, tasks(2), backend="ray")


@pytest.fixture(scope="module")
def ray_two_cpus():
    ray = pytest.importorskip("ray")
    # Ray's workers import this test module to find the functions above.
    here = str(Path(__file__).parent)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": here}},
    )
    yield ray
    ray.shutdown()


def test_ray_gives_the_same_values_and_reports_failures(ray_two_cpus):
    local = values(run_tasks(draw, tasks(10), workers=2))
    assert values(run_tasks(draw, tasks(10), workers=2, backend="ray")) == local
    out = list(run_tasks(fail_on, tasks(5, {"fail": [4]}), workers=2, backend="ray", retries=1))
    bad = [o for o in out if not o.ok]
    assert [(o.index, o.seed, o.attempts) for o in bad] == [(4, task_seed(3, 4), 2)]
    assert bad[0].error == "ValueError: run 4 cannot go on"
    assert ray_two_cpus.is_initialized(), "a Ray started by the caller is left running"


def test_a_partial_function_runs_in_a_pool():
    import functools

    out = values(run_tasks(functools.partial(fail_on), tasks(4, {}), workers=2))
    assert out == values(run_tasks(draw, tasks(4), workers=1))
