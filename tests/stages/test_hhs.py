"""HHS: unaccompanied children's legal track (TVPRA 2008), from CBP custody to a sponsor."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_world import counted, levers, parameters, places, put, states, story, taken, tiny_world

from borderflow.interfaces.api import load_scenario
from borderflow.model.records import Events
from borderflow.scenario.vocabulary import DocketKind, Household, State, Transition

HHS, RELEASED = State.HHS_CUSTODY, State.RELEASED_PENDING_HEARING
#: Processing and HHS care each last exactly one day; nobody else is released or claims fear.
ONE_DAY = {
    "dur_custody_days": 1.0,
    "dur_hhs_care_days": 1.0,
    "p_claim_fear_apprehended": 0.0,
    "p_claim_fear_mexican": 0.0,
    "p_release_family": 0.0,
}


def hhs(*sections: str, **pars: float) -> tuple[str, ...]:
    return (*sections, parameters(**{**ONE_DAY, **pars}))


def children(world, n: int, nationality: str = "HND") -> list[int]:
    """``n`` unaccompanied children apprehended in the San Diego sector, handed to custody."""
    idx = put(
        world,
        n,
        State.IN_CUSTODY,
        "san_diego_sector",
        nationality=nationality,
        household="unaccompanied_child",
        flags=1,  # an irregular entry
    )
    world.handoffs.into_custody.put(np.array(idx))
    return idx


def run(world, *days: int) -> None:
    """Step custody then HHS on each of ``days``, closing each day's books after."""
    for day in days:
        world.ledger.day = day
        world.stages["custody"].step(world, day)
        world.stages["hhs"].step(world, day)
        world.ledger.close_day(day)


def test_a_honduran_child_goes_to_hhs_when_custody_ends_then_to_a_sponsor_with_a_case(tiny):
    world = tiny_world(tiny, *hhs(levers(p_lawyer=0.25)))
    (a,) = children(world, 1)
    run(world, 0, 1, 2, 3)
    assert story(world) == [
        (1, a, Transition.TRANSFERRED_TO_HHS, HHS),
        (2, a, Transition.RELEASED_TO_SPONSOR, RELEASED),
    ]
    assert taken(world.handoffs.cases) == [([a], {"docket": DocketKind.REGULAR, "p_lawyer": 0.25})]


def test_a_stay_in_hhs_lasts_dur_days_on_average(tiny):
    world = tiny_world(tiny, *hhs(dur_hhs_care_days=3.0), n_days=60)
    kids = children(world, 2000)
    run(world, *range(60))
    released = [(d, i) for d, i, t, _ in story(world) if t == Transition.RELEASED_TO_SPONSOR]
    assert len(released) > 1990
    assert np.mean([d - 1 for d, _ in released]) == pytest.approx(3.0, rel=0.08)
    assert set(states(world, kids)) == {RELEASED}


def test_with_one_bed_the_second_child_waits_in_cbp_custody_until_the_first_leaves(tiny):
    world = tiny_world(tiny, *hhs(levers(hhs_beds=1)))
    a, b = children(world, 2)
    run(world, 0, 1)
    assert states(world, [a, b]) == [HHS, State.IN_CUSTODY]
    assert counted(world, Transition.WAITING_FOR_HHS_BED, day=1) == 1
    run(world, 2)
    assert [(d, i, t) for d, i, t, _ in story(world) if t != Transition.WAITING_FOR_HHS_BED] == [
        (1, a, Transition.TRANSFERRED_TO_HHS),
        (2, a, Transition.RELEASED_TO_SPONSOR),
        (2, b, Transition.TRANSFERRED_TO_HHS),
    ]
    assert counted(world, Transition.WAITING_FOR_HHS_BED) == 1  # one child-day waiting


@pytest.mark.parametrize(("share", "returned"), [(1.0, True), (0.0, False)])
def test_a_mexican_child_is_screened_and_returned_home_at_the_share(tiny, share, returned):
    world = tiny_world(tiny, *hhs(p_uac_mexico_returned=share))
    (a,) = children(world, 1, nationality="MEX")
    run(world, 0, 1)
    if returned:
        assert story(world) == [(1, a, Transition.CHILD_RETURNED_TO_MEXICO, State.RETURNED_HOME)]
        assert places(world, [a]) == ["home"]
    else:
        assert story(world) == [(1, a, Transition.TRANSFERRED_TO_HHS, HHS)]


def test_a_child_is_never_returned_under_mpp_even_when_a_scenario_lists_children(tiny):
    mpp = levers(mpp={"tijuana": 1.0}, mpp_judges=1)
    body = '\n[mpp]\nhouseholds = ["single_adult", "unaccompanied_child"]\n'
    world = tiny_world(tiny, *hhs(mpp), body)
    (a,) = children(world, 1, nationality="GTM")
    run(world, 0, 1)
    assert story(world) == [(1, a, Transition.TRANSFERRED_TO_HHS, HHS)]


def waiting_child_days(hhs_beds: int) -> int:
    sc = load_scenario("caravan-2018-spring")
    sc = sc.model_copy(update={"levers": sc.levers.model_copy(update={"hhs_beds": hhs_beds})})
    from borderflow.engine.run import run as simulate

    flows = simulate(sc, 1).flows
    return int(flows.n[flows.transition == Transition.WAITING_FOR_HHS_BED].sum())


NEVER = {
    Transition.EXPEDITED_REMOVAL,
    Transition.RETURNED_TO_MEXICO,
    Transition.DETAINED,
    Transition.TO_CREDIBLE_FEAR,
    Transition.CREDIBLE_FEAR_FAILED,
}


def test_no_child_is_ever_in_expedited_removal_mpp_or_ice_detention():
    from borderflow.engine.run import run as simulate

    sc = load_scenario("remain-in-mexico-2019").scaled(0.1)
    out = simulate(sc, 1, events=True)
    log = out.events
    assert isinstance(log, Events)
    child = out.people["household"][log.person] == int(Household.UNACCOMPANIED_CHILD)
    assert child.any()
    assert not np.isin(log.transition[child], [int(t) for t in NEVER]).any()
    assert not np.isin(
        log.to_state[child],
        [int(State.MPP_WAITING), int(State.DETAINED), int(State.AWAITING_CREDIBLE_FEAR)],
    ).any()
    assert (log.transition[child] == int(Transition.TRANSFERRED_TO_HHS)).any()


def test_more_hhs_beds_fewer_children_waiting_in_cbp_custody():
    # The spring 2018 caravan brings a few unaccompanied children to U.S. custody.
    waits = [waiting_child_days(beds) for beds in (0, 1, 3, 100)]
    assert waits[0] > waits[1] > waits[2] > waits[3] == 0
