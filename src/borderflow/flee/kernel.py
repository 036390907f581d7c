"""One Flee 3.1 day of movement, agent by agent: compiled with Numba, or the same code in Python.

:func:`flee_day` is Flee's ``Ecosystem.evolve`` movement for one day as one loop over the
agents in their order: first every agent not on a link decides whether to move (and if so
plans a route where it has none and starts its next link), then every agent on a link
travels, arrives, and moves on the same day while the day's distance allows (Flee's
``finish_travel`` recursion). Counts are updated agent by agent, so every capacity
multiplier an agent sees is that of the counts left by the agents before it, as in 3.1.

With Numba (a dependency) the loop is compiled, lazily on first use and cached on disk. The
fallback (``BORDERFLOW_KERNEL=numpy``, or no Numba) runs the very same Python function
uncompiled (``.py_func``): a vectorized NumPy twin cannot reproduce a loop whose every
step depends on the counts left by the step before. Both do the same arithmetic in the
same order on the same draws, so they give identical results (tested). The uncompiled
loop is about 150 times slower, slower than Flee 3.1 itself: it is there to check the
compiled one, not to run scenarios.

Random numbers come from an MRG32k3a generator (L'Ecuyer 1999) whose six-integer state
the caller seeds from a named NumPy stream. Its integer arithmetic stays below 2**53
(no overflow, compiled or not, and exact in a double), so both runs draw bit-identical
uniforms, without a pool sized in advance (an agent's same-day hops draw an unbounded
number of them).

Two shortcuts keep the rules exact in distribution while drawing far fewer numbers than
3.1 (one ``random()`` per agent per day): at a location where agents move with chance
``p``, the number of agents that stay before the next one moves is drawn once, as a
geometric variate, and counted down in agent order (Bernoulli trials are memoryless);
and a travel day draws the walking coin only on links with a ``walk_probability``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from borderflow.model.kernels import jitable, kernel

# MRG32k3a's moduli and multipliers.
M1 = 4294967087
M2 = 4294944443
A12 = 1403580
A13N = 810728
A21 = 527612
A23N = 1370589
NORM = 1.0 / (M1 + 1)
#: Longest run of stayers a geometric draw returns (far beyond any population).
MAX_GAP = 1 << 62
#: Most links one agent may start or travel in a day.
MAX_DAY_STEPS = 1_000_000
TOO_MANY_STEPS = "an agent took over a million steps in one day: links too short for its speed"


def seed_state(rng: np.random.Generator) -> np.ndarray:
    """A fresh MRG32k3a state from ``rng`` (every component in ``[1, M2)``: never all zero)."""
    return rng.integers(1, M2, size=6, dtype=np.int64)


@jitable
def uniform(s: np.ndarray) -> float:
    """The next MRG32k3a uniform in (0, 1); advances the state ``s`` in place."""
    p1 = (A12 * s[1] - A13N * s[0]) % M1
    s[0] = s[1]
    s[1] = s[2]
    s[2] = p1
    p2 = (A21 * s[5] - A23N * s[3]) % M2
    s[3] = s[4]
    s[4] = s[5]
    s[5] = p2
    if p1 > p2:
        return float((p1 - p2) * NORM)
    return float((p1 - p2 + M1) * NORM)


@jitable
def stayers(s: np.ndarray, log_stay: float) -> int:
    """How many agents stay before the next one moves; each stays with chance ``exp(log_stay)``."""
    x = math.log(uniform(s)) / log_stay
    if x >= MAX_GAP:
        return MAX_GAP
    return int(x)


@jitable
def cap_multiplier(capacity: int, num: int, buffer: float) -> float:
    """Flee's ``getCapMultiplier`` of a location holding ``num`` agents."""
    if capacity < 1 or num <= buffer * capacity:
        return 1.0
    if num >= capacity:
        return 0.0
    return 1.0 - (num - buffer * capacity) / (capacity * (1.0 - buffer))


