"""People as a struct of arrays, grown in place as people enter the system."""

from __future__ import annotations

import numpy as np

#: Field name → dtype. Days are int32 (``ti_``), fractional times float32 (``t_``).
FIELDS: dict[str, type] = {
    "state": np.int8,
    "place": np.int16,
    "origin": np.int16,
    "dest": np.int16,
    "group": np.int16,
    "nationality": np.int8,
    "household": np.int8,
    "lead": np.int32,
    "followers": np.int8,
    "flags": np.uint8,
    "fragment": np.int32,
    "ti_enter": np.int32,
    "ti_queue": np.int32,
    "mx_visa": np.int8,
    "ti_next": np.int32,
    "next_kind": np.int8,
    "ti_custody": np.int32,
    "ti_case": np.int32,
    "ti_court": np.int32,
    "t_arrive": np.float32,
    "trip_at": np.int32,
    "trip_len": np.int16,
    "trip_booked": np.int16,
}

UNSET_IS_MINUS_ONE = frozenset(
    {"ti_next", "fragment", "ti_custody", "ti_case", "ti_court", "trip_at", "lead"}
)


class People:
    """All people who have entered the system, one slot each, never removed.

    Attributes are NumPy arrays of length :attr:`count` (views into buffers of
    length :attr:`capacity`), e.g. ``people.state[i]``.

    A household travels as one: its first member is its *lead*, and the members after
    it (``followers[lead]`` of them, at the next indices) have ``lead`` set to it. Only
    leads are handed between stages; a change of a lead's state moves its followers
    (:func:`with_followers`). Everyone else has ``lead = -1`` and no followers.
    """

    state: np.ndarray
    place: np.ndarray
    origin: np.ndarray
    dest: np.ndarray
    group: np.ndarray
    nationality: np.ndarray
    household: np.ndarray
    lead: np.ndarray
    followers: np.ndarray
    flags: np.ndarray
    fragment: np.ndarray
    ti_enter: np.ndarray
    ti_queue: np.ndarray
    mx_visa: np.ndarray
    ti_next: np.ndarray
    next_kind: np.ndarray
    ti_custody: np.ndarray
    ti_case: np.ndarray
    ti_court: np.ndarray
    t_arrive: np.ndarray
    trip_at: np.ndarray
    trip_len: np.ndarray
    trip_booked: np.ndarray

    def __init__(self, capacity: int = 1024):
        self.count = 0
        #: Whether anyone has followers: without households every lookup is skipped.
        self.has_households = False
        self._buffers: dict[str, np.ndarray] = {
            name: np.zeros(max(capacity, 1), dtype) for name, dtype in FIELDS.items()
        }
        self._expose()

    @property
    def capacity(self) -> int:
        """Slots allocated."""
        return len(self._buffers["state"])

    @property
    def nbytes_per_person(self) -> int:
        """Bytes of state arrays per person."""
        return sum(np.dtype(d).itemsize for d in FIELDS.values())

    def add(self, n: int, **values: np.ndarray | int | float) -> np.ndarray:
        """Append ``n`` people with the given field values; return their indices."""
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown person fields {sorted(unknown)}; expected {list(FIELDS)}")
        start, stop = self.count, self.count + n
        if stop > self.capacity:
            new_capacity = max(stop, 2 * self.capacity)
            for name, buf in self._buffers.items():
                grown = np.zeros(new_capacity, buf.dtype)
                grown[:start] = buf[:start]
                self._buffers[name] = grown
        for name, buf in self._buffers.items():
            buf[start:stop] = values.get(name, -1 if name in UNSET_IS_MINUS_ONE else 0)
        self.count = stop
        self._expose()
        return np.arange(start, stop, dtype=np.int64)

    def _expose(self) -> None:
        for name, buf in self._buffers.items():
            setattr(self, name, buf[: self.count])


def with_followers(people: People, idx: np.ndarray) -> np.ndarray:
    """``idx`` with each lead's followers after it (everyone a change of ``idx`` moves)."""
    if not people.has_households or len(idx) == 0:
        return idx
    followers = people.followers[idx]
    if not followers.any():
        return idx
    n = followers.astype(np.int64) + 1
    first = np.cumsum(n) - n
    return np.repeat(np.asarray(idx, np.int64) - first, n) + np.arange(int(n.sum()))


def household_sizes(people: People, idx: np.ndarray) -> np.ndarray:
    """How many people each of ``idx`` stands for: itself and its followers."""
    if not people.has_households:
        return np.ones(len(idx), np.int64)
    return people.followers[idx].astype(np.int64) + 1


def leads_of(people: People, idx: np.ndarray) -> np.ndarray:
    """Those of ``idx`` who act for themselves: leads and people alone, not followers."""
    if not people.has_households:
        return idx
    return idx[people.lead[idx] < 0]


def split_at_room(people: People, idx: np.ndarray, room: int) -> tuple[np.ndarray, np.ndarray]:
    """Those of ``idx`` whose households fit in ``room`` places, in order, and the rest.

    A household takes a place for each member; the first that does not fit, and everyone
    after it, are left out.
    """
    n = int((np.cumsum(household_sizes(people, idx)) <= max(room, 0)).sum())
    return idx[:n], idx[n:]
