"""Levers and parameters push the results the way they should.

Each story builds a small scenario on the tiny network, runs two versions of it on the same
seeds and compares totals; the comparisons are directions, never numbers pinned to a seed.
On the Mexican side people set out in ``home``, about 50 days' walk from Tijuana
(:func:`flow_body`); on the U.S. side they appear in Tijuana itself, so they reach the border
the day they set out (:func:`us_body`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from borderflow.engine.run import RunOutput, run
from borderflow.model.records import Decisions, Waits
from borderflow.results.results import Results
from borderflow.scenario.vocabulary import (
    CourtOutcome,
    DocketKind,
    Flag,
    State,
    Transition,
    WaitOutcome,
)
from conftest import daily_flow, daily_stock, head_for, policy

SEEDS = (1, 2, 3)
REGULAR = DocketKind.REGULAR
FAST_COURTS = "case_active_days = { value = 10, low = 1, high = 400 }"


def runs(scenario, check: bool = False) -> list[RunOutput]:
    """The scenario run once per seed."""
    return [run(scenario, seed=s, check=check) for s in SEEDS]


def total(outs: list[RunOutput], transition: Transition, to_place: str | None = None) -> float:
    """Count of ``transition`` over all days and seeds (optionally only into ``to_place``)."""
    return float(sum(daily_flow(o, transition, to_place=to_place).sum() for o in outs))


def person_days(outs: list[RunOutput], state: State, kind: str | None = None) -> float:
    """End-of-day stocks in ``state`` summed over days, places (of ``kind``) and seeds."""
    result = 0.0
    for o in outs:
        places = None
        if kind is not None:
            places = [i for i, p in enumerate(o.scenario.places) if p.kind == kind]
        result += float(daily_stock(o, state, places=places).sum())
    return result


def mean_wait(outs: list[RunOutput], outcome: WaitOutcome = WaitOutcome.ADMITTED) -> float:
    """Mean days waited by those whose wait at a port ended with ``outcome``."""
    w = Waits.concat([o.waits for o in outs])
    w = w[w.outcome == outcome]
    return float((w.waited_days * w.n).sum() / w.n.sum())


# --- the Mexican side: a flow from home to Tijuana -------------------------------------------


def flow_body(
    per_day: float = 20.0, levers: str = "", parameters: str = "", policies: str = ""
) -> str:
    """A background flow from home to Tijuana, with extra lever, parameter and policy lines."""
    return f"""
    [levers]
    {levers}

    [parameters]
    {parameters}

    [background]
    daily = {{ HND = {per_day} }}
    origins = {{ HND = "home" }}
    destinations = {{ tijuana = 1.0 }}
    {policies}
    """


def test_lower_quota_means_longer_waits_and_more_crossings_between_ports(tiny):
    """Metering harder makes people wait longer, so more give up and cross between ports."""
    reneging = """
    p_renege = 0.05
    share_renege_cross = 0.5
    """
    low, high = (
        tiny(
            flow_body(levers=f"quota = {{ san_ysidro = {q} }}", parameters=reneging),
            head=head_for(150),
        )
        for q in (3, 12)
    )
    low_runs, high_runs = runs(low), runs(high)

    assert mean_wait(low_runs) > mean_wait(high_runs)
    assert total(low_runs, Transition.ADMITTED_AT_PORT) < total(
        high_runs, Transition.ADMITTED_AT_PORT
    )
    assert total(low_runs, Transition.CROSS_BETWEEN_PORTS) > total(
        high_runs, Transition.CROSS_BETWEEN_PORTS
    )


def test_more_shelter_beds_mean_fewer_unsheltered_person_days(tiny):
    """Beds in Tijuana move waiting people off the street, never beyond the beds there are."""
    beds = 40
    none, some = (
        tiny(
            flow_body(levers=f"quota = {{ san_ysidro = 4 }}\n    beds = {{ tijuana = {b} }}"),
            head=head_for(120),
        )
        for b in (0, beds)
    )
    none_runs, some_runs = runs(none), runs(some, check=True)

    assert person_days(none_runs, State.WAITING_SHELTERED) == 0
    assert person_days(some_runs, State.WAITING_SHELTERED) > 0
    assert person_days(some_runs, State.WAITING_UNSHELTERED) < person_days(
        none_runs, State.WAITING_UNSHELTERED
    )
    for out in some_runs:
        assert daily_stock(out, State.WAITING_SHELTERED).max() <= beds


def test_stronger_mexican_enforcement_means_fewer_reach_the_border(tiny):
    """Tripling Mexico's enforcement deports more people on the road and fewer reach Tijuana."""
    detain = "p_detain_mexico = 0.02"
    weak, strong = (
        tiny(flow_body(levers=f"mexico_enforcement = {m}", parameters=detain), head=head_for(120))
        for m in (1.0, 3.0)
    )
    weak_runs, strong_runs = runs(weak), runs(strong)

    assert total(strong_runs, Transition.DEPORTED_BY_MEXICO) > total(
        weak_runs, Transition.DEPORTED_BY_MEXICO
    )
    assert total(strong_runs, Transition.MOVE, "tijuana") < total(
        weak_runs, Transition.MOVE, "tijuana"
    )


