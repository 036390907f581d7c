"""Transit: trips planned at setting out, the road's hazards, caravans moving as one."""

from __future__ import annotations

import numpy as np
from tiny_world import BACKGROUND, parameters, places, put, states, step, story, taken, tiny_world

from borderflow.engine.run import places_now
from borderflow.scenario.vocabulary import State, Transition

#: A road without hazards, rests or rides, walked at 480 km a day: home -> south (480 km) takes
#: one day, south -> middle (960 km) and middle -> Tijuana (960 km) two each.
CALM = {
    "p_detain_mexico": 0.0,
    "p_refuge_mexico": 0.0,
    "p_give_up_transit": 0.0,
    "p_settle_transit": 0.0,
    "p_refuge_at_entry": 0.0,
    "p_rest_day": 0.0,
    "p_take_bus": 0.0,
    "p_take_train": 0.0,
    "walk_km_per_day": 480.0,
}


def road(**changes: float) -> str:
    return BACKGROUND + parameters(**{**CALM, **changes})


def setting_out(world, n: int, place: str, day: int = 0, **kwargs) -> list[int]:
    """``n`` travellers at ``place`` bound for Tijuana, setting out alone on ``day``."""
    idx = put(world, n, State.TRANSIT, place, **kwargs)
    world.handoffs.setting_out.put(np.array(idx), clock=float(day))
    return idx


def walk(world, a: int, days: range) -> tuple[list[str], list[tuple[int, list[int]]]]:
    """Step transit on ``days``: where ``a`` is at the end of each; who reached the city when."""
    where, arrived = [], []
    for day in days:
        step(world, "transit", day)
        where.append(world.net.ids[places_now(world, day)[a]])
        arrived += [(day, who) for who, _ in taken(world.handoffs.at_border_city)]
    return where, arrived


def test_someone_setting_out_from_their_border_city_is_there_at_once(tiny):
    world = tiny_world(tiny, road())
    (a,) = setting_out(world, 1, "tijuana")
    step(world, "transit", 0)
    assert taken(world.handoffs.at_border_city) == [([a], {})]
    assert story(world) == []


def test_a_lone_walker_reaches_each_place_on_its_day_and_the_border_city_on_day_five(tiny):
    world = tiny_world(tiny, road())
    (a,) = setting_out(world, 1, "home")
    where, arrived = walk(world, a, range(7))
    assert where == ["home", "south", "south", "middle", "middle", "tijuana", "tijuana"]
    assert arrived == [(5, [a])]
    assert story(world) == [(d, a, Transition.MOVE, State.TRANSIT) for d in (1, 3, 5)]


def test_a_walker_setting_out_later_in_the_day_arrives_later(tiny):
    world = tiny_world(tiny, road())
    (a,) = setting_out(world, 1, "middle", day=2)
    assert walk(world, a, range(2, 6)) == (
        ["middle", "middle", "tijuana", "tijuana"],
        [(4, [a])],
    )


def test_a_traveller_sure_to_give_up_goes_home_on_the_day_she_sets_out(tiny):
    world = tiny_world(tiny, road(p_give_up_transit=1.0))
    (a,) = setting_out(world, 1, "middle")
    step(world, "transit", 0, 1, 2, 3, 4)
    assert story(world) == [(0, a, Transition.GIVE_UP, State.RETURNED_HOME)]
    assert places(world, [a]) == ["home"]
    assert len(world.handoffs.at_border_city) == 0


def test_someone_deported_by_mexico_is_handed_to_departures_with_the_day_to_set_out_again(tiny):
    world = tiny_world(
        tiny, road(p_detain_mexico=1.0, p_set_out_again=1.0, dur_before_setting_out_again=1.0)
    )
    (a,) = setting_out(world, 1, "middle", nationality="HND")
    step(world, "transit", 0)
    assert story(world) == [(0, a, Transition.DEPORTED_BY_MEXICO, State.DEPORTED_BY_MEXICO)]
    assert places(world, [a]) == ["home"]
    assert taken(world.handoffs.deported) == [([a], {"day": [1]})]


def test_those_deported_who_will_not_try_again_are_not_handed_on(tiny):
    world = tiny_world(tiny, road(p_detain_mexico=1.0, p_set_out_again=0.0))
    setting_out(world, 2, "middle", nationality="HND")
    step(world, "transit", 0)
    assert states(world, [0, 1]) == [State.DEPORTED_BY_MEXICO] * 2
    assert len(world.handoffs.deported) == 0


def test_mexico_does_not_deport_its_own_nationals(tiny):
    world = tiny_world(tiny, road(p_detain_mexico=1.0, p_set_out_again=1.0))
    (a,) = setting_out(world, 1, "middle", nationality="MEX", origin="south")
    assert walk(world, a, range(3)) == (["middle", "middle", "tijuana"], [(2, [a])])
    assert story(world) == [(2, a, Transition.MOVE, State.TRANSIT)]


def test_refuge_asked_on_entering_mexico_ends_the_trip_at_the_first_mexican_place(tiny):
    world = tiny_world(tiny, road(p_refuge_at_entry=1.0))
    (a,) = setting_out(world, 1, "home", nationality="HND")
    step(world, "transit", *range(6))
    assert story(world) == [
        (1, a, Transition.MOVE, State.TRANSIT),
        (1, a, Transition.REFUGE_IN_MEXICO, State.REFUGE_IN_MEXICO),
    ]
    assert places(world, [a]) == ["south"]


CARAVAN = """
[[caravan]]
name = "spring"
origin = "home"
depart = 2020-01-02
size = 3
nationality = { HND = 1.0 }
household = { single_adult = 1.0 }
destinations = { tijuana = 1.0 }
joiners = [{ date = 2020-01-04, n = 2 }]
"""


def test_a_caravan_moves_as_one_and_its_joiners_arrive_with_it(tiny):
    world = tiny_world(tiny, CARAVAN, parameters(**CALM))
    arrived = []
    for day in range(8):
        step(world, "transit", day)
        arrived += [(day, who) for who, _ in taken(world.handoffs.at_border_city)]
    entered = story(world, entries=True)
    assert [(d, i, t) for d, i, t, _ in entered if t != Transition.MOVE] == [
        (1, 0, Transition.DEPART),
        (1, 1, Transition.DEPART),
        (1, 2, Transition.DEPART),
        (3, 3, Transition.JOIN_CARAVAN),
        (3, 4, Transition.JOIN_CARAVAN),
    ]
    moves = [(d, i) for d, i, t, _ in entered if t == Transition.MOVE]
    assert moves == [(2, i) for i in range(3)] + [(d, i) for d in (4, 6) for i in range(5)]
    assert arrived == [(6, [0, 1, 2, 3, 4])]
    assert world.people.fragment.tolist() == [-1] * 5  # off the caravan once arrived
