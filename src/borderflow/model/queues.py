"""FIFO queues of person indices, served in bulk with lazy removal.

People who leave a queue by another way (giving up, a bed elsewhere) are not
removed at once; :meth:`FifoQueue.take` skips them when they reach the head, so
each person costs O(1) over their whole stay.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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

    def take(self, n: int, valid: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Remove and return the first ``n`` entries for which ``valid`` holds, in order.

        Stale entries met on the way are dropped.
        """
        taken: list[np.ndarray] = []
        want = n
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
        return np.concatenate(taken) if taken else np.empty(0, np.int64)
