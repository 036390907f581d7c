"""A day-bucketed agenda of personal events.

Each person has at most one pending event (``people.ti_next``,
``people.next_kind``). Scheduling appends the person to that day's bucket;
rescheduling leaves a stale entry that :meth:`Agenda.due` drops because the
person's ``ti_next``/``next_kind`` no longer match. Work per day is therefore
proportional to the events due that day, never to the population.
"""

from __future__ import annotations

import numpy as np

from borderflow.model.people import People
from borderflow.model.states import code_table, is_in

#: Kinds of personal events there are (see ``borderflow.model.world.Event``); an agenda
#: that takes them all need not check the kind.
N_KINDS = 64


class Agenda:
    """Events of some kinds (e.g. the transit hazards), bucketed by day."""

    def __init__(self, people: People, n_days: int, kinds: tuple[int, ...], clock: str = "ti_next"):
        self.people = people
        self.n_days = n_days
        self.kinds = np.array(kinds, dtype=np.int8)
        self._is_kind = code_table(list(kinds))
        #: The person field holding the day of the pending event; a separate field
        #: (``ti_court``) lets a court decision be pending beside a personal event.
        self.clock = clock
        self._buckets: list[list[np.ndarray]] = [[] for _ in range(n_days)]
        self._scratch = np.empty(0, np.int64)

    def schedule(self, idx: np.ndarray, days: np.ndarray, kinds: np.ndarray | int) -> None:
        """Give each person in ``idx`` its next event: kind ``kinds`` on ``days``.

        Days beyond the run are kept on the person (nothing happens before the end).
        """
        if len(idx) == 0:
            return
        days = np.asarray(days, dtype=np.int64)
        getattr(self.people, self.clock)[idx] = np.minimum(days, np.iinfo(np.int32).max)
        if self.clock == "ti_next":
            self.people.next_kind[idx] = kinds
        inside = days < self.n_days
        idx, days = idx[inside], days[inside]
        if len(idx) == 0:
            return
        first = int(days.min())
        if first == int(days.max()):
            self._buckets[first].append(idx)
            return
        # Days fit in 16 bits, which numpy sorts stably in linear time (radix sort).
        small = np.int16 if self.n_days < 2**15 else np.int32
        order = np.argsort(days.astype(small), kind="stable")
        days, idx = days[order], idx[order]
        cuts = (np.flatnonzero(np.diff(days)) + 1).tolist()
        starts = [0, *cuts]
        buckets = self._buckets
        for day, a, b in zip(days[starts].tolist(), starts, [*cuts, len(days)], strict=True):
            buckets[day].append(idx[a:b])

    def cancel(self, idx: np.ndarray) -> None:
        """Drop the pending events of ``idx`` (their bucket entries become stale)."""
        getattr(self.people, self.clock)[idx] = -1

    def due(self, day: int) -> np.ndarray:
        """Pop and consume the people whose event of these kinds falls on ``day``.

        They come in the order they were scheduled, each once.
        """
        bucket = self._buckets[day]
        if not bucket:
            return np.empty(0, np.int64)
        idx = np.concatenate(bucket) if len(bucket) > 1 else bucket[0]
        bucket.clear()
        p = self.people
        clock = getattr(p, self.clock)
        valid = clock[idx] == day
        if self.clock == "ti_next" and len(self.kinds) < N_KINDS:
            valid &= is_in(p.next_kind[idx], self._is_kind)
        idx = idx[valid]
        # A person rescheduled to the same day is in the bucket twice: keep the first entry,
        # in O(k) with a scratch array rather than a sort.
        if len(idx) > 1:
            slot = self._slot(p.count)
            where = np.arange(len(idx))
            slot[idx[::-1]] = where[::-1]
            idx = idx[slot[idx] == where]
        clock[idx] = -1  # consumed
        return idx

    def _slot(self, n: int) -> np.ndarray:
        if len(self._scratch) < n:
            self._scratch = np.empty(max(n, 2 * len(self._scratch)), np.int64)
        return self._scratch

    def pending(self, day: int) -> bool:
        """Whether anything (possibly stale) is still in ``day``'s bucket."""
        return bool(self._buckets[day])
