"""The run's result records: tables of named integer columns.

Each table is a frozen dataclass holding one 1-D int64 array per column, all of one
length: a struct of arrays whose columns are read by name (``flows.transition``), never
by position. The ledger and the engine build them; the results layer labels them.
They are written down once here, as Ciw's ``DataRecord`` names its fields.

Select rows with a mask, an index array or a slice (``flows[flows.day < 10]``), join
parts with :meth:`Records.concat`, and compare two tables with ``==``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Self

import numpy as np


@dataclass(frozen=True, eq=False)
class Records:
    """Rows of named int64 columns, one 1-D array per column."""

    def __post_init__(self) -> None:
        length = None
        for name in self.columns():
            column = np.asarray(getattr(self, name), np.int64)
            if column.ndim != 1 or (length is not None and len(column) != length):
                raise ValueError(
                    f"{type(self).__name__}.{name}: expected a 1-D column of {length} rows, "
                    f"got shape {column.shape}"
                )
            length = len(column)
            object.__setattr__(self, name, column)

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The column names, in the order the result files list them."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def empty(cls) -> Self:
        """A table with no rows."""
        return cls(**{name: np.empty(0, np.int64) for name in cls.columns()})

    @classmethod
    def concat(cls, parts: Sequence[Self]) -> Self:
        """The rows of ``parts``, one after the other (no parts: an empty table)."""
        if not parts:
            return cls.empty()
        return cls(
            **{name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.columns()}
        )

    def as_dict(self) -> dict[str, np.ndarray]:
        """The columns by name."""
        return {name: getattr(self, name) for name in self.columns()}

    def __len__(self) -> int:
        return len(getattr(self, self.columns()[0]))

    def __getitem__(self, rows: Any) -> Self:
        """The rows picked by a boolean mask, an index array or a slice."""
        return type(self)(**{name: column[rows] for name, column in self.as_dict().items()})

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            np.array_equal(column, getattr(other, name)) for name, column in self.as_dict().items()
        )


@dataclass(frozen=True, eq=False)
class Stocks(Records):
    """People in each nonzero (place, state, group) cell at the end of each day."""

    day: np.ndarray
    place: np.ndarray
    state: np.ndarray
    group: np.ndarray
    n: np.ndarray


@dataclass(frozen=True, eq=False)
class Flows(Records):
    """People making each transition per day (``from_state`` -1 for those entering)."""

    day: np.ndarray
    place: np.ndarray
    to_place: np.ndarray
    transition: np.ndarray
    from_state: np.ndarray
    to_state: np.ndarray
    group: np.ndarray
    n: np.ndarray


@dataclass(frozen=True, eq=False)
class Waits(Records):
    """Finished waits at ports: people per (port, outcome, days waited).

    ``outcome`` is a :class:`borderflow.scenario.vocabulary.WaitOutcome` code.
    """

    port: np.ndarray
    outcome: np.ndarray
    waited_days: np.ndarray
    n: np.ndarray


@dataclass(frozen=True, eq=False)
class Decisions(Records):
    """Court durations: cases per (docket, outcome, nationality, lawyer, household, days).

    ``docket`` is a :class:`borderflow.scenario.vocabulary.DocketKind` code and
    ``outcome`` an index into ``borderflow.scenario.vocabulary.CourtOutcome``: days from custody to
    each decision, and from filing to the start of hearings. ``nationality`` (an index
    into ``NATIONALITIES``), ``lawyer`` (1 with a lawyer, 0 without) and ``household`` (a
    ``Household`` code) are the person's; -1 for a case of a person not simulated (the
    start backlog's, and other receipts').
    """

    docket: np.ndarray
    outcome: np.ndarray
    nationality: np.ndarray
    lawyer: np.ndarray
    household: np.ndarray
    days: np.ndarray
    n: np.ndarray


@dataclass(frozen=True, eq=False)
class Courts(Records):
    """Each docket's cases at the end of each day, by where they stand."""

    day: np.ndarray
    docket: np.ndarray
    waiting: np.ndarray
    in_hearings: np.ndarray
    pending_from_start: np.ndarray

    @property
    def backlog(self) -> np.ndarray:
        """Cases waiting, in hearings or pending from the start."""
        return np.asarray(self.waiting + self.in_hearings + self.pending_from_start)


@dataclass(frozen=True, eq=False)
class Events(Records):
    """The per-person event log: one row per person and transition, in the day's order."""

    day: np.ndarray
    person: np.ndarray
    transition: np.ndarray
    place: np.ndarray
    to_place: np.ndarray
    from_state: np.ndarray
    to_state: np.ndarray


__all__ = ["Courts", "Decisions", "Events", "Flows", "Records", "Stocks", "Waits"]
