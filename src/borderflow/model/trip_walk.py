"""Walking planned trips hop by hop: compiled with Numba when it is there, else NumPy.

Both versions take the same uniforms (two per hop: mode and rest days; one
per person for refuge on entering Mexico, which a trip to a Mexican border city
does at most once), do the same arithmetic in the same order, and write the
same hops into the trip pool and the same moves into the ledger's grid of moves
booked by day, so they give identical trips (tested). A hop's two uniforms are
not drawn beforehand but worked out where they are needed, from the walk's key
and the hop's row (:func:`hop_uniforms`, a counter-based generator): only the
hops actually walked cost a draw, and nothing the size of every hop a trip
could take is held. Numba turns
the walk into a plain loop, which is what a trip is: hops one after another.
Set ``BORDERFLOW_KERNEL=numpy`` to use the NumPy version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from borderflow.model.kernels import use_numba
from borderflow.model.ledger import book

#: Event kinds a walk can end with (same codes as ``borderflow.model.world.Event``).
ARRIVE, DETAIN, REFUGE, GIVE_UP, SETTLE = 1, 2, 3, 4, 5
HAZARDS = np.array([DETAIN, REFUGE, GIVE_UP, SETTLE], np.int8)
#: Most rest days a hop can draw (the Poisson inverse stops there).
MAX_REST = 10_000
#: Why a walk stops: a trip went on past the hops its road to the border city has.
TOO_MANY_HOPS = "a planned trip took more hops than the road to its border city has"

# SplitMix64 (Steele, Lea & Flood 2014): the uniform of counter c under key k is the
# finaliser applied to k + (c + 1) * GOLDEN. Its output stream passes BigCrush, and the
# same integer steps give the same bits in Numba and in NumPy.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TWO_POW_M53 = 2.0**-53


@dataclass(frozen=True)
class Road:
    """The network and the travel parameters a walk needs."""

    next_hop: np.ndarray  # int16 (n, n)
    km: np.ndarray  # float (n, n)
    modes: np.ndarray  # uint8 (n, n)
    in_mexico: np.ndarray  # bool (n,)
    bus_bit: int
    train_bit: int
    walk_speed: float
    bus_speed: float
    train_speed: float
    p_bus: float
    p_train: float
    rest_ratio: float  # expected rest days per travel day
    #: ``exp(-lam)`` of each road's rest days by mode (walk, bus, train), worked out once
    #: so that both versions share the same value (vectorized ``exp`` may differ in the
    #: last bit from the scalar one).
    rest_p0: np.ndarray

    @staticmethod
    def speeds_of(walk: float, bus: float, train: float) -> np.ndarray:
        """Speeds in the order of ``rest_p0``'s first axis."""
        return np.array([walk, bus, train])


@dataclass
class Walkers:
    """Who walks, from where, and the uniforms they take."""

    dest: np.ndarray  # int64
    cur: np.ndarray  # int64: place left
    t0: np.ndarray  # float: time the walk starts
    leg_v: np.ndarray  # int64: with has_leg, the hop under way (next place...)
    leg_t: np.ndarray  # float: (...and when it is reached)
    has_leg: bool
    offset: np.ndarray  # int64: hop k takes row offset[i] + k of the walk's uniforms
    key: np.uint64  # key of the walk's uniforms (see hop_uniforms)
    entry_u: np.ndarray  # uniform: refuge on entering Mexico
    budget: np.ndarray  # exponential: the hazard a person can take
    kind_u: np.ndarray  # uniform: which hazard
    rates: np.ndarray  # (4, n): detain, refuge, give up, settle (in Mexico)
    foreign: np.ndarray  # bool
    p_entry: np.ndarray  # float
    group: np.ndarray  # int64
    slot: np.ndarray  # int64: hop k goes to pool entry slot[i] + k
    hops: np.ndarray  # int64: most hops the trip can take (the pool entries kept for it)


@dataclass
class Sink:
    """Where walks write: the trip pool, and the moves booked by (day, road, group)."""

    pool_place: np.ndarray
    pool_t: np.ndarray
    future: np.ndarray  # int32 (days, roads * groups); empty when not booking here
    road_id: np.ndarray  # int64 (n, n)
    n_groups: int


@dataclass
class Walked:
    """What a walk gives per person."""

    n_walked: np.ndarray
    t_end: np.ndarray
    kind: np.ndarray
    reached_last: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Walked:
        """Outputs for ``n`` people before the walk."""
        return cls(
            np.zeros(n, np.int64), np.zeros(n), np.full(n, ARRIVE, np.int8), np.ones(n, bool)
        )


def hop_uniforms(key: np.uint64, rows: np.ndarray) -> np.ndarray:
    """The two uniforms (mode, rest days) of each hop row of a walk keyed ``key``.

    Uniform ``j`` of row ``r`` is SplitMix64's output for counter ``2 r + j``: 53 bits
    scaled to [0, 1). The compiled walk does the same steps one hop at a time.
    """
    counter = (np.asarray(rows, np.int64)[:, None] * 2 + np.arange(2)).astype(np.uint64)
    z = key + (counter + np.uint64(1)) * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * TWO_POW_M53