def test_quota_opened_on_a_date_admits_from_that_day(tiny):
    """A port closed (quota 0) until a date admits no one before it and its quota from that day."""
    opens = dt.date(2020, 3, 15)
    sc = tiny(
        flow_body(
            levers="quota = { san_ysidro = 0 }", policies=policy(opens, '"quota.san_ysidro" = 20')
        ),
        head=head_for(120),
    )
    day = sc.day_of(opens)
    for out in runs(sc, check=True):
        admitted = daily_flow(out, Transition.ADMITTED_AT_PORT)
        waiting = daily_stock(out, State.WAITING_UNSHELTERED)[day - 1]
        assert waiting > 20  # a queue has built up while the port was closed
        assert not admitted[:day].any()
        assert admitted[day] == 20
        assert admitted[day:].max() <= 20


def test_enforcement_raised_on_a_date_raises_deportations_from_that_day(tiny):
    """Mexico's enforcement tripled on a date: nothing differs before it, more deported after."""
    raised_on = dt.date(2020, 2, 15)
    detain = "p_detain_mexico = 0.01"
    before, after = (
        tiny(flow_body(parameters=detain, policies=extra), head=head_for(90))
        for extra in ("", policy(raised_on, "mexico_enforcement = 3.0"))
    )
    day = after.day_of(raised_on)
    base_runs, raised_runs = runs(before), runs(after)

    for b, r in zip(base_runs, raised_runs, strict=True):
        assert b.flows[b.flows.day < day] == r.flows[r.flows.day < day]
    deported = lambda o: daily_flow(o, Transition.DEPORTED_BY_MEXICO)[day:].sum()  # noqa: E731
    deported_base = sum(deported(o) for o in base_runs)
    deported_raised = sum(deported(o) for o in raised_runs)
    assert deported_raised > 1.5 * deported_base


def test_asylum_ban_bars_every_apprehension_from_its_date_only(tiny):
    """With the ban on from a date, every apprehension from that day on is barred, none before."""
    ban_on = dt.date(2020, 3, 10)
    sc = tiny(flow_body(policies=policy(ban_on, "asylum_ban = true")), head=head_for(120))
    day = sc.day_of(ban_on)
    for out in runs(sc):
        barred = daily_flow(out, Transition.ASYLUM_BARRED)
        apprehended = daily_flow(out, Transition.APPREHENDED)
        assert apprehended[:day].sum() > 0  # there were apprehensions before the ban
        assert not barred[:day].any()
        assert apprehended[day:].sum() > 0
        assert np.array_equal(barred[day:], apprehended[day:])


def test_lower_apprehension_probability_means_more_evade(tiny):
    """Fewer crossers between ports are caught when Border Patrol catches fewer."""
    lax, tight = (
        tiny(flow_body(levers=f"p_apprehend = {{ tijuana = {p} }}"), head=head_for(120))
        for p in (0.3, 0.9)
    )
    lax_runs, tight_runs = runs(lax), runs(tight)

    assert total(lax_runs, Transition.EVADED) > total(tight_runs, Transition.EVADED)
    assert total(lax_runs, Transition.APPREHENDED) < total(tight_runs, Transition.APPREHENDED)


# --- the U.S. side: people appear in Tijuana --------------------------------------------------


def us_body(
    per_day: float = 10.0,
    household: str = "single_adult = 1.0",
    levers: str = "",
    parameters: str = "",
    extra: str = "",
    join: float = 1.0,
) -> str:
    """People appear in Tijuana (HND), ``join`` of them queue at the port (no quota), the
    rest cross between ports; with extra lever, parameter and trailing TOML lines."""
    return f"""
    [levers]
    {levers}

    [parameters]
    p_join_waitlist = {{ value = {join}, low = 0.0, high = 1.0 }}
    {parameters}

    [background]
    daily = {{ HND = {per_day} }}
    origins = {{ HND = "tijuana" }}
    destinations = {{ tijuana = 1.0 }}
    household = {{ {household} }}
    {extra}
    """


def stock_on(out: RunOutput, state: State, day: int) -> int:
    """People in ``state`` at the end of ``day``."""
    return int(daily_stock(out, state)[day])


