"""Runs for the dashboard: in worker threads, with progress, cancellation and a cache.

A browser never waits on a simulation: a request becomes a :class:`Job` that a worker
runs while the page polls its progress. Cancelling sets a flag that the engine's daily
progress callback reads, so a run stops within a simulated day. Answers are cached by
the request's key (scenario, scale, seeds, lever changes, version), so asking again, or
asking for another change of the same scenario, reuses what was already computed.

Memory is bounded in bytes as well as in counts: every answer carries an estimate of its
size (:func:`estimate_bytes`), and the cache and the finished jobs together keep at most
``max_bytes`` of answers, the least recently used dropped first.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cached_property
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel

from borderflow.interfaces import api
from borderflow.interfaces.web.requests import Prepared
from borderflow.report import figures
from borderflow.report import target_figures as target_figs
from borderflow.report.compare import Side, compare_figures, indicator_table, indicators_figure
from borderflow.report.html import report_input
from borderflow.report.mexico_section import mexico_figures
from borderflow.report.us_side_section import us_side_figures
from borderflow.results.indicators import flatten, has_us_side, run_values, shown
from borderflow.results.results import Results
from borderflow.scenario.schema import Scenario

#: Key indicators compared between the unchanged and the changed scenario: (key, label).
INDICATORS: tuple[tuple[str, str], ...] = tuple((i.name, i.label) for i in shown("dashboard"))

JobState = Literal["queued", "running", "done", "failed", "cancelled"]

#: Bytes of answers kept by default (the cache and finished jobs together).
DEFAULT_MAX_BYTES = 256 * 1_000_000

#: Seconds a finished job keeps its answers for its page, even above the budget, until
#: the page has fetched them (the page polls several times a second while it waits).
DELIVERY_GRACE_S = 60.0

#: A validated scenario takes about 7 times its JSON length in memory (0.25 MB for 37 kB
#: of JSON, measured on the bundled scenarios).
MODEL_BYTES_PER_JSON_BYTE = 7


class CancelledError(Exception):
    """Raised inside a run when its job was cancelled."""


class BusyError(Exception):
    """Too many jobs waiting already: the request is refused rather than queued."""


def indicators(res: Results) -> dict[str, float]:
    """The key indicators of one run (see :data:`INDICATORS`)."""
    return run_values(res, "dashboard")


def estimate_bytes(value: Any) -> int:
    """The memory ``value`` holds, estimated from what it contains.

    Arrays count their ``nbytes``, tables their deep memory usage, text its size,
    validated models (scenarios) a multiple of their JSON length; containers and
    dataclasses the sum of their parts.
    """
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=True).sum())
    if isinstance(value, pd.Series | pd.Index):
        return int(value.memory_usage(deep=True))
    if isinstance(value, BaseModel):
        return MODEL_BYTES_PER_JSON_BYTE * len(value.model_dump_json())
    if isinstance(value, Mapping):
        return sys.getsizeof(value) + sum(
            estimate_bytes(k) + estimate_bytes(v) for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(estimate_bytes(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return sum(estimate_bytes(getattr(value, f.name)) for f in fields(value))
    return sys.getsizeof(value)


#: Figures as (id, Plotly JSON text). Text rather than figure objects: a figure object
#: takes about ten times its JSON length in memory, and text's size is known exactly.
Figures = tuple[tuple[str, str], ...]


def as_json(figures: Iterable[tuple[str, Any]]) -> Figures:
    """Plotly figures as (id, JSON text), ready for the page and cheap to keep."""
    return tuple((name, fig.to_json()) for name, fig in figures)


def figures_of(res: Results, targets: bool = True) -> list[tuple[str, Any]]:
    """The report's figures of one run, as (id, figure), in the report's order.

    Args:
        res: the run.
        targets: with the targets figure (simulated against reported, checks and fits
            apart; a scaled scenario's targets are scaled with it) and a figure over
            time for each series target (``series-<target id>``).
    """
    sc = res.scenario
    out: list[tuple[str, Any]] = [
        ("stocks", figures.stocks_over_time(res.daily, sc)),
        ("waitlist", figures.waitlist_per_city(res.daily, sc)),
        ("waits", figures.wait_distribution(res.waits, sc)),
        ("shelter", figures.shelter_occupancy(res.daily, sc)),
        ("crossings", figures.crossings_over_time(res.flows, sc)),
        ("violence", figures.violence_over_time(res.flows, sc)),
    ]
    if has_us_side(flatten(res.summary_dict)):
        out += [
            ("mpp", figures.mpp_population(res.daily, sc)),
            ("detention", figures.detention_over_time(res.daily, sc)),
            ("courts", figures.court_backlog(res.courts, sc)),
            ("decisions", figures.time_to_decision(res.decisions, sc)),
        ]
    out.append(("flows", figures.flow_sankey(res.flows, res.daily, sc)))
    if targets and not res.targets.empty:
        # fit and check apart, as in the report; a series target over time in its own figure
        out.append(("targets", target_figs.targets_figure(res.targets)))
        out += [(f"series-{k}", fig) for k, fig in target_figs.series_figures(res.targets).items()]
    return out


def us_figures_of(report: Any) -> list[tuple[str, Any]]:
    """The U.S.-side figures of a run, as (id, figure); none if it never reached the U.S. side.

    Args:
        report: the run's report input (:func:`~borderflow.report.html.report_input` of a
            run in memory or of its results folder).
    """
    if not has_us_side(report.indicators):
        return []
    return [(fid.removeprefix("fig-"), fig) for fid, fig in us_side_figures(report).items()]


def mexico_figures_of(report: Any) -> list[tuple[str, Any]]:
    """The figure of Mexico's enforcement by month, as (id, figure); none if nobody was detained.

    Args:
        report: the run's report input (as for :func:`us_figures_of`).
    """
    return [(fid.removeprefix("fig-"), fig) for fid, fig in mexico_figures(report).items()]


class Answer(Protocol):
    """What the cache keeps: an answer with its key and its estimated size."""

    @property
    def key(self) -> str:
        """The request key the answer belongs to."""
        ...

    @property
    def nbytes(self) -> int:
        """Its estimated size in memory."""
        ...


@dataclass(frozen=True)
class RunSet:
    """The answer for one scenario: indicators averaged over its runs, the first run's figures.

    ``report`` is the first run's report input, which the comparison is drawn from.
    """

    key: str
    indicators: dict[str, float]
    per_run: tuple[dict[str, float], ...]
    figures: Figures
    seconds: float
    report: Any = None
    #: The first run's U.S.-side figures (the report's section of that name), if it has one.
    us_figures: Figures = ()
    #: The first run's figure of Mexico's enforcement by month, if Mexico detained anyone.
    mexico_figures: Figures = ()

    @cached_property
    def nbytes(self) -> int:
        """Estimated memory held: the figures' JSON, the report input's tables and scenario."""
        return estimate_bytes(
            (
                self.indicators,
                self.per_run,
                self.figures,
                self.us_figures,
                self.mexico_figures,
                self.report,
            )
        )


@dataclass(frozen=True)
class Comparison:
    """The report's comparison of an unchanged and a changed scenario, as figures."""

    key: str
    figures: Figures

    @cached_property
    def nbytes(self) -> int:
        """Estimated memory held: the figures' JSON."""
        return estimate_bytes(self.figures)


