"""Shortcuts in drawing categories give exactly the draws of NumPy's own routine."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.model.rng import choose, cumulative_shares


@settings(max_examples=50, deadline=None)
@given(
    weights=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=12).filter(lambda w: sum(w) > 0),
    n=st.integers(0, 500),
    seed=st.integers(0, 2**32 - 1),
)
def test_choose_draws_what_generator_choice_draws(weights: list[float], n: int, seed: int) -> None:
    p = np.asarray(weights) / np.sum(weights)
    expected = np.random.default_rng(seed).choice(len(p), n, p=p)
    got = choose(np.random.default_rng(seed), cumulative_shares(p), n)
    assert np.array_equal(got, expected)
