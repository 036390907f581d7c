"""Conservation, determinism and capacity limits over random small scenarios.

Two families of random scenarios on the tiny network: :func:`scenarios` vary the levers,
caravans and flows on the way to the border; :func:`us_scenarios` start people close to the
border (mostly in the border cities themselves) so that in a short run they pass through
every U.S. stage: custody, prosecution, MPP, credible fear, detention, the courts (with a
backlog pending from the start) and removal, under random capacities and dated changes of
the U.S. levers.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.engine.run import RunOutput, run
from borderflow.scenario.bounds import parameter_bound
from borderflow.scenario.levers import build_schedule
from borderflow.scenario.load import PARAMETERS_FILE, load_scenario, revalidate
from borderflow.scenario.schema import Scenario
from borderflow.scenario.vocabulary import (
    HOUSEHOLD_ROLES,
    OUTSIDE,
    CourtOutcome,
    DocketKind,
    Flag,
    State,
    Transition,
)
from conftest import (
    assert_same_tables,
    daily_flow,
    daily_stock,
    dense_changes,
    dense_stocks,
    per_day,
    write_scenario,
)

START = dt.date(2020, 1, 1)
N_DAYS = 60
US_DAYS = 50
ORIGINS = ("home", "south", "middle", "tijuana")
US_ORIGINS = ("tijuana", "mexicali", "middle")
CITIES = ("tijuana", "mexicali")
PORTS = ("san_ysidro", "calexico")
US_NATIONALITIES = ("HND", "GTM", "MEX", "OTH")

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PROB = st.floats(0.0, 1.0)
RATE = st.floats(0.0, 3.0)
SMALL = st.integers(0, 12).map(float)  # capacities small enough to bind
HUGE = st.just(1e9)
DECISION_TRANSITIONS = (
    Transition.ASYLUM_GRANTED,
    Transition.OTHER_RELIEF,
    Transition.REMOVAL_ORDERED,
    Transition.REMOVED_IN_ABSENTIA,
    Transition.VOLUNTARY_DEPARTURE,
    Transition.CASE_TERMINATED,
)


@cache
def base_data(n_days: int) -> dict[str, Any]:
    """The tiny scenario, as data to vary (loaded once), run for ``n_days`` days."""
    with tempfile.TemporaryDirectory() as folder:
        sc = load_scenario(write_scenario(Path(folder)))
    data = sc.model_dump(by_alias=True)
    data["start"] = START
    data["end"] = START + dt.timedelta(days=n_days - 1)
    return data


@cache
def parameter_ranges() -> dict[str, tuple[float, float]]:
    with PARAMETERS_FILE.open(encoding="utf-8") as handle:
        return {
            row["name"]: (float(row["low"]), float(row["high"])) for row in csv.DictReader(handle)
        }


def days(n_days: int, low: int = 0) -> st.SearchStrategy[dt.date]:
    return st.integers(low, n_days - 1).map(lambda d: START + dt.timedelta(days=d))


def shares(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, float]]:
    return st.dictionaries(st.sampled_from(names), st.floats(0.1, 5.0), min_size=1)


def entered(out: RunOutput) -> np.ndarray:
    """People entering each day."""
    f = out.flows
    return per_day(f[f.from_state == OUTSIDE], out.scenario.n_days)


def check_stocks_follow_from_flows(out: RunOutput) -> None:
    """Every row counts someone, every stock is yesterday's plus the day's flows, and
    everyone who entered so far is in exactly one cell."""
    assert (out.stocks.n > 0).all(), "stocks rows are nonzero cells"
    assert (out.flows.n > 0).all(), "flow counts are positive"
    assert (out.flows.to_state >= 0).all(), "nobody flows to OUTSIDE"
    stock = dense_stocks(out)
    # stock[d] == stock[d-1] + inflows[d] - outflows[d], with stock[-1] == 0
    np.testing.assert_array_equal(stock, np.cumsum(dense_changes(out), axis=0))
    assert (stock >= 0).all()
    np.testing.assert_array_equal(stock.sum(axis=(1, 2, 3)), np.cumsum(entered(out)))


def assert_same_run(a: RunOutput, b: RunOutput, *tables: str) -> None:
    """Two runs agree on ``tables`` and on every person."""
    assert_same_tables(a, b, *tables)
    for name, values in a.people.items():
        np.testing.assert_array_equal(values, b.people[name], err_msg=f"people.{name}")


# --- on the way to the border ----------------------------------------------------------------


def lever_change() -> st.SearchStrategy[tuple[str, float | bool]]:
    return st.one_of(
        st.tuples(
            st.sampled_from([f"quota.{p}" for p in PORTS] + ["quota"]),
            st.integers(0, 40).map(float),
        ),
        st.tuples(
            st.sampled_from([f"beds.{c}" for c in CITIES] + ["beds"]), st.integers(0, 60).map(float)
        ),
        st.tuples(st.sampled_from([f"p_apprehend.{c}" for c in CITIES]), PROB),
        st.tuples(st.sampled_from(["mexico_enforcement", "mexico_refuge_offer"]), RATE),
        st.tuples(st.just("p_prosecute"), PROB),
        st.tuples(st.just("asylum_ban"), st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn, busy: bool = False) -> Scenario:
    """A random valid scenario; ``busy`` guarantees Poisson arrivals every day."""
    data = {**base_data(N_DAYS)}
    data["levers"] = {
        "quota": {
            "default": draw(st.integers(0, 30)),
            **draw(st.dictionaries(st.sampled_from(PORTS), st.integers(0, 40))),
        },
        "beds": draw(st.dictionaries(st.sampled_from(CITIES), st.integers(0, 80))),
        "p_apprehend": {
            "default": draw(PROB),
            **draw(st.dictionaries(st.sampled_from(CITIES), PROB)),
        },
        "mexico_enforcement": draw(RATE),
        "mexico_refuge_offer": draw(RATE),
        "p_prosecute": draw(PROB),
        "asylum_ban": draw(st.booleans()),
    }
    data["policies"] = [
        {
            "date": draw(days(N_DAYS)),
            "set": dict(draw(st.lists(lever_change(), min_size=1, max_size=3))),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    ranges = parameter_ranges()
    chosen = draw(st.sets(st.sampled_from(sorted(ranges))))
    data["parameters"] = {
        name: {**par, "value": draw(st.floats(*ranges[name])) if name in chosen else par["value"]}
        for name, par in base_data(N_DAYS)["parameters"].items()
    }
    rates = st.floats(1.0, 12.0) if busy else st.floats(0.0, 12.0)
    if busy or draw(st.booleans()):
        daily = draw(st.dictionaries(st.sampled_from(["HND", "GTM", "MEX"]), rates, min_size=1))
        data["background"] = {
            "daily": daily,
            "origins": {nat: draw(st.sampled_from(ORIGINS)) for nat in daily},
            "destinations": draw(shares(CITIES)),
            "arrivals": "poisson" if busy else draw(st.sampled_from(["poisson", "constant"])),
            "household": draw(
                shares(("single_adult", "family_adult", "family_child", "unaccompanied_child"))
            ),
            "p_join_waitlist": draw(st.none() | PROB),
        }
    else:
        data["background"] = None
    caravans = []
    for i in range(draw(st.integers(0 if busy else 1, 2))):
        depart = draw(days(N_DAYS))
        caravans.append(
            {
                "name": f"caravan{i}",
                "origin": draw(st.sampled_from(ORIGINS)),
                "depart": depart,
                "size": draw(st.integers(0, 400)),
                "destinations": draw(shares(CITIES)),
                "nationality": draw(shares(("HND", "GTM", "SLV"))),
                "joiners": [
                    {
                        "date": draw(days(N_DAYS, low=(depart - START).days)),
                        "n": draw(st.integers(0, 80)),
                    }
                    for _ in range(draw(st.integers(0, 2)))
                ],
                "stops": draw(
                    st.dictionaries(st.sampled_from(("south", "middle")), st.integers(0, 5))
                ),
            }
        )
    data["caravans"] = caravans
    return revalidate(data, origin="hypothesis")


@PROPERTY
@given(sc=scenarios())
def test_run_with_check_passes(sc: Scenario) -> None:
    out = run(sc, seed=7, check=True)  # raises ConservationError on any mismatch
    assert len(out.people["state"]) == entered(out).sum()
    state = out.people["state"]
    assert ((state >= 0) & (state < len(State))).all()


@PROPERTY
@given(sc=scenarios())
def test_stocks_follow_from_flows(sc: Scenario) -> None:
    check_stocks_follow_from_flows(run(sc, seed=11))


@PROPERTY
@given(sc=scenarios(busy=True), seed=st.integers(0, 2**31 - 1))
def test_same_seed_same_result_other_seed_differs(sc: Scenario, seed: int) -> None:
    a, b = run(sc, seed=seed), run(sc, seed=seed)
    assert_same_run(a, b, "stocks", "flows", "waits")
    c = run(sc, seed=seed + 1)
    # Poisson departures every day for 60 days: two seeds cannot plausibly agree.
    assert not (a.flows == c.flows and a.stocks == c.stocks)


DIGEST = """
import hashlib, sys
from borderflow.engine.run import run
from borderflow.scenario.load import load_scenario
out = run(load_scenario(sys.argv[1]), seed=3)
h = hashlib.sha256()
for table in (out.stocks, out.flows, out.waits):
    for column in table.as_dict().values():
        h.update(column.tobytes())