def mean_time_to_decision(outs: list[RunOutput]) -> float:
    """Mean days from custody to a decision on the regular docket, over all seeds."""
    d = Decisions.concat([o.decisions for o in outs])
    d = d[(d.docket == REGULAR) & (d.outcome != CourtOutcome.HEARINGS_BEGAN)]
    return float((d.days * d.n).sum() / d.n.sum())


def final_backlog(out: RunOutput) -> int:
    """Regular-docket cases waiting, in hearings or pending from the start, on the last day."""
    return int(out.courts.backlog[out.courts.docket == REGULAR][-1])


def released_families(
    levers: str = "", parameters: str = "", per_day: float = 10.0, join: float = 1.0
) -> str:
    """Families in custody, all released with a notice to appear."""
    return us_body(
        per_day=per_day,
        join=join,
        household="family_adult = 1.0",
        levers=levers,
        parameters=f"p_release_family = 1.0\n    {parameters}",
    )


def test_more_judges_mean_faster_decisions_and_a_smaller_backlog(tiny):
    """Judges hear 1.6 cases a day each: 3 judges cannot keep up with 10 cases a day, 8 can."""
    backlog = '[courts]\n    initial_backlog = 300\n    initial_backlog_source = "assumed"'
    few, many = (
        tiny(
            released_families(
                levers=f"judges = {j}",
                parameters="case_active_days = { value = 20, low = 1, high = 400 }",
            )
            + backlog,
            head=head_for(200),
        )
        for j in (3, 8)
    )
    few_runs, many_runs = runs(few), runs(many)

    assert mean_time_to_decision(few_runs) > mean_time_to_decision(many_runs)
    for f, m in zip(few_runs, many_runs, strict=True):
        assert final_backlog(f) > final_backlog(m)
    for f, m in zip(few_runs[:1], many_runs[:1], strict=True):
        us_few, us_many = (Results(o).summary_dict["us_processing"] for o in (f, m))
        assert us_few["court_backlog_start"] == us_many["court_backlog_start"] >= 300
        assert us_few["court_backlog_final"] == final_backlog(f)
        assert us_few["court_backlog_final"] > us_many["court_backlog_final"]
        assert us_few["time_to_decision"]["mean_days"] > us_many["time_to_decision"]["mean_days"]
    # The pending cases are heard first: with more judges they are gone sooner.
    for f, m in zip(few_runs, many_runs, strict=True):
        pending = lambda o: o.courts.pending_from_start[o.courts.docket == REGULAR]  # noqa: E731
        assert (pending(f) >= pending(m)).all() and pending(f).sum() > pending(m).sum()


def decided(outs: list[RunOutput], docket: DocketKind) -> int:
    """Simulated people decided on ``docket`` over all seeds (not the start's pending cases)."""
    d = Decisions.concat([o.decisions for o in outs])
    people = (d.outcome != CourtOutcome.HEARINGS_BEGAN) & (
        d.outcome != CourtOutcome.BACKLOG_DECIDED
    )
    return int(d.n[(d.docket == docket) & people].sum())


def median_days(outs: list[RunOutput], docket: DocketKind) -> float:
    """Median days from custody to a decision on ``docket``, over all seeds."""
    d = Decisions.concat([o.decisions for o in outs])
    d = d[(d.docket == docket) & (d.outcome != CourtOutcome.HEARINGS_BEGAN)]
    return float(np.median(np.repeat(d.days, d.n)))


def test_judges_for_detained_cases_decide_detained_people_behind_no_backlog(tiny):
    """Single adults pass their fear interview and take one of 100 beds; 1,000 cases are
    pending on the regular docket, which its one judge hears for the whole run."""
    backlog = '[courts]\n    initial_backlog = 1000\n    initial_backlog_source = "assumed"'
    scenarios = [
        tiny(
            us_body(
                levers=f"judges = 1\n    detention_beds = 100\n    detained_judges = {j}\n"
                "    p_credible_fear_pass = 1.0",
                parameters="dur_detention_days = { value = 60, low = 1, high = 400 }",
            )
            + backlog,
            head=head_for(120),
        )
        for j in (0, 2, 6)
    ]
    none, few, many = (runs(sc) for sc in scenarios)
    # Without judges of their own, detained people wait behind the 1,000: nobody is decided.
    assert decided(none, DocketKind.DETAINED) == 0 and decided(none, REGULAR) == 0
    # With them, detained people are decided within the run, more with more judges, and
    # faster: the median detained wait falls.
    assert 0 < decided(few, DocketKind.DETAINED) < decided(many, DocketKind.DETAINED)
    assert median_days(few, DocketKind.DETAINED) > median_days(many, DocketKind.DETAINED)