def flee_day(  # type: ignore[no-untyped-def]
    n, s,
    where, travelling, on_link, epoch, route, route_len, hop, first_hop, recent, active,
    counts, chance, is_town, is_camp, capacity, buffer,
    path_ptr, path_nodes, path_len, path_end, path_base, use_cap, weight_power, scratch,
    out_ptr, out_link, link_src, link_dst, link_dist, link_speed, link_walk, link_open,
    link_epoch, walk_speed, start_on_foot, avoid_short_stints, max_move_speed,
):  # fmt: skip
    """One day of Flee 3.1 movement for agents ``0..n-1``; updates the arrays in place.

    ``chance`` is each location's move chance today (``movechance`` × the population
    factor), ``path_base`` each path's weight before its capacity multiplier, ``s`` the
    MRG32k3a state. Agents' ``where`` is a location, or a link while ``travelling``.

    Phase 0 is Flee's first loop (``Person.evolve``: who starts a link), phase 1 its
    second (``finish_travel``: travel, then same-day hops). Leaving a location and
    travelling a link are written once, for both phases: a helper function taking the
    agent arrays would cost more per call (reference counts of every array) than the
    work it does.
    """
    n_loc = len(chance)
    gap = np.full(n_loc, -1, np.int64)
    log_stay = np.zeros(n_loc)
    for loc in range(n_loc):
        if 0.0 < chance[loc] < 1.0:
            log_stay[loc] = math.log1p(-chance[loc])
    # Phase 0 lists the agents on a link when it ends, in agent order: phase 1 visits
    # only them instead of scanning everyone again.
    on_links = np.empty(n, np.int64)
    n_on = 0
    moved_by = np.zeros(n if avoid_short_stints else 0)
    for phase in range(2):
        for idx in range(n if phase == 0 else n_on):
            i = idx if phase == 0 else on_links[idx]
            moved = 0.0
            leave = False
            loc = -1
            if phase == 0:
                if travelling[i]:
                    on_links[n_on] = i
                    n_on += 1
                    continue
                if not active[i]:
                    continue
                loc = where[i]
                p = chance[loc]
                if p < 1.0:
                    if not p > 0.0:
                        continue
                    g = gap[loc]
                    if g < 0:
                        g = stayers(s, log_stay[loc])
                    if g > 0:
                        gap[loc] = g - 1
                        continue
                    gap[loc] = -1
                leave = True
            steps = 0
            while leave or travelling[i]:
                # Each step travels a link's rest or starts the next: with links of positive
                # length an agent takes few a day, so a huge count can only be a fault.
                steps += 1
                if steps > MAX_DAY_STEPS:
                    raise RuntimeError(TOO_MANY_STEPS)
                if leave:
                    # Leave loc: plan a route if there is none (selectRoute), then start
                    # its next link (take_next_step).
                    leave = False
                    size = route_len[i]
                    if size == 0:
                        a = path_ptr[loc]
                        b = path_ptr[loc + 1]
                        if b == a:
                            break
                        total = 0.0
                        for q in range(a, b):
                            w = path_base[q]
                            if use_cap:
                                end = path_end[q]
                                w = w * cap_multiplier(capacity[end], counts[end], buffer)
                                if weight_power != 1.0:
                                    w = w**weight_power
                            scratch[q - a] = w
                            total += w
                        x = uniform(s)
                        chosen = b - 1
                        if total > 0.0:
                            # random.choices: the first path whose cumulative weight
                            # exceeds u × total.
                            x = x * total
                            acc = 0.0
                            for q in range(a, b):
                                acc += scratch[q - a]
                                if acc > x:
                                    chosen = q
                                    break
                        else:
                            chosen = a + int(x * (b - a))
                        size = path_len[chosen]
                        for k in range(size):
                            route[i, k] = path_nodes[chosen, k]
                        route_len[i] = size
                        hop[i] = 0
                    k = hop[i]
                    nxt = route[i, k]
                    lid = -1
                    for j in range(out_ptr[loc], out_ptr[loc + 1]):
                        if link_dst[out_link[j]] == nxt:
                            lid = out_link[j]
                            break
                    dest = route[i, size - 1]
                    if lid < 0 or not link_open[lid]:
                        route_len[i] = 0
                        break
                    if is_camp[dest] and cap_multiplier(capacity[dest], counts[dest], buffer) < 0.5:
                        route_len[i] = 0
                        break
                    hop[i] = k + 1
                    if k + 1 >= size:
                        route_len[i] = 0
                    counts[loc] -= 1
                    where[i] = lid
                    travelling[i] = True
                    on_link[i] = 0.0
                    epoch[i] = link_epoch[lid]
                    if phase == 0:
                        on_links[n_on] = i
                        n_on += 1
                        break
                # Travel the link (finish_travel).
                lid = where[i]
                speed = link_speed[lid]
                if start_on_foot and first_hop[i]:
                    speed = walk_speed
                pw = link_walk[lid]
                if pw > 0.0 and uniform(s) < pw:
                    speed = walk_speed
                on_link[i] += speed
                moved += speed
                dist = link_dist[lid]
                if not on_link[i] > dist:
                    break
                first_hop[i] = False
                moved += dist - on_link[i]
                travelling[i] = False
                if link_epoch[lid] != epoch[i]:
                    # The link closed while the agent was on it: back to its start.
                    to = link_src[lid]
                    where[i] = to
                    counts[to] += 1
                    break
                to = link_dst[lid]
                where[i] = to
                counts[to] += 1
                if not moved < speed:
                    break
                p = chance[to]
                if avoid_short_stints and is_town[to]:
                    if (recent[i] + moved / max_move_speed) / 2.0 < 0.5:
                        p = 1.0
                if p < 1.0 and not uniform(s) < p:
                    break
                loc = to
                leave = True
            if phase == 1 and avoid_short_stints:
                moved_by[i] = moved
    if avoid_short_stints:
        for i in range(n):
            recent[i] = (recent[i] + moved_by[i] / max_move_speed) / 2.0


def day_kernel() -> Callable[..., None]:
    """:func:`flee_day`, compiled or not as ``BORDERFLOW_KERNEL`` says (compiled once)."""
    return kernel(flee_day)
