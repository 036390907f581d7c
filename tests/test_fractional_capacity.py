"""Fractional capacities: a capacity a day carries its fraction, beds are rounded.

Also the network's hop counts, which must stay quick at the largest network a scenario
may hold.
"""

from __future__ import annotations

import datetime as dt
import itertools
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from borderflow.engine.run import run
from borderflow.model.network import build_network, next_hop_depths
from borderflow.scenario.bounds import MAX_CAPACITY, MAX_DAYS, MAX_PLACES, UNLIMITED
from borderflow.scenario.levers import per_day_counts, stock_counts
from borderflow.scenario.vocabulary import State, Transition
from conftest import daily_flow, daily_stock, head_for, list_length, policy, single_port_body

START = dt.date(2000, 1, 1)
N_DAYS = 30
#: 0.4 a day, from day 0: the running sum passes a whole number on days 2 and 4 of 5.
EVERY_FIFTH = np.tile([0, 0, 1, 0, 1], N_DAYS // 5)


def with_levers(body: str, levers: str) -> str:
    """``body`` with extra lines in its ``[levers]`` table."""
    return body.replace("[levers]\n", "[levers]\n" + levers, 1)


# --- the rules ---------------------------------------------------------------------------


def test_a_fraction_a_day_is_carried_to_the_days_after():
    assert per_day_counts(np.full(N_DAYS, 0.4)).tolist() == EVERY_FIFTH.tolist()
    # Ten days of 0.1 make one, though 0.1 summed ten times falls short of 1.0.
    assert per_day_counts(np.full(20, 0.1)).tolist() == [0] * 9 + [1] + [0] * 9 + [1]
    columns = per_day_counts(np.tile([0.5, 2.25], (8, 1)))
    assert columns.T.tolist() == [[0, 1] * 4, [2, 2, 2, 3] * 2]


def test_unlimited_days_stay_unlimited_and_keep_the_carry():
    values = np.array([0.4, 0.4, np.inf, 0.4, 0.4, UNLIMITED, 0.4, 3.0, 0.4])
    assert per_day_counts(values).tolist() == [0, 0, UNLIMITED, 1, 0, UNLIMITED, 1, 3, 0]


def test_whole_numbers_are_their_own_counts():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 1_000, (MAX_DAYS, 3)).astype(float)
    values[:, 2] = MAX_CAPACITY  # the running sum reaches about 3.7e13: still exact
    assert np.array_equal(per_day_counts(values), values.astype(np.int64))


def test_stocks_are_rounded_half_up():
    counts = stock_counts(np.array([2.6, 2.5, 2.4, 0.49, 0.0, np.inf]))
    assert counts.tolist() == [3, 3, 2, 0, 0, UNLIMITED]


# --- the stages --------------------------------------------------------------------------


def test_a_fractional_quota_admits_two_in_five_days(tiny):
    """0.4 a day at a port with a long list: 1 admitted on days 2, 4, 7, 9, …"""
    sc = tiny(single_port_body("constant", 10, 0.4, p_renege=0.0), head=head_for(N_DAYS, START))
    out = run(sc, seed=1, check=True)
    admitted = daily_flow(out, Transition.ADMITTED_AT_PORT)
    assert admitted.tolist() == EVERY_FIFTH.tolist()


def test_a_whole_quota_admits_its_value_every_day(tiny):
    sc = tiny(single_port_body("constant", 10, 3, p_renege=0.0), head=head_for(N_DAYS, START))
    out = run(sc, seed=1, check=True)
    assert daily_flow(out, Transition.ADMITTED_AT_PORT).tolist() == [3] * N_DAYS


def test_fractional_interviews_and_removals_carry_their_fraction(tiny):
    """Everyone is admitted; 0.4 interviews a day all fail; 0.3 removals a day."""
    body = with_levers(
        single_port_body("constant", 10, '"unlimited"', p_renege=0.0),
        "    cf_interviews_per_day = 0.4\n"
        "    p_credible_fear_pass = 0.0\n"
        "    removals_per_day = 0.3\n",
    )
    out = run(tiny(body, head=head_for(N_DAYS, START)), seed=1, check=True)
    interviewed = daily_flow(out, Transition.CREDIBLE_FEAR_FAILED)
    assert interviewed.tolist() == EVERY_FIFTH.tolist()
    # The removal queue never empties after the first failed interview (day 2).
    removed = daily_flow(out, Transition.REMOVED)
    assert removed.tolist() == per_day_counts(np.full(N_DAYS, 0.3)).tolist()
    assert removed.sum() == 9


