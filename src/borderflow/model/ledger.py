"""The ledger: every transition counted per day, place, state and group.

Stocks are kept incrementally from the same records, so the daily stock table
costs one snapshot of the (place, state, group) cells per day, not a scan of
the population. :func:`recount` rebuilds them from the people arrays, which the
engine's conservation check compares against.
"""

from __future__ import annotations

import numpy as np

from borderflow.model.people import People
from borderflow.model.states import OUTSIDE, State

N_STATES = len(State) + 1  # state codes shifted by one so OUTSIDE (-1) is 0


class Ledger:
    """Counts of flows and stocks.

    Attributes:
        stock: people now in each (place, state, group) cell.
        flows: per closed day, an array of rows
            ``(day, place, to_place, transition, from_state, to_state, group, n)``.
        stocks: per closed day, rows ``(day, place, state, group, n)`` of nonzero cells.
    """

    def __init__(self, n_places: int, n_groups: int, keep_events: bool = False):
        self.day = 0
        self.keep_events = keep_events
        self.events: list[np.ndarray] = []
        self.n_places = n_places
        self.n_groups = n_groups
        self.stock = np.zeros((n_places, len(State), n_groups), np.int64)
        self._today: list[np.ndarray] = []
        self._weights: list[np.ndarray] = []
        self.flows: list[np.ndarray] = []
        self.stocks: list[np.ndarray] = []
        self.waits: list[np.ndarray] = []
        self.decisions: list[np.ndarray] = []
        self.n_changes = 0

    def record(
        self,
        transition: int,
        from_state: int | np.ndarray,
        to_state: int | np.ndarray,
        place: np.ndarray | int,
        to_place: np.ndarray | int,
        group: np.ndarray,
        n: np.ndarray | None = None,
        who: np.ndarray | None = None,
    ) -> None:
        """Count transitions (one per row, or ``n`` per row) and update stocks.

        ``who`` (the people concerned) feeds the optional per-person event log.
        """
        size = len(group)
        if size == 0:
            return
        place = np.broadcast_to(np.asarray(place, np.int64), size)
        to_place = np.broadcast_to(np.asarray(to_place, np.int64), size)
        from_state = np.broadcast_to(np.asarray(from_state, np.int64), size)
        to_state = np.broadcast_to(np.asarray(to_state, np.int64), size)
        group = np.asarray(group, np.int64)
        weights = np.ones(size, np.int64) if n is None else np.asarray(n, np.int64)
        key = self._pack(transition, from_state, to_state, place, to_place, group)
        if self.keep_events and who is not None:
            self.events.append(
                np.column_stack(
                    [
                        np.full(size, self.day, np.int64),
                        np.asarray(who, np.int64),
                        np.full(size, transition, np.int64),
                        place,
                        to_place,
                        from_state,
                        to_state,
                    ]
                )
            )
        self._today.append(key)
        self._weights.append(weights)
        if np.any(from_state != to_state) or np.any(place != to_place):
            self.n_changes += int(weights.sum())
            stock = self.stock.reshape(-1)
            size_all = stock.size
            left = from_state >= 0
            if left.any():
                flat = self._cell(place[left], from_state[left], group[left])
                stock -= np.bincount(flat, weights[left], minlength=size_all).astype(np.int64)
            flat = self._cell(to_place, to_state, group)
            stock += np.bincount(flat, weights, minlength=size_all).astype(np.int64)

    def _cell(self, place: np.ndarray, state: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Flat index of (place, state, group) in :attr:`stock`."""
        return (place * self.stock.shape[1] + state) * self.n_groups + group

    def _pack(
        self,
        transition: int,
        from_state: np.ndarray,
        to_state: np.ndarray,
        place: np.ndarray,
        to_place: np.ndarray,
        group: np.ndarray,
    ) -> np.ndarray:
        key = np.full(len(group), transition, np.int64)
        key = key * N_STATES + (from_state + 1)
        key = key * N_STATES + (to_state + 1)
        key = key * self.n_places + place
        key = key * self.n_places + to_place
        return key * self.n_groups + group

    def _unpack(self, key: np.ndarray) -> tuple[np.ndarray, ...]:
        key, group = np.divmod(key, self.n_groups)
        key, to_place = np.divmod(key, self.n_places)
        key, place = np.divmod(key, self.n_places)
        key, to_state = np.divmod(key, N_STATES)
        transition, from_state = np.divmod(key, N_STATES)
        return place, to_place, transition, from_state - 1, to_state - 1, group

    def record_wait(self, port: np.ndarray, outcome: int, waited: np.ndarray) -> None:
        """Count finished waits at ports (outcome 0: admitted, 1: left the list)."""
        _append_duration(self.waits, port, outcome, waited)

    def record_duration(self, outcome: int, docket: int, days: np.ndarray) -> None:
        """Count court durations: days to an outcome (or to the start of hearings)."""
        _append_duration(self.decisions, np.full(len(days), docket), outcome, days)

    def decision_table(self) -> np.ndarray:
        """Rows ``(docket, outcome, days, n)``."""
        return _aggregate_waits(self.decisions)

    def close_day(self, day: int) -> None:
        """Aggregate the day's flows and snapshot the stocks."""
        if self._today:
            keys, inverse = np.unique(np.concatenate(self._today), return_inverse=True)
            counts = np.bincount(inverse, weights=np.concatenate(self._weights)).astype(np.int64)
            cols = self._unpack(keys)
            rows = np.column_stack([np.full(len(keys), day, np.int64), *cols, counts])
            self.flows.append(rows)
            self._today.clear()
            self._weights.clear()
        nz = np.nonzero(self.stock)
        self.stocks.append(
            np.column_stack([np.full(len(nz[0]), day, np.int64), *nz, self.stock[nz]])
        )
        if len(self.waits) > 64:
            self.waits = [_aggregate_waits(self.waits)]
        if len(self.decisions) > 64:
            self.decisions = [_aggregate_waits(self.decisions)]

    def wait_table(self) -> np.ndarray:
        """Rows ``(port, outcome, waited_days, n)``."""
        return _aggregate_waits(self.waits)


def _append_duration(
    chunks: list[np.ndarray], key: np.ndarray, outcome: int, days: np.ndarray
) -> None:
    if len(days):
        chunks.append(
            np.stack(
                [
                    np.asarray(key, np.int64),
                    np.full(len(days), outcome, np.int64),
                    np.asarray(days, np.int64),
                    np.ones(len(days), np.int64),
                ],
                axis=1,
            )
        )


def _aggregate_waits(chunks: list[np.ndarray]) -> np.ndarray:
    if not chunks:
        return np.empty((0, 4), np.int64)
    rows = np.concatenate(chunks)
    keys, inverse = np.unique(rows[:, :3], axis=0, return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), weights=rows[:, 3]).astype(np.int64)
    return np.column_stack([keys, counts])


def recount(people: People, n_places: int, n_groups: int) -> np.ndarray:
    """Stocks rebuilt from the people arrays, for the conservation check."""
    flat = np.ravel_multi_index(
        (
            people.place.astype(np.int64),
            people.state.astype(np.int64),
            people.group.astype(np.int64),
        ),
        (n_places, len(State), n_groups),
    )
    return np.bincount(flat, minlength=n_places * len(State) * n_groups).reshape(
        n_places, len(State), n_groups
    )


__all__ = ["OUTSIDE", "Ledger", "recount"]
