"""Levers and parameters push the results the way they should.

Each story builds a small scenario on the tiny network (a background flow from ``home``
to Tijuana, about 50 days' walk), runs two versions of it on the same seeds and compares
totals; the comparisons are directions, never numbers pinned to a seed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from borderflow.engine.run import RunOutput, run
from borderflow.scenario.vocabulary import State, Transition
from conftest import BASE_TOML, policy

SEEDS = (1, 2, 3)
START = dt.date(2020, 1, 1)


def head(days: int) -> str:
    """The fixture's TOML head, with a run of ``days`` days from 2020-01-01."""
    return BASE_TOML.replace("end = 2020-03-31", f"end = {START + dt.timedelta(days - 1)}")


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


def runs(scenario, check: bool = False) -> list[RunOutput]:
    """The scenario run once per seed."""
    return [run(scenario, seed=s, check=check) for s in SEEDS]


def flows(out: RunOutput, transition: Transition, to_place: str | None = None) -> np.ndarray:
    """Count of ``transition`` per day (optionally only into ``to_place``)."""
    f = out.flows
    rows = f[:, 3] == transition
    if to_place is not None:
        rows &= f[:, 2] == out.place_ids.index(to_place)
    return np.bincount(f[rows, 0], weights=f[rows, 7], minlength=out.scenario.n_days)


def total(outs: list[RunOutput], transition: Transition, to_place: str | None = None) -> float:
    """Count of ``transition`` over all days and seeds."""
    return float(sum(flows(o, transition, to_place).sum() for o in outs))


def person_days(outs: list[RunOutput], state: State) -> float:
    """End-of-day stocks in ``state`` summed over days, places and seeds."""
    return float(sum(o.stocks[o.stocks[:, 2] == state, 4].sum() for o in outs))


def mean_wait(outs: list[RunOutput], outcome: int = 0) -> float:
    """Mean days waited by those whose wait ended with ``outcome`` (0 admitted, 1 left)."""
    w = np.concatenate([o.waits for o in outs])
    w = w[w[:, 1] == outcome]
    return float((w[:, 2] * w[:, 3]).sum() / w[:, 3].sum())


def test_lower_quota_means_longer_waits_and_more_crossings_between_ports(tiny):
    """Metering harder makes people wait longer, so more give up and cross between ports."""
    reneging = """
    p_renege = 0.05
    share_renege_cross = 0.5
    """
    low, high = (
        tiny(
            flow_body(levers=f"quota = {{ san_ysidro = {q} }}", parameters=reneging), head=head(150)
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
            head=head(120),
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
        sheltered = out.stocks[out.stocks[:, 2] == State.WAITING_SHELTERED]
        per_day = np.bincount(sheltered[:, 0], weights=sheltered[:, 4])
        assert per_day.max() <= beds


def test_stronger_mexican_enforcement_means_fewer_reach_the_border(tiny):
    """Tripling Mexico's enforcement deports more people on the road and fewer reach Tijuana."""
    detain = "p_detain_mexico = 0.02"
    weak, strong = (
        tiny(flow_body(levers=f"mexico_enforcement = {m}", parameters=detain), head=head(120))
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
        head=head(120),
    )
    day = sc.day_of(opens)
    for out in runs(sc, check=True):
        admitted = flows(out, Transition.ADMITTED_AT_PORT)
        waiting = out.stocks[
            (out.stocks[:, 0] == day - 1) & (out.stocks[:, 2] == State.WAITING_UNSHELTERED), 4
        ].sum()
        assert waiting > 20  # a queue has built up while the port was closed
        assert not admitted[:day].any()
        assert admitted[day] == 20
        assert admitted[day:].max() <= 20


def test_enforcement_raised_on_a_date_raises_deportations_from_that_day(tiny):
    """Mexico's enforcement tripled on a date: nothing differs before it, more deported after."""
    raised_on = dt.date(2020, 2, 15)
    detain = "p_detain_mexico = 0.01"
    before, after = (
        tiny(flow_body(parameters=detain, policies=extra), head=head(90))
        for extra in ("", policy(raised_on, "mexico_enforcement = 3.0"))
    )
    day = after.day_of(raised_on)
    base_runs, raised_runs = runs(before), runs(after)

    for b, r in zip(base_runs, raised_runs, strict=True):
        assert np.array_equal(b.flows[b.flows[:, 0] < day], r.flows[r.flows[:, 0] < day])
    deported_base = sum(flows(o, Transition.DEPORTED_BY_MEXICO)[day:].sum() for o in base_runs)
    deported_raised = sum(flows(o, Transition.DEPORTED_BY_MEXICO)[day:].sum() for o in raised_runs)
    assert deported_raised > 1.5 * deported_base


def test_asylum_ban_bars_every_apprehension_from_its_date_only(tiny):
    """With the ban on from a date, every apprehension from that day on is barred, none before."""
    ban_on = dt.date(2020, 3, 10)
    sc = tiny(flow_body(policies=policy(ban_on, "asylum_ban = true")), head=head(120))
    day = sc.day_of(ban_on)
    for out in runs(sc):
        barred = flows(out, Transition.ASYLUM_BARRED)
        apprehended = flows(out, Transition.APPREHENDED)
        assert apprehended[:day].sum() > 0  # there were apprehensions before the ban
        assert not barred[:day].any()
        assert apprehended[day:].sum() > 0
        assert np.array_equal(barred[day:], apprehended[day:])


def test_lower_apprehension_probability_means_more_evade(tiny):
    """Fewer crossers between ports are caught when Border Patrol catches fewer."""
    lax, tight = (
        tiny(flow_body(levers=f"p_apprehend = {{ tijuana = {p} }}"), head=head(120))
        for p in (0.3, 0.9)
    )
    lax_runs, tight_runs = runs(lax), runs(tight)

    assert total(lax_runs, Transition.EVADED) > total(tight_runs, Transition.EVADED)
    assert total(lax_runs, Transition.APPREHENDED) < total(tight_runs, Transition.APPREHENDED)
