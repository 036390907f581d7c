"""The ledger's bookkeeping helpers agree with the obvious (slow) way."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from borderflow.model.ledger import Durations, sum_by_key
from borderflow.scenario.vocabulary import code_table, is_in


@given(st.lists(st.tuples(st.integers(0, 2**40), st.integers(1, 5)), max_size=60))
def test_sum_by_key_matches_a_dictionary(rows: list[tuple[int, int]]) -> None:
    keys = np.array([k for k, _ in rows], np.int64)
    weights = np.array([w for _, w in rows], np.int64)
    distinct, sums = sum_by_key(keys, weights)
    expected: dict[int, int] = {}
    for k, w in rows:
        expected[k] = expected.get(k, 0) + w
    assert distinct.tolist() == sorted(expected)
    assert sums.tolist() == [expected[k] for k in sorted(expected)]


@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 9), st.integers(0, 5000)), max_size=60),
    st.integers(1, 7),
)
def test_durations_count_by_key_outcome_and_days(
    rows: list[tuple[int, int, int]], fold_every: int
) -> None:
    durations = Durations()
    durations.FOLD_EVERY = fold_every  # fold part-way as well as at the end
    expected: dict[tuple[int, int, int], int] = {}
    for key, outcome, days in rows * 2:
        # The key given once for the batch (an int) or per row (an array).
        durations.add(key if days % 2 else np.array([key]), outcome, np.array([days]))
        expected[(key, outcome, days)] = expected.get((key, outcome, days), 0) + 1
    durations.add(7, 1, np.array([], np.int64))  # nothing to count
    got = durations.table()
    assert len(got) == len(expected)
    counted = zip(got.key.tolist(), got.outcome.tolist(), got.days.tolist(), strict=True)
    assert list(counted) == sorted(expected)
    assert got.n.tolist() == [expected[k] for k in sorted(expected)]


def test_is_in_matches_isin_for_every_int8_code() -> None:
    values = np.arange(-128, 128, dtype=np.int8)
    codes = [-1, 0, 3, 17, 127]
    assert np.array_equal(is_in(values, code_table(codes)), np.isin(values, codes))
