"""Hostile values through every way in: ``--set``, the Python API and the dashboard's requests.

Whatever a user types after ``--set``, passes to ``with_levers``, ``with_parameters``,
``with_policy`` or ``scaled``, or a browser sends the dashboard, the answer is a clean
error or a scenario that runs soundly, in time. The bounds are the scenario layer's, so
each way in must agree with the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.interfaces import api
from borderflow.interfaces.web.requests import (
    LEVER_NAMES,
    Limits,
    Prepared,
    RefusedError,
    prepare,
)
from borderflow.scenario.schema import PER_PLACE_LEVERS, SCALAR_LEVERS, Scenario
from borderflow.scenario.settings import apply_settings
from conftest import FULL_BODY, write_scenario
from hostile import assert_sound, clean_or_result

RUN_AT_MOST = 50_000
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@functools.cache
def base() -> Scenario:
    """The tiny world with every section, MPP on at Tijuana and judges for it."""
    body = FULL_BODY.replace(
        "asylum_ban = false", "asylum_ban = false\nmpp = { tijuana = 0.5 }\nmpp_judges = 5"
    )
    with tempfile.TemporaryDirectory() as folder:
        return api.load_scenario(write_scenario(Path(folder), body))


def run_soundly(area: str, scenario: Scenario | None) -> None:
    """A scenario that was accepted must run to a sound result."""
    if scenario is None or scenario.expected_people() > RUN_AT_MOST:
        return
    res = clean_or_result(area, lambda: api.run(scenario, 1, check=True), seconds=60, clean=())
    assert res is not None
    assert_sound(res)


NUMBER_TEXT = st.one_of(
    st.sampled_from(["0.01", "0.2", "0.9", "3", "20", "45", "100", "400"]),
    st.sampled_from(
        [
            "0",
            "1",
            "-1",
            "0.5",
            "1.5",
            "1e9",
            "1e17",
            "1e308",
            "-1e308",
            "9223372036854775807",
            "inf",
            "-inf",
            "nan",
            "true",
            "false",
            "yes",
            "",
            " ",
            "1,5",
            "0x10",
            "1_000",
            "½",
        ]
    ),
    st.floats().map(repr),
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=8),
)
NAMES = st.one_of(
    st.sampled_from(
        [
            *SCALAR_LEVERS,
            *(f"{lever}.{place}" for lever in PER_PLACE_LEVERS for place in ("tijuana", "")),
            *(f"{lever}.default" for lever in PER_PLACE_LEVERS),
            "quota.san_ysidro",
            "quota.nowhere",
            "p_renege",
            "walk_km_per_day",
            "p_rest_day",
            "dur_detention_days",
            "completions_per_judge_day",
            "hearings_per_case",
            "case_active_days",
            "judges.tijuana",
            "",
            ".",
            "quota..tijuana",
        ]
    ),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.", max_size=20),
)


@SETTINGS
@given(
    settings_=st.lists(
        st.one_of(
            st.tuples(NAMES, st.sampled_from(["=", "==", ":", "= "]), NUMBER_TEXT),
            # Plausible settings too, so that accepted ones are run and checked.
            st.tuples(
                st.sampled_from([*SCALAR_LEVERS, "quota.san_ysidro", "beds", "mpp.tijuana"]),
                st.just("="),
                st.sampled_from(["0", "0.3", "1", "5", "40", "unlimited", "true"]),
            ),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_setting_is_refused_cleanly_or_runs_soundly(
    settings_: list[tuple[str, str, str]],
) -> None:
    texts = [f"{name}{sep}{value}" for name, sep, value in settings_]
    changed = clean_or_result("--set", lambda: apply_settings(base(), texts))
    run_soundly("--set run", changed)


HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            -1,
            0,
            0.01,
            0.5,
            1,
            2,
            50,
            1e9,
            1e17,
            1e308,
            math.inf,
            -math.inf,
            math.nan,
            True,
            2**63 - 1,
        ]
    ),
    st.floats(),
    st.integers(-(2**64), 2**64),
)


@SETTINGS
@given(
    call=st.one_of(
        st.tuples(st.just("with_levers"), st.sampled_from([*SCALAR_LEVERS, *PER_PLACE_LEVERS])),
        st.tuples(
            st.just("with_parameters"),
            st.sampled_from(["p_renege", "walk_km_per_day", "p_rest_day", "hearings_per_case"]),
        ),
        st.tuples(st.just("with_policy"), st.sampled_from(["judges", "quota__san_ysidro"])),
        st.tuples(st.just("scaled"), st.just("factor")),
    ),
    value=HOSTILE_VALUES,
)
def test_the_python_api_refuses_cleanly_or_runs_soundly(call: tuple[str, str], value: Any) -> None:
    method, name = call

    def change() -> Scenario:
        if method == "scaled":
            return base().scaled(value)
        if method == "with_policy":
            return base().with_policy(dt.date(2020, 2, 15), **{name: value})
        return getattr(base(), method)(**{name: value})

    run_soundly(f"API {method}", clean_or_result(f"API {method}", change))


LIMITS = Limits(people=20_000, days=400, runs=3)
REQUEST_VALUES = st.one_of(
    HOSTILE_VALUES, st.text(max_size=30), st.none(), st.lists(st.integers(), max_size=3)
)


@st.composite
def browser_request(draw: st.DrawFn) -> dict[str, Any]:
    """A run request as a browser sends it, with hostile values in some of its fields."""
    change = {
        "lever": draw(st.sampled_from(LEVER_NAMES)),
        "place": draw(st.sampled_from([None, "tijuana", "san_ysidro"])),
        "value": draw(st.sampled_from([0, 1, 0.5, 40, 300])),
        "date": draw(st.sampled_from([None, "2018-05-01", "2019-03-01"])),
    }
    request: dict[str, Any] = {
        "scenario": draw(st.sampled_from(["caravan-2018-spring", "remain-in-mexico-2019"])),
        "scale": draw(st.sampled_from([0.01, 0.02, 0.05, 0.2])),
        "seed": draw(st.integers(0, 100)),
        "runs": draw(st.integers(1, 3)),
        "changes": [change] if draw(st.booleans()) else [],
    }
    hostile = {
        "scenario": st.one_of(st.sampled_from(["../x", "", "x" * 100]), st.text(max_size=12)),
        "scale": REQUEST_VALUES,
        "seed": REQUEST_VALUES,
        "runs": REQUEST_VALUES,
        "lever": st.one_of(st.text(max_size=12), REQUEST_VALUES),
        "place": st.one_of(st.sampled_from(["x" * 100, "", "calexico", "home"]), REQUEST_VALUES),
        "value": REQUEST_VALUES,
        "date": st.one_of(st.dates().map(str), st.text(max_size=12), REQUEST_VALUES),
    }
    for key in draw(st.lists(st.sampled_from(sorted(hostile)), max_size=2)):
        target = change if key in change else request
        target[key] = draw(hostile[key])
    if draw(st.integers(0, 9)) == 0:
        del request[draw(st.sampled_from(sorted(request)))]
    if draw(st.integers(0, 9)) == 0:
        request["unknown"] = draw(REQUEST_VALUES)
    return request


@SETTINGS
@given(raw=browser_request())
def test_the_dashboard_refuses_cleanly_or_prepares_work_within_its_limits(
    raw: dict[str, Any],
) -> None:
    prepared = clean_or_result(
        "dashboard request", lambda: prepare(raw, LIMITS), clean=(RefusedError,)
    )
    if prepared is None:
        return
    assert isinstance(prepared, Prepared)
    assert prepared.people <= LIMITS.people
    assert prepared.changed.n_days <= LIMITS.days
    assert len(prepared.seeds) <= LIMITS.runs