def test_mpp_moves_detention_to_waiting_in_mexican_border_cities(tiny):
    """Returning everyone to Tijuana under MPP empties U.S. detention and fills the city."""
    off, on = (
        tiny(
            us_body(levers=f"mpp = {{ tijuana = {share} }}\n    mpp_judges = 5"), head=head_for(150)
        )
        for share in (0.0, 1.0)
    )
    off_runs, on_runs = runs(off), runs(on, check=True)

    assert person_days(on_runs, State.DETAINED) < person_days(off_runs, State.DETAINED)
    assert person_days(off_runs, State.MPP_WAITING) == 0
    in_cities = person_days(on_runs, State.MPP_WAITING, kind="border_city")
    assert in_cities > 0 and in_cities == person_days(on_runs, State.MPP_WAITING)
    assert total(on_runs, Transition.RETURNED_TO_MEXICO) > 0
    us_off, us_on = (Results(o[0]).summary_dict["us_processing"] for o in (off_runs, on_runs))
    assert us_on["detention_bed_days"] < us_off["detention_bed_days"]
    assert us_on["mpp_returned"] > us_off["mpp_returned"] == 0


def test_mpp_off_means_no_mpp_decisions_and_more_on_the_other_dockets(tiny):
    """With MPP on everyone is returned and heard on the MPP docket; off, they are detained
    and heard on the detained docket (its own judges), behind no backlog."""
    judges = "mpp_judges = 5\n    detained_judges = 5"
    off, on = (
        tiny(us_body(levers=f"mpp = {{ tijuana = {share} }}\n    {judges}"), head=head_for(150))
        for share in (0.0, 1.0)
    )
    off_runs, on_runs = runs(off), runs(on)
    assert decided(off_runs, DocketKind.MPP) == 0 < decided(on_runs, DocketKind.MPP)
    assert decided(off_runs, DocketKind.DETAINED) > decided(on_runs, DocketKind.DETAINED)


def test_more_beds_mean_fewer_released_for_lack_of_one_and_interior_arrests_more(tiny):
    """Ten single adults a day claim fear at the port and wait for their interview (4 a day)
    in a bed; those found a fear stay detained for about 30 days."""
    stay = "dur_detention_days = { value = 30, low = 1, high = 400 }"
    few, many, shared = (
        tiny(
            us_body(levers=f"cf_interviews_per_day = 4\n    {beds}", parameters=stay),
            head=head_for(120),
        )
        for beds in (
            "detention_beds = 100",
            "detention_beds = 250",
            "detention_beds = 250\n    interior_detained = 150",
        )
    )
    few_runs, many_runs, shared_runs = runs(few), runs(many), runs(shared)
    released = lambda outs: total(outs, Transition.RELEASED_NO_BED)  # noqa: E731
    assert released(few_runs) > released(many_runs) > 0
    # Beds held by people arrested in the interior leave the border's people fewer.
    assert released(shared_runs) > released(many_runs)
    for out, beds in ((few_runs[0], 100), (many_runs[0], 250), (shared_runs[0], 100)):
        held = daily_stock(out, State.DETAINED) + daily_stock(out, State.AWAITING_CREDIBLE_FEAR)
        assert held.max() <= beds  # the beds bind: full, never over


def removed_body(p_apprehend: float, p_again: float, deterrence: float) -> str:
    """Single adults cross between ports, are apprehended, claim no fear and are removed
    home (Tijuana's people are Honduran); ``p_again`` of them set out again a week later."""
    return us_body(
        levers=f"p_apprehend = {{ default = {p_apprehend} }}\n"
        f"    p_set_out_after_removal = {p_again}",
        parameters="p_claim_fear_apprehended = { value = 0.0, low = 0.0, high = 0.9 }\n"
        "    dur_before_setting_out_again = { value = 7, low = 1, high = 120 }\n"
        f"    deterrence_elasticity = {deterrence}",
        join=0.0,
    )


def test_people_removed_who_set_out_again_are_apprehended_again(tiny):
    """With p_set_out_after_removal some removed people come back and are caught again
    (certain apprehension would deter every new attempt: deterrence off here)."""
    stays, returns = (tiny(removed_body(1.0, p, 0.0), head=head_for(150)) for p in (0.0, 0.8))
    stays_runs, returns_runs = runs(stays), runs(returns)
    assert total(stays_runs, Transition.SET_OUT_AGAIN) == 0
    again = total(returns_runs, Transition.SET_OUT_AGAIN)
    assert again > 0
    assert total(returns_runs, Transition.APPREHENDED) > total(stays_runs, Transition.APPREHENDED)