print(h.hexdigest())
"""

BUSY = """
[levers]
quota = { default = 5 }
beds = { tijuana = 20 }
mexico_enforcement = 2

[[policy]]
date = 2020-01-20
set = { mexico_enforcement = 0.5, mexico_refuge_offer = 2, "quota.calexico" = 9 }

[background]
daily = { HND = 8, MEX = 4, GTM = 3 }
origins = { HND = "home", MEX = "middle", GTM = "south" }
destinations = { tijuana = 0.6, mexicali = 0.4 }

[[caravan]]
name = "spring"
origin = "south"
depart = 2020-01-03
size = 300
destinations = { tijuana = 1.0, mexicali = 1.0 }
joiners = [{ date = 2020-01-10, n = 40 }]
"""


def test_same_seed_same_result_across_processes(tmp_path: Path) -> None:
    """No dependence on string hashing (set order) or other per-process state."""
    path = write_scenario(tmp_path, BUSY)
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", DIGEST, str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


# --- through the U.S. --------------------------------------------------------------------------


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
def us_scenarios(draw: st.DrawFn) -> Scenario:
    """A random valid scenario whose people reach U.S. custody within the run."""
    data = {**base_data(US_DAYS)}
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
            "date": draw(days(US_DAYS)),
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
    parameters = {name: dict(par) for name, par in base_data(US_DAYS)["parameters"].items()}
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
    daily = draw(
        st.dictionaries(st.sampled_from(US_NATIONALITIES), st.floats(1.0, 10.0), min_size=1)
    )
    data["background"] = {
        "daily": daily,
        "origins": {nat: draw(st.sampled_from(US_ORIGINS)) for nat in daily},
        "destinations": draw(shares(CITIES)),
        "household": draw(shares(HOUSEHOLD_ROLES)),
        "p_join_waitlist": draw(PROB),
    }
    data["caravans"] = []
    return revalidate(data, origin="hypothesis")


@PROPERTY
@given(sc=us_scenarios())
def test_run_with_check_passes_and_capacities_hold(sc: Scenario) -> None:
    out = run(sc, seed=7, check=True)  # raises ConservationError on any mismatch
    assert len(out.people["state"]) == entered(out).sum()
    assert ((out.people["state"] >= 0) & (out.people["state"] < len(State))).all()

    lev = build_schedule(sc)
    # Capacities: a lowered capacity never evicts, so the bound is the highest so far.
    detained = daily_stock(out, State.DETAINED)
    assert (detained <= np.maximum.accumulate(lev.detention_beds)).all()
    # A household moves whole: a capacity counted in people lets in the household its last
    # place reaches, and as many fewer the next days; an interview is the household's.
    extra = int(out.people["followers"].max(initial=0))
    interviews = daily_flow(out, Transition.CREDIBLE_FEAR_PASSED, Transition.CREDIBLE_FEAR_FAILED)
    assert (interviews <= lev.cf_interviews_per_day * (1 + extra)).all()
    removed = np.cumsum(daily_flow(out, Transition.REMOVED))
    assert (removed <= np.cumsum(lev.removals_per_day) + extra).all()
    courts = out.courts
    for docket, judges, active in (
        (DocketKind.REGULAR, lev.judges, "case_active_days"),
        (DocketKind.MPP, lev.mpp_judges, "case_active_days"),
        (DocketKind.DETAINED, lev.detained_judges, "case_active_days_detained"),
    ):
        court = courts[courts.docket == docket]
        assert np.array_equal(court.day, np.arange(sc.n_days))
        slots = judges * sc.param("completions_per_judge_day") * sc.param(active)
        slots = slots.astype(np.int64)  # as the engine: int(judges × completions × days)
        assert (court.in_hearings <= np.maximum.accumulate(slots) + extra).all()
        for cases in (court.waiting, court.in_hearings, court.pending_from_start):
            assert (cases >= 0).all()
    # The pending cases only ever shrink, and only on the regular docket.
    pending = courts.pending_from_start[courts.docket == DocketKind.REGULAR]
    assert pending[0] <= sc.courts.initial_backlog and (np.diff(pending) <= 0).all()
    assert not courts.pending_from_start[courts.docket == DocketKind.MPP].any()

    # Every case is filed once; every decision is counted once in flows and durations.
    filed = int(daily_flow(out, Transition.CASE_FILED).sum())
    # A terminated case leaves its person with none (a new notice to appear opens another).
    terminated = int(daily_flow(out, Transition.CASE_TERMINATED).sum())
    assert filed == int(((out.people["flags"] & Flag.HAS_CASE) > 0).sum()) + terminated
    d = out.decisions
    began = int(d.n[d.outcome == CourtOutcome.HEARINGS_BEGAN].sum())
    from_backlog = int(d.n[d.outcome == CourtOutcome.BACKLOG_DECIDED].sum())
    decided = int(d.n[d.outcome != CourtOutcome.HEARINGS_BEGAN].sum()) - from_backlog
    assert decided == int(daily_flow(out, *DECISION_TRANSITIONS).sum())
    assert decided <= began <= filed
    # A case pending at the start is decided at most once, after it was taken up.
    assert from_backlog <= sc.courts.initial_backlog - pending[-1]
    waiting = int(courts.waiting[courts.day == sc.n_days - 1].sum())
    assert began + waiting == filed
    assert (d.days >= 0).all() and (d.n > 0).all()


@PROPERTY
@given(sc=us_scenarios())
def test_stocks_follow_from_flows_through_the_us(sc: Scenario) -> None:
    check_stocks_follow_from_flows(run(sc, seed=11))


@PROPERTY
@given(sc=us_scenarios(), seed=st.integers(0, 2**31 - 1))
def test_same_seed_same_result_through_the_us(sc: Scenario, seed: int) -> None:
    a, b = run(sc, seed=seed), run(sc, seed=seed)
    assert_same_run(a, b, "stocks", "flows", "waits", "decisions", "courts")