def _poisson_inverse(u: np.ndarray, lam: np.ndarray, p0: np.ndarray) -> np.ndarray:
    k = np.zeros(len(u))
    p = p0.copy()
    cdf = p0.copy()
    more = np.flatnonzero(u > cdf)
    n = 0
    while len(more) and n < MAX_REST:
        n += 1
        k[more] = n
        p[more] = p[more] * (lam[more] / n)
        cdf[more] = cdf[more] + p[more]
        more = more[u[more] > cdf[more]]
    return k


def _hop_days(
    road: Road, u: np.ndarray, v: np.ndarray, d_mode: np.ndarray, d_rest: np.ndarray
) -> np.ndarray:
    modes = road.modes[u, v]
    has_bus = (modes & road.bus_bit) > 0
    has_train = (modes & road.train_bit) > 0
    speed = np.full(len(u), road.walk_speed)
    mode = np.zeros(len(u), np.int64)
    bus = has_bus & (d_mode < road.p_bus)
    w = np.where(has_bus, (d_mode - road.p_bus) / max(1.0 - road.p_bus, 1e-300), d_mode)
    train = has_train & ~bus & (w < road.p_train)
    speed[train], mode[train] = road.train_speed, 2
    speed[bus], mode[bus] = road.bus_speed, 1
    moving = road.km[u, v] / speed
    if road.rest_ratio <= 0:
        return moving
    p0 = road.rest_p0[mode, u, v]
    return moving + _poisson_inverse(d_rest, moving * road.rest_ratio, p0)


def walk_numpy(road: Road, w: Walkers, sink: Sink) -> Walked:
    """Walk every trip, hop k of all people at once (NumPy)."""
    n = len(w.dest)
    out = Walked.empty(n)
    cur, t, budget = w.cur.copy(), w.t0.astype(float).copy(), w.budget.copy()
    active = np.arange(n)
    k = 0
    while len(active):  # one hop a round; a trip has at most hops[i] (checked)
        if (k >= w.hops[active]).any():
            raise RuntimeError(TOO_MANY_HOPS)
        u = cur[active]
        if w.has_leg and k == 0:
            v, t_next = w.leg_v.copy(), w.leg_t.astype(float)
        else:
            v = road.next_hop[u, w.dest[active]].astype(np.int64)
            draws = hop_uniforms(w.key, w.offset[active] + k)
            t_next = t[active] + _hop_days(road, u, v, draws[:, 0], draws[:, 1])
        mex = road.in_mexico[u].astype(float)
        r0 = w.rates[0, active] * mex
        r1 = w.rates[1, active] * mex
        r2 = w.rates[2, active]
        r3 = w.rates[3, active] * mex
        total = ((r0 + r1) + r2) + r3
        exposure = total * np.maximum(t_next - t[active], 0.0)
        slot = w.slot[active] + k
        sink.pool_place[slot], sink.pool_t[slot] = v, t_next
        out.n_walked[active] = k + 1
        hit = exposure >= budget[active]
        if hit.any():
            who = active[hit]
            out.t_end[who] = t[who] + budget[who] / total[hit]
            x = w.kind_u[who] * total[hit]
            which = (
                (x > r0[hit]).astype(np.int64)
                + (x > r0[hit] + r1[hit])
                + (x > (r0[hit] + r1[hit]) + r2[hit])
            )
            out.kind[who] = HAZARDS[which]
            out.reached_last[who] = False
        go = ~hit
        active, u, v, t_next = active[go], u[go], v[go], t_next[go]
        if len(sink.future):
            cols = sink.road_id[u, v] * sink.n_groups + w.group[active]
            book(sink.future, np.floor(t_next).astype(np.int64), cols)
        budget[active] = budget[active] - exposure[go]
        entering = w.foreign[active] & road.in_mexico[v] & ~road.in_mexico[u]
        stays = entering & (w.entry_u[active] < w.p_entry[active])
        cur[active], t[active] = v, t_next
        done = stays | (v == w.dest[active])
        out.t_end[active[done]] = t_next[done]
        out.kind[active[stays]] = REFUGE
        active = active[~done]
        k += 1
    return out