def test_fewer_credible_fear_interviews_mean_a_longer_queue(tiny):
    """Ten single adults a day claim fear at the port; 4 interviews a day cannot keep up."""
    slow, fast = (
        tiny(us_body(levers=f"cf_interviews_per_day = {n}"), head=head_for(120)) for n in (4, 20)
    )
    slow_runs, fast_runs = runs(slow), runs(fast)

    assert person_days(slow_runs, State.AWAITING_CREDIBLE_FEAR) > person_days(
        fast_runs, State.AWAITING_CREDIBLE_FEAR
    )
    for s, f in zip(slow_runs, fast_runs, strict=True):
        last = s.scenario.n_days - 1
        assert stock_on(s, State.AWAITING_CREDIBLE_FEAR, last) > stock_on(
            f, State.AWAITING_CREDIBLE_FEAR, last
        )
        interviews = daily_flow(s, Transition.CREDIBLE_FEAR_PASSED, Transition.CREDIBLE_FEAR_FAILED)
        assert interviews.max() <= 4


def test_fewer_removals_a_day_mean_more_people_awaiting_removal(tiny):
    """Most fail the credible-fear interview; 2 removals a day leave a growing queue."""
    slow, fast = (
        tiny(
            us_body(levers=f"p_credible_fear_pass = 0.2\n    removals_per_day = {n}"),
            head=head_for(120),
        )
        for n in (2, 50)
    )
    slow_runs, fast_runs = runs(slow), runs(fast)

    assert person_days(slow_runs, State.AWAITING_REMOVAL) > person_days(
        fast_runs, State.AWAITING_REMOVAL
    )
    assert total(slow_runs, Transition.REMOVED) < total(fast_runs, Transition.REMOVED)
    for s in slow_runs:
        assert daily_flow(s, Transition.REMOVED).max() <= 2


def test_lower_apprehension_probability_means_more_evade_and_fewer_in_custody(tiny):
    """Everyone crosses between ports; Border Patrol catching fewer means fewer U.S. cases."""
    lax, tight = (
        tiny(us_body(levers=f"p_apprehend = {{ tijuana = {p} }}", join=0.0), head=head_for(100))
        for p in (0.3, 0.9)
    )
    lax_runs, tight_runs = runs(lax), runs(tight)

    assert total(lax_runs, Transition.EVADED) > total(tight_runs, Transition.EVADED)
    assert total(lax_runs, Transition.APPREHENDED) < total(tight_runs, Transition.APPREHENDED)
    assert person_days(lax_runs, State.IN_CUSTODY) < person_days(tight_runs, State.IN_CUSTODY)
    assert total(lax_runs, Transition.ADMITTED_AT_PORT) == 0


def grants(outs: list[RunOutput], irregular: bool) -> int:
    """People granted asylum who entered between ports (or at a port)."""
    n = 0
    for o in outs:
        entered_between = (o.people["flags"] & Flag.IRREGULAR_ENTRY) > 0
        n += int(
            ((o.people["state"] == State.ASYLUM_GRANTED) & (entered_between == irregular)).sum()
        )
    return n


def test_asylum_ban_means_no_grants_for_those_who_entered_between_ports(tiny):
    """Half queue at the port, half cross and are caught; the ban bars only the crossers."""
    courts = f"{FAST_COURTS}\n    p_absentia_released = 0.1"
    body = released_families(
        per_day=20,
        parameters=courts,
        levers="p_apprehend = { tijuana = 1.0 }\n    asylum_ban = BAN",
        join=0.5,
    )
    open_, banned = (
        tiny(body.replace("BAN", ban), head=head_for(120)) for ban in ("false", "true")
    )
    open_runs, banned_runs = runs(open_), runs(banned)

    assert grants(open_runs, irregular=True) > 0
    assert grants(banned_runs, irregular=True) == 0
    assert grants(banned_runs, irregular=True) < grants(open_runs, irregular=True)
    assert grants(banned_runs, irregular=False) > 0  # port entrants are not barred
    assert total(banned_runs, Transition.ASYLUM_GRANTED) < total(
        open_runs, Transition.ASYLUM_GRANTED
    )


def test_more_lawyers_mean_more_grants(tiny):
    """With a lawyer a case is won ``lawyer_grant_factor`` times as often; more lawyers win more."""
    few, many = (
        tiny(
            released_families(per_day=20, levers=f"p_lawyer = {share}", parameters=FAST_COURTS),
            head=head_for(120),
        )
        for share in (0.05, 0.9)
    )
    few_runs, many_runs = runs(few), runs(many)

    decided = lambda outs: sum(  # noqa: E731
        total(outs, t)
        for t in (
            Transition.ASYLUM_GRANTED,
            Transition.OTHER_RELIEF,
            Transition.REMOVAL_ORDERED,
            Transition.VOLUNTARY_DEPARTURE,
        )
    )
    rate_few = total(few_runs, Transition.ASYLUM_GRANTED) / decided(few_runs)
    rate_many = total(many_runs, Transition.ASYLUM_GRANTED) / decided(many_runs)
    assert rate_many > 1.5 * rate_few, (rate_few, rate_many)


