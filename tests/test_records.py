"""The result records: named int64 columns that select, join and compare as tables."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.model.records import Courts, Flows, Stocks, Waits
from borderflow.scenario.vocabulary import WaitOutcome


def stocks(day: list[int], n: list[int]) -> Stocks:
    return Stocks(day=day, place=[0] * len(day), state=[1] * len(day), group=[0] * len(day), n=n)


def test_columns_are_named_in_file_order_and_held_as_int64() -> None:
    assert Flows.columns() == (
        "day",
        "place",
        "to_place",
        "transition",
        "from_state",
        "to_state",
        "group",
        "n",
    )
    s = stocks([0, 1], [3, 4])
    assert len(s) == 2 and s.n.dtype == np.int64 and s.as_dict()["n"].tolist() == [3, 4]


def test_rows_are_picked_by_mask_index_or_slice() -> None:
    s = stocks([0, 1, 2], [3, 4, 5])
    assert s[s.day >= 1] == stocks([1, 2], [4, 5])
    assert s[np.array([2, 0])] == stocks([2, 0], [5, 3])
    assert s[:1] == stocks([0], [3])


def test_concat_joins_in_order_and_nothing_is_an_empty_table() -> None:
    assert Stocks.concat([stocks([0], [3]), stocks([1, 2], [4, 5])]) == stocks([0, 1, 2], [3, 4, 5])
    empty = Stocks.concat([])
    assert len(empty) == 0 and empty == Stocks.empty()


def test_equality_compares_every_column_and_the_kind_of_table() -> None:
    assert stocks([0], [3]) != stocks([0], [4])
    waits = Waits(port=[0], outcome=[WaitOutcome.ADMITTED], waited_days=[0], n=[3])
    assert waits != stocks([0], [3])


def test_columns_of_unequal_length_are_refused() -> None:
    with pytest.raises(ValueError, match=r"Stocks\.n: expected a 1-D column of 2 rows"):
        stocks([0, 1], [3])


def test_the_backlog_is_every_case_not_yet_decided() -> None:
    courts = Courts(
        day=[0, 0], docket=[0, 1], waiting=[2, 0], in_hearings=[3, 1], pending_from_start=[5, 0]
    )
    assert courts.backlog.tolist() == [10, 1]