def comparison_figures(baseline: RunSet, changed: RunSet) -> Figures:
    """The report's comparison of two runs: each indicator's change, then series overlaid."""
    a = Side("unchanged", baseline.report)
    b = Side("changed", changed.report)
    out = [("fig-compare-indicators", indicators_figure(indicator_table(a, b)))]
    out += list(compare_figures(a, b).items())
    return as_json(out)


class ResultCache:
    """The most recent answers by key, bounded in count and in bytes.

    The least recently used answers are dropped first; an answer larger than
    ``max_bytes`` on its own is not kept at all.

    Args:
        size: answers kept at most.
        max_bytes: their estimated sizes (``nbytes``) add up to this at most; None: no
            bound but the count.
    """

    def __init__(self, size: int = 16, max_bytes: int | None = None):
        self.size = size
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[Answer, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any:
        """The cached answer for ``key``, if any (and mark it recently used)."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return entry[0]

    def put(self, item: Answer) -> bool:
        """Keep ``item`` under ``item.key``, dropping the least recent; whether it was kept."""
        nbytes = item.nbytes  # estimated once, outside the lock
        with self._lock:
            previous = self._items.pop(item.key, None)
            if previous is not None:
                self.nbytes -= previous[1]
            if self.max_bytes is not None and nbytes > self.max_bytes:
                return False
            self._items[item.key] = (item, nbytes)
            self.nbytes += nbytes
            while len(self._items) > self.size or (
                self.max_bytes is not None and self.nbytes > self.max_bytes
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self.nbytes -= dropped
            return item.key in self._items

    def values(self) -> list[Answer]:
        """The answers kept, least recently used first."""
        with self._lock:
            return [item for item, _ in self._items.values()]

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Job:
    """One request being answered. ``done``/``total`` count simulated days."""

    id: str
    prepared: Prepared
    total: int
    state: JobState = "queued"
    done: int = 0
    message: str = ""
    baseline: RunSet | None = None
    changed: RunSet | None = None
    comparison: Comparison | None = None
    cached: bool = False
    started: float | None = None
    finished: float | None = None
    fetched: bool = False
    cancel_flag: threading.Event = field(default_factory=threading.Event)
    #: Pages following the job: equal requests share it, so one page's Cancel only
    #: stops the run when no other page still waits for it.
    followers: int = 1

    @property
    def finished_state(self) -> bool:
        """Whether the job has ended (done, failed or cancelled)."""
        return self.state in ("done", "failed", "cancelled")

    @property
    def joinable(self) -> bool:
        """Whether an equal request may follow this job: not ended, and not cancelled.

        A job asked to stop stays queued or running until a worker notices; it must
        never answer a request made after the cancel.
        """
        return not self.finished_state and not self.cancel_flag.is_set()

    def answers(self) -> list[Answer]:
        """The answers this job holds (its runs and its comparison)."""
        return [a for a in (self.baseline, self.changed, self.comparison) if a is not None]

    def on_its_way(self, now: float) -> bool:
        """Whether the job's page may still need it: not ended, or ended but not yet fetched."""
        if not self.finished_state:
            return True
        return not self.fetched and now - (self.finished or now) < DELIVERY_GRACE_S


RunFunction = Callable[[Scenario, int, Callable[[int, int], None]], Results]


def _run(sc: Scenario, seed: int, progress: Callable[[int, int], None]) -> Results:
    return api.run(sc, seed, progress=progress)


class JobManager:
    """Runs requests in worker threads; remembers recent jobs and answers.

    The answers kept, in the cache and in finished jobs (each answer counted once), add
    up to ``max_bytes`` at most. Answers still on their way to a page (a job running, or
    finished but not yet fetched, for at most :data:`DELIVERY_GRACE_S`) come on top: an
    answer larger than the budget is still handed to its requester, then dropped.

    Args:
        cache_size: scenario variants whose answers are kept (its runs and its comparison).
        workers: runs at the same time; more wait in a queue.
        keep_jobs: finished jobs remembered (for pages still polling them).
        max_pending: jobs queued or running at most; more are refused (:class:`BusyError`).
        max_bytes: estimated bytes of answers kept (see :func:`estimate_bytes`).
        run: how one run is made (the engine; tests may pass a slower or failing one).
    """

    def __init__(
        self,
        cache_size: int = 16,
        workers: int = 1,
        keep_jobs: int = 64,
        max_pending: int = 8,
        max_bytes: int = DEFAULT_MAX_BYTES,
        run: RunFunction = _run,
    ):
        self.cache = ResultCache(2 * cache_size, max_bytes)
        self.max_bytes = max_bytes
        self.keep_jobs = keep_jobs
        self.max_pending = max_pending
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="borderflow-run")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, prepared: Prepared) -> Job:
        """Start answering ``prepared`` (or answer at once from the cache).

        Raises:
            BusyError: when ``max_pending`` jobs are already queued or running.
        """
        request = prepared.request
        base_key, changed_key = request.baseline().key(), request.key()
        with self._lock:
            # The same request already on its way: follow that job, not a second one.
            for job in self._jobs.values():
                if job.prepared.request == request and job.joinable:
                    job.followers += 1
                    return job
            baseline, changed = self.cache.get(base_key), self.cache.get(changed_key)
            todo = (baseline is None) + (changed is None and changed_key != base_key)
            pending = sum(not j.finished_state for j in self._jobs.values())
            if todo and pending >= self.max_pending:
                raise BusyError(
                    f"{pending} runs are already waiting or running here; try again shortly."
                )
            job = Job(
                # Unguessable: with --allow-remote one visitor must not cancel another's run.
                id=uuid.uuid4().hex,
                prepared=prepared,
                total=max(todo, 1) * prepared.baseline.n_days * len(prepared.seeds),
            )
            self._jobs[job.id] = job
            self._trim()
        if baseline is not None and changed is not None:
            # Both runs known: at most the comparison to draw (well under a second).
            job.baseline, job.changed, job.cached = baseline, changed, True
            try:
                job.comparison = self._compare(baseline, changed, changed_key)
            except Exception as exc:
                job.state, job.message = "failed", f"{type(exc).__name__}: {exc}"
                job.finished = time.time()
                return job
            job.done, job.state, job.finished = job.total, "done", time.time()
            job.message = "from the cache"
            return job
        self._pool.submit(self._work, job)
        return job

    def get(self, job_id: str | None) -> Job | None:
        """The job called ``job_id``, if still remembered.

        A finished job is then taken as fetched by its page: from now on its answers
        count against ``max_bytes`` like any other kept answer.
        """
        if not isinstance(job_id, str) or not job_id:  # it comes from the browser
            return None
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.finished_state and not job.fetched:
                job.fetched = True
                self._trim()
            return job

    def kept_bytes(self) -> int:
        """Estimated bytes of the answers kept, in the cache and in remembered jobs."""
        with self._lock:
            return self._bytes_of(self._kept())

    def cancel(self, job_id: str | None) -> bool:
        """A page gives up a queued or running job; whether there was such a job.

        The job stops only when no other page still follows it (:attr:`Job.followers`);
        otherwise it runs on for them, and the page that gave it up forgets it.
        """
        job = self.get(job_id)
        if job is None or job.finished_state:
            return False
        with self._lock:
            job.followers -= 1
            if job.followers <= 0:
                job.cancel_flag.set()
        return True

    def shutdown(self) -> None:
        """Cancel everything and stop the workers."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel_flag.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _kept(self) -> dict[int, Answer]:
        """Every answer held, by identity: one answer may sit in the cache and in jobs."""
        kept = {id(a): a for a in self.cache.values()}
        for job in self._jobs.values():
            kept.update((id(a), a) for a in job.answers())
        return kept

    def _bytes_of(self, answers: dict[int, Answer]) -> int:
        return sum(a.nbytes for a in answers.values())

    def _trim(self) -> None:
        """Forget finished jobs: the oldest beyond ``keep_jobs``, then while over budget.

        Call with the lock held.
        """
        finished = [k for k, j in self._jobs.items() if j.finished_state]
        for k in finished[: max(len(self._jobs) - self.keep_jobs, 0)]:
            del self._jobs[k]
        now = time.time()
        waiting = {id(a) for j in self._jobs.values() if j.on_its_way(now) for a in j.answers()}
        cached = {id(a) for a in self.cache.values()}
        # The cache keeps itself within the budget: only a job holding an answer the cache
        # does not frees memory when forgotten. A job holding an answer larger than the
        # whole budget goes first, then the oldest; jobs on their way to a page stay.
        candidates = [
            j
            for j in self._jobs.values()
            if not j.on_its_way(now) and any(id(a) not in cached for a in j.answers())
        ]
        candidates.sort(key=lambda j: all(a.nbytes <= self.max_bytes for a in j.answers()))
        for job in candidates:
            kept = {k: a for k, a in self._kept().items() if k not in waiting}
            if self._bytes_of(kept) <= self.max_bytes:
                break
            del self._jobs[job.id]

    def _work(self, job: Job) -> None:
        if job.cancel_flag.is_set():
            job.state, job.finished, job.message = "cancelled", time.time(), "cancelled"
            return
        job.state, job.started = "running", time.time()
        prepared = job.prepared
        try:
            base_key = prepared.request.baseline().key()
            job.baseline = self.cache.get(base_key) or self._answer(
                job, prepared.baseline, base_key, "unchanged scenario"
            )
            changed_key = prepared.request.key()
            if changed_key == base_key:
                job.changed = job.baseline
            else:
                job.changed = self.cache.get(changed_key) or self._answer(
                    job, prepared.changed, changed_key, "changed scenario"
                )
            job.message = "drawing the comparison"
            job.comparison = self._compare(job.baseline, job.changed, changed_key)
            if job.cancel_flag.is_set():
                raise CancelledError
            job.done, job.state, job.message = job.total, "done", ""
        except CancelledError:
            job.state, job.message = "cancelled", "cancelled"
        except Exception as exc:  # shown on the page; the server goes on
            job.state = "failed"
            job.message = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        finally:
            job.finished = time.time()
            with self._lock:
                self._trim()

    def _compare(self, baseline: RunSet, changed: RunSet, key: str) -> Comparison | None:
        if baseline.key == changed.key:
            return None  # nothing changed: nothing to compare
        comparison_key = f"{key}:comparison"
        comparison = self.cache.get(comparison_key)
        if comparison is None:
            comparison = Comparison(comparison_key, comparison_figures(baseline, changed))
            self.cache.put(comparison)
        return comparison

    def _answer(self, job: Job, sc: Scenario, key: str, what: str) -> RunSet:
        start = time.perf_counter()
        results: list[Results] = []
        for i, seed in enumerate(job.prepared.seeds):
            offset = job.done
            job.message = f"{what}, run {i + 1} of {len(job.prepared.seeds)} (seed {seed})"

            def progress(done: int, total: int, offset: int = offset) -> None:
                if job.cancel_flag.is_set():
                    raise CancelledError
                job.done = min(offset + done, job.total)

            results.append(self._run(sc, seed, progress))
            if job.cancel_flag.is_set():
                raise CancelledError
        job.message = f"{what}: drawing the figures"
        per_run = tuple(indicators(r) for r in results)
        mean = pd.DataFrame(per_run).mean().to_dict()
        report = report_input(results[0])
        answer = RunSet(
            key=key,
            indicators={k: float(v) for k, v in mean.items()},
            per_run=per_run,
            figures=as_json(figures_of(results[0])),
            seconds=time.perf_counter() - start,
            report=report,
            us_figures=as_json(us_figures_of(report)),
            mexico_figures=as_json(mexico_figures_of(report)),
        )
        self.cache.put(answer)
        if job.cancel_flag.is_set():
            # Kept for whoever asks next, but this job was cancelled before it ended.
            raise CancelledError
        return answer
