"""A FIFO queue served from its tail: newest first, stale entries dropped on the way."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from borderflow.model.queues import FifoQueue


def test_pop_newest_takes_from_the_tail_and_pop_from_the_head():
    q = FifoQueue(4)
    q.push(np.arange(10))
    assert q.pop_newest(3).tolist() == [9, 8, 7]
    assert q.pop(2).tolist() == [0, 1]
    q.push(np.array([20, 21]))
    assert q.pop_newest(3).tolist() == [21, 20, 6]
    assert q.pop_newest(10).tolist() == [5, 4, 3, 2] and len(q) == 0
    assert q.pop_newest(1).tolist() == []


def test_take_newest_skips_and_drops_stale_entries_but_keeps_the_rest():
    q = FifoQueue()
    q.push(np.arange(10))
    even = lambda chunk: chunk % 2 == 0  # noqa: E731
    assert q.take_newest(2, even).tolist() == [8, 6]
    # 9 and 7 were passed over on the way and dropped; 5 and below are kept.
    assert len(q) == 6 and q.pop(6).tolist() == [0, 1, 2, 3, 4, 5]


@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["push", "newest", "oldest"]), st.integers(0, 70)),
        max_size=40,
    )
)
def test_either_end_serves_as_a_list_would(ops):
    q, model, counter = FifoQueue(8), [], 0
    valid = lambda chunk: chunk % 3 != 0  # noqa: E731
    for op, k in ops:
        if op == "push":
            new = list(range(counter, counter + k))
            counter += k
            q.push(np.array(new, np.int64))
            model += new
        elif op == "newest":
            got = []
            while model and len(got) < k:
                x = model.pop()
                if x % 3 != 0:
                    got.append(x)
            assert q.take_newest(k, valid).tolist() == got
        else:
            got = []
            while model and len(got) < k:
                x = model.pop(0)
                if x % 3 != 0:
                    got.append(x)
            assert q.take(k, valid).tolist() == got
        assert len(q) == len(model)
