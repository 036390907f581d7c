"""Conservation, determinism and capacity limits over random scenarios that reach the U.S.

People set out close to the border (mostly in the border cities themselves) so that in a
short run they pass through every U.S. stage: custody, prosecution, MPP, credible fear,
detention, the courts (with a backlog pending from the start) and removal, under random
capacities and dated changes of the U.S. levers.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.engine.run import RunOutput, run
from borderflow.model.courts import OUTCOMES
from borderflow.model.people import FLAG_HAS_CASE
from borderflow.scenario.bounds import parameter_bound
from borderflow.scenario.levers import build_schedule
from borderflow.scenario.load import load_scenario, revalidate
from borderflow.scenario.schema import Scenario
from borderflow.scenario.vocabulary import HOUSEHOLD_ROLES, State, Transition
from conftest import dense_changes, dense_stocks, write_scenario

START = dt.date(2020, 1, 1)
N_DAYS = 50
ORIGINS = ("tijuana", "mexicali", "middle")
CITIES = ("tijuana", "mexicali")
PORTS = ("san_ysidro", "calexico")
NATIONALITIES = ("HND", "GTM", "MEX", "OTH")

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PROB = st.floats(0.0, 1.0)
SMALL = st.integers(0, 12).map(float)  # capacities small enough to bind
HUGE = st.just(1e9)
DECISION_TRANSITIONS = (
    Transition.ASYLUM_GRANTED,
    Transition.OTHER_RELIEF,
    Transition.REMOVAL_ORDERED,
    Transition.REMOVED_IN_ABSENTIA,
    Transition.VOLUNTARY_DEPARTURE,
)


@cache
def base_data() -> dict[str, Any]:
    """The tiny scenario, as data to vary (loaded once)."""
    with tempfile.TemporaryDirectory() as folder:
        sc = load_scenario(write_scenario(Path(folder)))
    data = sc.model_dump(by_alias=True)
    data["start"] = START
    data["end"] = START + dt.timedelta(days=N_DAYS - 1)
    return data


def days() -> st.SearchStrategy[dt.date]:
    return st.integers(0, N_DAYS - 1).map(lambda d: START + dt.timedelta(days=d))


def shares(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, float]]:
    return st.dictionaries(st.sampled_from(names), st.floats(0.1, 5.0), min_size=1)


def us_lever_change() -> st.SearchStrategy[tuple[str, float | bool]]:
    """A dated change of a U.S. lever (or of the crossing levers upstream of it)."""
    return st.one_of(
        st.tuples(st.sampled_from(["detention_beds", "cf_interviews_per_day"]), SMALL | HUGE),
        st.tuples(st.sampled_from(["judges", "mpp_judges"]), st.integers(0, 4).map(float)),
        st.tuples(st.just("removals_per_day"), SMALL | HUGE),
        st.tuples(
            st.sampled_from([f"mpp.{c}" for c in CITIES] + ["mpp", "p_apprehend.tijuana"]), PROB
        ),
        st.tuples(st.sampled_from(["p_prosecute", "p_credible_fear_pass", "p_lawyer"]), PROB),
        st.tuples(st.just("asylum_ban"), st.booleans()),
        st.tuples(st.just("quota.san_ysidro"), st.integers(0, 20).map(float)),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A random valid scenario whose people reach U.S. custody within the run."""
    data = {**base_data()}
    mpp = {
        "default": draw(st.sampled_from([0.0, 0.0, 1.0]) | PROB),
        **draw(st.dictionaries(st.sampled_from(CITIES), PROB)),
    }
    data["levers"] = {
        "quota": {"default": draw(st.integers(1, 30))},
        "p_apprehend": {"default": draw(st.floats(0.3, 1.0))},
        "mpp": mpp,
        "p_prosecute": draw(PROB),
        "asylum_ban": draw(st.booleans()),
        "cf_interviews_per_day": draw(SMALL | HUGE),
        "p_credible_fear_pass": draw(PROB),
        "detention_beds": draw(SMALL | HUGE),
        "judges": draw(st.integers(0, 4).map(float)),
        "mpp_judges": draw(st.integers(0, 4).map(float)),
        "removals_per_day": draw(SMALL | HUGE),
        "p_lawyer": draw(PROB),
    }
    policies = [
        {
            "date": draw(days()),
            "set": dict(draw(st.lists(us_lever_change(), min_size=1, max_size=3))),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    # MPP somewhere needs MPP judges at some point (else the scenario is refused).
    mpp_on = any(v > 0 for v in mpp.values()) or any(
        k.partition(".")[0] == "mpp" and v > 0 for p in policies for k, v in p["set"].items()
    )
    if mpp_on:
        data["levers"]["mpp_judges"] = max(data["levers"]["mpp_judges"], 1.0)
    data["policies"] = policies
    data["mpp"] = {
        "nationalities": sorted(draw(st.sets(st.sampled_from(["HND", "GTM", "OTH"]), min_size=1))),
        "households": sorted(draw(st.sets(st.sampled_from(HOUSEHOLD_ROLES), min_size=1))),
    }
    backlog = draw(st.integers(0, 200))
    data["courts"] = {
        "initial_backlog": backlog,
        "initial_backlog_source": "hypothesis" if backlog else None,
    }
    parameters = {name: dict(par) for name, par in base_data()["parameters"].items()}
    widened = {  # short enough to see stays, cases and MPP hazards end within the run
        "case_active_days": draw(st.floats(1.0, 30.0)),
        "completions_per_judge_day": draw(st.floats(0.5, 3.0)),
        "dur_detention_days": draw(st.floats(1.0, 20.0)),
        "dur_prosecution_days": draw(st.floats(1.0, 20.0)),
        "p_mpp_cross": draw(st.floats(0.0, 0.2)),
        "p_mpp_give_up": draw(st.floats(0.0, 0.1)),
    }
    for name, value in widened.items():
        # As wide as the parameter's hard bounds allow (an open end cannot be the range's).
        hard = parameter_bound(name, parameters[name]["unit"])
        assert hard is not None
        low = min(value, hard.low + 1e-9) if hard.low_open else hard.low
        parameters[name] |= {"value": value, "low": low, "high": hard.high}
    for name in draw(st.sets(st.sampled_from(["p_release_family", "p_claim_fear_apprehended"]))):
        par = parameters[name]
        parameters[name] = {**par, "value": draw(st.floats(par["low"], par["high"]))}
    data["parameters"] = parameters
    daily = draw(st.dictionaries(st.sampled_from(NATIONALITIES), st.floats(1.0, 10.0), min_size=1))
    data["background"] = {
        "daily": daily,
        "origins": {nat: draw(st.sampled_from(ORIGINS)) for nat in daily},
        "destinations": draw(shares(CITIES)),
        "household": draw(shares(HOUSEHOLD_ROLES)),
        "p_join_waitlist": draw(PROB),
    }
    data["caravans"] = []
    return revalidate(data, origin="hypothesis")


def per_day(out: RunOutput, *transitions: Transition) -> np.ndarray:
    """Flows with any of ``transitions`` per day."""
    f = out.flows
    rows = np.isin(f[:, 3], transitions)
    return np.bincount(f[rows, 0], weights=f[rows, 7], minlength=out.scenario.n_days)


def stock_per_day(out: RunOutput, state: State) -> np.ndarray:
    """End-of-day people in ``state``."""
    s = out.stocks[out.stocks[:, 2] == state]
    return np.bincount(s[:, 0], weights=s[:, 4], minlength=out.scenario.n_days)


@PROPERTY
@given(sc=scenarios())
def test_run_with_check_passes_and_capacities_hold(sc: Scenario) -> None:
    out = run(sc, seed=7, check=True)  # raises ConservationError on any mismatch
    flows = out.flows
    entered = int(flows[flows[:, 4] == -1, 7].sum())
    assert len(out.people["state"]) == entered
    assert ((out.people["state"] >= 0) & (out.people["state"] < len(State))).all()

    lev = build_schedule(sc)
    # Capacities: a lowered capacity never evicts, so the bound is the highest so far.
    detained = stock_per_day(out, State.DETAINED)
    assert (detained <= np.maximum.accumulate(lev.detention_beds)).all()
    interviews = per_day(out, Transition.CREDIBLE_FEAR_PASSED, Transition.CREDIBLE_FEAR_FAILED)
    assert (interviews <= lev.cf_interviews_per_day).all()
    assert (per_day(out, Transition.REMOVED) <= lev.removals_per_day).all()
    for code, judges in ((0, lev.judges), (1, lev.mpp_judges)):
        court = out.courts[out.courts[:, 1] == code]
        assert np.array_equal(court[:, 0], np.arange(sc.n_days))
        slots = judges * sc.param("completions_per_judge_day") * sc.param("case_active_days")
        slots = slots.astype(np.int64)  # as the engine: int(judges × completions × days)
        assert (court[:, 3] <= np.maximum.accumulate(slots)).all()
        assert (court[:, 2:] >= 0).all()
    # The pending cases only ever shrink, and only on the regular docket.
    pending = out.courts[out.courts[:, 1] == 0, 4]
    assert pending[0] <= sc.courts.initial_backlog and (np.diff(pending) <= 0).all()
    assert not out.courts[out.courts[:, 1] == 1, 4].any()

    # Every case is filed once; every decision is counted once in flows and durations.
    filed = int(per_day(out, Transition.CASE_FILED).sum())
    assert filed == int(((out.people["flags"] & FLAG_HAS_CASE) > 0).sum())
    d = out.decisions
    began = int(d[d[:, 1] == OUTCOMES.index("hearings_began"), 3].sum())
    decided = int(d[d[:, 1] != OUTCOMES.index("hearings_began"), 3].sum())
    assert decided == int(per_day(out, *DECISION_TRANSITIONS).sum())
    assert decided <= began <= filed
    waiting = int(sum(out.courts[out.courts[:, 0] == sc.n_days - 1, 2]))
    assert began + waiting == filed
    assert (d[:, 2] >= 0).all() and (d[:, 3] > 0).all()


@PROPERTY
@given(sc=scenarios())
def test_stocks_follow_from_flows(sc: Scenario) -> None:
    out = run(sc, seed=11)
    assert (out.stocks[:, 4] > 0).all() and (out.flows[:, 7] > 0).all()
    stock = dense_stocks(out)
    np.testing.assert_array_equal(stock, np.cumsum(dense_changes(out), axis=0))
    assert (stock >= 0).all()
    entering = out.flows[out.flows[:, 4] == -1]
    entered = np.bincount(entering[:, 0], weights=entering[:, 7], minlength=sc.n_days)
    np.testing.assert_array_equal(stock.sum(axis=(1, 2, 3)), np.cumsum(entered).astype(np.int64))


@PROPERTY
@given(sc=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_same_seed_same_result(sc: Scenario, seed: int) -> None:
    a, b = run(sc, seed=seed), run(sc, seed=seed)
    for name in ("stocks", "flows", "waits", "decisions", "courts"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name, values in a.people.items():
        np.testing.assert_array_equal(values, b.people[name], err_msg=f"people.{name}")
