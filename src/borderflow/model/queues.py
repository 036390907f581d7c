"""FIFO queues of person indices, served in bulk with lazy removal.

People who leave a queue by another way (giving up, a bed elsewhere) are not
removed at once; :meth:`FifoQueue.take` skips them when they reach the head, so
each person costs O(1) over their whole stay.

Queues are served every simulated day, mostly a handful of people at a time, so
each call's fixed cost counts as much as its cost per person: the common case
(the head is all valid) takes few NumPy calls, and :class:`FifoQueues` serves many
queues (every port's list) with one set of calls for all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Most people a queue hands out in one call: counts are kept in 32 bits.
MAX_TAKE = 2**31 - 1


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
        taken, self._head = _take_run(self._buf, self._head, self._tail, n, valid)
        return taken

    def pop_newest(self, n: int) -> np.ndarray:
        """Remove and return the last ``n`` entries, newest first (a stack's pop).

        For a queue that never holds stale ones, as :meth:`pop`.
        """
        tail = self._tail
        stop = max(self._head, tail - max(n, 0))
        self._tail = stop
        return self._buf[stop:tail][::-1].copy()

    def take_newest(self, n: int, valid: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Remove and return the last ``n`` entries for which ``valid`` holds, newest first.

        Stale entries met on the way are dropped, as :meth:`take` drops them at the head.
        """
        if n <= 0 or self._head >= self._tail:
            return np.empty(0, np.int64)
        taken: list[np.ndarray] = []
        want = n
        # Walk back from the tail in chunks, newest first within each.
        while want > 0 and self._tail > self._head:
            start = max(self._head, self._tail - max(2 * want, 64))
            chunk = self._buf[start : self._tail][::-1]
            ok = valid(chunk)
            good = np.flatnonzero(ok)
            if len(good) >= want:
                cut = int(good[want - 1]) + 1
                taken.append(chunk[:cut][ok[:cut]])
                self._tail -= cut
                want = 0
            else:
                taken.append(chunk[ok])
                self._tail = start
                want -= len(good)
        return np.concatenate(taken) if len(taken) > 1 else taken[0].copy()


def _take_run(
    buf: np.ndarray, head: int, tail: int, n: int, valid: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, int]:
    """The first ``n`` valid entries of ``buf[head:tail]``, and where the rest begins."""
    if n <= 0 or head >= tail:
        return np.empty(0, np.int64), head
    # Stale entries are rare at the head of most queues: try the first n alone.
    stop = min(tail, head + n)
    first = buf[head:stop]
    ok = valid(first)
    if ok.all():
        return first.copy(), stop
    taken = [first[ok]]
    head = stop
    want = n - len(taken[0])
    while want > 0 and head < tail:
        chunk = buf[head : min(tail, head + max(2 * want, 64))]
        ok = valid(chunk)
        good = np.flatnonzero(ok)
        if len(good) >= want:
            cut = int(good[want - 1]) + 1
            taken.append(chunk[:cut][ok[:cut]])
            head += cut
            want = 0
        else:
            taken.append(chunk[ok])
            head += len(chunk)
            want -= len(good)
    return (np.concatenate(taken) if len(taken) > 1 else taken[0]), head


def expand(start: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Indices ``start[i], ..., start[i] + n[i] - 1`` for every ``i``, concatenated."""
    n = np.asarray(n, np.int64)
    total = int(n.sum())
    if total == 0:
        return np.empty(0, np.int64)
    # Position k of the output belongs to run i: start[i] + (k - first position of run i).
    first = np.cumsum(n) - n
    return np.repeat(np.asarray(start, np.int64) - first, n) + np.arange(total)


class FifoQueues:
    """Many FIFO queues of person indices (one per port, say) in one buffer.

    Each queue owns a region of the buffer; pushing to and taking from any number
    of queues at once costs a fixed number of NumPy calls, with no Python loop over
    the queues. Entries go stale as in :class:`FifoQueue` and are skipped when taken.
    """

    def __init__(self, n: int, capacity: int = 64):
        self.n = n
        self._buf = np.empty(max(n * capacity, 1), np.int64)
        self._base = np.arange(n, dtype=np.int64) * capacity
        self._cap = np.full(n, capacity, np.int64)
        self._head = np.zeros(n, np.int64)  # offsets within each region
        self._tail = np.zeros(n, np.int64)
        self._end = n * capacity  # the buffer is in use up to here

    def lengths(self) -> np.ndarray:
        """Entries held per queue, including stale ones not yet skipped."""
        return self._tail - self._head

    def push(self, queue: np.ndarray, idx: np.ndarray) -> None:
        """Append each ``idx[i]`` to the end of queue ``queue[i]``, in the given order."""
        if len(idx) == 0:
            return
        queue = np.asarray(queue, np.int64)
        first = int(queue[0])
        if self.n == 1 or (queue == first).all():
            # All to one queue (one port): one slice, no sort.
            n = len(idx)
            if self._tail[first] + n > self._cap[first]:
                incoming = np.zeros(self.n, np.int64)
                incoming[first] = n
                self._make_room(incoming)
            start = int(self._base[first] + self._tail[first])
            self._buf[start : start + n] = idx
            self._tail[first] += n
            return
        counts = np.bincount(queue, minlength=self.n)
        room = self._cap - self._tail
        if (counts > room).any():
            self._make_room(counts)
        order = np.argsort(queue, kind="stable")
        ranked = queue[order]
        rank = np.arange(len(idx)) - (np.cumsum(counts) - counts)[ranked]
        self._buf[(self._base + self._tail)[ranked] + rank] = idx[order]
        self._tail += counts

    def _make_room(self, incoming: np.ndarray) -> None:
        """Give every queue room for ``incoming`` more entries.

        In place if its region has the room, else in a region twice the need at the end
        of the buffer (which is rebuilt when full).
        """
        live = self._tail - self._head
        need = live + incoming
        fits = need <= self._cap
        # Live entries move to the start of their region, in every queue that has
        # consumed some (not only those short of room), so room runs out again rarely.
        slide = np.flatnonzero(fits & (self._head > 0))
        if len(slide):
            src = expand(self._base[slide] + self._head[slide], live[slide])
            dst = expand(self._base[slide], live[slide])
            self._buf[dst] = self._buf[src]
            self._tail[slide] = live[slide]
            self._head[slide] = 0
        move = np.flatnonzero(~fits)
        if len(move) == 0:
            return
        cap = np.maximum(2 * need[move], 64)
        if self._end + int(cap.sum()) > len(self._buf):
            self._rebuild(need)
            return
        src = expand(self._base[move] + self._head[move], live[move])
        base = self._end + np.cumsum(cap) - cap
        self._buf[expand(base, live[move])] = self._buf[src]
        self._base[move], self._cap[move] = base, cap
        self._head[move], self._tail[move] = 0, live[move]
        self._end += int(cap.sum())

    def _rebuild(self, need: np.ndarray) -> None:
        """A new buffer with every queue's live entries at the start of a fresh region."""
        live = self._tail - self._head
        cap = np.maximum(2 * need, 64)
        base = np.cumsum(cap) - cap
        buf = np.empty(max(2 * int(cap.sum()), 1), np.int64)
        buf[expand(base, live)] = self._buf[expand(self._base + self._head, live)]
        self._buf, self._base, self._cap = buf, base, cap
        self._head, self._tail = np.zeros(self.n, np.int64), live.copy()
        self._end = int(cap.sum())

    def take_one(self, queue: int, n: int, valid: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Take up to ``n`` valid entries from one queue: a plain run, as FifoQueue.take."""
        base = int(self._base[queue])
        taken, head = _take_run(
            self._buf, base + int(self._head[queue]), base + int(self._tail[queue]), n, valid
        )
        self._head[queue] = head - base
        return taken

    def take(
        self,
        queues: np.ndarray,
        wants: np.ndarray,
        valid: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Take up to ``wants[k]`` valid entries from each queue ``queues[k]`` (distinct).

        ``valid(entries, k)`` says which entries are valid, ``k`` being the position in
        ``queues`` of each entry's queue. Stale entries met on the way are dropped.
        Returns everyone taken (queue by queue, each in its order) and how many came
        from each queue.
        """
        queues = np.asarray(queues, np.int64)
        want = np.asarray(wants, np.int64).copy()
        got = np.zeros(len(queues), np.int64)
        pieces: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        which = np.flatnonzero(want > 0)  # positions in queues still wanting
        if len(which) == 1:
            k = int(which[0])
            taken = self.take_one(
                int(queues[k]), int(want[k]), lambda chunk: valid(chunk, np.full(len(chunk), k))
            )
            got[k] = len(taken)
            return taken, got
        while len(which):
            q = queues[which]
            live = self._tail[q] - self._head[q]
            # Room for a few stale entries: a queue that meets more goes round again.
            width = np.minimum(live, 2 * want[which] + 16)
            entries = self._buf[expand(self._base[q] + self._head[q], width)]
            owner = np.repeat(np.arange(len(which)), width)
            ok = valid(entries, which[owner])
            ends = np.cumsum(width)
            starts = ends - width
            running = np.cumsum(ok)
            rank = running - np.concatenate([[0], running])[starts][owner]
            wanted = want[which][owner]
            take = ok & (rank <= wanted)
            pieces.append(entries[take])
            owners.append(which[owner[take]])
            some = np.bincount(owner[take], minlength=len(which))
            got[which] += some
            want[which] -= some
            # A queue gives up to and including its last entry taken; one that came up
            # short gave its whole window.
            cut = width.copy()
            last = np.flatnonzero(ok & (rank == wanted))
            cut[owner[last]] = last - starts[owner[last]] + 1
            self._head[q] += cut
            which = which[(want[which] > 0) & (live > width)]
        if len(pieces) <= 1:
            return (pieces[0] if pieces else np.empty(0, np.int64)), got
        taken, owner = np.concatenate(pieces), np.concatenate(owners)
        return taken[np.argsort(owner, kind="stable")], got
