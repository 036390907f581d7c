"""The executor: one object for local processes or Ray, owning Ray's lifetime."""

from __future__ import annotations

from operator import attrgetter

import pandas as pd
import pytest

import borderflow
from borderflow.analysis.executor import BackendError, Executor, Task, spawn_seeds

#: A task function that Ray's workers can unpickle without importing this test module.
SEED_OF = attrgetter("seed")


def tasks(n: int) -> list[Task]:
    return [Task(i, s) for i, s in enumerate(spawn_seeds(3, n))]


def test_an_executor_or_its_options_but_not_both():
    given = Executor(workers=2)
    assert Executor.choose(given, {}) is given
    built = Executor.choose(None, {"workers": 2, "retries": 0})
    assert (built.workers, built.backend, built.retries) == (2, "local", 0)
    with pytest.raises(TypeError, match="workers, not both"):
        Executor.choose(given, {"workers": 2})


def test_bad_options_are_refused_when_it_is_built():
    with pytest.raises(BackendError, match="unknown backend 'dask'"):
        Executor(backend="dask")
    with pytest.raises(ValueError, match="workers must be at least 1"):
        Executor(workers=0)
    with pytest.raises(ValueError, match="retries must be 0 or more"):
        Executor(retries=-1)


def test_one_executor_runs_many_batches():
    executor = Executor(workers=2)
    with executor:
        first = {o.index: o.value for o in executor.run(SEED_OF, tasks(4))}
        again = {o.index: o.value for o in executor.run(SEED_OF, tasks(4))}
    assert first == again == {t.index: t.seed for t in tasks(4)}


def test_ray_is_started_once_and_stopped_by_the_executor_that_started_it():
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        pytest.skip("Ray is running in this process already")
    executor = Executor(workers=2, backend="ray")
    with executor:
        job = ray.get_runtime_context().get_job_id()
        first = {o.index: o.value for o in executor.run(SEED_OF, tasks(3))}
        with executor:  # an analysis entering the executor it was handed
            second = {o.index: o.value for o in executor.run(SEED_OF, tasks(3))}
        assert ray.is_initialized() and ray.get_runtime_context().get_job_id() == job
    assert not ray.is_initialized()
    assert first == second == {t.index: t.seed for t in tasks(3)}


def test_the_analyses_take_an_executor_or_its_keywords():
    small = borderflow.load_scenario("caravan-2018-spring").scaled(0.05)
    by_keywords = borderflow.ensemble(small, runs=2, seed=5, workers=1, retries=0)
    by_executor = borderflow.ensemble(small, runs=2, seed=5, executor=Executor(retries=0))
    pd.testing.assert_frame_equal(by_keywords.indicators, by_executor.indicators)
    with pytest.raises(TypeError, match="not both"):
        borderflow.ensemble(small, runs=2, seed=5, executor=Executor(), workers=2)
