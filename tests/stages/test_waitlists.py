"""Port lists as reported: numbers called up to the quota, holders away or missing, choices.

Stories on the tiny world's Tijuana port: who presents without a number, who waits away,
what a missed number costs, and how patience and the ways out of a list answer beds,
danger, the asylum ban and the chance of apprehension (each link a labelled assumption).
"""

from __future__ import annotations

import numpy as np
from tiny_world import (
    BACKGROUND,
    State,
    Transition,
    levers,
    parameters,
    put,
    step,
    story,
    tiny_world,
)

UNSHELTERED, SHELTERED = State.WAITING_UNSHELTERED, State.WAITING_SHELTERED
AWAY, IN_CUSTODY = State.WAITING_AWAY, State.IN_CUSTODY


def arriving(world, n: int, city: str = "tijuana") -> np.ndarray:
    """``n`` background travellers reaching ``city``, handed to the border."""
    idx = np.array(put(world, n, State.TRANSIT, city, dest=city, group=0))
    world.handoffs.at_border_city.put(idx)
    return idx


def states(world, idx) -> list[State]:
    return [State(s) for s in world.people.state[np.asarray(idx)]]


def events(world, transition: Transition) -> list[tuple[int, int]]:
    """(day, person) of each ``transition`` in the event log, in order."""
    return [(day, who) for day, who, what, _ in story(world) if what == transition]


def waited(tiny, days: int, n: int, lever_values: dict, **values: float):
    """``n`` people sign up (unless ``values`` say otherwise) and wait ``days`` days."""
    world = tiny_world(
        tiny, BACKGROUND, levers(**lever_values), parameters(**{"p_join_waitlist": 1.0, **values})
    )
    idx = arriving(world, n)
    step(world, "border", *range(days))
    return world, idx


def settled(world, idx) -> float:
    return float(np.mean(world.people.state[idx] == int(State.SETTLED_IN_MEXICO)))


def admitted_on(world, day: int) -> list[int]:
    return [who for when, who in events(world, Transition.ADMITTED_AT_PORT) if when == day]


def test_arrivals_presenting_at_the_port_are_in_custody_that_day_and_take_no_number(tiny):
    world = tiny_world(
        tiny, BACKGROUND, levers(quota={"default": 0}), parameters(p_present_at_port=1.0)
    )
    idx = arriving(world, 4)
    step(world, "border", 0)
    assert states(world, idx) == [IN_CUSTODY] * 4
    assert [who for _, who in events(world, Transition.PRESENTED_AT_PORT)] == idx.tolist()
    assert world.stages["border"].waitlists.lengths().sum() == 0
    assert sorted(np.concatenate([b.people for b in world.handoffs.into_custody.drain()])) == (
        idx.tolist()
    )


def test_holders_waiting_away_keep_their_turn_and_never_queue_for_a_bed(tiny):
    world = tiny_world(
        tiny,
        BACKGROUND,
        levers(quota={"default": 2}, beds={"default": 10}),
        parameters(p_join_waitlist=1.0, p_wait_elsewhere=1.0, p_renege=0.0),
    )
    idx = arriving(world, 5)
    step(world, "border", 0, 1)
    assert states(world, idx) == [IN_CUSTODY] * 4 + [AWAY]
    assert admitted_on(world, 0) == idx[:2].tolist() and admitted_on(world, 1) == idx[2:4].tolist()
    assert events(world, Transition.GET_BED) == []


def test_numbers_are_called_until_the_quota_is_met_and_the_missed_sign_up_again_at_the_end(tiny):
    world = tiny_world(
        tiny,
        BACKGROUND,
        levers(quota={"default": 10}),
        parameters(p_join_waitlist=1.0, p_miss_call=0.5, p_renege=0.0),
    )
    idx = arriving(world, 100)
    step(world, "border", 0)
    missed = [who for _, who in events(world, Transition.NUMBER_MISSED)]
    # Ten are let in though about half the numbers called find nobody; the calls stop there.
    assert len(admitted_on(world, 0)) == 10
    assert len(missed) >= 3
    called = sorted(admitted_on(world, 0) + missed)
    assert called == idx[: len(called)].tolist()  # numbers are called in list order
    step(world, "border", 1)
    # The next day's calls go on down the list; the missed are behind everyone else.
    first_called_day1 = min(
        admitted_on(world, 1) + [w for d, w in events(world, Transition.NUMBER_MISSED) if d == 1]
    )
    assert first_called_day1 == idx[len(called)]
    assert not set(admitted_on(world, 1)) & set(missed)
    assert states(world, missed) == [UNSHELTERED] * len(missed)


def test_a_list_where_nobody_answers_admits_nobody_and_keeps_its_order(tiny):
    world = tiny_world(
        tiny,
        BACKGROUND,
        levers(quota={"default": 2}),
        parameters(p_join_waitlist=1.0, p_miss_call=1.0, p_renege=0.0),
    )
    idx = arriving(world, 3)
    step(world, "border", 0, 1)
    assert admitted_on(world, 0) == admitted_on(world, 1) == []
    assert [who for _, who in events(world, Transition.NUMBER_MISSED)] == idx.tolist() * 2
    assert states(world, idx) == [UNSHELTERED] * 3