def test_fractional_beds_are_whole_beds(tiny):
    """2.6 shelter beds and 2.6 detention beds hold 3 people each."""
    shelter = single_port_body("constant", 10, 0, p_renege=0.0).replace(
        "beds = { default = 0 }", "beds = { default = 2.6 }"
    )
    out = run(tiny(shelter, head=head_for(N_DAYS, START)), seed=1, check=True)
    assert daily_stock(out, State.WAITING_SHELTERED).max() == 3
    assert list_length(out)[-1] == 10 * N_DAYS

    detention = with_levers(
        single_port_body("constant", 10, 5, p_renege=0.0),
        "    detention_beds = 2.6\n    p_credible_fear_pass = 1.0\n",
    )
    out = run(tiny(detention, head=head_for(N_DAYS, START)), seed=1, check=True)
    assert daily_stock(out, State.DETAINED).max() == 3


def test_a_scaled_quota_admits_its_share(tiny):
    """Scaled by 0.1, a quota of 8 is 0.8 a day: about a tenth as many admitted, not none."""
    sc = tiny(single_port_body("constant", 20, 8, p_renege=0.0), head=head_for(60, START))
    full = daily_flow(run(sc, seed=1), Transition.ADMITTED_AT_PORT).sum()
    tenth = daily_flow(run(sc.scaled(0.1), seed=1), Transition.ADMITTED_AT_PORT).sum()
    assert full == 8 * 60
    assert 0.5 < tenth / (full / 10) < 2


def test_unlimited_after_a_fractional_quota_admits_everyone(tiny):
    """Quota 0.5 for a day, then unlimited: the whole list is admitted on the next day."""
    body = single_port_body("constant", 10, 0.5, p_renege=0.0) + policy(
        dt.date(2000, 1, 2), '"quota.san_ysidro" = "unlimited"'
    )
    out = run(tiny(body, head=head_for(N_DAYS, START)), seed=1, check=True)
    admitted = daily_flow(out, Transition.ADMITTED_AT_PORT)
    assert admitted.tolist() == [0, 20] + [10] * (N_DAYS - 2)
    assert not list_length(out)[1:].any()


# --- hop counts --------------------------------------------------------------------------


def hops_one_road_at_a_time(next_hop: np.ndarray) -> np.ndarray:
    """Reference: follow next hops one road a round, for every pair at once."""
    n = len(next_hop)
    hops = np.where(np.eye(n, dtype=bool) & (next_hop >= 0), 0, -1)
    dest = np.broadcast_to(np.arange(n), (n, n))
    nxt = next_hop.astype(np.int64)
    for _ in range(n):
        ahead = hops[np.where(nxt >= 0, nxt, 0), dest]
        grew = (hops < 0) & (nxt >= 0) & (ahead >= 0)
        if not grew.any():
            break
        hops[grew] = ahead[grew] + 1
    return hops


def random_next_hops(n: int, seed: int) -> np.ndarray:
    """Next hops of a random road network with two parts and places off the roads."""
    rng = np.random.default_rng(seed)
    km = np.triu(rng.uniform(1, 100, (n, n)) * (rng.random((n, n)) < 0.08), 1)
    km[: n // 3, n // 3 :] = 0  # two parts with no road between them
    km = km + km.T
    on_roads = np.arange(n - 5)  # the last five are not on the roads
    _, pred = dijkstra(csr_matrix(km), directed=False, indices=on_roads, return_predecessors=True)
    next_hop = np.full((n, n), -1, np.int16)
    next_hop[:, on_roads] = np.where(pred >= 0, pred, -1).T
    next_hop[on_roads, on_roads] = on_roads
    return next_hop


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hop_counts_follow_the_next_hops(seed):
    next_hop = random_next_hops(120, seed)
    expected = hops_one_road_at_a_time(next_hop)
    assert (expected > 1).any() and (expected == -1).any()
    assert np.array_equal(next_hop_depths(next_hop), expected)


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail instead of hanging when the block takes more than ``seconds``."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_chain_of_the_most_places_builds_its_network(tiny):
    towns = MAX_PLACES - 4  # with the origin, the border city, its port and its sector
    rows = [f"t{i},T{i},MEX,{14 + i * 0.004:.4f},-92.0,town,," for i in range(towns)]
    places = "\n".join(
        [
            "id,name,country,latitude,longitude,kind,parent,population",
            "home,Home,HND,14.1,-87.2,origin,,",
            *rows,
            "tijuana,Tijuana,MEX,32.5,-117.0,border_city,san_diego_sector,",
            "san_ysidro,San Ysidro,USA,32.54,-117.03,port_of_entry,tijuana,",
            "san_diego_sector,San Diego sector,USA,32.7,-117.1,us_sector,,",
        ]
    )
    chain = ["home", *(f"t{i}" for i in range(towns)), "tijuana"]
    routes = "\n".join(
        ["from,to,distance_km,modes"] + [f"{a},{b},1,walk" for a, b in itertools.pairwise(chain)]
    )
    sc = tiny(places=places + "\n", routes=routes + "\n")
    assert len(sc.places) == MAX_PLACES
    with time_limit(60):
        net = build_network(sc)
        hops = net.hops
    home, city = net.index("home"), net.index("tijuana")
    assert hops[home, city] == len(chain) - 1
    assert net.path(home, city) == [net.index(p) for p in chain]
    assert hops[net.index("san_ysidro"), city] == -1
