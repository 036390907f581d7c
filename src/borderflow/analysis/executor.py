"""Run many independent tasks on this machine's cores or on a Ray cluster.

Ensembles, calibration and sensitivity analysis all come down to the same thing: call
one function on many inputs that do not depend on each other, in any order, and collect
what each call returned. An :class:`Executor` does that on two backends with the same
contract:

* ``"local"`` (the default, needs nothing): a :class:`~concurrent.futures.ProcessPoolExecutor`
  with ``workers`` processes; ``workers=1`` calls the function in this process.
* ``"ray"``: Ray remote tasks, on a Ray started here with ``num_cpus=workers`` or on an
  existing cluster (``ray_address``, e.g. ``"auto"`` or ``"ray://head:10001"``). Ray is an
  optional extra: ``pip install borderflow[ray]``.

Ray's lifetime is the executor's: used as a context manager, an executor starts Ray once
on entering (unless Ray is running in this process already) and shuts down on leaving
only the Ray it started, so a calibration's many batches share one Ray. Outside a
``with`` block each :meth:`Executor.run` starts and stops Ray around its own tasks.

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
    with Executor(workers=2) as executor:
        for outcome in executor.run(square, tasks):
            print(outcome.index, outcome.value if outcome.ok else outcome.error)
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypedDict, Unpack

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


class ExecutorOptions(TypedDict, total=False):
    """The keywords that build an :class:`Executor`, as the analyses accept them."""

    workers: int
    backend: str
    ray_address: str | None
    retries: int


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


class Executor:
    """Runs tasks on local processes or on Ray, retrying failures; owns Ray's lifetime.

    Args:
        workers: processes (local) or CPUs to start Ray with; at most this many tasks
            (twice as many on Ray, to keep the cluster busy) are in flight at once.
        backend: ``"local"`` or ``"ray"``.
        ray_address: an existing Ray cluster's address (Ray backend only); without it
            Ray is started on this machine unless it is running in this process already.
        retries: how many more times a failing task is started before it is reported.

    Raises:
        BackendError: unknown backend, or Ray asked for but not installed.
        ValueError: ``workers`` below 1 or ``retries`` below 0.
    """

    def __init__(
        self,
        workers: int = 1,
        backend: str = "local",
        ray_address: str | None = None,
        retries: int = 2,
    ) -> None:
        check_backend(backend)
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, not {retries}")
        self.workers = workers
        self.backend = backend
        self.ray_address = ray_address
        self.retries = retries
        self._entered = 0
        self._started_ray = False

    @classmethod
    def choose(cls, executor: Executor | None, options: ExecutorOptions) -> Executor:
        """``executor`` if given, else one built from ``options`` (the analyses' keywords).

        Raises:
            TypeError: both an executor and options were given.
        """
        if executor is None:
            return cls(**options)
        if options:
            raise TypeError(
                f"give an executor or {', '.join(sorted(options))}, not both: "
                "the executor already says how tasks run"
            )
        return executor

    def __repr__(self) -> str:
        where = f", ray_address={self.ray_address!r}" if self.ray_address else ""
        return (
            f"Executor(workers={self.workers}, backend={self.backend!r}{where}, "
            f"retries={self.retries})"
        )

    def __enter__(self) -> Executor:
        if self._entered == 0 and self.backend == "ray":
            self._started_ray = _start_ray(self.workers, self.ray_address)
        self._entered += 1
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._entered -= 1
        if self._entered == 0 and self._started_ray:
            self._started_ray = False
            _import_ray().shutdown()

    def run(
        self,
        fn: Callable[[Task], Any],
        tasks: Iterable[Task],
        on_done: Callable[[Outcome], None] | None = None,
    ) -> Iterator[Outcome]:
        """Call ``fn(task)`` for every task; an iterator of each :class:`Outcome` as it finishes.

        The tasks are checked at once; the work starts when the iterator is first read,
        and stops (workers ended) if it is closed before the end.

        Args:
            fn: a picklable function of one :class:`Task`.
            tasks: the tasks (indices unique).
            on_done: called with each outcome (in this process) before it is yielded.

        Returns:
            An iterator of one outcome per task, in the order they finish.

        Raises:
            ValueError: two tasks share an index.
            BackendError: Ray cannot be started or reached.
            KeyboardInterrupt: on Ctrl-C, after stopping the workers.
        """
        todo = list(tasks)
        if len({t.index for t in todo}) != len(todo):
            raise ValueError("task indices must be unique")
        return self._outcomes(fn, todo, on_done)

    def _outcomes(
        self,
        fn: Callable[[Task], Any],
        tasks: list[Task],
        on_done: Callable[[Outcome], None] | None,
    ) -> Iterator[Outcome]:
        with self:
            outcomes: Generator[Outcome, None, None]
            if self.backend == "ray":
                outcomes = _run_ray(_import_ray(), fn, tasks, self.workers, self.retries)
            elif self.workers == 1:
                outcomes = _run_here(fn, tasks, self.retries)
            else:
                outcomes = _run_pool(fn, tasks, self.workers, self.retries)
            try:
                for outcome in outcomes:
                    if on_done is not None:
                        on_done(outcome)
                    yield outcome
            finally:
                outcomes.close()


def run_tasks(
    fn: Callable[[Task], Any],
    tasks: Iterable[Task],
    *,
    on_done: Callable[[Outcome], None] | None = None,
    **options: Unpack[ExecutorOptions],
) -> Iterator[Outcome]:
    """``Executor(**options).run(fn, tasks, on_done)``: one batch of tasks, Ray started for it.

    Raises:
        BackendError: unknown backend, or Ray asked for but not installed.
        ValueError: bad ``workers`` or ``retries``, or two tasks share an index.
    """
    return Executor(**options).run(fn, tasks, on_done)


def _describe(exc: BaseException) -> str:
    # Ray wraps the task's exception; report the original one.
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        exc = cause
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _run_here(
    fn: Callable[[Task], Any], tasks: list[Task], retries: int
) -> Generator[Outcome, None, None]:
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
    context: multiprocessing.context.BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        if module:
            forkserver.set_forkserver_preload([module])
        context = forkserver
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker)


def _stop(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=False, cancel_futures=True)
    # A running task cannot be cancelled; end its process so Ctrl-C returns at once.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def _module_of(fn: Callable[[Task], Any]) -> str | None:
    # A partial or a callable object may not name its module; then nothing is preloaded.
    module = getattr(fn, "__module__", None)
    module = getattr(getattr(fn, "func", None), "__module__", module)
    return module if isinstance(module, str) else None


class _Attempts:
    """The tasks still to start and how often each was started: the retry bookkeeping."""

    def __init__(self, tasks: list[Task], retries: int) -> None:
        self.queue = list(reversed(tasks))
        self.retries = retries
        self.started: dict[int, int] = {}

    def next(self) -> Task:
        task = self.queue.pop()
        self.started[task.index] = self.started.get(task.index, 0) + 1
        return task

    def settle(
        self, task: Task, future: Future[Any] | None, exc: BaseException | None
    ) -> Outcome | None:
        """The outcome of one attempt, or ``None`` when the task goes back in the queue."""
        n = self.started[task.index]
        if future is not None:
            try:
                return Outcome(task.index, task.seed, value=future.result(), attempts=n)
            except Exception as error:
                exc = error
        if n > self.retries:
            return Outcome(task.index, task.seed, error=_describe(exc or Exception()), attempts=n)
        self.queue.append(task)
        return None


def _run_pool(
    fn: Callable[[Task], Any], tasks: list[Task], workers: int, retries: int
) -> Generator[Outcome, None, None]:
    todo = _Attempts(tasks, retries)
    window = workers * 2
    preload = _module_of(fn)
    pool = _pool(workers, preload)
    running: dict[Future[Any], Task] = {}
    try:
        while todo.queue or running:
            broken = False
            while todo.queue and len(running) < window and not broken:
                task = todo.next()
                try:
                    running[pool.submit(fn, task)] = task
                except BrokenProcessPool as exc:
                    broken = True
                    if (outcome := todo.settle(task, None, exc)) is not None:
                        yield outcome
            if running and not broken:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    broken |= isinstance(future.exception(), BrokenProcessPool)
                    if (outcome := todo.settle(running.pop(future), future, None)) is not None:
                        yield outcome
            if broken:
                # A dead worker breaks the pool: every future still in it fails (or
                # finished before); settle them all, then start a fresh pool.
                for future, task in list(running.items()):
                    if (outcome := todo.settle(task, future, None)) is not None:
                        yield outcome
                running.clear()
                pool.shutdown(wait=True)
                pool = _pool(workers, preload)
    finally:
        if running or todo.queue:
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


def _start_ray(workers: int, address: str | None) -> bool:
    """Start or join Ray unless it runs in this process already; whether it was started here.

    Raises:
        BackendError: Ray cannot be started or the cluster cannot be reached.
    """
    ray = _import_ray()
    if ray.is_initialized():
        return False
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    except Exception as exc:
        raise BackendError(f"cannot start or reach Ray ({address or 'local'}): {exc}") from exc
    return True


def _call(fn: Callable[[Task], Any], task: Task) -> Any:
    return fn(task)


def _run_ray(
    ray: Any, fn: Callable[[Task], Any], tasks: list[Task], workers: int, retries: int
) -> Generator[Outcome, None, None]:
    # Retries are counted here, the same way for both backends, so Ray's own are off.
    remote = ray.remote(num_cpus=1, max_retries=0, retry_exceptions=False)(_call)
    fn_ref = ray.put(fn)
    cpus = int(ray.cluster_resources().get("CPU", workers))
    window = max(workers, cpus) * 2
    todo = _Attempts(tasks, retries)
    running: dict[Any, Task] = {}
    try:
        while todo.queue or running:
            while todo.queue and len(running) < window:
                task = todo.next()
                running[remote.remote(fn_ref, task)] = task
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                task = running.pop(ref)
                n = todo.started[task.index]
                try:
                    value = ray.get(ref)
                except Exception as exc:
                    if n > retries:
                        yield Outcome(task.index, task.seed, error=_describe(exc), attempts=n)
                    else:
                        todo.queue.append(task)
                else:
                    yield Outcome(task.index, task.seed, value=value, attempts=n)
    finally:
        for ref in running:
            ray.cancel(ref, force=True)