def share_gone(world, idx, days: int) -> float:
    step(world, "border", *range(days))
    return float(np.mean(world.people.state[idx] != int(UNSHELTERED)))


def test_a_bed_makes_people_more_patient(tiny):
    def gave_up(beds: int) -> float:
        world, idx = waited(
            tiny,
            10,
            3000,
            {"quota": {"default": 0}, "beds": {"default": beds}},
            p_renege=0.02,
            renege_unsheltered_factor=3.0,
            share_renege_settle=1.0,
            share_renege_cross=0.0,
        )
        return settled(world, idx)

    without, with_beds = gave_up(0), gave_up(3000)
    # Ten days at 6% a day against 2% (a bed from day 0): 1 - 0.94^10 = 0.46 and 1 - 0.98^10 = 0.18.
    assert abs(without - 0.46) < 0.03 and abs(with_beds - 0.18) < 0.03


def test_danger_shortens_patience_as_the_citys_risk_to_the_elasticity(tiny):
    def gave_up(risk: float) -> float:
        world, idx = waited(
            tiny,
            10,
            3000,
            {"quota": {"default": 0}, "violence_risk": {"default": risk}},
            p_renege=0.02,
            violence_renege_elasticity=0.5,
            share_renege_settle=1.0,
            share_renege_cross=0.0,
        )
        return settled(world, idx)

    # Risk 4 doubles the hazard (4 ** 0.5): 1 - 0.96^10 = 0.34 against 0.18.
    assert abs(gave_up(4.0) - 0.34) < 0.03 and abs(gave_up(1.0) - 0.18) < 0.03


def test_the_asylum_ban_sends_more_to_the_list_and_fewer_of_those_leaving_it_across(tiny):
    def shares(ban: bool) -> tuple[float, float]:
        world, idx = waited(
            tiny,
            1,
            4000,
            {"quota": {"default": 0}, "asylum_ban": ban},
            p_join_waitlist=0.5,
            ban_join_factor=3.0,
            p_renege=1.0,
            share_renege_cross=0.5,
            share_renege_settle=0.5,
        )
        joined = len(events(world, Transition.ARRIVE_BORDER)) / len(idx)
        crossed = 1 - len(events(world, Transition.SETTLE)) / len(
            events(world, Transition.ARRIVE_BORDER)
        )
        return joined, crossed

    (joined_off, crossed_off), (joined_on, crossed_on) = shares(False), shares(True)
    # Odds x3: a half becomes three quarters; of those leaving, odds of crossing / 3: a quarter.
    assert abs(joined_off - 0.5) < 0.03 and abs(joined_on - 0.75) < 0.03
    assert abs(crossed_off - 0.5) < 0.04 and abs(crossed_on - 0.25) < 0.04


def test_a_higher_chance_of_apprehension_deters_crossing_after_giving_up(tiny):
    def crossed(p_apprehend: float) -> float:
        world, idx = waited(
            tiny,
            1,
            4000,
            {"quota": {"default": 0}, "p_apprehend": {"default": p_apprehend}},
            p_renege=1.0,
            share_renege_cross=0.5,
            share_renege_settle=0.5,
            deterrence_elasticity=1.0,
        )
        return 1 - len(events(world, Transition.SETTLE)) / len(idx)

    # Odds of crossing x (1 - p) / 0.2: 0.5 at p = 0.9 (a third cross), 2 at p = 0.6 (two thirds).
    assert abs(crossed(0.8) - 0.5) < 0.03
    assert abs(crossed(0.9) - 1 / 3) < 0.03 and abs(crossed(0.6) - 2 / 3) < 0.03


def test_a_humanitarian_visa_is_taken_once_and_its_holder_keeps_the_place(tiny):
    world = tiny_world(
        tiny,
        BACKGROUND,
        levers(quota={"default": 0}),
        parameters(p_join_waitlist=1.0, p_renege=0.0, p_humanitarian_visa=1.0),
    )
    idx = arriving(world, 5)
    step(world, "border", *range(6))
    visas = events(world, Transition.HUMANITARIAN_VISA)
    # A sure daily chance: each takes one on the day they sign up, and never a second.
    assert visas == [(0, who) for who in idx.tolist()]
    assert states(world, idx) == [UNSHELTERED] * 5
    assert world.people.mx_visa[idx].tolist() == [1] * 5


def test_visas_and_giving_up_compete_at_their_daily_hazards(tiny):
    world = tiny_world(
        tiny,
        BACKGROUND,
        levers(quota={"default": 0}),
        parameters(
            p_join_waitlist=1.0,
            p_renege=0.01,
            p_humanitarian_visa=0.03,
            share_renege_settle=1.0,
            share_renege_cross=0.0,
        ),
    )
    idx = arriving(world, 4000)
    step(world, "border", *range(10))
    took = len(events(world, Transition.HUMANITARIAN_VISA)) / len(idx)
    # Ten days at 3% a day, the visa first or after giving up's 1% a day stopped nobody
    # (those who leave first take none): about 1 - 0.97^10 less a little, 0.25.
    assert 0.22 < took < 0.28
    assert 0.07 < float(np.mean(world.people.state[idx] == int(State.SETTLED_IN_MEXICO))) < 0.12
