"""Independent, named random streams from one seed.

Each stage draws from its own stream, derived from the seed and the stage's
name (not from the order streams are created), so adding a stage or a draw in
one stage never changes the draws of another.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of stage ``name`` for ``seed``."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


class Streams:
    """Lazily created named streams for one run."""

    def __init__(self, seed: int):
        self.seed = seed
        self._made: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._made:
            self._made[name] = stream(self.seed, name)
        return self._made[name]


def cumulative_shares(p: np.ndarray) -> np.ndarray:
    """Cumulative shares of ``p``, ending at exactly 1, as ``Generator.choice`` works them out."""
    cdf = np.cumsum(p, dtype=np.float64)
    cdf /= cdf[-1]
    return cdf


def choose(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """``n`` categories drawn with cumulative shares ``cdf`` (:func:`cumulative_shares`).

    The same draws as ``rng.choice(len(cdf), n, p=shares)``, without its checks of the
    shares on every call.
    """
    return np.asarray(cdf.searchsorted(rng.random(n), side="right"))


#: The longest wait drawn, in days: longer than any run, short enough that adding a day to
#: it never overflows (a hazard of 1e-70 a day would otherwise draw 2**63 days).
LONGEST_WAIT = int(np.iinfo(np.int32).max)


def waiting_days(rng: np.random.Generator, p: float | np.ndarray, n: int) -> np.ndarray:
    """Days until an event of daily probability ``p`` (one, or one each; geometric, from 1), capped.

    The cap, :data:`LONGEST_WAIT`, only ever touches waits that end after any run.
    """
    return np.minimum(rng.geometric(p, n), LONGEST_WAIT)
