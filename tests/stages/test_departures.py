"""Departures: background departures, people deported by Mexico setting out again, first lists."""

from __future__ import annotations

import datetime as dt

import numpy as np
from tiny_world import at, flows, places, put, states, step, story, taken, tiny_world

from borderflow.engine.plan import DAY
from borderflow.model.world import ALREADY_WAITING, build_world
from borderflow.scenario.vocabulary import HOUSEHOLD_ROLES, NATIONALITIES, State, Transition
from conftest import head_for


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


#: Two streams of the background, each its own group: adults from home (Honduras), families
#: from the south (Mexico), each with its own households and seasonality (Jan, Feb, then 1).
STREAMS = """
[background]
arrivals = "constant"
origins = { HND = "home", MEX = "south" }
destinations = { tijuana = 1.0 }

[background.streams.adults]
daily = { HND = 2.0 }
household = { single_adult = 1.0 }
seasonality = [1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[background.streams.families]
daily = { MEX = 1.0 }
household = { family_child = 1.0 }
seasonality = [3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
"""


def test_someone_removed_by_the_us_sets_out_again_from_home_on_her_day(tiny):
    world = tiny_world(tiny)
    (a,) = put(world, 1, State.REMOVED, "home", nationality="HND")
    world.handoffs.deported.put(np.array([a]), day=np.array([1]))
    step(world, "departures", 0, 1)
    assert story(world) == [(1, a, Transition.SET_OUT_AGAIN, State.TRANSIT)]
    assert taken(world.handoffs.setting_out) == [([a], {"clock": 1.0})]
    assert places(world, [a]) == ["home"]


def test_two_streams_set_out_as_their_own_groups_with_their_households_and_seasons(tiny):
    # Two days of January, then two of February.
    scenario = tiny(STREAMS, head=head_for(4, start=dt.date(2020, 1, 30)))
    world = build_world(scenario, 1, DAY, events=True)
    assert [g.name for g in world.groups] == ["adults", "families"]
    step(world, "departures", 0, 1, 2, 3)
    people = world.people
    adults, families = 0, 1
    # January: 2 adults and 1 x 3 families a day; February: 2 x 2 adults and 1 family a day.
    who = [
        (int(g), NATIONALITIES[k], HOUSEHOLD_ROLES[h], world.net.ids[p])
        for g, k, h, p in zip(
            people.group, people.nationality, people.household, people.place, strict=True
        )
    ]
    adult = [(adults, "HND", "single_adult", "home")]
    family = [(families, "MEX", "family_child", "south")]
    assert who == (adult * 2 + family * 3) * 2 + (adult * 4 + family) * 2
    assert people.ti_enter.tolist() == [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5
    # The ledger counts each stream's departures under its own group.
    rows = flows(world)
    departed = rows.transition == Transition.DEPART
    per_group = {
        (int(d), world.groups[g].name): int(n)
        for d, g, n in zip(rows.day[departed], rows.group[departed], rows.n[departed], strict=True)
    }
    assert per_group == {
        (0, "adults"): 2,
        (0, "families"): 3,
        (1, "adults"): 2,
        (1, "families"): 3,
        (2, "adults"): 4,
        (2, "families"): 1,
        (3, "adults"): 4,
        (3, "families"): 1,
    }
    # Each stream's people set out that day, a batch per stream.
    batches = taken(world.handoffs.setting_out)
    assert [(len(who), values["clock"]) for who, values in batches] == [
        (2, 0.0),
        (3, 0.0),
        (2, 1.0),
        (3, 1.0),
        (4, 2.0),
        (1, 2.0),
        (4, 3.0),
        (1, 3.0),
    ]


def test_a_stream_without_its_own_households_or_season_takes_the_backgrounds(tiny):
    body = """
[background]
arrivals = "constant"
origins = { OTH = "home" }
destinations = { tijuana = 1.0 }
household = { unaccompanied_child = 1.0 }
seasonality = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[background.streams.children]
daily = { OTH = 1.0 }
"""
    world = tiny_world(tiny, body, n_days=2)
    step(world, "departures", 0, 1)
    assert [g.name for g in world.groups] == ["children"]
    assert world.people.count == 4  # 1 a day x 2 in January
    assert set(world.people.household.tolist()) == {HOUSEHOLD_ROLES.index("unaccompanied_child")}