def _walk_loop(  # type: ignore[no-untyped-def]
    next_hop, km, modes, in_mexico, bus_bit, train_bit, walk_speed, bus_speed, train_speed,
    p_bus, p_train, rest_ratio, rest_p0,
    dest, cur, t0, leg_v, leg_t, has_leg, offset, key, entry_u, budget, kind_u, rates,
    foreign, p_entry, group, slots, hops,
    pool_place, pool_t, future, road_id, n_groups,
    n_walked, t_end, kind, reached_last,
):  # fmt: skip
    n_days = future.shape[0]
    for i in range(len(dest)):
        u = cur[i]
        t = t0[i]
        b = budget[i]
        k = 0
        # Per person once, not per hop.
        ra0, ra1, ra2, ra3 = rates[0, i], rates[1, i], rates[2, i], rates[3, i]
        di, si, oi, gi = dest[i], slots[i], offset[i], group[i]
        while True:  # one hop a round; a trip has at most hops[i]
            if k >= hops[i]:
                raise RuntimeError(TOO_MANY_HOPS)
            if has_leg and k == 0:
                v = leg_v[i]
                t_next = leg_t[i]
            else:
                # The hop's two uniforms: hop_uniforms, one counter at a time.
                counter = np.uint64(2 * (oi + k))
                z = key + (counter + np.uint64(1)) * GOLDEN
                z = (z ^ (z >> np.uint64(30))) * MIX1
                z = (z ^ (z >> np.uint64(27))) * MIX2
                z = z ^ (z >> np.uint64(31))
                d = float(z >> np.uint64(11)) * TWO_POW_M53
                z = key + (counter + np.uint64(2)) * GOLDEN
                z = (z ^ (z >> np.uint64(30))) * MIX1
                z = (z ^ (z >> np.uint64(27))) * MIX2
                z = z ^ (z >> np.uint64(31))
                d_rest = float(z >> np.uint64(11)) * TWO_POW_M53
                v = next_hop[u, di]
                m = modes[u, v]
                speed = walk_speed
                mode = 0
                bus = (m & bus_bit) > 0 and d < p_bus
                if (m & bus_bit) > 0:
                    w = (d - p_bus) / max(1.0 - p_bus, 1e-300)
                else:
                    w = d
                if (m & train_bit) > 0 and not bus and w < p_train:
                    speed = train_speed
                    mode = 2
                if bus:
                    speed = bus_speed
                    mode = 1
                moving = km[u, v] / speed
                if rest_ratio > 0:
                    lam = moving * rest_ratio
                    p = rest_p0[mode, u, v]
                    cdf = p
                    rest = 0
                    while d_rest > cdf and rest < MAX_REST:
                        rest += 1
                        p = p * (lam / rest)
                        cdf = cdf + p
                    t_next = t + (moving + rest)
                else:
                    t_next = t + moving
            mex = 1.0 if in_mexico[u] else 0.0
            r0 = ra0 * mex
            r1 = ra1 * mex
            r2 = ra2
            r3 = ra3 * mex
            total = ((r0 + r1) + r2) + r3
            exposure = total * max(t_next - t, 0.0)
            pool_place[si + k] = v
            pool_t[si + k] = t_next
            n_walked[i] = k + 1
            if exposure >= b:
                t_end[i] = t + b / total
                x = kind_u[i] * total
                which = (x > r0) + (x > r0 + r1) + (x > (r0 + r1) + r2)
                kind[i] = HAZARDS[which]
                reached_last[i] = False
                break
            day = int(np.floor(t_next))
            if day < n_days:
                future[day, road_id[u, v] * n_groups + gi] += 1
            b = b - exposure
            if foreign[i] and in_mexico[v] and not in_mexico[u] and entry_u[i] < p_entry[i]:
                t_end[i] = t_next
                kind[i] = REFUGE
                break
            if v == di:
                t_end[i] = t_next
                break
            u = v
            t = t_next
            k += 1


_compiled: Any = None


def walk(road: Road, walkers: Walkers, sink: Sink) -> Walked:
    """Walk every trip until it ends (a hazard, refuge on entry, or the border city).

    Person ``i`` starts at ``cur[i]`` at time ``t0[i]`` (with ``has_leg``, on the hop to
    ``leg_v[i]`` reached at ``leg_t[i]``), takes hop ``k``'s uniforms from row
    ``offset[i] + k`` of the walk's uniforms (:func:`hop_uniforms` of ``key``), meets
    its first hazard when the integrated rate passes ``budget[i]`` (an exponential
    draw), writes hop ``k`` to pool entry ``slot[i] + k`` and books each hop it
    reaches in ``sink.future``.
    """
    if not use_numba():
        return walk_numpy(road, walkers, sink)
    global _compiled
    if _compiled is None:
        import numba

        _compiled = numba.njit(cache=True, nogil=True)(_walk_loop)
    w = walkers
    out = Walked.empty(len(w.dest))
    future = sink.future if len(sink.future) else np.zeros((0, 1), np.int32)
    _compiled(
        road.next_hop, road.km, road.modes, road.in_mexico, road.bus_bit, road.train_bit,
        road.walk_speed, road.bus_speed, road.train_speed, road.p_bus, road.p_train,
        road.rest_ratio, road.rest_p0,
        w.dest, w.cur, w.t0, w.leg_v, w.leg_t, w.has_leg, w.offset, np.uint64(w.key), w.entry_u,
        w.budget, w.kind_u, np.ascontiguousarray(w.rates), w.foreign, w.p_entry, w.group,
        w.slot, w.hops,
        sink.pool_place, sink.pool_t, future, sink.road_id, sink.n_groups,
        out.n_walked, out.t_end, out.kind, out.reached_last,
    )  # fmt: skip
    return out
