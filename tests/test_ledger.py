"""The ledger's bookkeeping helpers agree with the obvious (slow) way."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from borderflow.model.ledger import _aggregate_waits, sum_by_key
from borderflow.model.states import code_table, is_in


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
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 9), st.integers(0, 5000)), max_size=60)
)
def test_waits_aggregate_by_port_outcome_and_days(rows: list[tuple[int, int, int]]) -> None:
    chunk = np.array([[a, b, c, 1] for a, b, c in rows], np.int64).reshape(-1, 4)
    got = _aggregate_waits([chunk, chunk]) if rows else _aggregate_waits([])
    expected: dict[tuple[int, int, int], int] = {}
    for r in rows:
        expected[r] = expected.get(r, 0) + 2
    assert [tuple(r[:3]) for r in got.tolist()] == sorted(expected)
    assert [r[3] for r in got.tolist()] == [expected[k] for k in sorted(expected)]


def test_is_in_matches_isin_for_every_int8_code() -> None:
    values = np.arange(-128, 128, dtype=np.int8)
    codes = [-1, 0, 3, 17, 127]
    assert np.array_equal(is_in(values, code_table(codes)), np.isin(values, codes))
