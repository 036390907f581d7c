"""Custody: processing, prosecution, MPP returns, family release, credible fear and detention."""

from __future__ import annotations

import numpy as np
from tiny_world import levers, parameters, places, put, states, step, story, taken, tiny_world

from borderflow.scenario.vocabulary import DocketKind, Event, Flag, State, Transition

FEAR, DETAINED, RELEASED = (
    State.AWAITING_CREDIBLE_FEAR,
    State.DETAINED,
    State.RELEASED_PENDING_HEARING,
)
#: Processing, prosecution and detention each last exactly one day.
ONE_DAY = {"dur_custody_days": 1.0, "dur_prosecution_days": 1.0, "dur_detention_days": 1.0}
#: Nobody claims fear after an irregular entry; no family is released.
NO_CLAIMS = {"p_claim_fear_apprehended": 0.0, "p_claim_fear_mexican": 0.0, "p_release_family": 0.0}


def custody(*sections: str, **pars: float) -> tuple[str, ...]:
    return (*sections, parameters(**{**ONE_DAY, **NO_CLAIMS, **pars}))


def admitted(world, n: int, day: int = 0, **kwargs) -> list[int]:
    """``n`` people admitted at San Ysidro, handed to custody (on ``day``)."""
    idx = put(world, n, State.IN_CUSTODY, "san_ysidro", **kwargs)
    world.handoffs.into_custody.put(np.array(idx))
    return idx


def apprehended(world, n: int, flags: Flag = Flag.IRREGULAR_ENTRY, **kwargs) -> list[int]:
    """``n`` people apprehended in the San Diego sector, handed to custody."""
    idx = put(world, n, State.IN_CUSTODY, "san_diego_sector", flags=int(flags), **kwargs)
    world.handoffs.into_custody.put(np.array(idx))
    return idx


def test_a_port_arrival_is_interviewed_detained_and_released_to_await_a_hearing(tiny):
    world = tiny_world(tiny, *custody(levers(p_credible_fear_pass=1.0, p_lawyer=0.5)))
    (a,) = admitted(world, 1)
    step(world, "custody", 0)
    assert story(world) == [] and world.people.ti_custody[a] == 0
    step(world, "custody", 1, 2)
    assert story(world) == [
        (1, a, Transition.TO_CREDIBLE_FEAR, FEAR),
        (1, a, Transition.CREDIBLE_FEAR_PASSED, FEAR),
        (1, a, Transition.DETAINED, DETAINED),
        (2, a, Transition.RELEASED, RELEASED),
    ]
    assert taken(world.handoffs.cases) == [([a], {"docket": DocketKind.REGULAR, "p_lawyer": 0.5})]


def test_one_detention_bed_takes_the_first_and_releases_the_second_erlang_loss(tiny):
    world = tiny_world(tiny, *custody(levers(p_credible_fear_pass=1.0, detention_beds=1)))
    a, b = admitted(world, 2)
    step(world, "custody", 0)
    (c,) = admitted(world, 1)
    step(world, "custody", 1)
    # a waits for her interview in the bed (and keeps it, detained); b finds none and is
    # released with a notice to appear, uninterviewed.
    assert story(world) == [
        (1, a, Transition.TO_CREDIBLE_FEAR, FEAR),
        (1, b, Transition.RELEASED_NO_BED, RELEASED),
        (1, a, Transition.CREDIBLE_FEAR_PASSED, FEAR),
        (1, a, Transition.DETAINED, DETAINED),
    ]
    assert [who for who, _ in taken(world.handoffs.cases)] == [[b], [a]]
    # Day 2: a's stay ends first, so c, whose processing ends that day, finds the bed free.
    step(world, "custody", 2)
    assert [(i, t) for d, i, t, _ in story(world) if d == 2] == [
        (a, Transition.RELEASED),
        (c, Transition.TO_CREDIBLE_FEAR),
        (c, Transition.CREDIBLE_FEAR_PASSED),
        (c, Transition.DETAINED),
    ]


