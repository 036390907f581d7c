"""Border: arrivals join their port's list or head to cross; beds, admissions by quota, reneging."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from tiny_world import (
    BACKGROUND,
    at,
    levers,
    parameters,
    places,
    put,
    states,
    step,
    story,
    taken,
    tiny_world,
)

from borderflow.scenario.vocabulary import State, Transition, WaitOutcome
from conftest import PLACES, policy

UNSHELTERED, SHELTERED = State.WAITING_UNSHELTERED, State.WAITING_SHELTERED
#: What every arrival's day begins with: reaching the city, then joining the list.
ARRIVAL = (Transition.REACH_BORDER_CITY, Transition.ARRIVE_BORDER)


def still(**more: float) -> str:
    """A port that admits nobody, no beds, nobody gives up: people just wait."""
    return levers(quota={"default": 0}, beds={"default": 0}) + parameters(p_renege=0.0, **more)


def arriving(world, n: int, city: str = "tijuana", **kwargs) -> list[int]:
    """``n`` travellers reaching ``city`` (their destination), handed to the border."""
    idx = put(world, n, State.TRANSIT, city, dest=city, **kwargs)
    world.handoffs.at_border_city.put(np.array(idx))
    return idx


def test_a_port_admits_its_quota_in_list_order_and_records_each_wait(tiny):
    world = tiny_world(tiny, levers(quota={"default": 1}), parameters(p_renege=0.0))
    a, b, c = arriving(world, 3)
    step(world, "border", 0)
    assert story(world) == [
        *[(0, i, Transition.REACH_BORDER_CITY, State.TRANSIT) for i in (a, b, c)],
        *[(0, i, Transition.ARRIVE_BORDER, UNSHELTERED) for i in (a, b, c)],
        (0, a, Transition.ADMITTED_AT_PORT, State.IN_CUSTODY),
    ]
    assert places(world, [a, b, c]) == ["san_ysidro"] * 3
    assert world.people.ti_queue[[a, b, c]].tolist() == [0, 0, 0]
    assert taken(world.handoffs.into_custody) == [([a], {})]
    step(world, "border", 1, 2, 3)
    admitted = [(d, i) for d, i, t, _ in story(world) if t == Transition.ADMITTED_AT_PORT]
    assert admitted == [(0, a), (1, b), (2, c)]
    assert taken(world.handoffs.into_custody) == [([b], {}), ([c], {})]
    waits = world.ledger.wait_table()
    assert waits.port.tolist() == at(world, "san_ysidro") * 3
    assert waits.outcome.tolist() == [WaitOutcome.ADMITTED] * 3
    assert waits.waited_days.tolist() == [0, 1, 2]
    assert waits.n.tolist() == [1, 1, 1]


def test_people_already_on_the_list_are_ahead_of_the_days_arrivals(tiny):
    world = tiny_world(tiny, levers(quota={"default": 1}), parameters(p_renege=0.0))
    (arrival,) = arriving(world, 1)
    (waiting,) = put(world, 1, State.TRANSIT, "tijuana")
    world.handoffs.onto_waitlist.put(np.array([waiting]), port=np.array(at(world, "san_ysidro")))
    step(world, "border", 0)
    assert taken(world.handoffs.into_custody) == [([waiting], {})]
    assert states(world, [arrival]) == [UNSHELTERED]


def test_a_free_bed_goes_to_the_first_to_arrive_and_frees_when_she_is_admitted(tiny):
    # One bed in Tijuana; nobody admitted until day 2, then one a day.
    start = dt.date(2020, 1, 1)
    world = tiny_world(
        tiny,
        levers(quota={"default": 0}, beds={"default": 0, "tijuana": 1}),
        parameters(p_renege=0.0),
        policy(start + dt.timedelta(days=2), '"quota.san_ysidro" = 1'),
    )
    a, b = arriving(world, 2)
    step(world, "border", 0, 1)
    assert states(world, [a, b]) == [SHELTERED, UNSHELTERED]
    # Day 2: beds are handed out before admissions, so b gets a's bed only on day 3.
    step(world, "border", 2)
    assert states(world, [a, b]) == [State.IN_CUSTODY, UNSHELTERED]
    step(world, "border", 3)
    beds = [(d, i) for d, i, t, _ in story(world) if t == Transition.GET_BED]
    assert beds == [(0, a), (3, b)]


@pytest.mark.parametrize(
    ("share_cross", "share_settle", "transition", "state", "place"),
    [
        (1.0, 0.0, None, UNSHELTERED, "san_ysidro"),
        (0.0, 1.0, Transition.SETTLE, State.SETTLED_IN_MEXICO, "tijuana"),
        (0.0, 0.0, Transition.GIVE_UP, State.RETURNED_HOME, "home"),
    ],
    ids=["cross", "settle", "go-home"],
)
def test_people_out_of_patience_leave_the_list_the_day_they_join_it(
    tiny, share_cross, share_settle, transition, state, place
):
    world = tiny_world(
        tiny,
        levers(quota={"default": 0}),
        parameters(p_renege=1.0, share_renege_cross=share_cross, share_renege_settle=share_settle),
    )
    (a,) = arriving(world, 1)
    step(world, "border", 0)
    left = [(d, i, t, s) for d, i, t, s in story(world) if t not in ARRIVAL]
    assert left == ([] if transition is None else [(0, a, transition, state)])
    assert states(world, [a]) == [state] and places(world, [a]) == [place]
    # Those who cross are handed on still waiting; crossing takes them today.
    assert taken(world.handoffs.crossers) == ([([a], {})] if share_cross else [])
    waits = world.ledger.wait_table()
    assert (waits.outcome.tolist(), waits.waited_days.tolist()) == ([WaitOutcome.LEFT_LIST], [0])


def test_a_patient_list_keeps_everyone_waiting_when_the_port_admits_nobody(tiny):
    world = tiny_world(tiny, still())
    idx = arriving(world, 3)
    step(world, "border", *range(5))
    assert states(world, idx) == [UNSHELTERED] * 3
    assert len(world.handoffs.into_custody) == 0 and len(world.handoffs.crossers) == 0
    assert len(world.ledger.wait_table()) == 0


def test_a_vanishing_chance_of_giving_up_never_ends_a_wait_in_the_run(tiny):
    # Patience drawn for p = 1e-70 is astronomically long: it must not wrap into the past.
    world = tiny_world(tiny, levers(quota={"default": 0}), parameters(p_renege=1e-70))
    step(world, "border", 0, 1)
    few, many = arriving(world, 3), arriving(world, 40)  # scheduled one by one, and at once
    step(world, "border", *range(2, 7))
    assert states(world, few + many) == [UNSHELTERED] * 43
    assert len(world.ledger.wait_table()) == 0


def test_an_arrival_who_will_not_queue_heads_to_cross_the_same_day(tiny):
    world = tiny_world(tiny, BACKGROUND, still(p_join_waitlist=0.0))
    a, b = arriving(world, 2)
    step(world, "border", 0)
    assert story(world) == [(0, i, Transition.REACH_BORDER_CITY, State.TRANSIT) for i in (a, b)]
    assert taken(world.handoffs.crossers) == [([a, b], {})]
    assert places(world, [a, b]) == ["tijuana", "tijuana"]


def test_a_city_without_an_asylum_port_sends_its_arrivals_to_cross(tiny):
    no_calexico = "".join(line for line in PLACES.splitlines(True) if "calexico" not in line)
    world = tiny_world(tiny, still(), places=no_calexico)
    (tj,) = arriving(world, 1, "tijuana")
    (mx,) = arriving(world, 1, "mexicali")
    step(world, "border", 0)
    assert taken(world.handoffs.crossers) == [([mx], {})]
    assert states(world, [tj, mx]) == [UNSHELTERED, State.TRANSIT]