def test_more_lawyers_mean_fewer_orders_in_absentia(tiny):
    """With a lawyer a person misses hearings ``lawyer_absentia_factor`` times as often."""
    few, many = (
        tiny(
            released_families(per_day=20, levers=f"p_lawyer = {share}", parameters=FAST_COURTS),
            head=head_for(120),
        )
        for share in (0.05, 0.9)
    )
    few_runs, many_runs = runs(few), runs(many)
    missed = lambda outs: total(outs, Transition.REMOVED_IN_ABSENTIA)  # noqa: E731
    assert missed(many_runs) < 0.6 * missed(few_runs), (missed(few_runs), missed(many_runs))


def test_judges_raised_on_a_date_change_nothing_before_it(tiny):
    """Two judges until a date, ten from it: identical runs before, more hearings from that day."""
    raised_on = dt.date(2020, 3, 1)
    base_body = released_families(levers="judges = 2", parameters=FAST_COURTS)
    base, raised = (
        tiny(base_body + extra, head=head_for(120))
        for extra in ("", policy(raised_on, "judges = 10"))
    )
    day = raised.day_of(raised_on)
    for b, r in zip(runs(base), runs(raised, check=True), strict=True):
        assert b.flows[b.flows.day < day] == r.flows[r.flows.day < day]
        assert b.stocks[b.stocks.day < day] == r.stocks[r.stocks.day < day]
        assert b.courts[b.courts.day < day] == r.courts[r.courts.day < day]
        in_hearings = lambda o: o.courts.in_hearings[o.courts.docket == REGULAR]  # noqa: E731
        assert in_hearings(b).max() <= int(2 * 1.6 * 10)
        assert in_hearings(r)[day] > in_hearings(b)[day]
        assert in_hearings(r)[day:].max() <= int(10 * 1.6 * 10)
        assert final_backlog(r) < final_backlog(b)


# --- the national year's family beds and Border Patrol's holding, at their real values ---------

NATIONAL_SCALE = 0.05
NATIONAL_SEEDS = (1, 2)


def national_totals(**levers: float) -> tuple[float, float]:
    """Families released from holding and person-days held above capacity over the national
    year at 5 % of its people (capacities scaled alike), its levers at their real values but
    for ``levers``, summed over two seeds."""
    from borderflow import load_scenario

    sc = load_scenario("national-fy2019").with_levers(**levers).scaled(NATIONAL_SCALE)
    outs = [run(sc, seed=s) for s in NATIONAL_SEEDS]
    return (
        total(outs, Transition.RELEASED_FROM_HOLDING),
        total(outs, Transition.HELD_OVER_CAPACITY),
    )


def test_at_the_national_values_more_family_beds_and_holding_mean_fewer_released_and_crowded():
    """National FY2019 keeps 3,326 family beds and 9,000 places in Border Patrol's holding.

    Family beds: half of them release families from holding for lack of a bed; the real
    number releases fewer (holding unlimited in both, so every release from holding is
    one for lack of a family bed). Holding: 6,000 places crowd it more than the real 9,000,
    and 12,000 no more than 9,000; Border Patrol releases more families the fewer places.
    """
    real_beds, _ = national_totals(cbp_holding_capacity=float("inf"))
    half_beds, _ = national_totals(cbp_holding_capacity=float("inf"), family_beds=3326 / 2)
    assert half_beds > real_beds

    (few_released, few_crowded), (released, crowded), (_, many_crowded) = (
        national_totals(cbp_holding_capacity=places) for places in (6000, 9000, 12000)
    )
    assert few_crowded > crowded >= many_crowded
    assert few_released > released


def backlog_waits(outs: list[RunOutput]) -> float:
    """Mean days from filing to a decision of the start backlog's cases decided, all seeds."""
    d = Decisions.concat([o.decisions for o in outs])
    d = d[d.outcome == CourtOutcome.BACKLOG_DECIDED]
    return float((d.days * d.n).sum() / d.n.sum())


def began_waits(outs: list[RunOutput]) -> float:
    """Mean days from filing to the start of hearings of the run's regular cases."""
    d = Decisions.concat([o.decisions for o in outs])
    d = d[(d.docket == REGULAR) & (d.outcome == CourtOutcome.HEARINGS_BEGAN)]
    return float((d.days * d.n).sum() / d.n.sum())


