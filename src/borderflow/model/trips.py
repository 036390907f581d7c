"""Planned trips of people travelling alone, kept in one pool of hops.

A person travelling alone plans the whole trip to its border city when it sets
out: the place reached at each hop and when (mode and rest days drawn per hop),
and whether it stops to ask for refuge on entering Mexico. Entry ``0`` of a trip
is where and when it starts; entries ``1..n`` are the hops. The pool keeps the
trip until the person leaves the road, so that a change of a road lever can
redraw what is left of it, and so that the place someone has reached on any day
can be found again (for the conservation check and the final people table).
"""

from __future__ import annotations

import numpy as np

from borderflow.model.people import People
from borderflow.model.queues import expand
from borderflow.scenario.vocabulary import State


class TripPool:
    """Hops of the trips under way: place reached and time reached, per entry."""

    def __init__(self, capacity: int = 4096):
        self.place = np.zeros(capacity, np.int16)
        self.t = np.zeros(capacity, np.float64)
        self.size = 0

    def reserve(self, n: int, people: People, live: np.ndarray | None = None) -> int:
        """Room for ``n`` more entries; return the offset of the first.

        When the pool is full, trips that ended are dropped first (``live``: the people
        whose trips are still under way, found lazily when not given); it grows when
        more than a quarter of it is still in use, so its size stays proportional to the
        trips under way and offsets fit in 32 bits, and when it holds fewer entries than
        an eighth of the people: finding the live trips scans everyone, so there must be
        that many new entries between two scans for the scans to cost O(1) an entry.
        """
        if self.size + n > len(self.place):
            if live is None:
                live = under_way(people)
            self.compact(people, live)
            if self.size + n > len(self.place) // 4 or len(self.place) < people.count // 8:
                grown = max(2 * len(self.place), 4 * (self.size + n), people.count // 4)
                place = np.empty(grown, np.int16)
                t = np.empty(grown, np.float64)
                place[: self.size] = self.place[: self.size]
                t[: self.size] = self.t[: self.size]
                self.place, self.t = place, t
        start = self.size
        self.size += n
        return start

    def compact(self, people: People, live: np.ndarray) -> None:
        """Keep only the trips of ``live`` people, packed from offset 0."""
        if len(live) == 0:
            self.size = 0
            return
        at = people.trip_at[live].astype(np.int64)
        n = people.trip_len[live].astype(np.int64)
        new_at = np.zeros(len(live), np.int64)
        np.cumsum(n[:-1], out=new_at[1:])
        entries = expand(at, n)
        self.place[: len(entries)] = self.place[entries]
        self.t[: len(entries)] = self.t[entries]
        people.trip_at[live] = new_at
        self.size = len(entries)


def under_way(people: People) -> np.ndarray:
    """People whose planned trip is still under way (in transit, alone, with a trip)."""
    return np.flatnonzero(
        (people.state == State.TRANSIT) & (people.fragment < 0) & (people.trip_at >= 0)
    )


def place_reached(people: People, pool: TripPool, idx: np.ndarray, day: int) -> np.ndarray:
    """Where each trip of ``idx`` stands at the end of ``day`` (moves booked so far)."""
    at = people.trip_at[idx].astype(np.int64)
    booked = people.trip_booked[idx].astype(np.int64)
    entries = expand(at + 1, booked)
    owner = np.repeat(np.arange(len(idx)), booked)
    done = np.bincount(owner[pool.t[entries] < day + 1], minlength=len(idx))
    return pool.place[at + done].astype(np.int64)
