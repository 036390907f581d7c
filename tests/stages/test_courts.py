"""Courts: cases filed on a docket, heard in order by free judge places, decided."""

from __future__ import annotations

import datetime as dt

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

from borderflow.engine.plan import DAY
from borderflow.model.courts import staffed
from borderflow.model.world import build_world
from borderflow.scenario.vocabulary import (
    NATIONALITIES,
    CourtOutcome,
    DocketKind,
    Flag,
    Household,
    State,
    Transition,
)
from conftest import head_for

#: One judge place (1 judge x 1 completion a day x 1 active day) and hearings that end the
#: day after they begin; one hearing a case, nobody misses it, and every judge denies asylum
#: and gives no other relief, nor terminates an MPP case: a heard case ends in a removal order.
ONE_PLACE = {
    "p_mpp_terminated": 0.0,
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


# --- the next case: oldest first, newest first, or a share kept for the run's cases ----------


def courts(*lines: str) -> str:
    """A ``[courts]`` table of TOML ``lines``."""
    return "\n[courts]\n" + "".join(f"{line}\n" for line in lines)


START_BACKLOG = ("initial_backlog_source = 'assumed'",)


def pending(world) -> list[int]:
    """The regular docket's anonymous cases waiting at the end of each day."""
    return [row[4] for row in log(world) if row[1] == DocketKind.REGULAR]


def test_newest_first_hears_the_case_that_joined_the_docket_last_first(tiny):
    world = tiny_world(tiny, *court(courts('next_case = "newest_first"')))
    a, b, c = filed(world, 3)
    step(world, "courts", 0, 1, 2, 3)
    ordered = [(d, i) for d, i, t, _ in story(world) if t == Transition.REMOVAL_ORDERED]
    assert ordered == [(1, c), (2, b), (3, a)]


def test_newest_first_hears_the_runs_cases_then_the_start_backlog_newest_cohort_first(tiny):
    # As in the FIFO story below: one case filed in FY2018, two in FY2019 (days -640, -275).
    section = courts(
        'next_case = "newest_first"',
        "initial_backlog = 3",
        *START_BACKLOG,
        "initial_backlog_filed = { FY2018 = 1, FY2019 = 2 }",
    )
    world = tiny_world(tiny, *court(section))
    (a,) = filed(world, 1)
    step(world, "courts", 0, 1, 2, 3, 4)
    assert [(d, t) for d, i, t, _ in story(world) if i == a] == [
        (0, Transition.CASE_FILED),
        (1, Transition.REMOVAL_ORDERED),
    ]
    d = world.ledger.decision_table()
    rows = d.outcome == CourtOutcome.BACKLOG_DECIDED
    # The FY2019 cases taken up on days 1 and 2, the FY2018 one on day 3; decided a day on.
    assert sorted(zip(d.days[rows].tolist(), d.n[rows].tolist(), strict=True)) == [
        (277, 1),
        (278, 1),
        (644, 1),
    ]
    assert pending(world)[:5] == [3, 2, 1, 0, 0]


@pytest.mark.parametrize(
    ("share", "heard_on", "waiting"),
    [
        (0.0, (2, 2), [2, 0, 0, 0]),  # FIFO: the start backlog first, then the run's
        (0.5, (0, 1), [3, 2, 0, 0]),  # one of the two places a day kept for the run's
        (0.25, (1, 2), [2, 1, 0, 0]),  # half a place a day: one on day 1 (carried)
        (1.0, (0, 0), [4, 2, 0, 0]),  # every place for the run's cases while they wait
    ],
)
def test_a_priority_share_keeps_places_for_the_runs_cases_ahead_of_the_start_backlog(
    tiny, share, heard_on, waiting
):
    # Two places (1 judge x 2 completions a day x 1 day), four cases pending at the start.
    section = courts("initial_backlog = 4", *START_BACKLOG)
    world = tiny_world(
        tiny,
        *court(section, more_levers={"priority_share": share}, completions_per_judge_day=2.0),
    )
    a, b = filed(world, 2)
    step(world, "courts", 0, 1, 2, 3, 4)
    ordered = {i: d for d, i, t, _ in story(world) if t == Transition.REMOVAL_ORDERED}
    assert (ordered[a] - 1, ordered[b] - 1) == heard_on
    assert pending(world)[:4] == waiting


# --- judges over time: hiring classes and attrition -------------------------------------------


def test_the_bench_is_the_lever_plus_hires_less_the_expected_leavers():
    lever = np.array([10.0, 10.0, 10.0, 20.0])
    hires = np.array([0.0, 5.0, 0.0, 0.0])
    assert staffed(lever, np.zeros(4), 0.0) is lever  # nothing to change: the lever itself
    assert staffed(lever, hires, 0.0).tolist() == [10.0, 15.0, 15.0, 25.0]
    # 10% leave a day: 1 by day 1, 2.4 by day 2 (1 + 14 x 0.1), 3.66 by day 3.
    assert staffed(lever, hires, 0.1) == pytest.approx([10.0, 14.0, 12.6, 21.34])


def test_a_hiring_class_adds_places_from_its_date_and_attrition_takes_them_away(tiny):
    hiring = "hiring = { 2020-01-03 = 5 }"
    kept, leaving = (
        tiny_world(tiny, *court(courts(hiring, f"attrition = {on}"), p_judge_attrition=0.1))
        for on in ("false", "true")
    )
    slots = lambda world: world.stages["courts"].dockets[DocketKind.REGULAR].slots  # noqa: E731
    # One judge, five more on day 2; a place each (1 completion a day x 1 active day).
    assert slots(kept)[:5].tolist() == [1, 1, 6, 6, 6]
    # Judges on the bench 1, 0.9, 5.81, 5.229, 4.7061: whole places only.
    assert slots(leaving)[:5].tolist() == [1, 0, 5, 5, 4]
    # The other dockets keep their levers' judges.
    mpp = kept.stages["courts"].dockets[DocketKind.MPP].slots
    assert (mpp == 1).all()


# --- cases of people not simulated filed during the run ---------------------------------------


def test_other_receipts_join_the_anonymous_backlog_behind_the_start_one(tiny):
    section = courts(
        "initial_backlog = 2",
        *START_BACKLOG,
        "other_receipts = 3",
        "other_receipts_source = 'assumed'",
    )
    world = tiny_world(tiny, *court(section))
    (a,) = filed(world, 1)
    step(world, "courts", *range(10))
    d = world.ledger.decision_table()
    rows = d.outcome == CourtOutcome.BACKLOG_DECIDED
    days = np.repeat(d.days[rows], d.n[rows])
    # One a day from day 1: the start backlog first (filed the day before), then cases
    # filed since, each at least a day after its filing.
    assert len(days) == 9 and sorted(days)[:2] == [2, 3] and (days >= 1).all()
    log_pending = pending(world)
    filed_since = log_pending[-1] + 10 - 2  # waiting + taken up - the start's
    assert 10 < filed_since < 60  # Poisson, 3 a day for 10 days
    # Behind about three new cases a day at one place a day, the run's case waits.
    assert Transition.REMOVAL_ORDERED not in [t for _, i, t, _ in story(world) if i == a]


def test_a_priority_share_puts_the_runs_cases_ahead_of_other_receipts_too(tiny):
    section = courts("other_receipts = 3", "other_receipts_source = 'assumed'")
    world = tiny_world(tiny, *court(section, more_levers={"priority_share": 1.0}))
    step(world, "courts", 0)  # anonymous cases filed, one taken up
    (a,) = filed(world, 1)
    step(world, "courts", 1, 2)
    assert [(d, t) for d, i, t, _ in story(world) if i == a] == [
        (1, Transition.CASE_FILED),
        (2, Transition.REMOVAL_ORDERED),
    ]


# --- MPP cases terminated ---------------------------------------------------------------------


def test_a_terminated_mpp_case_leaves_its_person_waiting_in_mexico_with_no_case(tiny):
    world = tiny_world(tiny, *court(more_levers={"mpp": {"tijuana": 1.0}}, p_mpp_terminated=1.0))
    (returned,) = filed(world, 1, State.MPP_WAITING, "tijuana", DocketKind.MPP)
    (released,) = filed(world, 1)  # the regular docket terminates nothing
    world.handoffs.cases.put(np.array([returned]), docket=int(DocketKind.MPP), p_lawyer=1.0)
    step(world, "courts", 0, 1)
    assert story(world)[-2:] == [
        (1, released, Transition.REMOVAL_ORDERED, State.AWAITING_REMOVAL),
        (1, returned, Transition.CASE_TERMINATED, State.MPP_WAITING),
    ]
    assert places(world, [returned]) == ["tijuana"]
    assert not Flag(int(world.people.flags[returned])) & (Flag.HAS_CASE | Flag.LAWYER)
    assert taken(world.handoffs.removal_orders) == [([released], {})]
    d = world.ledger.decision_table()
    assert d.n[(d.docket == DocketKind.MPP) & (d.outcome == CourtOutcome.TERMINATED)].sum() == 1
    # Back with a new notice to appear, she has a new case.
    world.handoffs.cases.put(np.array([returned]), docket=int(DocketKind.REGULAR), p_lawyer=0.0)
    step(world, "courts", 2)
    assert story(world)[-1] == (2, returned, Transition.CASE_FILED, State.MPP_WAITING)


# --- the decisions table names the person decided ---------------------------------------------


def test_the_decisions_table_names_each_persons_nationality_lawyer_and_household(tiny):
    world = tiny_world(tiny, *court(courts("initial_backlog = 1", *START_BACKLOG), p_deny_hnd=1.0))
    (a,) = put(
        world,
        1,
        State.RELEASED_PENDING_HEARING,
        "san_diego_sector",
        nationality="HND",
        household="family_adult",
    )
    world.handoffs.cases.put(np.array([a]), docket=int(DocketKind.REGULAR), p_lawyer=1.0)
    step(world, "courts", 0, 1, 2)
    d = world.ledger.decision_table()
    rows = sorted(
        zip(
            d.outcome.tolist(),
            d.nationality.tolist(),
            d.lawyer.tolist(),
            d.household.tolist(),
            d.days.tolist(),
            d.n.tolist(),
            strict=True,
        )
    )
    hnd, family = NATIONALITIES.index("HND"), int(Household.FAMILY_ADULT)
    assert rows == [
        (CourtOutcome.REMOVAL_ORDERED, hnd, 1, family, 2, 1),  # filed day 0, decided day 2
        (CourtOutcome.HEARINGS_BEGAN, hnd, 1, family, 1, 1),  # behind the pending case
        (CourtOutcome.BACKLOG_DECIDED, -1, -1, -1, 2, 1),  # not simulated: nobody named
    ]


# --- CRS's projection: judges against the backlog, FY2023 to FY2032 ---------------------------

#: CRS R47637, "Immigration Judge Hiring and Projected Impact on the Immigration Courts
#: Backlog" (2023-07-28, https://www.everycrsreport.com/reports/R47637.html): 649 judges and
#: "nearly 2 million" cases pending at the end of FY2023 Q2.
CRS_START = dt.date(2023, 4, 1)
CRS_JUDGES = 649
CRS_BACKLOG = 2_000_000
#: EOIR initial receipts in FY2019, 546,248 (EOIR Adjudication Statistics, data generated
#: 2021-04-19; copy at https://docslib.org/doc/3527409/eoir-workload-and-adjudication-statistics,
#: the source of the eoir_receipts_fy series), a day.
RECEIPTS_A_DAY = 546_248 / 365.25
CRS_HIRED = dt.date(2023, 10, 1)  # the extra judges join at the start of FY2024


def fiscal_year_ends(first: int, last: int) -> list[int]:
    """Days (from :data:`CRS_START`) of the last day of each fiscal year ``first..last``."""
    return [(dt.date(year, 9, 30) - CRS_START).days for year in range(first, last + 1)]


def crs_docket(tiny, extra: int, attrition: bool = False):
    """The regular docket from 2023-04-01 to the end of FY2032, ``extra`` judges hired.

    Only the courts stage runs, on cases of people not simulated: the start backlog and
    the receipts. Returns the docket's daily log (backlog, anonymous cases waiting, in
    hearings).
    """
    n_days = fiscal_year_ends(2032, 2032)[0] + 1
    section = courts(
        f"initial_backlog = {CRS_BACKLOG}",
        "initial_backlog_source = 'CRS R47637: nearly 2 million at the end of FY2023 Q2'",
        f"other_receipts = {RECEIPTS_A_DAY}",
        "other_receipts_source = 'EOIR initial receipts FY2019, 546,248 a year'",
        f"hiring = {{ {CRS_HIRED} = {extra} }}",
        f"attrition = {str(attrition).lower()}",
    )
    sc = tiny(levers(judges=CRS_JUDGES) + section, head=head_for(n_days, CRS_START))
    world = build_world(sc, 1, DAY)
    stage = step(world, "courts", *range(n_days))
    rows = stage.snapshot()["courts"]
    return rows[rows.docket == DocketKind.REGULAR]


def test_crs_judges_needed_to_stop_the_backlog_growing_and_to_clear_it_by_fy2032(tiny):
    """CRS (R47637, July 2023): 300 or more judges beyond the 649 would begin to reduce the
    backlog of nearly 2 million, and 700 more would clear it by FY2032.

    The courts stage reproduces both thresholds with sourced inputs: a judge completes
    ``completions_per_judge_day`` = 1.6 cases a day (P17, P18: 1.72 in FY2019, 1.53 in
    FY2018), and cases arrive at FY2019's rate, 546,248 a year (EOIR). Then 649 judges
    complete about 379,000 a year and the backlog grows by about 167,000 a year; 949
    complete about 555,000, just above the receipts, so it starts falling, slowly; 1,349
    complete about 788,000 and empty the queue in FY2031 (late October 2030). The extra
    judges join on 2023-10-01 as one hiring class; the corps is held at its size (CRS
    counts judges beyond those replacing leavers): with ``attrition`` on and nobody
    replacing leavers, the 700 no longer clear it.

    What it does not reproduce: CRS puts the backlog with 300 more judges at about 1.6
    million in FY2033; here it falls only by about 8,000 a year, and ends FY2032 about where
    it started. CRS's receipts and productivity are not in its summary; at FY2023's receipts
    (almost 1.2 million DHS filings, EOIR, https://justice.gov/eoir/strategic-plan/strategic-context/current-operating-enviroment)
    not even 700 more judges would keep up at 1.6 cases a judge-day. And "cleared" means
    nobody waits for a judge: the cases in hearings, about half a year's receipts
    (``case_active_days`` = 180), are still pending, as in EOIR's count.
    """
    ends = fiscal_year_ends(2024, 2032)
    hired = (CRS_HIRED - CRS_START).days
    none, some, many, leaving = (
        crs_docket(tiny, extra, attrition)
        for extra, attrition in ((0, False), (300, False), (700, False), (700, True))
    )
    # The start backlog and the first day's receipts.
    assert none.backlog[0] == pytest.approx(CRS_BACKLOG + RECEIPTS_A_DAY, rel=0.001)
    # +0: the backlog grows every year, past 3.5 million by FY2032.
    grown = none.backlog[ends]
    assert (np.diff(grown) > 100_000).all() and grown[-1] > 3_500_000
    # +300: it grows until the judges join, then falls every year, slowly.
    at_hiring = some.backlog[hired]
    fallen = some.backlog[ends]
    assert (np.diff(fallen) < 0).all()
    assert fallen[-1] < at_hiring and fallen[-1] > 0.9 * CRS_BACKLOG
    # +700: nobody waits for a judge by the end of FY2032; what is pending is in hearings.
    cleared = np.flatnonzero(many.pending_from_start == 0)
    assert len(cleared) and cleared[0] < ends[-1] and many.pending_from_start[-1] == 0
    in_hearings = RECEIPTS_A_DAY * 180  # receipts x time in hearings, about 269,000
    assert many.backlog[-1] == pytest.approx(in_hearings, rel=0.05)
    # +700 with judges leaving at 7% a year, unreplaced: far from cleared.
    assert leaving.pending_from_start[-1] > 1_000_000
