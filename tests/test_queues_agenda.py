"""The FIFO queues and the agenda: their fast paths give what the plain definitions give."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.model.agenda import SMALL, Agenda
from borderflow.model.people import People
from borderflow.model.queues import FifoQueue, FifoQueues


def _filled(rng: np.random.Generator, n_queues: int) -> tuple[list[FifoQueue], list[list[int]]]:
    queues, plain = [], []
    for _ in range(n_queues):
        q, entries = FifoQueue(capacity=4), []
        for _ in range(int(rng.integers(0, 6))):
            batch = rng.integers(0, 500, int(rng.integers(0, 90)))
            q.push(batch)
            entries += batch.tolist()
        queues.append(q)
        plain.append(entries)
    return queues, plain


def _first_valid(entries: list[int], n: int, ok: np.ndarray) -> tuple[list[int], int]:
    """The first ``n`` valid entries and how many entries that consumes (the definition)."""
    taken, used = [], 0
    for e in entries:
        if len(taken) == n:
            break
        used += 1
        if ok[e]:
            taken.append(e)
    return taken, used


@pytest.mark.parametrize("seed", range(40))
def test_take_matches_the_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_queues = int(rng.integers(1, 12))
    queues, plain = _filled(rng, n_queues)
    # Some queues mostly stale, some all valid; each queue's own entries valid or not.
    ok = rng.random((n_queues, 500)) < rng.choice([0.05, 0.5, 0.9, 1.0], (n_queues, 1))
    for _ in range(4):
        wants = rng.integers(1, 140, n_queues).tolist()
        expect, counts = [], []
        for k in range(n_queues):
            taken, used = _first_valid(plain[k], wants[k], ok[k])
            plain[k] = plain[k][used:]
            expect += taken
            counts.append(len(taken))
        parts = [
            q.take(w, lambda chunk, k=k: ok[k, chunk])
            for k, (q, w) in enumerate(zip(queues, wants, strict=True))
        ]
        got, got_counts = np.concatenate(parts), np.array([len(p) for p in parts])
        assert got.tolist() == expect
        assert got_counts.tolist() == counts
        # Stale entries before the last one taken are gone; the rest are still held.
        assert [len(q) for q in queues] == [len(e) for e in plain]


@pytest.mark.parametrize("seed", range(40))
def test_many_queues_in_one_buffer_match_the_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_queues = int(rng.integers(1, 15))
    queues = FifoQueues(n_queues, capacity=int(rng.choice([1, 4, 64])))
    plain: list[list[int]] = [[] for _ in range(n_queues)]
    ok = rng.random((n_queues, 500)) < rng.choice([0.05, 0.5, 0.9, 1.0], (n_queues, 1))
    for _ in range(30):
        # Pushes of a few or many, to one queue or spread over several.
        size = int(rng.choice([0, 1, 5, 200]))
        which = rng.integers(0, n_queues, size) if rng.random() < 0.7 else np.full(size, 0)
        idx = rng.integers(0, 500, size)
        queues.push(which, idx)
        for k, i in zip(which.tolist(), idx.tolist(), strict=True):
            plain[k].append(i)
        assert queues.lengths().tolist() == [len(e) for e in plain]
        if rng.random() < 0.5:
            chosen = rng.choice(n_queues, int(rng.integers(1, n_queues + 1)), replace=False)
            wants = rng.integers(0, 140, len(chosen))
            expect, counts = [], []
            for k, w in zip(chosen.tolist(), wants.tolist(), strict=True):
                taken, used = _first_valid(plain[k], w, ok[k])
                plain[k] = plain[k][used:]
                expect += taken
                counts.append(len(taken))
            got, got_counts = queues.take(chosen, wants, lambda e, k, c=chosen: ok[c[k], e])
            assert got.tolist() == expect
            assert got_counts.tolist() == counts
            assert queues.lengths().tolist() == [len(e) for e in plain]


def test_pop_takes_the_first_entries() -> None:
    q = FifoQueue(capacity=2)
    q.push(np.arange(5))
    q.push(np.arange(10, 13))
    assert q.pop(3).tolist() == [0, 1, 2]
    assert q.pop(10).tolist() == [3, 4, 10, 11, 12]
    assert q.pop(1).tolist() == []


@pytest.mark.parametrize("seed", range(20))
def test_agenda_gives_each_person_once_in_scheduling_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    people = People(capacity=16)
    people.add(600)
    n_days = int(rng.choice([5, 40, 300]))
    agenda = Agenda(people, n_days, (1, 2))
    pending: dict[int, tuple[int, int]] = {}  # person -> (day, kind)
    entries: list[tuple[int, int]] = []  # (person, day) in scheduling order
    for today in range(n_days):
        # Events today (after their day began), soon, and far ahead, a few or many at once.
        for _ in range(int(rng.integers(0, 4))):
            size = int(rng.choice([1, 3, SMALL, SMALL + 1, 80]))
            idx = rng.choice(600, size, replace=False)
            days = today + rng.geometric(rng.choice([0.9, 0.2, 0.01]), size) - 1
            kinds = rng.choice([1, 2, 3], size).astype(np.int8)
            agenda.schedule(idx, days, kinds)
            for i, d, k in zip(idx.tolist(), days.tolist(), kinds.tolist(), strict=True):
                pending[i] = (d, k)
                entries.append((i, d))
        if rng.random() < 0.2:
            gone = rng.choice(600, 5, replace=False)
            agenda.cancel(gone)
            for i in gone.tolist():
                pending.pop(i, None)
        due = agenda.due(today)
        # Each person due today once, at the place of their first entry for today.
        listed = [i for i, d in entries if d == today and pending.get(i, (-1, 0))[0] == today]
        expect = [i for i in dict.fromkeys(listed) if pending[i][1] in (1, 2)]
        assert due.tolist() == expect
        for i in due.tolist():
            assert people.ti_next[i] == -1
            del pending[i]
        assert not agenda.pending(today)
