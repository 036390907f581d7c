"""Courts: cases filed on a docket, heard in order by free judge places, decided."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_world import (
    counted,
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

from borderflow.scenario.vocabulary import CourtOutcome, DocketKind, Flag, State, Transition

#: One judge place (1 judge x 1 completion a day x 1 active day) and hearings that end the
#: day after they begin; one hearing a case, nobody misses it, and every judge denies asylum
#: and gives no other relief: a heard case ends in a removal order.
ONE_PLACE = {
    "completions_per_judge_day": 1.0,
    "case_active_days": 1.0,
    "case_active_days_detained": 1.0,
    "hearings_per_case": 1.0,
    "p_absentia_released": 0.0,
    "p_absentia_mpp": 0.0,
    "p_deny_oth": 1.0,
    "share_other_relief": 0.0,
    "share_voluntary_departure": 0.0,
}


def court(*sections: str, more_levers: dict | None = None, **pars: float) -> tuple[str, ...]:
    """One judge on each docket, :data:`ONE_PLACE` changed by ``pars``."""
    one_judge = levers(judges=1, mpp_judges=1, **(more_levers or {}))
    return (one_judge, *sections, parameters(**{**ONE_PLACE, **pars}))


def filed(
    world,
    n: int,
    state: State = State.RELEASED_PENDING_HEARING,
    place: str = "san_diego_sector",
    docket: DocketKind = DocketKind.REGULAR,
    **kwargs,
) -> list[int]:
    """``n`` people with a notice to appear, their cases handed to the courts."""
    idx = put(world, n, state, place, **kwargs)
    world.handoffs.cases.put(np.array(idx), docket=int(docket), p_lawyer=0.0)
    return idx


def log(world) -> list[tuple[int, int, int, int, int]]:
    """The courts' daily log: (day, docket, waiting, in hearings, pending from the start)."""
    rows = world.stages["courts"].snapshot()["courts"]
    return list(
        zip(
            rows.day.tolist(),
            rows.docket.tolist(),
            rows.waiting.tolist(),
            rows.in_hearings.tolist(),
            rows.pending_from_start.tolist(),
            strict=True,
        )
    )


def test_one_judge_place_hears_two_cases_one_after_the_other(tiny):
    world = tiny_world(tiny, *court())
    a, b = filed(world, 2)
    step(world, "courts", 0)
    filed_today = [(0, i, Transition.CASE_FILED, State.RELEASED_PENDING_HEARING) for i in (a, b)]
    assert story(world) == filed_today
    assert world.people.ti_case[[a, b]].tolist() == [0, 0]
    assert all(Flag(int(f)) & Flag.HAS_CASE for f in world.people.flags[[a, b]])
    step(world, "courts", 1, 2, 3)
    ordered = [(d, i, s) for d, i, t, s in story(world) if t == Transition.REMOVAL_ORDERED]
    assert ordered == [(1, a, State.AWAITING_REMOVAL), (2, b, State.AWAITING_REMOVAL)]
    assert taken(world.handoffs.removal_orders) == [([a], {}), ([b], {})]
    assert [counted(world, Transition.HEARING, day) for day in range(4)] == [0, 1, 1, 0]
    regular = [row[2:] for row in log(world) if row[1] == DocketKind.REGULAR][:4]
    assert regular == [(1, 1, 0), (0, 1, 0), (0, 0, 0), (0, 0, 0)]


def test_the_decisions_table_counts_days_from_custody_or_else_from_the_case(tiny):
    world = tiny_world(tiny, *court())
    (held,) = put(world, 1, State.RELEASED_PENDING_HEARING, "san_diego_sector", ti_custody=0)
    (never,) = put(world, 1, State.RELEASED_PENDING_HEARING, "san_diego_sector")
    step(world, "courts", 0, 1)
    world.handoffs.cases.put(np.array([held, never]), docket=int(DocketKind.REGULAR), p_lawyer=0.0)
    step(world, "courts", 2, 3, 4)
    table = world.ledger.decision_table()
    rows = sorted(zip(table.outcome.tolist(), table.days.tolist(), table.n.tolist(), strict=True))
    assert rows == [
        (CourtOutcome.REMOVAL_ORDERED, 2, 1),  # never held: filed day 2, decided day 4
        (CourtOutcome.REMOVAL_ORDERED, 3, 1),  # held from day 0, decided day 3
        (CourtOutcome.HEARINGS_BEGAN, 0, 1),
        (CourtOutcome.HEARINGS_BEGAN, 1, 1),
    ]


