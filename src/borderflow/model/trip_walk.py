"""Walking planned trips hop by hop: one loop, compiled with Numba or run as it is.

A trip is hops one after another, each starting where the last one ended, so the walk is
a plain loop over people and their hops (:func:`walk`). With Numba (a dependency) the loop
is compiled, once, on first use (:func:`borderflow.model.kernels.kernel`);
``BORDERFLOW_KERNEL=numpy`` runs the very same function uncompiled, far more slowly: it is
there to check the compiled one, not to run scenarios.

A hop takes two uniforms (mode and rest days), and a person one more for refuge on
entering Mexico, which a trip to a Mexican border city does at most once. A hop's two
uniforms are not drawn beforehand but worked out where they are needed, from the walk's
key and the hop's row (:func:`splitmix64`, a counter-based generator): only the hops
actually walked cost a draw, and nothing the size of every hop a trip could take is held.
A hop's duration (mode, travel, rest days) is :func:`hop_days`; its parts
:func:`hop_mode` and :func:`travel_days` take any uniforms, for legs that draw their own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from borderflow.model.kernels import jitable, kernel
from borderflow.scenario.vocabulary import TRANSIT_HAZARDS, Event

#: Event kinds a walk can end with, as plain integers for the compiled loop.
ARRIVE, REFUGE = int(Event.ARRIVE), int(Event.REFUGE)
HAZARDS = np.array([int(k) for k in TRANSIT_HAZARDS], np.int8)
#: Modes of a hop: indices of ``Road.speeds_of`` and of ``Road.rest_p0``'s first axis.
WALK, BUS, TRAIN = 0, 1, 2
#: Most rest days a hop can draw (the Poisson inverse stops there).
MAX_REST = 10_000
#: Why a walk stops: a trip went on past the hops its road to the border city has.
TOO_MANY_HOPS = "a planned trip took more hops than the road to its border city has"

# SplitMix64 (Steele, Lea & Flood 2014): the uniform of counter c under key k is the
# finaliser applied to k + (c + 1) * GOLDEN. Its output stream passes BigCrush, and its
# integer steps give the same bits compiled or not, on one number or on an array.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TWO_POW_M53 = 2.0**-53


class Travel(NamedTuple):
    """How people travel a hop: the modes' bits, speeds and chances, and the rest days.

    Apart from the road's arrays: a compiled loop reading an array out of a tuple pays for
    it at every read, and pays nothing for a number.
    """

    bus_bit: int
    train_bit: int
    walk_speed: float
    bus_speed: float
    train_speed: float
    p_bus: float
    p_train: float
    rest_ratio: float  # expected rest days per travel day


class Road(NamedTuple):
    """The network and the travel parameters a walk needs."""

    next_hop: np.ndarray  # int16 (n, n)
    km: np.ndarray  # float (n, n)
    modes: np.ndarray  # uint8 (n, n)
    in_mexico: np.ndarray  # bool (n,)
    #: The factor of the detention rate at each place: 0 outside Mexico, the day's
    #: ``mexico_southern_enforcement`` on its southern border, else 1.
    detain_at: np.ndarray  # float (n,)
    travel: Travel
    #: ``exp(-lam)`` of each road's rest days by mode (walk, bus, train), worked out once
    #: per run, with NumPy: Numba's ``exp`` may differ from it in the last bit, and the
    #: compiled and uncompiled walks must see the same value.
    rest_p0: np.ndarray

    @staticmethod
    def speeds_of(walk: float, bus: float, train: float) -> np.ndarray:
        """Speeds in the order of ``rest_p0``'s first axis."""
        return np.array([walk, bus, train])


class Walkers(NamedTuple):
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
    weight: np.ndarray  # int64: people each walker books a move for (itself, its followers)
    slot: np.ndarray  # int64: hop k goes to pool entry slot[i] + k
    hops: np.ndarray  # int64: most hops the trip can take (the pool entries kept for it)


class Sink(NamedTuple):
    """Where walks write: the trip pool, and the moves booked by (day, road, group)."""

    pool_place: np.ndarray
    pool_t: np.ndarray
    future: np.ndarray  # int32 (days, roads * groups); empty when not booking here
    road_id: np.ndarray  # int64 (n, n)
    n_groups: int


class Walked(NamedTuple):
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


@jitable
def splitmix64(key: np.uint64, counter: Any) -> Any:
    """SplitMix64's output for ``counter`` under ``key``: 53 bits scaled to [0, 1).

    A float for a ``np.uint64``, element by element for an array of them.
    """
    z = key + (counter + np.uint64(1)) * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)) * TWO_POW_M53


def hop_uniforms(key: np.uint64, rows: np.ndarray) -> np.ndarray:
    """The two uniforms (mode, rest days) of each hop row of a walk keyed ``key``.

    Uniform ``j`` of row ``r`` is :func:`splitmix64` of counter ``2 r + j``, as the walk
    works them out one hop at a time.
    """
    counter = (np.asarray(rows, np.int64)[:, None] * 2 + np.arange(2)).astype(np.uint64)
    return np.asarray(splitmix64(np.uint64(key), counter))


@jitable
def hop_mode(travel: Travel, modes: int, u_bus: float, u_train: float) -> int:
    """A hop's mode: by bus, by train, or on foot (``WALK``, ``BUS`` or ``TRAIN``).

    The bus when the road has one (a bit of ``modes``) and ``u_bus < p_bus``, else the train
    when the road has one and ``u_train < p_train``, else on foot.
    """
    if (modes & travel.bus_bit) > 0 and u_bus < travel.p_bus:
        return BUS
    if (modes & travel.train_bit) > 0 and u_train < travel.p_train:
        return TRAIN
    return WALK


