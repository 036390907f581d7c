"""Custody: processing, prosecution, MPP returns, family release, credible fear and detention,
family residential centres, and Border Patrol's holding (capacity and time limit)."""

from __future__ import annotations

import numpy as np
from tiny_world import (
    counted,
    flows,
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


# --- family residential centres and Border Patrol's holding ----------------------------------

FAMILY_BED = State.FAMILY_DETENTION
#: Processing that does not end within a story (a mean of a hundred years).
NEVER = {"dur_custody_days": 36500.0}


def test_a_family_claiming_fear_takes_a_family_bed_and_leaves_at_the_limit(tiny):
    limits = {"dur_family_detention_days": 1000.0, "family_detention_limit_days": 3.0}
    world = tiny_world(tiny, *custody(levers(family_beds=1, p_lawyer=0.5), **limits))
    (parent,) = admitted(world, 1, household="family_adult")
    (child,) = admitted(world, 1, household="family_child")
    (single,) = admitted(world, 1)
    step(world, "custody", 0, 1, 2, 3, 4)
    # The parent takes the one family bed; the child finds none and Border Patrol releases
    # her straight from its holding; the single adult waits in an adult bed, never a
    # family's. Flores: the parent leaves at the limit, 3 days on, with a case.
    assert [(d, i, t) for d, i, t, _ in story(world) if i != single] == [
        (1, parent, Transition.TO_CREDIBLE_FEAR),
        (1, child, Transition.RELEASED_FROM_HOLDING),
        (4, parent, Transition.RELEASED),
    ]
    assert (1, single, Transition.TO_CREDIBLE_FEAR, FEAR) in story(world)
    assert states(world, [parent, child]) == [RELEASED, RELEASED]
    lawyer = {"docket": DocketKind.REGULAR, "p_lawyer": 0.5}
    cases = taken(world.handoffs.cases)
    assert ([child], lawyer) in cases and ([parent], lawyer) in cases
    assert int(world.ledger.census(FAMILY_BED).sum()) == 0


def test_family_beds_free_at_the_end_of_a_stay_take_the_next_family(tiny):
    world = tiny_world(tiny, *custody(levers(family_beds=2), dur_family_detention_days=1.0))
    first = admitted(world, 2, household="family_adult")
    step(world, "custody", 0)
    later = admitted(world, 3, household="family_adult")
    step(world, "custody", 1, 2)
    # Day 1: the first two take both beds. Day 2: their stays (one day) end first, so two
    # of the three processed that day find beds and the third is released from holding.
    on = lambda day, t: [i for d, i, tr, _ in story(world) if d == day and tr == t]  # noqa: E731
    assert on(1, Transition.TO_CREDIBLE_FEAR) == first
    assert on(2, Transition.RELEASED) == first
    assert on(2, Transition.TO_CREDIBLE_FEAR) == later[:2]
    assert on(2, Transition.RELEASED_FROM_HOLDING) == later[2:]


def test_over_capacity_border_patrol_releases_families_oldest_first(tiny):
    sections = custody(
        levers(cbp_holding_capacity=3, p_lawyer=0.2), p_release_over_capacity=1.0, **NEVER
    )
    world = tiny_world(tiny, *sections)
    singles = apprehended(world, 2)
    older = apprehended(world, 2, household="family_adult")
    step(world, "custody", 0)
    newer = apprehended(world, 2, household="family_child")
    (port,) = admitted(world, 1, household="family_adult")  # the port's holding is apart
    step(world, "custody", 1)
    # Day 0: four held at the station, one over: the oldest family member is released.
    # Day 1: five held (the port's is not Border Patrol's), two over: the next two.
    released = [(d, i) for d, i, t, _ in story(world) if t == Transition.RELEASED_FROM_HOLDING]
    assert released == [(0, older[0]), (1, older[1]), (1, newer[0])]
    assert states(world, [*singles, newer[1], port]) == [State.IN_CUSTODY] * 4
    assert taken(world.handoffs.cases) == [
        ([older[0]], {"docket": DocketKind.REGULAR, "p_lawyer": 0.2}),
        ([older[1], newer[0]], {"docket": DocketKind.REGULAR, "p_lawyer": 0.2}),
    ]
    assert counted(world, Transition.HELD_OVER_CAPACITY) == 0  # back at capacity each day


def test_people_held_above_capacity_are_counted_each_day_where_they_are(tiny):
    world = tiny_world(tiny, *custody(levers(cbp_holding_capacity=2), **NEVER))
    apprehended(world, 3)
    elsewhere = put(world, 3, State.IN_CUSTODY, "el_centro_sector", dest="mexicali")
    world.handoffs.into_custody.put(np.array(elsewhere))
    step(world, "custody", 0, 1)
    # Six single adults held, two places: four over capacity a day, two at each station.
    rows = flows(world)
    over = rows[rows.transition == Transition.HELD_OVER_CAPACITY]
    assert sorted(zip(over.day, over.place, over.n, strict=True)) == [
        (d, world.net.index(p), 2) for d in (0, 1) for p in ("san_diego_sector", "el_centro_sector")
    ]
    assert counted(world, Transition.RELEASED_FROM_HOLDING) == 0  # no family to release


def test_people_held_past_the_time_limit_are_counted_each_day_after_it(tiny):
    world = tiny_world(tiny, *custody(cbp_time_limit_days=2.0, **NEVER))
    (a,) = apprehended(world, 1)
    step(world, "custody", 0)
    (b,) = apprehended(world, 1)
    (port,) = admitted(world, 1)
    step(world, "custody", 1, 2, 3)
    # Held past two days from the day after next: a on days 2 and 3, b on day 3 (the
    # port's holding is not Border Patrol's).
    overdue = [(d, i) for d, i, t, _ in story(world) if t == Transition.HELD_PAST_TIME_LIMIT]
    assert overdue == [(2, a), (3, a), (3, b)]
    assert states(world, [a, b, port]) == [State.IN_CUSTODY] * 3


def test_a_day_releases_its_share_of_the_excess_and_the_rest_is_crowding(tiny):
    sections = custody(levers(cbp_holding_capacity=1), p_release_over_capacity=0.5, **NEVER)
    world = tiny_world(tiny, *sections)
    (single,) = apprehended(world, 1)
    families = apprehended(world, 4, household="family_adult")
    step(world, "custody", 0, 1)
    # Day 0: four over capacity, half released (the two oldest), two person-days of
    # crowding. Day 1: two over, one released, one person-day.
    released = [(d, i) for d, i, t, _ in story(world) if t == Transition.RELEASED_FROM_HOLDING]
    assert released == [(0, families[0]), (0, families[1]), (1, families[2])]
    assert counted(world, Transition.HELD_OVER_CAPACITY, day=0) == 2
    assert counted(world, Transition.HELD_OVER_CAPACITY, day=1) == 1
    assert states(world, [single, families[3]]) == [State.IN_CUSTODY] * 2