def test_one_interview_a_day_hears_the_queue_in_order(tiny):
    world = tiny_world(tiny, *custody(levers(cf_interviews_per_day=1, p_credible_fear_pass=1.0)))
    a, b, c = admitted(world, 3)
    step(world, "custody", 0, 1, 2, 3, 4)
    passed = [(d, i) for d, i, t, _ in story(world) if t == Transition.CREDIBLE_FEAR_PASSED]
    assert passed == [(1, a), (2, b), (3, c)]


def test_no_credible_fear_found_means_a_removal_order(tiny):
    world = tiny_world(tiny, *custody(levers(p_credible_fear_pass=0.0)))
    a, b = admitted(world, 2)
    step(world, "custody", 0, 1)
    failed = [(d, i, s) for d, i, t, s in story(world) if t == Transition.CREDIBLE_FEAR_FAILED]
    assert failed == [(1, a, State.AWAITING_REMOVAL), (1, b, State.AWAITING_REMOVAL)]
    assert taken(world.handoffs.removal_orders) == [([a, b], {})]
    assert len(world.handoffs.cases) == 0


def test_an_apprehended_person_who_claims_no_fear_is_ordered_removed_without_a_hearing(tiny):
    world = tiny_world(tiny, *custody())
    (a,) = apprehended(world, 1)
    step(world, "custody", 0, 1)
    assert story(world) == [(1, a, Transition.EXPEDITED_REMOVAL, State.AWAITING_REMOVAL)]
    assert taken(world.handoffs.removal_orders) == [([a], {})]


def test_an_apprehended_person_sure_to_claim_fear_waits_for_an_interview(tiny):
    world = tiny_world(
        tiny, *custody(levers(cf_interviews_per_day=0), p_claim_fear_apprehended=1.0)
    )
    (a,) = apprehended(world, 1)
    step(world, "custody", 0, 1, 2)
    assert story(world) == [(1, a, Transition.TO_CREDIBLE_FEAR, FEAR)]
    assert states(world, [a]) == [FEAR]


def test_families_are_released_with_a_notice_to_appear_and_single_adults_are_not(tiny):
    world = tiny_world(tiny, *custody(levers(p_lawyer=0.25), p_release_family=1.0))
    (parent,) = apprehended(world, 1, household="family_adult")
    (child,) = apprehended(world, 1, household="family_child")
    (alone,) = apprehended(world, 1, household="unaccompanied_child", nationality="HND")
    (single,) = apprehended(world, 1)
    step(world, "custody", 0, 1)
    assert states(world, [parent, child, single]) == [RELEASED, RELEASED, State.AWAITING_REMOVAL]
    assert taken(world.handoffs.cases) == [
        ([parent, child], {"docket": DocketKind.REGULAR, "p_lawyer": 0.25})
    ]
    # An unaccompanied child is not released by custody: she is handed to HHS.
    assert states(world, [alone]) == [State.IN_CUSTODY]
    assert taken(world.handoffs.into_hhs) == [([alone], {})]


def test_a_referred_adult_is_prosecuted_first_then_decided_again(tiny):
    world = tiny_world(tiny, *custody())
    (a,) = apprehended(world, 1, flags=Flag.IRREGULAR_ENTRY | Flag.PROSECUTED)
    step(world, "custody", 0, 1, 2)
    assert story(world) == [
        (1, a, Transition.HELD_FOR_PROSECUTION, State.PROSECUTION),
        (2, a, Transition.BACK_TO_CUSTODY, State.IN_CUSTODY),
        (2, a, Transition.EXPEDITED_REMOVAL, State.AWAITING_REMOVAL),
    ]
    assert Flag(int(world.people.flags[a])) & Flag.PROSECUTION_DONE
    assert world.people.ti_custody[a] == 0  # custody began when she was first taken in


