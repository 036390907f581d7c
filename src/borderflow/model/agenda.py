"""A day-bucketed agenda of personal events.

Each person has at most one pending event (``people.ti_next``,
``people.next_kind``), which is why the stages' agendas can share those fields: a person
is held by one stage at a time (the one whose state they are in), and only that stage
schedules them; a stage taking someone over schedules anew, which drops what was
pending. A court case's decision has a clock of its own (``ti_court``), as it is
pending while the person is held elsewhere (released, detained, in MPP).

Scheduling appends the person to that day's bucket; rescheduling leaves a stale entry
that :meth:`Agenda.due` drops because the person's ``ti_next``/``next_kind`` no longer
match. Work per day is therefore proportional to the events due that day, never to the
population.

Events far ahead (a court case lasts months) first go to the bucket of their
*epoch*, a run of ``2**EPOCH_BITS`` days, and are spread over that epoch's days
when it comes near. A schedule of people whose days are spread over a year then
costs one append per epoch instead of one per day, and a day's bucket holds a
few pieces instead of one per call that ever reached it.
"""

from __future__ import annotations

import numpy as np

from borderflow.model.people import People
from borderflow.scenario.vocabulary import code_table, is_in

#: Kinds of personal events there are (see ``borderflow.scenario.vocabulary.Event``); an agenda
#: that takes them all need not check the kind.
N_KINDS = 64

#: Up to this many people, a schedule or a check for repeats is a plain loop: cheaper
#: than the few NumPy calls of the general case, whose fixed cost would dominate.
SMALL = 24

#: An epoch is ``2**EPOCH_BITS`` days.
EPOCH_BITS = 5

INT32_MAX = np.iinfo(np.int32).max

