"""Caravans as reported: waves leave a stop over days, and the spring caravan dwindles on the road.

On the tiny network (home -> south -> middle -> Tijuana) a calm road is walked at 480 km a
day: home -> south takes one day, south -> middle and middle -> Tijuana two each. A caravan
leaving home on day 1 reaches south on day 2; with a stop of waves ``[1, 2]`` there its
households leave on day 3 or 4 and reach Tijuana on day 7 or 8, unless they linger.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_transit import CALM
from tiny_world import BACKGROUND, parameters, step, taken, tiny_world

import borderflow
from borderflow.model.caravans import MAX_LINGER_DAYS, linger_days


def caravan(stops: str, size: int) -> str:
    return f"""
[[caravan]]
name = "spring"
origin = "home"
depart = 2020-01-02
size = {size}
nationality = {{ HND = 1.0 }}
household = {{ single_adult = 1.0 }}
destinations = {{ tijuana = 1.0 }}
stops = {stops}
"""


def arrivals(tiny, stops: str, size: int, linger: float, n_days: int = 25) -> dict[int, int]:
    """Who reached Tijuana on which day: ``{person: day}``, for a caravan with ``stops``."""
    world = tiny_world(
        tiny,
        BACKGROUND,
        caravan(stops, size),
        parameters(**CALM, p_caravan_linger=linger),
        n_days=n_days,
    )
    reached: dict[int, int] = {}
    for day in range(n_days):
        step(world, "transit", day)
        for who, _ in taken(world.handoffs.at_border_city):
            reached.update({person: day for person in who})
    return reached


def test_without_lingering_each_wave_reaches_the_border_city_on_its_own_day(tiny):
    reached = arrivals(tiny, "{ south = [1, 2] }", size=40, linger=0.0)
    assert len(reached) == 40
    assert sorted(set(reached.values())) == [7, 8]


def test_households_sure_to_linger_leave_the_longest_linger_after_their_wave(tiny):
    # Lingering draws nothing when it is certain (or never), so the waves are the same draws.
    on_time = arrivals(tiny, "{ south = [1, 2] }", size=12, linger=0.0)
    late = arrivals(tiny, "{ south = [1, 2] }", size=12, linger=1.0)
    assert MAX_LINGER_DAYS == 14
    assert late == {person: day + 14 for person, day in on_time.items()}


def test_nobody_lingers_at_a_stop_of_fixed_days(tiny):
    reached = arrivals(tiny, "{ south = 1 }", size=12, linger=1.0)
    assert set(reached.values()) == {7}
    assert len(reached) == 12


def test_lingering_spreads_a_wave_over_the_days_after_it_and_never_before(tiny):
    reached = arrivals(tiny, "{ south = [1, 1] }", size=40, linger=0.0)
    assert set(reached.values()) == {7}  # [1, 1] is one wave: no waves, no lingering
    reached = arrivals(tiny, "{ south = [1, 2] }", size=60, linger=0.5)
    days = sorted(reached.values())
    assert len(days) == 60
    assert days[0] == 7
    assert len(set(days)) >= 4  # two waves, arriving over more days than that
    # Half linger at least a day: fewer than all, more than a quarter arrive after day 8.
    assert 15 <= sum(d > 8 for d in days) <= 45


def test_households_leaving_on_the_same_day_move_on_as_one_fragment(tiny):
    world = tiny_world(
        tiny,
        BACKGROUND,
        caravan("{ south = [1, 2] }", 200),
        parameters(**CALM, p_caravan_linger=0.5),
        n_days=25,
    )
    step(world, "transit", 0, 1, 2)  # the split at south is on day 2
    frag = world.stages["transit"].caravans.frag  # type: ignore[attr-defined]
    leaving = [frag.arrive[f] for f in range(len(frag.place)) if frag.active[f]]
    # One fragment per day of leaving (all go on to middle), not one per household.
    assert len(leaving) == len(set(leaving))
    assert 4 <= len(leaving) <= 2 + MAX_LINGER_DAYS


def test_linger_days_are_geometric_with_the_daily_probability_and_capped():
    rng = np.random.default_rng(7)
    before = rng.bit_generator.state
    assert linger_days(rng, 0.0, 5).tolist() == [0] * 5
    assert linger_days(rng, 1.0, 3).tolist() == [MAX_LINGER_DAYS] * 3
    assert rng.bit_generator.state == before  # certain either way: nothing drawn
    days = linger_days(rng, 0.5, 200_000)
    assert days.min() == 0
    assert days.max() == MAX_LINGER_DAYS
    assert abs(days.mean() - 1.0) < 0.02  # p / (1 - p)
    assert abs((days == 0).mean() - 0.5) < 0.01


# ---- Whole runs of the bundled caravans -------------------------------------------------


def _flows(results: borderflow.Results) -> pd.DataFrame:
    flows = results.flows
    return flows.assign(
        transition=flows.transition.astype(str),
        place=flows.place.astype(str),
        group=flows.group.astype(str),
        from_state=flows.from_state.astype(str),
    )


def _until(flows: pd.DataFrame, date: str) -> pd.DataFrame:
    return flows[flows.date <= pd.Timestamp(date)]


@pytest.fixture(scope="module")
def spring() -> pd.DataFrame:
    return _flows(borderflow.run("caravan-2018-spring", seed=1))


def test_spring_mexico_sends_about_400_home_by_april_2_and_few_after(spring):
    sent_home = spring[(spring.transition == "deported_by_mexico") & (spring.group == "spring")]
    by_apr_2 = int(_until(sent_home, "2018-04-02").n.sum())
    by_apr_23 = int(_until(sent_home, "2018-04-23").n.sum())
    assert 300 <= by_apr_2 <= 500  # F03: 400 sent home by Apr 2
    assert by_apr_23 - by_apr_2 < 150  # not the ~500 more a constant hazard sent
    assert by_apr_23 < 650


def test_spring_caravan_dwindles_after_april_2_through_refuge_giving_up_and_settling(spring):
    road = spring[(spring.from_state == "transit") & (spring.group == "spring")]
    later = road[
        (road.date > pd.Timestamp("2018-04-02")) & (road.date <= pd.Timestamp("2018-04-23"))
    ]
    left = later.groupby("transition").n.sum()
    sent_home = int(left.get("deported_by_mexico", 0))
    for way in ("refuge_in_mexico", "give_up", "settle"):
        assert left.get(way, 0) > 0, way
    stayed_or_went = int(left[["refuge_in_mexico", "give_up", "settle"]].sum())
    assert stayed_or_went > 3 * sent_home
    assert stayed_or_went > 250


def _main_caravan_days_in_tijuana(linger: float | None) -> list[pd.Timestamp]:
    """Days on which 30 or more of the fall's main caravan reached Tijuana."""
    scenario = borderflow.load_scenario("caravan-2018-fall")
    if linger is not None:
        scenario = scenario.with_parameters(p_caravan_linger=linger)
    flows = _flows(borderflow.run(scenario, seed=1))
    reached = flows[
        (flows.transition == "reach_border_city")
        & (flows.place == "tijuana")
        & (flows.group == "fall-main")
    ]
    per_day = reached.groupby("date").n.sum()
    return sorted(per_day[per_day >= 30].index)


def test_fall_waves_reach_tijuana_over_more_days_than_there_are_waves():
    # Mexico City's stop sends the main caravan on in three daily waves (Nov 8-10).
    assert len(_main_caravan_days_in_tijuana(linger=0.0)) == 3
    days = _main_caravan_days_in_tijuana(linger=None)
    assert len(days) >= 5
    assert days[0] <= pd.Timestamp("2018-11-15")  # F26: 810 arrived by Nov 15
