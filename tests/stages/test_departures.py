"""Departures: background departures, people deported by Mexico setting out again, first lists."""

from __future__ import annotations

import numpy as np
from tiny_world import at, places, put, states, step, story, taken, tiny_world

from borderflow.model.world import ALREADY_WAITING
from borderflow.scenario.vocabulary import NATIONALITIES, State, Transition


def background(daily: str, arrivals: str = "constant", extra: str = "") -> str:
    return f"""
[background]
arrivals = "{arrivals}"
daily = {{ {daily} }}
origins = {{ HND = "home", MEX = "south", OTH = "home" }}
destinations = {{ tijuana = 1.0 }}
{extra}
"""


def test_a_deported_batch_due_on_day_two_sets_out_again_on_day_two(tiny):
    world = tiny_world(tiny)
    a, b = put(world, 2, State.DEPORTED_BY_MEXICO, "home", nationality="HND")
    world.handoffs.deported.put(np.array([a, b]), day=np.array([2, 3]))
    step(world, "departures", 0, 1)
    assert story(world) == [] and len(world.handoffs.setting_out) == 0
    step(world, "departures", 2)
    assert story(world) == [(2, a, Transition.SET_OUT_AGAIN, State.TRANSIT)]
    assert taken(world.handoffs.setting_out) == [([a], {"clock": 2.0})]
    assert states(world, [a, b]) == [State.TRANSIT, State.DEPORTED_BY_MEXICO]
    assert places(world, [a]) == ["home"]  # they set out from where they were sent
    step(world, "departures", 3)
    assert taken(world.handoffs.setting_out) == [([b], {"clock": 3.0})]


def test_even_background_departures_of_one_and_a_half_a_day_alternate_one_and_two(tiny):
    world = tiny_world(tiny, background("OTH = 1.5"))
    step(world, "departures", 0, 1, 2, 3)
    entered = story(world, entries=True)
    per_day = [sum(1 for d, *_ in entered if d == day) for day in range(4)]
    assert per_day == [1, 2, 1, 2]
    assert {(t, s) for _, _, t, s in entered} == {(Transition.DEPART, State.TRANSIT)}
    people = world.people
    assert people.count == 6
    assert people.ti_enter.tolist() == [0, 1, 1, 2, 3, 3]
    assert set(people.nationality.tolist()) == {NATIONALITIES.index("OTH")}
    assert set(people.place.tolist()) == set(at(world, "home"))
    assert set(people.dest.tolist()) == set(at(world, "tijuana"))
    batches = taken(world.handoffs.setting_out)
    assert [(who, values["clock"]) for who, values in batches] == [
        ([0], 0.0),
        ([1, 2], 1.0),
        ([3], 2.0),
        ([4, 5], 3.0),
    ]


def test_each_nationality_sets_out_from_its_own_origin(tiny):
    world = tiny_world(tiny, background("HND = 2.0, MEX = 1.0"))
    step(world, "departures", 0)
    people = world.people
    by_person = list(zip(people.nationality.tolist(), people.place.tolist(), strict=True))
    hnd, mex = NATIONALITIES.index("HND"), NATIONALITIES.index("MEX")
    assert sorted(by_person) == sorted(
        [(hnd, *at(world, "home")), (hnd, *at(world, "home")), (mex, *at(world, "south"))]
    )


def test_background_departures_stop_outside_their_dates(tiny):
    dates = "start = 2020-01-03\nend = 2020-01-04"
    world = tiny_world(tiny, background("OTH = 1.0", extra=dates))
    step(world, "departures", *range(6))
    assert world.people.ti_enter.tolist() == [2, 3]


def test_people_already_waiting_are_put_on_their_ports_list_on_day_zero_only(tiny):
    border = """
[border]
initial_waitlist = { san_ysidro = 3, calexico = 1 }
initial_waitlist_source = "assumed for the story"
"""
    world = tiny_world(tiny, border)
    step(world, "departures", 0)
    assert [g.name for g in world.groups] == [ALREADY_WAITING]
    entered = story(world, entries=True)
    assert [(d, i, t) for d, i, t, _ in entered] == [(0, i, Transition.DEPART) for i in range(4)]
    assert places(world, [0, 1, 2, 3]) == ["tijuana"] * 3 + ["mexicali"]
    # Their destination is their city, so nobody travels on.
    assert places(world, [0, 1, 2, 3]) == [world.net.ids[d] for d in world.people.dest]
    assert taken(world.handoffs.onto_waitlist) == [
        ([0, 1, 2], {"port": at(world, "san_ysidro") * 3}),
        ([3], {"port": at(world, "calexico")}),
    ]
    step(world, "departures", 1, 2)
    assert world.people.count == 4
    assert len(world.handoffs.onto_waitlist) == 0