def test_under_mpp_an_eligible_person_is_returned_to_her_city_with_a_case_and_a_day(tiny):
    mpp = levers(mpp={"tijuana": 1.0}, mpp_judges=1)
    rates = {"p_mpp_give_up": 0.0, "p_mpp_settle": 0.0, "p_mpp_cross": 1.0, "p_lawyer_mpp": 0.1}
    world = tiny_world(tiny, *custody(mpp, **rates))
    (port,) = admitted(world, 1, nationality="HND")
    (caught,) = apprehended(world, 1, nationality="GTM", dest="tijuana")
    (mexican,) = apprehended(world, 1, nationality="MEX")
    step(world, "custody", 0, 1)
    returned = [(d, i) for d, i, t, _ in story(world) if t == Transition.RETURNED_TO_MEXICO]
    assert returned == [(1, port), (1, caught)]
    assert places(world, [port, caught]) == ["tijuana", "tijuana"]
    assert states(world, [mexican]) == [State.AWAITING_REMOVAL]
    assert all(Flag(int(f)) & Flag.MPP for f in world.people.flags[[port, caught]])
    assert taken(world.handoffs.cases) == [
        ([port, caught], {"docket": DocketKind.MPP, "p_lawyer": 0.1})
    ]
    assert taken(world.handoffs.returned_to_mexico) == [
        ([port, caught], {"day": [2, 2], "kind": [Event.MPP_CROSS] * 2})
    ]


def test_with_judges_for_detained_cases_a_detained_case_goes_on_their_docket(tiny):
    sections = levers(p_credible_fear_pass=1.0, detention_beds=1, detained_judges=2)
    world = tiny_world(tiny, *custody(sections, dur_detention_days=5.0))
    a, b = admitted(world, 2)
    step(world, "custody", 0, 1)
    # b finds no bed to wait in and is released: her case goes on the regular docket; a,
    # detained, has hers filed on the detained docket.
    lawyer = {"p_lawyer": 0.3}  # the lever's default
    assert taken(world.handoffs.cases) == [
        ([b], {"docket": DocketKind.REGULAR, **lawyer}),
        ([a], {"docket": DocketKind.DETAINED, **lawyer}),
    ]


def test_a_detained_person_released_with_a_case_on_the_detained_docket_is_handed_back(tiny):
    world = tiny_world(tiny, *custody(levers(detained_judges=2)))
    (a,) = put(world, 1, DETAINED, "san_diego_sector", flags=int(Flag.HAS_CASE))
    (b,) = put(world, 1, DETAINED, "san_diego_sector", flags=int(Flag.HAS_CASE))
    world.people.flags[a] |= np.uint8(Flag.DETAINED_DOCKET)
    stage = world.stages["custody"]
    stage.detention_agenda.schedule(np.array([a, b]), np.array([1, 1]), Event.RELEASE)
    step(world, "custody", 0, 1)
    assert states(world, [a, b]) == [RELEASED, RELEASED]
    # Only a's case waits on the detained docket: the courts move it to the regular one.
    assert taken(world.handoffs.cases) == [([a], {"docket": DocketKind.REGULAR, "p_lawyer": 0.3})]


def test_beds_held_by_people_arrested_in_the_interior_are_not_free(tiny):
    beds = levers(p_credible_fear_pass=1.0, detention_beds=3, interior_detained=2)
    world = tiny_world(tiny, *custody(beds))
    a, b = admitted(world, 2)
    step(world, "custody", 0, 1)
    # Three beds, two held by the interior's people: a waits in the last; b is released.
    assert states(world, [a, b]) == [DETAINED, RELEASED]


def test_fear_claimants_wait_for_their_interview_in_a_bed(tiny):
    no_interviews = levers(cf_interviews_per_day=0, detention_beds=2)
    world = tiny_world(tiny, *custody(no_interviews))
    a, b, c = admitted(world, 3)
    step(world, "custody", 0, 1, 2)
    # Nobody is interviewed: the two beds stay held by those waiting, the third is released.
    assert states(world, [a, b, c]) == [FEAR, FEAR, RELEASED]
    assert int(world.ledger.census(FEAR).sum()) == 2
