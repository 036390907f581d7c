"""Crossing between ports: apprehended (prosecution referral, asylum ban) or evaded."""

from __future__ import annotations

import numpy as np
from tiny_world import levers, places, put, states, step, story, taken, tiny_world

from borderflow.model.records import Events
from borderflow.scenario.vocabulary import Flag, State, Transition

CUSTODY, EVADED = State.IN_CUSTODY, State.EVADED


def crossing(world, n: int, city: str = "tijuana", **kwargs) -> list[int]:
    """``n`` people in ``city`` set to cross between ports today."""
    idx = put(world, n, State.TRANSIT, city, dest=city, **kwargs)
    world.handoffs.crossers.put(np.array(idx))
    return idx


def flags(world, idx: list[int]) -> list[Flag]:
    return [Flag(int(f)) for f in world.people.flags[idx]]


def test_sure_apprehension_takes_everyone_into_custody_and_refers_the_adults(tiny):
    world = tiny_world(tiny, levers(p_apprehend={"default": 1.0}, p_prosecute=1.0))
    adult, child = crossing(world, 1)[0], crossing(world, 1, household="family_child")[0]
    step(world, "crossing", 0)
    assert story(world) == [
        (0, adult, Transition.CROSS_BETWEEN_PORTS, State.TRANSIT),
        (0, child, Transition.CROSS_BETWEEN_PORTS, State.TRANSIT),
        (0, adult, Transition.APPREHENDED, CUSTODY),
        (0, child, Transition.APPREHENDED, CUSTODY),
        (0, adult, Transition.REFERRED_FOR_PROSECUTION, CUSTODY),
    ]
    assert places(world, [adult, child]) == ["san_diego_sector"] * 2
    assert flags(world, [adult, child]) == [
        Flag.IRREGULAR_ENTRY | Flag.PROSECUTED,
        Flag.IRREGULAR_ENTRY,
    ]
    assert taken(world.handoffs.into_custody) == [([adult, child], {})]


def test_without_apprehension_everyone_evades_into_the_sector(tiny):
    world = tiny_world(tiny, levers(p_apprehend={"default": 0.0}, p_prosecute=1.0))
    idx = crossing(world, 2, "mexicali")
    step(world, "crossing", 0)
    assert [(d, t, s) for d, _, t, s in story(world)][2:] == [
        (0, Transition.EVADED, EVADED),
        (0, Transition.EVADED, EVADED),
    ]
    assert places(world, idx) == ["el_centro_sector"] * 2
    assert flags(world, idx) == [Flag.IRREGULAR_ENTRY] * 2
    assert len(world.handoffs.into_custody) == 0


def test_each_city_has_its_own_apprehension_probability(tiny):
    p_apprehend = {"default": 0.0, "tijuana": 1.0}
    world = tiny_world(tiny, levers(p_apprehend=p_apprehend))
    (caught,) = crossing(world, 1, "tijuana")
    (evaded,) = crossing(world, 1, "mexicali")
    step(world, "crossing", 0)
    assert states(world, [caught, evaded]) == [CUSTODY, EVADED]
    assert taken(world.handoffs.into_custody) == [([caught], {})]


def test_under_the_asylum_ban_everyone_apprehended_is_barred(tiny):
    world = tiny_world(tiny, levers(p_apprehend={"default": 1.0}, asylum_ban=True))
    idx = crossing(world, 2, household="family_adult")
    step(world, "crossing", 0)
    barred = [(d, i) for d, i, t, _ in story(world) if t == Transition.ASYLUM_BARRED]
    assert barred == [(0, i) for i in idx]
    assert flags(world, idx) == [Flag.IRREGULAR_ENTRY | Flag.ASYLUM_BARRED] * 2
    # No prosecution without referrals (p_prosecute defaults to 0).
    assert Transition.REFERRED_FOR_PROSECUTION not in [t for _, _, t, _ in story(world)]


def test_people_who_left_a_list_or_mpp_cross_from_the_state_they_were_in(tiny):
    world = tiny_world(tiny, levers(p_apprehend={"default": 1.0}))
    (waiting,) = put(world, 1, State.WAITING_UNSHELTERED, "san_ysidro")
    (mpp,) = put(world, 1, State.MPP_WAITING, "tijuana")
    world.handoffs.crossers.put(np.array([waiting]))
    world.handoffs.crossers.put(np.array([mpp]))
    step(world, "crossing", 0)
    log = Events.concat(world.ledger.events)
    caught = log[log.transition == Transition.APPREHENDED]
    assert list(zip(caught.person.tolist(), caught.from_state.tolist(), strict=True)) == [
        (waiting, State.WAITING_UNSHELTERED),
        (mpp, State.MPP_WAITING),
    ]
    assert places(world, [waiting, mpp]) == ["san_diego_sector"] * 2


def test_a_day_without_crossers_changes_nothing(tiny):
    world = tiny_world(tiny, levers(p_apprehend={"default": 1.0}))
    step(world, "crossing", 0)
    assert story(world) == [] and len(world.handoffs.into_custody) == 0
