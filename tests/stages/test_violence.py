"""Violence: incidents among waiting people, counted from the day's stocks; nobody moves."""

from __future__ import annotations

from tiny_world import at, counted, flows, parameters, put, states, step, story, tiny_world

from borderflow.model.records import Flows
from borderflow.scenario.vocabulary import State, Transition

UNSHELTERED, SHELTERED, MPP = (
    State.WAITING_UNSHELTERED,
    State.WAITING_SHELTERED,
    State.MPP_WAITING,
)


def rates(sheltered: float, unsheltered: float, mpp: float) -> str:
    return parameters(
        p_violence_sheltered=sheltered, p_violence_unsheltered=unsheltered, p_violence_mpp=mpp
    )


def incidents(world) -> Flows:
    rows = flows(world)
    return rows[rows.transition == Transition.VIOLENCE_INCIDENT]


def test_a_sure_rate_counts_one_incident_per_unsheltered_waiting_person(tiny):
    world = tiny_world(tiny, rates(0.0, 1.0, 0.0))
    idx = put(world, 3, UNSHELTERED, "san_ysidro")
    put(world, 2, SHELTERED, "san_ysidro")
    step(world, "violence", 0)
    rows = incidents(world)
    assert rows.place.tolist() == at(world, "san_ysidro")
    assert (rows.from_state.tolist(), rows.to_state.tolist()) == ([UNSHELTERED], [UNSHELTERED])
    assert rows.n.tolist() == [3]
    assert states(world, idx) == [UNSHELTERED] * 3
    assert story(world) == []  # incidents are counted, never logged as anybody's move


def test_every_day_brings_its_own_incidents(tiny):
    world = tiny_world(tiny, rates(1.0, 0.0, 0.0))
    put(world, 2, SHELTERED, "calexico")
    step(world, "violence", 0, 1, 2)
    assert [counted(world, Transition.VIOLENCE_INCIDENT, day) for day in range(3)] == [2, 2, 2]
    assert incidents(world).place.tolist() == at(world, "calexico") * 3


def test_people_waiting_under_mpp_are_counted_in_their_city(tiny):
    world = tiny_world(tiny, rates(0.0, 0.0, 1.0))
    put(world, 2, MPP, "tijuana")
    put(world, 1, MPP, "mexicali")
    put(world, 4, UNSHELTERED, "san_ysidro")
    step(world, "violence", 0)
    rows = incidents(world)
    assert sorted(zip(rows.place.tolist(), rows.n.tolist(), strict=True)) == sorted(
        zip(at(world, "tijuana", "mexicali"), [2, 1], strict=True)
    )


def test_nobody_at_risk_means_no_incidents(tiny):
    world = tiny_world(tiny, rates(1.0, 1.0, 1.0))
    put(world, 5, State.RELEASED_PENDING_HEARING, "san_diego_sector")
    put(world, 5, State.TRANSIT, "tijuana")
    step(world, "violence", 0)
    assert counted(world, Transition.VIOLENCE_INCIDENT) == 0


def test_a_zero_rate_spares_everyone(tiny):
    world = tiny_world(tiny, rates(0.0, 0.0, 0.0))
    put(world, 5, UNSHELTERED, "san_ysidro")
    put(world, 5, MPP, "tijuana")
    step(world, "violence", *range(5))
    assert counted(world, Transition.VIOLENCE_INCIDENT) == 0


def test_a_citys_risk_scales_its_rates_at_its_ports_and_for_its_mpp_returnees(tiny):
    from tiny_world import levers

    world = tiny_world(
        tiny,
        rates(1.0, 1.0, 1.0),
        levers(violence_risk={"default": 1.0, "mexicali": 0.0}),
        """
[[policy]]
date = 2020-01-02
set = { "violence_risk.tijuana" = 0.0, "violence_risk.mexicali" = 1.0 }
""",
    )
    put(world, 2, MPP, "tijuana")
    put(world, 3, SHELTERED, "san_ysidro")
    put(world, 5, MPP, "mexicali")
    put(world, 7, UNSHELTERED, "calexico")
    step(world, "violence", 0, 1)
    rows = incidents(world)
    by_day = [
        sorted(zip(rows.place[rows.day == d].tolist(), rows.n[rows.day == d].tolist(), strict=True))
        for d in (0, 1)
    ]
    # Day 0: Mexicali is safe, so only Tijuana's people (and its port's) meet violence;
    # from 2 January the other way round.
    assert by_day[0] == sorted(zip(at(world, "tijuana", "san_ysidro"), [2, 3], strict=True))
    assert by_day[1] == sorted(zip(at(world, "mexicali", "calexico"), [5, 7], strict=True))
