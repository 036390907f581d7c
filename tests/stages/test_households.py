"""Households: a family enters, travels, waits, crosses, is held and decided as one.

Its first member (an adult) is its lead and acts for it; the members after it follow.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from tiny_world import (
    counted,
    levers,
    parameters,
    put,
    put_household,
    states,
    step,
    story,
    taken,
    tiny_world,
)

from borderflow.engine.run import run
from borderflow.interfaces.api import load_scenario
from borderflow.model.people import with_followers
from borderflow.model.rng import stream
from borderflow.model.world import change
from borderflow.scenario.vocabulary import HOUSEHOLD_ROLES, Household, State, Transition

FAMILY = ("family_adult", "family_child", "family_child")

FAMILIES = """
[background]
arrivals = "constant"
daily = { OTH = 40.0, GTM = 20.0 }
origins = { OTH = "home", GTM = "home" }
destinations = { tijuana = 0.5, mexicali = 0.5 }
household.single_adult = 0.3
household.family_adult = 0.3
household.family_child = 0.36
household.unaccompanied_child = 0.04
"""


def test_people_set_out_as_households_that_share_what_is_drawn_at_entry(tiny):
    world = tiny_world(tiny, FAMILIES)
    step(world, "departures", 0, 1, 2)
    people = world.people
    assert people.count == 3 * 60
    leads = np.concatenate([b.people for b in world.handoffs.setting_out.drain()])
    # Only leads (and people alone) are handed on; each stands for its household.
    assert (people.lead[leads] == -1).all()
    assert sorted(with_followers(people, leads).tolist()) == list(range(people.count))
    followers = np.flatnonzero(people.lead >= 0)
    assert len(followers) > 0
    lead = people.lead[followers]
    for field in ("nationality", "origin", "dest", "group", "ti_enter"):
        assert (getattr(people, field)[followers] == getattr(people, field)[lead]).all(), field
    # A family's members come right after its lead, who is an adult.
    assert (followers - lead <= people.followers[lead]).all()
    assert (people.household[lead] == Household.FAMILY_ADULT).all()
    assert set(people.household[followers]) <= {Household.FAMILY_ADULT, Household.FAMILY_CHILD}
    # Nobody travels with a single adult or an unaccompanied child.
    alone = np.isin(people.household, [Household.SINGLE_ADULT, Household.UNACCOMPANIED_CHILD])
    assert (people.followers[alone] == 0).all() and (people.lead[alone] == -1).all()


def test_households_keep_the_groups_shares_of_people(tiny):
    world = tiny_world(tiny, FAMILIES)
    group = world.groups[0]
    size, role = group.households(stream(7, "households"), 200_000)
    assert size.sum() == len(role) == 200_000
    shares = np.bincount(role, minlength=len(HOUSEHOLD_ROLES)) / len(role)
    expected = group.household_p
    assert np.abs(shares - expected).max() < 0.01, (shares, expected)
    families = size[size > 1]
    # One adult, or two (p_family_two_adults), and 1.2 children per adult in this mix.
    two = world.pars.p_family_two_adults
    assert families.mean() == pytest.approx((1 + two) * (1 + 0.36 / 0.3), rel=0.02)


def test_a_change_of_a_lead_moves_its_household_and_counts_each_member(tiny):
    world = tiny_world(tiny)
    family = put_household(world, FAMILY, State.IN_CUSTODY, "san_ysidro")
    alone = put(world, 1, State.IN_CUSTODY, "san_ysidro")
    leads = np.array([family[0], alone[0]])
    change(world, leads, Transition.RELEASED, State.RELEASED_PENDING_HEARING)
    world.ledger.close_day(0)
    assert states(world, family + alone) == [State.RELEASED_PENDING_HEARING] * 4
    assert counted(world, Transition.RELEASED) == 4


def test_a_port_admits_a_household_whole_and_lets_in_fewer_the_next_day(tiny):
    world = tiny_world(tiny, levers(quota={"default": 2}), parameters(p_renege=0.0))
    family = put_household(world, FAMILY, State.TRANSIT, "tijuana", dest="tijuana")
    a, b = put(world, 2, State.TRANSIT, "tijuana", dest="tijuana")
    world.handoffs.at_border_city.put(np.array([family[0], a, b]))
    step(world, "border", 0, 1, 2)
    admitted = [(d, i) for d, i, t, _ in story(world) if t == Transition.ADMITTED_AT_PORT]
    # Day 0: the family of three (one over the quota of 2); day 1: one (2 - 1); day 2: one.
    assert admitted == [(0, family[0]), (0, family[1]), (0, family[2]), (1, a), (2, b)]
    assert [batch for batch, _ in taken(world.handoffs.into_custody)] == [[family[0]], [a], [b]]
    waits = world.ledger.wait_table()
    assert int(waits.n.sum()) == 5  # a wait for each person


def test_a_detained_household_takes_a_bed_for_each_member(tiny):
    world = tiny_world(tiny, levers(detention_beds=3, interior_detained=0))
    custody = world.stages["custody"]
    family = put_household(
        world, ("family_adult", "family_child"), State.AWAITING_CREDIBLE_FEAR, "san_ysidro"
    )
    other = put_household(world, ("family_adult", "family_child"), State.IN_CUSTODY, "san_ysidro")
    world.ledger.close_day(0)
    held, no_bed = custody.take_beds(world, np.array([other[0]]), 1)
    # Two beds are in use; a household of two does not fit in the one left.
    assert held.tolist() == [] and no_bed.tolist() == [other[0]]
    assert family  # the household holding two beds


def test_every_member_lives_the_story_of_its_lead():
    """A bundled run, every stage: a follower's every event is its lead's, on the same day."""
    out = run(load_scenario("caravan-2018-spring"), 1, events=True, check=True)
    people = out.people
    followers = np.flatnonzero(people["lead"] >= 0)
    assert len(followers) > 100
    e = out.events
    lives: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for d, p, t, s, pl in zip(e.day, e.person, e.transition, e.to_state, e.to_place, strict=True):
        lives[int(p)].append((int(d), int(t), int(s), int(pl)))
    lead = people["lead"]
    assert all(lives[int(f)] == lives[int(lead[f])] for f in followers)
    decided = {int(Transition.ASYLUM_GRANTED), int(Transition.REMOVED_IN_ABSENTIA)}
    assert any(t in decided for f in followers for _, t, _, _ in lives[int(f)])


def test_results_count_households_as_well_as_people(tmp_path):
    from borderflow.interfaces.api import run as run_results

    results = run_results("caravan-2018-spring", 1)
    people = results.output.people
    leads = people["lead"] < 0
    counts = results.summary_dict["households"]
    assert counts["people"] == len(people["lead"]) == int(results.households["people"].sum())
    assert counts["households"] == int(leads.sum())
    in_families = np.isin(people["household"], [Household.FAMILY_ADULT, Household.FAMILY_CHILD])
    assert counts["people_in_families"] == int(in_families.sum())
    assert counts["families"] == int((leads & in_families).sum())
    assert (
        counts["single_adults"] + counts["families"] + counts["unaccompanied_children"]
        == (counts["households"])
    )
    # By state at the end: a household is where its lead is.
    table = results.households
    released = table[table["state"] == "released_pending_hearing"]
    state = people["state"][leads] == State.RELEASED_PENDING_HEARING
    assert int(released["households"].sum()) == int(state.sum())
    results.write(tmp_path / "out")
    assert (tmp_path / "out" / "households.parquet").exists()