#: People in a bucket: arrays, and lists of people scheduled a few at a time.
Piece = np.ndarray | list[int]


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
        # Each bucket holds its pieces in scheduling order.
        self._buckets: list[list[Piece]] = [[] for _ in range(n_days)]
        # Per epoch not yet spread over its days: (people, days) pieces.
        self._later: list[list[tuple[Piece, Piece]]] = [
            [] for _ in range((n_days >> EPOCH_BITS) + 1)
        ]
        # Epochs up to this one are spread: their events go straight to their day.
        self._open = 0
        self._scratch = np.empty(0, np.int64)

    def schedule(self, idx: np.ndarray, days: np.ndarray, kinds: np.ndarray | int) -> None:
        """Give each person in ``idx`` its next event: kind ``kinds`` on ``days``.

        Days beyond the run are kept on the person (nothing happens before the end).
        """
        n = len(idx)
        if n == 0:
            return
        days = np.asarray(days, dtype=np.int64)
        getattr(self.people, self.clock)[idx] = np.minimum(days, INT32_MAX)
        if self.clock == "ti_next":
            self.people.next_kind[idx] = kinds
        near = min((self._open + 1) << EPOCH_BITS, self.n_days)
        if n <= SMALL:
            self._schedule_few(idx.tolist(), days.tolist(), near)
            return
        inside = days < self.n_days
        if not inside.all():
            idx, days = idx[inside], days[inside]
            if len(idx) == 0:
                return
        first, last = int(days.min()), int(days.max())
        if first == last:
            piece = np.array(idx, np.int64)  # a copy: the caller's array may change
            if first < near:
                self._buckets[first].append(piece)
            else:
                self._later[first >> EPOCH_BITS].append((piece, days.copy()))
            return
        # Days fit in 16 bits, which numpy sorts stably in linear time (radix sort).
        small = np.int16 if self.n_days < 2**15 else np.int32
        order = np.argsort(days.astype(small), kind="stable")
        days, idx = days[order], idx[order]
        split = int(np.searchsorted(days, near)) if last >= near else len(days)
        if split:
            self._spread(idx[:split], days[:split])
        if split < len(days):
            far_idx, far_days = idx[split:], days[split:]
            epoch = far_days >> EPOCH_BITS
            cuts = (np.flatnonzero(epoch[1:] != epoch[:-1]) + 1).tolist()
            starts = [0, *cuts]
            later = self._later
            for e, a, b in zip(epoch[starts].tolist(), starts, [*cuts, len(epoch)], strict=True):
                later[e].append((far_idx[a:b], far_days[a:b]))

    def _schedule_few(self, idx: list[int], days: list[int], near: int) -> None:
        # A plain loop; consecutive singles share one list, so a bucket stays short.
        buckets, later, n_days = self._buckets, self._later, self.n_days
        for i, day in zip(idx, days, strict=True):
            if day < near:
                bucket = buckets[day]
                if bucket and type(bucket[-1]) is list:
                    bucket[-1].append(i)
                else:
                    bucket.append([i])
            elif day < n_days:
                pieces = later[day >> EPOCH_BITS]
                if pieces and type(pieces[-1][0]) is list:
                    people, when = pieces[-1]
                    people.append(i)  # type: ignore[union-attr]
                    when.append(day)  # type: ignore[union-attr]
                else:
                    pieces.append(([i], [day]))

    def _spread(self, idx: np.ndarray, days: np.ndarray) -> None:
        """Append people to their days' buckets (``days`` sorted, ``idx`` in that order)."""
        cuts = (np.flatnonzero(days[1:] != days[:-1]) + 1).tolist()
        starts = [0, *cuts]
        buckets = self._buckets
        for day, a, b in zip(days[starts].tolist(), starts, [*cuts, len(days)], strict=True):
            buckets[day].append(idx[a:b])

    def _open_through(self, day: int) -> None:
        """Spread the epochs up to ``day``'s over their days, in scheduling order."""
        epoch = day >> EPOCH_BITS
        while self._open < epoch:
            self._open += 1
            pieces = self._later[self._open]
            if not pieces:
                continue
            self._later[self._open] = []
            idx = np.concatenate([p[0] for p in pieces], dtype=np.int64)
            days = np.concatenate([p[1] for p in pieces], dtype=np.int64)
            order = np.argsort(days.astype(np.int32), kind="stable")
            self._spread(idx[order], days[order])

    def cancel(self, idx: np.ndarray) -> None:
        """Drop the pending events of ``idx`` (their bucket entries become stale)."""
        getattr(self.people, self.clock)[idx] = -1

    def due(self, day: int) -> np.ndarray:
        """Pop and consume the people whose event of these kinds falls on ``day``.

        They come in the order they were scheduled, each once.
        """
        if day >> EPOCH_BITS > self._open:
            self._open_through(day)
        bucket = self._buckets[day]
        if not bucket:
            return np.empty(0, np.int64)
        if len(bucket) > 1:
            idx = np.concatenate(bucket, dtype=np.int64)
        else:
            idx = np.asarray(bucket[0], np.int64)
        bucket.clear()
        p = self.people
        clock = getattr(p, self.clock)
        valid = clock[idx] == day
        if self.clock == "ti_next" and len(self.kinds) < N_KINDS:
            valid &= is_in(p.next_kind[idx], self._is_kind)
        idx = idx[valid]
        # A person rescheduled to the same day is in the bucket twice: keep the first entry,
        # in O(k) with a scratch array rather than a sort (or a set, for a few).
        n = len(idx)
        if n > SMALL:
            slot = self._slot(p.count)
            where = np.arange(n)
            slot[idx[::-1]] = where[::-1]
            idx = idx[slot[idx] == where]
        elif n > 1:
            listed = idx.tolist()
            if len(set(listed)) < n:
                idx = np.array(list(dict.fromkeys(listed)), np.int64)
        clock[idx] = -1  # consumed
        return idx

    def _slot(self, n: int) -> np.ndarray:
        if len(self._scratch) < n:
            self._scratch = np.empty(max(n, 2 * len(self._scratch)), np.int64)
        return self._scratch

    def pending(self, day: int) -> bool:
        """Whether anything (possibly stale) is still in ``day``'s bucket."""
        if day >> EPOCH_BITS > self._open:
            self._open_through(day)
        return bool(self._buckets[day])