def test_cases_pending_at_the_start_are_heard_before_the_first_filed(tiny):
    backlog = '\n[courts]\ninitial_backlog = 1\ninitial_backlog_source = "assumed"\n'
    world = tiny_world(tiny, *court(backlog))
    (a,) = filed(world, 1)
    step(world, "courts", 0, 1, 2, 3)
    assert [(d, t) for d, i, t, _ in story(world) if i == a] == [
        (0, Transition.CASE_FILED),
        (2, Transition.REMOVAL_ORDERED),
    ]
    regular = [row[2:] for row in log(world) if row[1] == DocketKind.REGULAR][:4]
    assert regular == [(1, 1, 0), (0, 1, 0), (0, 0, 0), (0, 0, 0)]


def test_someone_who_missed_a_hearing_is_ordered_removed_in_absentia_where_she_is(tiny):
    world = tiny_world(tiny, *court(p_absentia_released=1.0))
    (released,) = filed(world, 1)
    (detained,) = filed(world, 1, State.DETAINED)  # brought to her hearings
    step(world, "courts", 0, 1, 2)
    assert states(world, [released, detained]) == [
        State.ORDERED_REMOVED_IN_ABSENTIA,
        State.AWAITING_REMOVAL,
    ]
    assert places(world, [released]) == ["san_diego_sector"]


def test_with_a_lawyer_a_person_misses_hearings_as_the_factor_says(tiny):
    # 70% of cases are decided in absentia at a lawyer share of 0.3 (p_lawyer_reference);
    # with the factor at 0 those with a lawyer never miss, so all those without one do.
    world = tiny_world(tiny, *court(p_absentia_released=0.7, lawyer_absentia_factor=0.0))
    docket = world.stages["courts"].dockets[DocketKind.REGULAR]
    assert docket.p_missed_none.tolist() == pytest.approx([0.0, 1.0])
    alone, represented = filed(world, 2)
    world.people.flags[represented] |= np.uint8(Flag.LAWYER)
    step(world, "courts", 0, 1, 2, 3)
    assert states(world, [alone, represented]) == [
        State.ORDERED_REMOVED_IN_ABSENTIA,
        State.AWAITING_REMOVAL,
    ]


def test_someone_no_longer_waiting_is_ordered_removed_in_absentia_and_stays_put(tiny):
    world = tiny_world(tiny, *court())
    (a,) = filed(world, 1)
    step(world, "courts", 0)
    world.people.state[a] = State.SETTLED_IN_MEXICO  # she settled while her case was heard
    step(world, "courts", 1)
    assert story(world)[-1] == (1, a, Transition.REMOVED_IN_ABSENTIA, State.SETTLED_IN_MEXICO)
    assert len(world.handoffs.removal_orders) == 0


def test_an_asylum_barred_case_can_win_other_relief_at_best(tiny):
    world = tiny_world(tiny, *court(p_deny_oth=0.0, share_other_relief=1.0))
    (a,) = filed(world, 1, flags=int(Flag.IRREGULAR_ENTRY | Flag.ASYLUM_BARRED))
    step(world, "courts", 0, 1)
    assert story(world)[-1] == (1, a, Transition.OTHER_RELIEF, State.OTHER_RELIEF)
    assert places(world, [a]) == ["san_diego_sector"]


def test_voluntary_departure_sends_the_person_home(tiny):
    world = tiny_world(tiny, *court(share_voluntary_departure=1.0))
    (a,) = filed(world, 1)
    step(world, "courts", 0, 1)
    assert story(world)[-1] == (1, a, Transition.VOLUNTARY_DEPARTURE, State.VOLUNTARY_DEPARTURE)
    assert places(world, [a]) == ["home"]