@jitable
def travel_days(travel: Travel, km: float, mode: int) -> float:
    """Days spent moving ``km`` by ``mode``."""
    speed = travel.walk_speed
    if mode == BUS:
        speed = travel.bus_speed
    elif mode == TRAIN:
        speed = travel.train_speed
    return km / speed


@jitable
def rest_days(u: float, lam: float, p0: float) -> int:
    """Poisson(``lam``) by inversion of the uniform ``u`` (``p0`` is ``exp(-lam)``)."""
    p = p0
    cdf = p0
    k = 0
    while u > cdf and k < MAX_REST:
        k += 1
        p = p * (lam / k)
        cdf = cdf + p
    return k


@jitable
def hop_days(
    travel: Travel,
    km: np.ndarray,
    modes: np.ndarray,
    rest_p0: np.ndarray,
    u: int,
    v: int,
    d_mode: float,
    d_rest: float,
) -> float:
    """Days (fractional) from ``u`` to its neighbour ``v``, rest days included.

    One uniform, ``d_mode``, chooses the mode: below ``p_bus`` the bus where there is one,
    and the train by what lies above, scaled back to [0, 1); ``d_rest`` gives the rest days.
    ``km``, ``modes`` and ``rest_p0`` are the road's.
    """
    m = modes[u, v]
    u_train = d_mode
    if (m & travel.bus_bit) > 0:
        u_train = (d_mode - travel.p_bus) / max(1.0 - travel.p_bus, 1e-300)
    mode = hop_mode(travel, m, d_mode, u_train)
    moving = travel_days(travel, km[u, v], mode)
    if travel.rest_ratio <= 0:
        return moving
    return moving + rest_days(d_rest, moving * travel.rest_ratio, rest_p0[mode, u, v])


@jitable
def _hazard(x: float, r0: float, r1: float, r2: float) -> int:
    """Which of the four hazards (index of HAZARDS) ``x``, a uniform times the total rate, picks."""
    return int(x > r0) + int(x > r0 + r1) + int(x > (r0 + r1) + r2)


def _walk_loop(road: Road, travel: Travel, w: Walkers, sink: Sink, out: Walked) -> None:
    """Walk person after person, hop after hop, writing to ``sink`` and ``out``.

    Over 60 lines: a hop's steps (where to, when, the hazards on the way, what is written)
    read best in order, and a helper taking a person's state would cost more per hop than
    the work it does. The arrays are taken out of their tuples once, not at every read.
    """
    next_hop, km, modes, in_mexico = road.next_hop, road.km, road.modes, road.in_mexico
    rest_p0, detain_at = road.rest_p0, road.detain_at
    dest, cur, t0, leg_v, leg_t, has_leg = w.dest, w.cur, w.t0, w.leg_v, w.leg_t, w.has_leg
    offset, key, entry_u, budget, kind_u = w.offset, w.key, w.entry_u, w.budget, w.kind_u
    rates, foreign, p_entry, group, weight = w.rates, w.foreign, w.p_entry, w.group, w.weight
    slots, hops = w.slot, w.hops
    pool_place, pool_t, future, road_id = sink.pool_place, sink.pool_t, sink.future, sink.road_id
    n_walked, t_end, kind, reached_last = out.n_walked, out.t_end, out.kind, out.reached_last
    n_groups = sink.n_groups
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
                v = next_hop[u, di]
                counter = np.uint64(2 * (oi + k))  # the row's two uniforms, as in hop_uniforms
                d_mode = splitmix64(key, counter)
                d_rest = splitmix64(key, counter + np.uint64(1))
                t_next = t + hop_days(travel, km, modes, rest_p0, u, v, d_mode, d_rest)
            mex = 1.0 if in_mexico[u] else 0.0
            r0 = ra0 * detain_at[u]
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
                kind[i] = HAZARDS[_hazard(kind_u[i] * total, r0, r1, r2)]
                reached_last[i] = False
                break
            day = int(np.floor(t_next))
            if day < n_days:
                future[day, road_id[u, v] * n_groups + gi] += weight[i]
            b = b - exposure
            entering = foreign[i] and in_mexico[v] and not in_mexico[u]
            if entering and entry_u[i] < p_entry[i]:
                t_end[i] = t_next
                kind[i] = REFUGE
                break
            if v == di:
                t_end[i] = t_next
                break
            u = v
            t = t_next
            k += 1


def walk(road: Road, walkers: Walkers, sink: Sink) -> Walked:
    """Walk every trip until it ends (a hazard, refuge on entry, or the border city).

    Person ``i`` starts at ``cur[i]`` at time ``t0[i]`` (with ``has_leg``, on the hop to
    ``leg_v[i]`` reached at ``leg_t[i]``), takes hop ``k``'s uniforms from row
    ``offset[i] + k`` of the walk's uniforms (:func:`hop_uniforms` of ``key``), meets
    its first hazard when the integrated rate passes ``budget[i]`` (an exponential
    draw), writes hop ``k`` to pool entry ``slot[i] + k`` and books each hop it
    reaches in ``sink.future``.

    Raises:
        RuntimeError: if a trip takes more hops than ``hops[i]``.
    """
    out = Walked.empty(len(walkers.dest))
    # The same types every call, so that the loop is compiled once.
    w = walkers._replace(key=np.uint64(walkers.key), rates=np.ascontiguousarray(walkers.rates))
    if not len(sink.future):
        sink = sink._replace(future=np.zeros((0, 1), np.int32))
    # SplitMix64 wraps modulo 2**64 by design: uncompiled, NumPy would warn each time.
    with np.errstate(over="ignore"):
        kernel(_walk_loop)(road, road.travel, w, sink, out)
    return out
