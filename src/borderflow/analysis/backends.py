"""Run many independent tasks on this machine's cores or on a Ray cluster.

Ensembles, calibration and sensitivity analysis all come down to the same thing: call
one function on many inputs that do not depend on each other, in any order, and collect
what each call returned. :func:`run_tasks` does that on two backends with the same
contract:

* ``"local"`` (the default, needs nothing): a :class:`~concurrent.futures.ProcessPoolExecutor`
  with ``workers`` processes; ``workers=1`` calls the function in this process.
* ``"ray"``: Ray remote tasks, on a Ray started here with ``num_cpus=workers`` or on an
  existing cluster (``ray_address``, e.g. ``"auto"`` or ``"ray://head:10001"``). Ray is an
  optional extra: ``pip install borderflow[ray]``.

Each :class:`Task` carries its ``index`` and ``seed`` (plus any picklable ``data``), so a
task's result depends on the task alone, never on which worker ran it or when: the
caller gets the same values on either backend with any number of workers. Outcomes
arrive in the order tasks finish; sort them by ``index`` where order matters.

A task that raises is retried up to ``retries`` more times; if it still fails its
:class:`Outcome` carries the error (with the index and seed) and the other tasks go
on. A worker process that dies (killed, out of memory) breaks the whole local pool:
the pool is rebuilt and every task that was running in it is charged one attempt,
since the pool does not say which one died. Ctrl-C stops the workers and raises
:class:`KeyboardInterrupt` in the caller; whatever the caller stored from the outcomes
received so far is kept. Workers end with their parent, even one killed outright.

``fn`` must be picklable (a function defined at module level) and so must its return
values, which travel back to the calling process; keep them compact.

Example::

    def square(task: Task) -> int:
        return task.data**2

    tasks = [Task(i, seed, data=i) for i, seed in enumerate(spawn_seeds(1, 10))]
    for outcome in run_tasks(square, tasks, workers=2):
        print(outcome.index, outcome.value if outcome.ok else outcome.error)
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Backend = Literal["local", "ray"]
BACKENDS: tuple[str, ...] = ("local", "ray")


@dataclass(frozen=True)
class Task:
    """One unit of work.

    Attributes:
        index: the task's number (run number in an ensemble); unique within a call.
        seed: the random seed the task must use, so its result depends on it alone.
        data: anything else the function needs (picklable).
    """

    index: int
    seed: int
    data: Any = None


@dataclass(frozen=True)
class Outcome:
    """What became of one task.

    Attributes:
        index: the task's index.
        seed: the task's seed.
        value: what the function returned (``None`` if it failed).
        error: ``"ExceptionType: message"`` of the last attempt if every attempt failed.
        attempts: how many times the task was started.
    """

    index: int
    seed: int
    value: Any = None
    error: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """Whether the task succeeded."""
        return self.error is None


class BackendError(RuntimeError):
    """A backend cannot be used (unknown name, Ray missing or unreachable)."""


def task_seed(seed: int, index: int) -> int:
    """The seed of task ``index`` spawned from ``seed``.

    It is the ``index``-th child of ``np.random.SeedSequence(seed)`` (the same as
    ``SeedSequence(seed).spawn(n)[index]`` for any ``n > index``), turned into a
    non-negative 63-bit integer, so it depends on the seed and the index only.
    """
    child = np.random.SeedSequence(seed, spawn_key=(index,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def spawn_seeds(seed: int, n: int) -> list[int]:
    """The seeds of tasks ``0 .. n-1`` spawned from ``seed`` (see :func:`task_seed`)."""
    return [task_seed(seed, i) for i in range(n)]


def check_backend(backend: str) -> None:
    """Raise :class:`BackendError` unless ``backend`` is known and usable here.

    Call it before preparing work for a backend, so a typo or a missing Ray is reported
    before anything is written.
    """
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if backend == "ray":
        _import_ray()


def run_tasks(
    fn: Callable[[Task], Any],
    tasks: Iterable[Task],
    *,
    workers: int = 1,
    backend: str = "local",
    ray_address: str | None = None,
    retries: int = 2,
    on_done: Callable[[Outcome], None] | None = None,
) -> Iterator[Outcome]:
    """Call ``fn(task)`` for every task; an iterator of each :class:`Outcome` as it finishes.

    The arguments are checked at once; the work starts when the iterator is first read,
    and stops (workers ended) if it is closed before the end.

    Args:
        fn: a picklable function of one :class:`Task`.
        tasks: the tasks (indices unique).
        workers: processes (local) or CPUs to start Ray with; at most this many tasks
            (twice as many on Ray, to keep the cluster busy) are in flight at once.
        backend: ``"local"`` or ``"ray"``.
        ray_address: an existing Ray cluster's address (Ray backend only); without it
            Ray is started on this machine unless it is running in this process already.
        retries: how many more times a failing task is started before it is reported.
        on_done: called with each outcome (in this process) before it is yielded.

    Returns:
        An iterator of one outcome per task, in the order they finish.

    Raises:
        BackendError: unknown backend, or Ray asked for but not installed.
        KeyboardInterrupt: on Ctrl-C, after stopping the workers.
    """
    check_backend(backend)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    todo = list(tasks)
    if len({t.index for t in todo}) != len(todo):
        raise ValueError("task indices must be unique")
    if backend == "ray":
        outcomes = _run_ray(_import_ray(), fn, todo, workers, ray_address, retries)
    elif workers == 1:
        outcomes = _run_here(fn, todo, retries)
    else:
        outcomes = _run_pool(fn, todo, workers, retries)
    return outcomes if on_done is None else _tell(outcomes, on_done)


def _tell(outcomes: Iterator[Outcome], on_done: Callable[[Outcome], None]) -> Iterator[Outcome]:
    for outcome in outcomes:
        on_done(outcome)
        yield outcome


def _describe(exc: BaseException) -> str:
    # Ray wraps the task's exception; report the original one.
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        exc = cause
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _run_here(fn: Callable[[Task], Any], tasks: list[Task], retries: int) -> Iterator[Outcome]:
    for task in tasks:
        for attempt in range(1, retries + 2):
            try:
                value = fn(task)
            except Exception as exc:
                if attempt > retries:
                    yield Outcome(task.index, task.seed, error=_describe(exc), attempts=attempt)
            else:
                yield Outcome(task.index, task.seed, value=value, attempts=attempt)
                break


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group; only the parent handles it (by stopping
    # the pool), so a worker never dies half-way through handing back a result.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright (SIGKILL, out of memory) cannot stop its pool, and a
    # worker waiting for its next task would wait for ever: end with the parent.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _pool(workers: int, module: str | None) -> ProcessPoolExecutor:
    # Never fork this process: it may hold threads (a progress bar, Ray's driver) that a
    # forked child would inherit in an unknown state. A fork server forks clean workers
    # from one process that has imported the task's module once, so each new pool starts
    # without paying for the imports again.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        if module:
            context.set_forkserver_preload([module])
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker)


def _stop(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=False, cancel_futures=True)
    # A running task cannot be cancelled; end its process so Ctrl-C returns at once.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def _run_pool(
    fn: Callable[[Task], Any], tasks: list[Task], workers: int, retries: int
) -> Iterator[Outcome]:
    queue = list(reversed(tasks))
    attempts: dict[int, int] = {}
    window = workers * 2
    # A partial or a callable object may not name its module; then nothing is preloaded.
    module = getattr(fn, "__module__", None)
    module = getattr(getattr(fn, "func", None), "__module__", module)
    preload = module if isinstance(module, str) else None
    pool = _pool(workers, preload)
    running: dict[Future[Any], Task] = {}

    def settle(task: Task, future: Future[Any] | None, exc: BaseException | None) -> Outcome | None:
        # The outcome of one attempt, or None when the task goes back in the queue.
        n = attempts[task.index]
        if future is not None:
            try:
                return Outcome(task.index, task.seed, value=future.result(), attempts=n)
            except Exception as error:
                exc = error
        if n > retries:
            return Outcome(task.index, task.seed, error=_describe(exc or Exception()), attempts=n)
        queue.append(task)
        return None

    try:
        while queue or running:
            broken = False
            while queue and len(running) < window and not broken:
                task = queue.pop()
                attempts[task.index] = attempts.get(task.index, 0) + 1
                try:
                    running[pool.submit(fn, task)] = task
                except BrokenProcessPool as exc:
                    broken = True
                    if (outcome := settle(task, None, exc)) is not None:
                        yield outcome
            if running and not broken:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    broken |= isinstance(future.exception(), BrokenProcessPool)
                    if (outcome := settle(running.pop(future), future, None)) is not None:
                        yield outcome
            if broken:
                # A dead worker breaks the pool: every future still in it fails (or
                # finished before); settle them all, then start a fresh pool.
                for future, task in list(running.items()):
                    if (outcome := settle(task, future, None)) is not None:
                        yield outcome
                running.clear()
                pool.shutdown(wait=True)
                pool = _pool(workers, preload)
    finally:
        if running or queue:
            _stop(pool)
        else:
            pool.shutdown(wait=True)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise BackendError(
            "the Ray backend needs Ray: pip install 'borderflow[ray]' "
            "(or use the local backend: --backend local)"
        ) from exc
    return ray


def _call(fn: Callable[[Task], Any], task: Task) -> Any:
    return fn(task)


def _run_ray(
    ray: Any,
    fn: Callable[[Task], Any],
    tasks: list[Task],
    workers: int,
    address: str | None,
    retries: int,
) -> Iterator[Outcome]:
    started = False
    if not ray.is_initialized():
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        except Exception as exc:
            raise BackendError(f"cannot start or reach Ray ({address or 'local'}): {exc}") from exc
        started = True
    # Retries are counted here, the same way for both backends, so Ray's own are off.
    remote = ray.remote(num_cpus=1, max_retries=0, retry_exceptions=False)(_call)
    fn_ref = ray.put(fn)
    cpus = int(ray.cluster_resources().get("CPU", workers))
    window = max(workers, cpus) * 2
    queue = list(reversed(tasks))
    attempts: dict[int, int] = {}
    running: dict[Any, Task] = {}
    try:
        while queue or running:
            while queue and len(running) < window:
                task = queue.pop()
                attempts[task.index] = attempts.get(task.index, 0) + 1
                running[remote.remote(fn_ref, task)] = task
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                task = running.pop(ref)
                n = attempts[task.index]
                try:
                    value = ray.get(ref)
                except Exception as exc:
                    if n > retries:
                        yield Outcome(task.index, task.seed, error=_describe(exc), attempts=n)
                    else:
                        queue.append(task)
                else:
                    yield Outcome(task.index, task.seed, value=value, attempts=n)
    finally:
        for ref in running:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