def test_the_mpp_docket_has_its_own_judges(tiny):
    world = tiny_world(tiny, *court(more_levers={"mpp": {"tijuana": 1.0}}))
    (regular,) = filed(world, 1)
    (mpp,) = filed(world, 1, State.MPP_WAITING, "tijuana", DocketKind.MPP)
    step(world, "courts", 0)
    day0 = {row[1]: row[2:] for row in log(world) if row[0] == 0}
    assert day0 == {
        DocketKind.REGULAR: (0, 1, 0),
        DocketKind.MPP: (0, 1, 0),
        DocketKind.DETAINED: (0, 0, 0),
    }
    step(world, "courts", 1)
    assert states(world, [regular, mpp]) == [State.AWAITING_REMOVAL] * 2


def test_the_detained_docket_hears_its_cases_first_behind_no_backlog(tiny):
    backlog = '\n[courts]\ninitial_backlog = 5\ninitial_backlog_source = "assumed"\n'
    world = tiny_world(tiny, *court(backlog, more_levers={"detained_judges": 1}))
    (held,) = filed(world, 1, State.DETAINED, docket=DocketKind.DETAINED)
    (out,) = filed(world, 1)
    step(world, "courts", 0, 1)
    assert Flag(int(world.people.flags[held])) & Flag.DETAINED_DOCKET
    # The detained case is heard at once; the released one waits behind the 5 pending.
    assert states(world, [held, out]) == [State.AWAITING_REMOVAL, State.RELEASED_PENDING_HEARING]
    day0 = {row[1]: row[2:] for row in log(world) if row[0] == 0}
    assert day0[DocketKind.DETAINED] == (0, 1, 0) and day0[DocketKind.REGULAR] == (1, 1, 4)


def test_released_before_its_hearings_a_detained_case_moves_to_the_regular_docket(tiny):
    # No judge on the detained docket today: the case waits there until its person is
    # released, then joins the back of the regular docket, keeping the day it was filed.
    world = tiny_world(tiny, *court(more_levers={"detained_judges": 0}))
    (held,) = filed(world, 1, State.DETAINED, docket=DocketKind.DETAINED)
    step(world, "courts", 0)
    world.people.state[held] = State.RELEASED_PENDING_HEARING
    world.handoffs.cases.put(np.array([held]), docket=int(DocketKind.REGULAR), p_lawyer=1.0)
    step(world, "courts", 1, 2)
    assert not Flag(int(world.people.flags[held])) & Flag.DETAINED_DOCKET
    assert not Flag(int(world.people.flags[held])) & Flag.LAWYER  # not drawn again
    assert world.people.ti_case[held] == 0
    assert [t for d, i, t, _ in story(world) if i == held] == [
        Transition.CASE_FILED,
        Transition.REMOVAL_ORDERED,
    ]
    detained = [row[2:] for row in log(world) if row[1] == DocketKind.DETAINED]
    # Left on the detained docket's list as a stale entry (skipped when judges come).
    assert detained[0] == (1, 0, 0)


def test_cases_pending_at_the_start_are_heard_oldest_cohort_first_and_counted_from_filing(tiny):
    # Three cases pending on 1 January 2020: one filed in FY2018, two in FY2019, each cohort
    # dated 1 April of its year (days -640 and -275). One place takes one a day.
    backlog = (
        '\n[courts]\ninitial_backlog = 3\ninitial_backlog_source = "assumed"\n'
        "initial_backlog_filed = { FY2018 = 1, FY2019 = 2 }\n"
    )
    world = tiny_world(tiny, *court(backlog))
    assert world.scenario.courts.cohorts(world.scenario.start) == [(-640, 1), (-275, 2)]
    step(world, "courts", 0, 1, 2, 3)
    d = world.ledger.decision_table()
    backlog_rows = d.outcome == CourtOutcome.BACKLOG_DECIDED
    decided = sorted(zip(d.days[backlog_rows].tolist(), d.n[backlog_rows].tolist(), strict=True))
    # Taken up on days 0, 1 and 2, each decided the next day.
    assert decided == [(277, 1), (278, 1), (641, 1)]
    assert [row[4] for row in log(world) if row[1] == DocketKind.REGULAR][:4] == [2, 1, 0, 0]