def test_a_hiring_class_means_shorter_waits_and_a_smaller_backlog_than_none(tiny):
    """Three judges cannot keep up with ten families a day; a class of six more on a date can."""
    hired = dt.date(2020, 2, 1)
    none, some = (
        tiny(
            released_families(levers="judges = 3", parameters=FAST_COURTS)
            + f"[courts]\n    hiring = {{ {hired} = {n} }}",
            head=head_for(150),
        )
        for n in (0, 6)
    )
    day = some.day_of(hired)
    none_runs, some_runs = runs(none), runs(some, check=True)
    assert mean_time_to_decision(some_runs) < mean_time_to_decision(none_runs)
    for n, s in zip(none_runs, some_runs, strict=True):
        assert n.flows[n.flows.day < day] == s.flows[s.flows.day < day]  # nobody hired yet
        assert final_backlog(s) < final_backlog(n)
        in_hearings = lambda o: o.courts.in_hearings[o.courts.docket == REGULAR]  # noqa: E731
        assert in_hearings(s)[day:].max() > int(3 * 1.6 * 10) >= in_hearings(n).max()


def test_newest_first_decides_new_cases_sooner_and_leaves_the_start_backlog_older(tiny):
    """Eight judges hear 12.8 cases a day, ten a day are filed, 300 are pending at the start:
    newest first, the run's cases are heard at once and the start's wait for the spare places."""
    backlog = '[courts]\n    initial_backlog = 300\n    initial_backlog_source = "assumed"'
    fifo, newest = (
        tiny(
            released_families(levers="judges = 8", parameters=FAST_COURTS)
            + f'{backlog}\n    next_case = "{rule}"',
            head=head_for(150),
        )
        for rule in ("fifo", "newest_first")
    )
    fifo_runs, newest_runs = runs(fifo), runs(newest, check=True)
    assert began_waits(newest_runs) < began_waits(fifo_runs)
    assert mean_time_to_decision(newest_runs) < mean_time_to_decision(fifo_runs)
    # The start's cases are decided later: more of them are pending, day after day.
    assert backlog_waits(newest_runs) > backlog_waits(fifo_runs)
    pending = lambda o: o.courts.pending_from_start[o.courts.docket == REGULAR]  # noqa: E731
    for f, n in zip(fifo_runs, newest_runs, strict=True):
        assert (pending(n) >= pending(f)).all() and pending(n).sum() > pending(f).sum()


def test_a_priority_share_decides_the_runs_cases_sooner_and_the_start_backlog_later(tiny):
    """As above, FIFO against half of each day's free places kept for the run's cases."""
    backlog = '[courts]\n    initial_backlog = 300\n    initial_backlog_source = "assumed"'
    fifo, priority = (
        tiny(
            released_families(
                levers=f"judges = 8\npriority_share = {share}", parameters=FAST_COURTS
            )
            + backlog,
            head=head_for(150),
        )
        for share in (0.0, 0.5)
    )
    fifo_runs, priority_runs = runs(fifo), runs(priority, check=True)
    assert began_waits(priority_runs) < began_waits(fifo_runs)
    assert backlog_waits(priority_runs) > backlog_waits(fifo_runs)


def test_at_the_national_values_the_detention_beds_bind_and_more_of_them_release_fewer():
    """National FY2019's 50,165 ICE beds, 17,500 of them held by the interior's arrests.

    The people the border sends (fear claimants, the detained, those awaiting removal) fill
    the rest: at the real number some are released for lack of a bed, and a third more
    beds release fewer.
    """
    from borderflow import load_scenario

    def released(beds: float) -> float:
        sc = load_scenario("national-fy2019").with_levers(detention_beds=beds)
        outs = [run(sc.scaled(NATIONAL_SCALE), seed=s) for s in NATIONAL_SEEDS]
        return total(outs, Transition.RELEASED_NO_BED)

    real = released(50165)
    assert real > 0
    assert released(50165 * 4 / 3) < real


# --- behaviour under policy: each link a labelled assumption, each with its direction --------


def fixed(**values: float) -> str:
    """Parameter lines, each range narrowed to its value (so 0 is allowed)."""
    return "\n    ".join(
        f"{k} = {{ value = {v}, low = {v}, high = {v} }}" for k, v in values.items()
    )


def signed_up(outs: list[RunOutput]) -> float:
    return total(outs, Transition.ARRIVE_BORDER)


def compared(tiny, n_days: int, *bodies: str) -> list[list[RunOutput]]:
    """Each scenario body run on the same seeds, for ``n_days`` days."""
    return [runs(tiny(body, head=head_for(n_days))) for body in bodies]


