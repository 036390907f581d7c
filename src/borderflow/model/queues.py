"""FIFO queues of person indices, served in bulk with lazy removal.

People who leave a queue by another way (giving up, a bed elsewhere) are not
removed at once; :meth:`FifoQueue.take` skips them when they reach the head, so
each person costs O(1) over their whole stay.

Queues are served every simulated day, mostly a handful of people at a time, so
each call's fixed cost counts as much as its cost per person: the common cases
(the head is all valid; many queues served at once) take few NumPy calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

EMPTY = np.empty(0, np.int64)
EMPTY.flags.writeable = False


class FifoQueue:
    """A growable ring-free FIFO of ``int64`` person indices."""

    def __init__(self, capacity: int = 256):
        self._buf = np.empty(capacity, np.int64)
        self._head = 0
        self._tail = 0

    def __len__(self) -> int:
        """Entries held, including stale ones not yet skipped."""
        return self._tail - self._head

    def push(self, idx: np.ndarray) -> None:
        """Append people in the given order."""
        n = len(idx)
        if self._tail + n > len(self._buf):
            live = self._buf[self._head : self._tail]
            size = max(2 * (len(live) + n), 256)
            self._buf = np.empty(size, np.int64)
            self._buf[: len(live)] = live
            self._head, self._tail = 0, len(live)
        self._buf[self._tail : self._tail + n] = idx
        self._tail += n

    def pop(self, n: int) -> np.ndarray:
        """Remove and return the first ``n`` entries, for a queue that never holds stale ones."""
        head = self._head
        stop = min(self._tail, head + max(n, 0))
        self._head = stop
        return self._buf[head:stop].copy()

    def take(self, n: int, valid: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Remove and return the first ``n`` entries for which ``valid`` holds, in order.

        Stale entries met on the way are dropped.
        """
        head, tail = self._head, self._tail
        if n <= 0 or head >= tail:
            return np.empty(0, np.int64)
        # Stale entries are rare at the head of most queues: try the first n alone.
        stop = min(tail, head + n)
        first = self._buf[head:stop]
        ok = valid(first)
        if ok.all():
            self._head = stop
            return first.copy()
        taken = [first[ok]]
        self._head = stop
        want = n - len(taken[0])
        while want > 0 and self._head < self._tail:
            chunk = self._buf[self._head : min(self._tail, self._head + max(2 * want, 64))]
            ok = valid(chunk)
            good = np.flatnonzero(ok)
            if len(good) >= want:
                cut = int(good[want - 1]) + 1
                taken.append(chunk[:cut][ok[:cut]])
                self._head += cut
                want = 0
            else:
                taken.append(chunk[ok])
                self._head += len(chunk)
                want -= len(good)
        return np.concatenate(taken) if len(taken) > 1 else taken[0]


def take_each(
    queues: Sequence[FifoQueue],
    wants: Sequence[int],
    valid: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Take up to ``wants[k]`` valid entries from each ``queues[k]``, in one pass over all.

    ``valid(entries, k)`` says which entries are valid, ``k`` being the position of
    each entry's queue. Returns everyone taken (queue by queue, each in its order)
    and how many came from each queue: what :meth:`FifoQueue.take` on each queue in
    turn gives, but with a fixed number of NumPy calls rather than a few per queue.
    """
    n_queues = len(queues)
    if n_queues == 0:
        return np.empty(0, np.int64), np.zeros(0, np.int64)
    want = np.asarray(wants, np.int64)
    # Each queue's head, with room for stale entries (as in FifoQueue.take).
    chunks = [
        q._buf[q._head : min(q._tail, q._head + max(2 * w, 64))]
        for q, w in zip(queues, want.tolist(), strict=True)
    ]
    lens = np.fromiter(map(len, chunks), np.int64, n_queues)
    entries = np.concatenate(chunks)
    owner = np.repeat(np.arange(n_queues), lens)
    ok = valid(entries, owner)
    ends = np.cumsum(lens)
    starts = ends - lens
    running = np.cumsum(ok)
    # Rank of each valid entry within its queue's chunk, from 1.
    rank = running - np.concatenate([[0], running])[starts][owner]
    take = ok & (rank <= want[owner])
    taken = entries[take]
    got = np.bincount(owner[take], minlength=n_queues)
    # A queue gives up to and including its last entry taken (stale ones before it are
    # dropped); one that came up short gave its whole chunk.
    cut = lens.copy()
    last = np.flatnonzero(ok & (rank == want[owner]))
    cut[owner[last]] = last - starts[owner[last]] + 1
    for q, c in zip(queues, cut.tolist(), strict=True):
        q._head += c
    short = [k for k in np.flatnonzero(got < want).tolist() if len(queues[k])]
    if not short:
        return taken, got
    # Rare: a chunk held too many stale entries. Top those queues up one by one, then
    # put everyone back in queue order (a stable sort keeps each queue's order).
    extra = [queues[k].take(int(want[k] - got[k]), _valid_in(valid, k)) for k in short]
    more = np.fromiter(map(len, extra), np.int64, len(short))
    got[short] += more
    taken = np.concatenate([taken, *extra])
    whose = np.concatenate([owner[take], np.repeat(np.array(short, np.int64), more)])
    return taken[np.argsort(whose, kind="stable")], got


def _valid_in(
    valid: Callable[[np.ndarray, np.ndarray], np.ndarray], k: int
) -> Callable[[np.ndarray], np.ndarray]:
    """``valid`` for the entries of queue ``k`` alone."""

    def valid_k(chunk: np.ndarray) -> np.ndarray:
        return valid(chunk, np.full(len(chunk), k))

    return valid_k
