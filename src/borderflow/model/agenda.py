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


class Agenda:
    """Events of some kinds (e.g. the transit hazards), bucketed by day."""

    def __init__(self, people: People, n_days: int, kinds: tuple[int, ...], clock: str = "ti_next"):
        self.people = people
        self.n_days = n_days
        self.kinds = np.array(kinds, dtype=np.int8)
        #: The person field holding the day of the pending event; a separate field
        #: (``ti_court``) lets a court decision be pending beside a personal event.
        self.clock = clock
        self._buckets: list[list[np.ndarray]] = [[] for _ in range(n_days)]

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
        order = np.argsort(days, kind="stable")
        days, idx = days[order], idx[order]
        cuts = np.flatnonzero(np.diff(days)) + 1
        for chunk_days, chunk in zip(np.split(days, cuts), np.split(idx, cuts), strict=True):
            self._buckets[int(chunk_days[0])].append(chunk)

    def cancel(self, idx: np.ndarray) -> None:
        """Drop the pending events of ``idx`` (their bucket entries become stale)."""
        getattr(self.people, self.clock)[idx] = -1

    def due(self, day: int) -> np.ndarray:
        """Pop and consume the people whose event of these kinds falls on ``day`` (index order)."""
        bucket = self._buckets[day]
        if not bucket:
            return np.empty(0, np.int64)
        idx = np.unique(np.concatenate(bucket))
        bucket.clear()
        p = self.people
        clock = getattr(p, self.clock)
        valid = clock[idx] == day
        if self.clock == "ti_next":
            valid &= np.isin(p.next_kind[idx], self.kinds)
        idx = idx[valid]
        clock[idx] = -1  # consumed
        return idx

    def pending(self, day: int) -> bool:
        """Whether anything (possibly stale) is still in ``day``'s bucket."""
        return bool(self._buckets[day])