def test_the_asylum_ban_sends_more_to_wait_at_ports_and_fewer_across(tiny):
    """With the ban on, crossing between ports costs the claim: more sign up, fewer cross."""
    off_runs, on_runs = compared(
        tiny,
        60,
        *(
            us_body(
                levers=f"quota = {{ san_ysidro = 2 }}\n    asylum_ban = {ban}",
                parameters="ban_join_factor = 3.0\n    p_renege = 0.02",
                join=0.4,
            )
            for ban in ("false", "true")
        ),
    )
    assert signed_up(on_runs) > 1.3 * signed_up(off_runs)
    assert total(on_runs, Transition.CROSS_BETWEEN_PORTS) < total(
        off_runs, Transition.CROSS_BETWEEN_PORTS
    )


def test_shelter_beds_make_people_more_patient(tiny):
    """Without a bed the hazard of giving up is higher: beds keep more on the list."""
    none, plenty = (
        tiny(
            us_body(
                levers=f"quota = {{ san_ysidro = 1 }}\n    beds = {{ tijuana = {b} }}",
                parameters=fixed(
                    renege_unsheltered_factor=3.0, p_renege=0.02, p_wait_elsewhere=0.0
                ),
            ),
            head=head_for(60),
        )
        for b in (0, 5000)
    )
    none_runs, plenty_runs = runs(none), runs(plenty)
    waiting = [
        sum(
            stock_on(o, State.WAITING_SHELTERED, 59) + stock_on(o, State.WAITING_UNSHELTERED, 59)
            for o in r
        )
        for r in (none_runs, plenty_runs)
    ]
    assert waiting[1] > waiting[0]
    assert total(plenty_runs, Transition.GIVE_UP) < 0.6 * total(none_runs, Transition.GIVE_UP)


def test_a_higher_chance_of_apprehension_means_fewer_attempts_after_the_first(tiny):
    """Removed people set out again less often when apprehension is more likely
    (deterrence_elasticity)."""
    lax_runs, tough_runs = compared(tiny, 150, *(removed_body(p, 0.8, 1.0) for p in (0.6, 0.95)))
    again = [
        total(r, Transition.SET_OUT_AGAIN) / total(r, Transition.REMOVED)
        for r in (lax_runs, tough_runs)
    ]
    # The chance of setting out again: 0.8 x (0.4 / 0.2) capped at 1, against 0.8 x 0.25.
    assert again[1] < 0.5 * again[0]


def test_danger_means_fewer_wait_at_the_port(tiny):
    """A city twice as dangerous has fewer sign up on its list (violence_join_elasticity)."""
    calm_runs, dangerous_runs = compared(
        tiny,
        40,
        *(
            us_body(
                levers=f"quota = {{ san_ysidro = 2 }}\n    violence_risk = {{ tijuana = {r} }}",
                parameters="violence_join_elasticity = 1.0",
                join=0.5,
            )
            for r in (1.0, 2.0)
        ),
    )
    # Odds of signing up halved: a half becomes a third.
    ratio = signed_up(dangerous_runs) / signed_up(calm_runs)
    assert 0.55 < ratio < 0.8


def test_a_long_list_turns_travellers_who_would_wait_to_another_city(tiny):
    """San Ysidro admits nobody: its list grows, and travellers who will sign up go to
    Mexicali more the more they mind the wait (wait_aversion_per_month)."""
    heedless, averse = (
        tiny(
            flow_body(
                per_day=30,
                levers="quota = { san_ysidro = 0, calexico = 5 }",
                parameters=fixed(wait_aversion_per_month=a, p_join_waitlist=0.9, p_renege=0.0),
            ).replace(
                "destinations = { tijuana = 1.0 }",
                "destinations = { tijuana = 0.5, mexicali = 0.5 }",
            ),
            head=head_for(150),
        )
        for a in (0.0, 1.0)
    )
    heedless_runs, averse_runs = runs(heedless), runs(averse)

    def to_tijuana(outs: list[RunOutput]) -> float:
        reached = total(outs, Transition.REACH_BORDER_CITY)
        return total(outs, Transition.REACH_BORDER_CITY, to_place="tijuana") / reached

    assert abs(to_tijuana(heedless_runs) - 0.5) < 0.05
    assert to_tijuana(averse_runs) < 0.35


def test_numbers_missed_when_called_mean_longer_waits(tiny):
    """Holders who are away miss their call more often and sign up again at the end: at a
    port whose quota outruns arrivals, those who are there are let in the day they come."""
    there, away = (
        tiny(
            flow_body(
                levers="quota = { san_ysidro = 30 }",
                parameters=fixed(
                    p_wait_elsewhere=w, p_miss_call=0.0, p_miss_call_away=0.5, p_renege=0.0
                ),
            ),
            head=head_for(150),
        )
        for w in (0.0, 1.0)
    )
    there_runs, away_runs = runs(there), runs(away)
    assert total(there_runs, Transition.NUMBER_MISSED) == 0
    assert total(away_runs, Transition.NUMBER_MISSED) > 0
    assert mean_wait(away_runs) > mean_wait(there_runs)
