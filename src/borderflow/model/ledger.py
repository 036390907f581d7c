"""The ledger: every transition counted per day, place, state and group.

Stocks are kept incrementally from the same records, so the daily stock table
costs one snapshot of the (place, state, group) cells per day, not a scan of
the population. :func:`recount` rebuilds them from the people arrays, which the
engine's conservation check compares against.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from borderflow.model.people import People
from borderflow.model.records import Decisions, Events, Flows, Records, Stocks, Waits
from borderflow.scenario.vocabulary import OUTSIDE, State, Transition

N_STATES = len(State) + 1  # state codes shifted by one so OUTSIDE (-1) is 0

# A court duration's key packs (docket, nationality + 1, lawyer + 1, household + 1) in
# bits 8+, 5-7, 3-4 and 0-2 (-1, a person not simulated, is 0): one key below 2**16,
# docket first, so the table comes out by docket.
_DOCKET_SHIFT, _NATIONALITY_SHIFT, _LAWYER_SHIFT = 8, 5, 3


class Ledger:
    """Counts of flows and stocks.

    Attributes:
        stock: people now in each (place, state, group) cell.
        flows: per closed day, its :class:`~borderflow.model.records.Flows`.
        stocks: per closed day, its :class:`~borderflow.model.records.Stocks` (nonzero cells).
        events: the per-person log (when kept), in parts of
            :class:`~borderflow.model.records.Events`.
    """

    def __init__(
        self,
        n_places: int,
        n_groups: int,
        keep_events: bool = False,
        roads: np.ndarray | None = None,
        n_days: int = 0,
    ):
        self.day = 0
        self.keep_events = keep_events
        self.events: list[Events] = []
        self._events_closed = 0
        self.n_places = n_places
        self.n_groups = n_groups
        # Cells by (place, state + 1, group): state slot 0 takes what enters from outside
        # (with the opposite sign), so no row needs masking; :attr:`stock` hides it.
        self._cells = np.zeros((n_places, N_STATES, n_groups), np.int64)
        self._stock = self._cells[:, 1:, :]
        # Records are kept as given (scalars or arrays) and counted in one vectorized pass
        # when the stock is read or the day closes: a few times a day, instead of a dozen
        # small array operations at each of the day's records.
        self._pending: list[_Record] = []
        self._today: list[np.ndarray] = []
        # Moves booked ahead (planned trips), per day: (route keys, ±1 weights, who); or,
        # given the roads and without the event log, a dense (day, road, group) count.
        self._booked: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]] = {}
        self._future: np.ndarray | None = None
        if roads is not None and n_days > 0:
            u, v = np.nonzero(roads)
            self._road_id = np.full((n_places, n_places), -1, np.int64)
            self._road_id[u, v] = np.arange(len(u))
            self._road_route = (
                (u * n_places + v)[:, None] * n_groups + np.arange(n_groups)[None, :]
            ).reshape(-1)
            self._future = np.zeros((n_days, len(u) * n_groups), np.int32)
        self._weights: list[np.ndarray] = []
        self.flows: list[Flows] = []
        self.stocks: list[Stocks] = []
        self.waits = Durations()
        self.decisions = Durations()
        self.n_changes = 0

    @property
    def stock(self) -> np.ndarray:
        """People now in each (place, state, group) cell."""
        self._count_pending()
        return self._stock

    def census(self, state: int) -> np.ndarray:
        """People now in ``state``, by place: the count a capacity shared by stages reads.

        Beds are held by people in a state that more than one stage ends (a detained
        person leaves detention by release or by a judge's decision), so the ledger's
        count, kept from every stage's records, is the one that is always right.
        """
        return self.stock[:, state, :].sum(axis=1)

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

        ``who`` (the people concerned) feeds the optional per-person event log. The
        arrays are kept, not copied, until the records are counted (when the stock is
        read or the day closes): pass arrays nothing changes before then, such as the
        result of fancy indexing (``people.state[idx]``), not views of live arrays.
        """
        size = len(group)
        if size == 0:
            return
        self._pending.append(
            (int(transition), from_state, to_state, place, to_place, group, n, size)
        )
        if self.keep_events and who is not None:
            self.events.append(
                Events(
                    **{
                        name: np.array(np.broadcast_to(np.asarray(a, np.int64), size))
                        for name, a in (
                            ("day", self.day),
                            ("person", who),
                            ("transition", int(transition)),
                            ("place", place),
                            ("to_place", to_place),
                            ("from_state", from_state),
                            ("to_state", to_state),
                        )
                    }
                )
            )

    def _count_pending(self) -> None:
        """Count the records kept since the last count: flows of the day, stocks, changes."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        sizes = [r[7] for r in pending]
        transition, from_state, to_state, place, to_place, group = (
            _column([r[k] for r in pending], sizes) for k in range(6)
        )
        weights = np.ones(len(group), np.int64)
        at = 0
        for r in pending:
            if r[6] is not None:
                weights[at : at + r[7]] = r[6]
            at += r[7]
        route = (place * self.n_places + to_place) * self.n_groups + group
        key = (transition * N_STATES + from_state + 1) * N_STATES + to_state + 1
        self._today.append(key * self.n_places * self.n_places * self.n_groups + route)
        self._weights.append(weights)
        # Rows that change neither state nor place count no change and move no stock.
        weights = weights * ((from_state != to_state) | (place != to_place))
        self.n_changes += int(weights.sum())
        g = self.n_groups
        flat = self._cells.reshape(-1)
        flat += np.bincount(
            np.concatenate(
                [(place * N_STATES + from_state + 1) * g, (to_place * N_STATES + to_state + 1) * g]
            )
            + np.concatenate([group, group]),
            np.concatenate([-weights, weights]),
            minlength=flat.size,
        ).astype(np.int64)

    def book_moves(
        self,
        days: np.ndarray,
        place: np.ndarray,
        to_place: np.ndarray,
        group: np.ndarray,
        who: np.ndarray,
        sign: int = 1,
    ) -> None:
        """Book moves between places on the road on the days they will happen.

        They count as moves of their own day when that day closes; ``sign=-1`` takes back
        moves booked earlier (a trip redrawn). Days already closed are not allowed.
        """
        if len(days) == 0:
            return
        days = np.asarray(days, np.int64)
        if self._future is not None and not self.keep_events:
            future = self._future
            road = self._road_id[np.asarray(place, np.int64), np.asarray(to_place, np.int64)]
            col = road * self.n_groups + np.asarray(group, np.int64)
            book(future, days, col, sign)
            return
        route = (
            np.asarray(place, np.int64) * self.n_places + np.asarray(to_place, np.int64)
        ) * self.n_groups + np.asarray(group, np.int64)
        order = np.argsort(days, kind="stable")
        days, route = days[order], route[order]
        kept = np.asarray(who, np.int64)[order] if self.keep_events else None
        cuts = np.flatnonzero(np.diff(days)) + 1
        bounds = np.concatenate([[0], cuts, [len(days)]])
        for a, b in itertools.pairwise(bounds.tolist()):
            self._booked.setdefault(int(days[a]), []).append(
                (route[a:b], np.full(b - a, sign, np.int64), None if kept is None else kept[a:b])
            )

    @property
    def future(self) -> np.ndarray | None:
        """The grid of moves booked by (day, road * groups + group), when it is in use."""
        return None if self.keep_events else self._future

    def road_id(self) -> np.ndarray:
        """``road_id[u, v]``: the road's column block in :attr:`future` (-1: no road)."""
        return self._road_id

    def _release_booked(self, day: int) -> None:
        if self._future is not None and day < len(self._future):
            row = self._future[day]
            cols = np.flatnonzero(row)
            if len(cols):
                self._apply_moves(self._road_route[cols], row[cols].astype(np.int64))
        booked = self._booked.pop(day, None)
        if not booked:
            return
        route = np.concatenate([b[0] for b in booked])
        weights = np.concatenate([b[1] for b in booked])
        # Moves booked and taken back (a redrawn trip) cancel out here.
        routes, net = sum_by_key(route, weights)
        kept = net != 0
        self._apply_moves(routes[kept], net[kept])
        if self.keep_events:
            self._log_booked(day, booked, route, weights)

    def _order_days_events(self) -> None:
        """Put the day's booked moves between setting out and what ends the trip.

        Moves are logged when the day closes; a person's day is setting out (or out
        again), then moves, then anything else, and a stable sort keeps each part's order.
        """
        today = self.events[self._events_closed :]
        if today:
            rows = Events.concat(today)
            sets_out = (rows.to_state == State.TRANSIT) & (rows.from_state != State.TRANSIT)
            rank = np.where(sets_out, 0, np.where(rows.transition == Transition.MOVE, 1, 2))
            self.events[self._events_closed :] = [rows[np.argsort(rank, kind="stable")]]
        self._events_closed = len(self.events)

    def _apply_moves(self, route: np.ndarray, n: np.ndarray) -> None:
        """Count ``n`` moves on each distinct route ``(place, to_place, group)`` today."""
        key = (Transition.MOVE * N_STATES + State.TRANSIT + 1) * N_STATES + State.TRANSIT + 1
        self._today.append(key * self.n_places * self.n_places * self.n_groups + route)
        self._weights.append(n)
        self.n_changes += int(n.sum())
        rest, group = np.divmod(route, self.n_groups)
        place, to_place = np.divmod(rest, self.n_places)
        flat = self._cells.reshape(-1)
        flat += np.bincount(
            np.concatenate([place, to_place]) * (N_STATES * self.n_groups)
            + (State.TRANSIT + 1) * self.n_groups
            + np.concatenate([group, group]),
            np.concatenate([-n, n]),
            minlength=flat.size,
        ).astype(np.int64)

    def _log_booked(
        self,
        day: int,
        booked: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
        route: np.ndarray,
        weights: np.ndarray,
    ) -> None:
        """Log the moves released today, net of those taken back, one row each."""
        who = np.concatenate([b[2] for b in booked if b[2] is not None])
        pairs, inverse = np.unique(np.stack([who, route]), axis=1, return_inverse=True)
        net = np.bincount(inverse.reshape(-1), weights).astype(np.int64)
        person, moved = pairs[:, net > 0]
        place, rest = np.divmod(moved, self.n_places * self.n_groups)
        n = len(person)
        self.events.append(
            Events(
                day=np.full(n, day, np.int64),
                person=person,
                transition=np.full(n, int(Transition.MOVE), np.int64),
                place=place,
                to_place=rest // self.n_groups,
                from_state=np.full(n, int(State.TRANSIT), np.int64),
                to_state=np.full(n, int(State.TRANSIT), np.int64),
            )
        )

    def _unpack(self, day: int, key: np.ndarray, n: np.ndarray) -> Flows:
        key, group = np.divmod(key, self.n_groups)
        key, to_place = np.divmod(key, self.n_places)
        key, place = np.divmod(key, self.n_places)
        key, to_state = np.divmod(key, N_STATES)
        transition, from_state = np.divmod(key, N_STATES)
        return Flows(
            day=np.full(len(n), day, np.int64),
            place=place,
            to_place=to_place,
            transition=transition,
            from_state=from_state - 1,
            to_state=to_state - 1,
            group=group,
            n=n,
        )

    def record_wait(self, port: np.ndarray, outcome: int, waited: np.ndarray) -> None:
        """Count finished waits at ports (``outcome``: a ``WaitOutcome`` code)."""
        self.waits.add(port, outcome, waited)

    def record_duration(
        self,
        docket: int,
        outcome: int,
        days: np.ndarray,
        nationality: np.ndarray | int = -1,
        lawyer: np.ndarray | int = -1,
        household: np.ndarray | int = -1,
    ) -> None:
        """Count court durations: days to an outcome (or to the start of hearings).

        ``nationality``, ``lawyer`` (1 or 0) and ``household`` are those of each case's
        person (arrays as long as ``days``), or -1 for cases of people not simulated.
        """
        key = (
            (docket << _DOCKET_SHIFT)
            | ((np.asarray(nationality, np.int64) + 1) << _NATIONALITY_SHIFT)
            | ((np.asarray(lawyer, np.int64) + 1) << _LAWYER_SHIFT)
            | (np.asarray(household, np.int64) + 1)
        )
        self.decisions.add(key if key.ndim else int(key), outcome, days)

    def decision_table(self) -> Decisions:
        """Court durations by docket, outcome, the person (nationality, lawyer, household), days."""
        counted = self.decisions.table()
        key = counted.key
        return Decisions(
            docket=key >> _DOCKET_SHIFT,
            outcome=counted.outcome,
            nationality=((key >> _NATIONALITY_SHIFT) & 7) - 1,
            lawyer=((key >> _LAWYER_SHIFT) & 3) - 1,
            household=(key & 7) - 1,
            days=counted.days,
            n=counted.n,
        )

    def close_day(self, day: int) -> None:
        """Aggregate the day's flows and snapshot the stocks."""
        self._count_pending()
        self._release_booked(day)
        if self.keep_events:
            self._order_days_events()
        if self._today:
            keys, counts = sum_by_key(np.concatenate(self._today), np.concatenate(self._weights))
            self.flows.append(self._unpack(day, keys, counts))
            self._today.clear()
            self._weights.clear()
        stock = self.stock
        place, state, group = np.nonzero(stock)
        self.stocks.append(
            Stocks(
                day=np.full(len(place), day, np.int64),
                place=place,
                state=state,
                group=group,
                n=stock[place, state, group],
            )
        )

    def wait_table(self) -> Waits:
        """Finished waits by port, outcome and days waited."""
        counted = self.waits.table()
        return Waits(
            port=counted.key, outcome=counted.outcome, waited_days=counted.days, n=counted.n
        )


#: A record as given: transition, from state, to state, place, to place, group (each a
#: scalar or an array of the record's rows), people per row (``None``: one), rows.
_Record = tuple[int, Any, Any, Any, Any, Any, np.ndarray | None, int]


def _column(parts: list[Any], sizes: list[int]) -> np.ndarray:
    """One field of several records as one int64 array (scalars repeated over their rows)."""
    if not any(isinstance(p, np.ndarray) and p.ndim for p in parts):
        return np.repeat(np.array(parts, np.int64), sizes)
    out = np.empty(sum(sizes), np.int64)
    at = 0
    for p, k in zip(parts, sizes, strict=True):
        out[at : at + k] = p
        at += k
    return out


def book(future: np.ndarray, days: np.ndarray, cols: np.ndarray, sign: int = 1) -> None:
    """Add ``sign`` to ``future[day, col]`` for each pair (days past the grid are dropped)."""
    inside = days < len(future)
    days, cols = days[inside], cols[inside]
    if len(days) == 0:
        return
    first, last = int(days.min()), int(days.max())
    width = future.shape[1]
    # A trip's moves fall within weeks, so counting over that window with bincount
    # beats an unbuffered add.at over the whole grid.
    counts = np.bincount((days - first) * width + cols, minlength=(last - first + 1) * width)
    future[first : last + 1] += (sign * counts).reshape(-1, width).astype(np.int32)


class Durations:
    """Counts of durations by (key, outcome, days): waits at ports, times to decisions.

    Additions are kept as given and folded into the counts a few hundred at a time, so
    adding one costs a list append.
    """

    #: Additions kept before they are folded into the counts.
    FOLD_EVERY = 256

    def __init__(self) -> None:
        self._pending: list[tuple[np.ndarray | int, int, np.ndarray]] = []
        self._packed = np.empty(0, np.int64)
        self._counts = np.empty(0, np.int64)

    def add(self, key: np.ndarray | int, outcome: int, days: np.ndarray) -> None:
        """Count one duration of ``days[i]`` with ``key[i]`` (or ``key``) and ``outcome``."""
        if len(days):
            self._pending.append((key, outcome, days))
            if len(self._pending) >= self.FOLD_EVERY:
                self._fold()

    def _fold(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        sizes = [len(d) for _, _, d in pending]
        key = _column([k for k, _, _ in pending], sizes)
        outcome = np.repeat(np.array([o for _, o, _ in pending], np.int64), sizes)
        days = np.concatenate([d for _, _, d in pending], dtype=np.int64, casting="unsafe")
        # (key, outcome, days) packed in one int64: key < 2**16, outcome < 2**8, days < 2**28.
        packed = (key << 36) | (outcome << 28) | days
        self._packed, self._counts = sum_by_key(
            np.concatenate([self._packed, packed]),
            np.concatenate([self._counts, np.ones(len(packed), np.int64)]),
        )

    def table(self) -> DurationCounts:
        """The counts so far, by key, outcome and days."""
        self._fold()
        keys = self._packed
        return DurationCounts(
            key=keys >> 36,
            outcome=(keys >> 28) & 255,
            days=keys & ((1 << 28) - 1),
            n=self._counts.copy(),
        )


@dataclass(frozen=True, eq=False)
class DurationCounts(Records):
    """People per (key, outcome, days): the rows of a :class:`Durations`."""

    key: np.ndarray
    outcome: np.ndarray
    days: np.ndarray
    n: np.ndarray


def sum_by_key(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` (sorted) and the sum of ``weights`` for each."""
    # Most rows count one person: sorting those keys alone (no argsort, no inverse)
    # and counting runs is several times faster than a general unique.
    ones = weights == 1
    sorted_keys = np.sort(keys[ones]) if not ones.all() else np.sort(keys)
    starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
    starts = starts[starts < len(sorted_keys)]
    distinct = sorted_keys[starts]
    sums = np.diff(np.append(starts, len(sorted_keys))).astype(np.int64)
    if ones.all():
        return distinct, sums
    rest, inverse = np.unique(np.concatenate([distinct, keys[~ones]]), return_inverse=True)
    totals = np.bincount(
        inverse.reshape(-1), np.concatenate([sums, weights[~ones]]).astype(float)
    ).astype(np.int64)
    return rest, totals


def recount(
    people: People, n_places: int, n_groups: int, place: np.ndarray | None = None
) -> np.ndarray:
    """Stocks rebuilt from the people arrays (or ``place``), for the conservation check."""
    flat = np.ravel_multi_index(
        (
            (people.place if place is None else place).astype(np.int64),
            people.state.astype(np.int64),
            people.group.astype(np.int64),
        ),
        (n_places, len(State), n_groups),
    )
    return np.bincount(flat, minlength=n_places * len(State) * n_groups).reshape(
        n_places, len(State), n_groups
    )


__all__ = ["OUTSIDE", "Ledger", "recount"]
