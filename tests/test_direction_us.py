"""The U.S. levers push the results the way they should.

Each story builds a small scenario on the tiny network where people appear in Tijuana itself
(so they reach the border the day they set out), runs two versions of it on the same seeds
and compares totals; the comparisons are directions, never numbers pinned to a seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from borderflow.engine.run import RunOutput, run
from borderflow.model.courts import OUTCOMES
from borderflow.model.people import FLAG_IRREGULAR_ENTRY
from borderflow.results.results import Results
from borderflow.scenario.vocabulary import State, Transition
from conftest import BASE_TOML, policy

SEEDS = (1, 2, 3)
START = dt.date(2020, 1, 1)
REGULAR = 0  # docket code in the decisions and courts rows
HEARINGS_BEGAN = OUTCOMES.index("hearings_began")
FAST_COURTS = "case_active_days = { value = 10, low = 1, high = 400 }"


def head(days: int) -> str:
    """The fixture's TOML head, with a run of ``days`` days from 2020-01-01."""
    return BASE_TOML.replace("end = 2020-03-31", f"end = {START + dt.timedelta(days - 1)}")


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


def runs(scenario, check: bool = False) -> list[RunOutput]:
    """The scenario run once per seed."""
    return [run(scenario, seed=s, check=check) for s in SEEDS]


def total(outs: list[RunOutput], transition: Transition) -> float:
    """Count of ``transition`` over all days and seeds."""
    return float(sum(o.flows[o.flows[:, 3] == transition, 7].sum() for o in outs))


def person_days(outs: list[RunOutput], state: State, kind: str | None = None) -> float:
    """End-of-day stocks in ``state`` summed over days, places (of ``kind``) and seeds."""
    result = 0.0
    for o in outs:
        rows = o.stocks[:, 2] == state
        if kind is not None:
            places = [i for i, p in enumerate(o.scenario.places) if p.kind == kind]
            rows &= np.isin(o.stocks[:, 1], places)
        result += float(o.stocks[rows, 4].sum())
    return result


def stock_on(out: RunOutput, state: State, day: int) -> int:
    """People in ``state`` at the end of ``day``."""
    s = out.stocks
    return int(s[(s[:, 0] == day) & (s[:, 2] == state), 4].sum())


def mean_time_to_decision(outs: list[RunOutput]) -> float:
    """Mean days from custody to a decision on the regular docket, over all seeds."""
    d = np.concatenate([o.decisions for o in outs])
    d = d[(d[:, 0] == REGULAR) & (d[:, 1] != HEARINGS_BEGAN)]
    return float((d[:, 2] * d[:, 3]).sum() / d[:, 3].sum())


def final_backlog(out: RunOutput) -> int:
    """Regular-docket cases waiting, in hearings or pending from the start, on the last day."""
    c = out.courts[out.courts[:, 1] == REGULAR]
    return int(c[-1, 2:5].sum())


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
            head=head(200),
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
        pending = lambda o: o.courts[o.courts[:, 1] == REGULAR, 4]  # noqa: E731
        assert (pending(f) >= pending(m)).all() and pending(f).sum() > pending(m).sum()


def test_mpp_moves_detention_to_waiting_in_mexican_border_cities(tiny):
    """Returning everyone to Tijuana under MPP empties U.S. detention and fills the city."""
    off, on = (
        tiny(us_body(levers=f"mpp = {{ tijuana = {share} }}\n    mpp_judges = 5"), head=head(150))
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


def test_fewer_credible_fear_interviews_mean_a_longer_queue(tiny):
    """Ten single adults a day claim fear at the port; 4 interviews a day cannot keep up."""
    slow, fast = (
        tiny(us_body(levers=f"cf_interviews_per_day = {n}"), head=head(120)) for n in (4, 20)
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
        interviews = s.flows[
            np.isin(
                s.flows[:, 3], [Transition.CREDIBLE_FEAR_PASSED, Transition.CREDIBLE_FEAR_FAILED]
            )
        ]
        per_day = np.bincount(interviews[:, 0], weights=interviews[:, 7])
        assert per_day.max() <= 4


def test_fewer_removals_a_day_mean_more_people_awaiting_removal(tiny):
    """Most fail the credible-fear interview; 2 removals a day leave a growing queue."""
    slow, fast = (
        tiny(
            us_body(levers=f"p_credible_fear_pass = 0.2\n    removals_per_day = {n}"),
            head=head(120),
        )
        for n in (2, 50)
    )
    slow_runs, fast_runs = runs(slow), runs(fast)

    assert person_days(slow_runs, State.AWAITING_REMOVAL) > person_days(
        fast_runs, State.AWAITING_REMOVAL
    )
    assert total(slow_runs, Transition.REMOVED) < total(fast_runs, Transition.REMOVED)
    for s in slow_runs:
        removed = s.flows[s.flows[:, 3] == Transition.REMOVED]
        assert np.bincount(removed[:, 0], weights=removed[:, 7]).max() <= 2


def test_lower_apprehension_probability_means_more_evade_and_fewer_in_custody(tiny):
    """Everyone crosses between ports; Border Patrol catching fewer means fewer U.S. cases."""
    lax, tight = (
        tiny(us_body(levers=f"p_apprehend = {{ tijuana = {p} }}", join=0.0), head=head(100))
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
        entered_between = (o.people["flags"] & FLAG_IRREGULAR_ENTRY) > 0
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
    open_, banned = (tiny(body.replace("BAN", ban), head=head(120)) for ban in ("false", "true"))
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
            head=head(120),
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


def test_judges_raised_on_a_date_change_nothing_before_it(tiny):
    """Two judges until a date, ten from it: identical runs before, more hearings from that day."""
    raised_on = dt.date(2020, 3, 1)
    base_body = released_families(levers="judges = 2", parameters=FAST_COURTS)
    base, raised = (
        tiny(base_body + extra, head=head(120)) for extra in ("", policy(raised_on, "judges = 10"))
    )
    day = raised.day_of(raised_on)
    for b, r in zip(runs(base), runs(raised, check=True), strict=True):
        assert np.array_equal(b.flows[b.flows[:, 0] < day], r.flows[r.flows[:, 0] < day])
        assert np.array_equal(b.stocks[b.stocks[:, 0] < day], r.stocks[r.stocks[:, 0] < day])
        before_b, before_r = (o.courts[o.courts[:, 0] < day] for o in (b, r))
        assert np.array_equal(before_b, before_r)
        in_hearings = lambda o: o.courts[o.courts[:, 1] == REGULAR, 3]  # noqa: E731
        assert in_hearings(b).max() <= int(2 * 1.6 * 10)
        assert in_hearings(r)[day] > in_hearings(b)[day]
        assert in_hearings(r)[day:].max() <= int(10 * 1.6 * 10)
        assert final_backlog(r) < final_backlog(b)
