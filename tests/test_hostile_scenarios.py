"""Hostile scenario files: every one is a clean error, or a run that is sound, in time.

A valid scenario that reaches every section (levers, policies, parameters, caravans,
joiners, background flow, waitlists, MPP, courts, targets) gets hostile values at one to
three of its numbers, switches, sizes, dates and names: extremes, infinities, NaN,
booleans, text, tables, huge integers. Parameters get a range widened to the value, so
only the bounds that hold whatever a scenario declares can stop them. Then ``validate``
must answer with problems or OK, and a scenario it calls OK must run to a sound result.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.interfaces import api
from borderflow.scenario.schema import Scenario
from conftest import BASE_TOML, FULL_BODY, write_scenario
from hostile import assert_sound, clean_or_result, toml_text

#: Runs larger than this are left to the scale benchmarks: accepted, not run here.
RUN_AT_MOST = 50_000


def hostile_base() -> dict[str, Any]:
    """The valid base, with MPP, courts and a waitlist switched on so hostile values reach them."""
    data = tomllib.loads(BASE_TOML + FULL_BODY)
    data["levers"] |= {"mpp": {"default": 0.0, "tijuana": 0.5}, "mpp_judges": 5, "judges": 20}
    data["courts"] = {"initial_backlog": 100, "initial_backlog_source": "probe"}
    data["border"] |= {"initial_waitlist": {"san_ysidro": 50}, "initial_waitlist_source": "probe"}
    return data


BASE = hostile_base()
PARAMETERS = sorted(
    line.split(",", 1)[0]
    for line in (Path(api.__file__).parents[1] / "scenario" / "bundled" / "parameters.csv")
    .read_text()
    .splitlines()[1:]
    if line.strip()
)

#: Where a hostile number can go: a path into the scenario data.
NUMBER_PATHS: tuple[tuple[Any, ...], ...] = (
    ("levers", "quota", "default"),
    ("levers", "quota", "san_ysidro"),
    ("levers", "beds", "tijuana"),
    ("levers", "p_apprehend", "default"),
    ("levers", "mpp", "tijuana"),
    ("levers", "mexico_enforcement"),
    ("levers", "mexico_refuge_offer"),
    ("levers", "p_prosecute"),
    ("levers", "asylum_ban"),
    ("levers", "judges"),
    ("levers", "mpp_judges"),
    ("levers", "detention_beds"),
    ("levers", "cf_interviews_per_day"),
    ("levers", "removals_per_day"),
    ("levers", "p_credible_fear_pass"),
    ("levers", "p_lawyer"),
    ("policy", 0, "set", "quota.san_ysidro"),
    ("policy", 0, "set", "mexico_enforcement"),
    ("policy", 0, "set", "asylum_ban"),
    ("caravan", 0, "size"),
    ("caravan", 0, "joiners", 0, "n"),
    ("caravan", 0, "stops", "middle"),
    ("caravan", 0, "nationality", "HND"),
    ("caravan", 0, "destinations", "tijuana"),
    ("background", "daily", "HND"),
    ("background", "seasonality", 3),
    ("border", "initial_waitlist", "san_ysidro"),
    ("courts", "initial_backlog"),
    ("target", 0, "low"),
    ("target", 0, "high"),
    ("target", 0, "reported"),
)
DATE_PATHS: tuple[tuple[Any, ...], ...] = (
    ("start",),
    ("end",),
    ("caravan", 0, "depart"),
    ("caravan", 0, "joiners", 0, "date"),
    ("policy", 0, "date"),
    ("target", 0, "date"),
)
TEXT_PATHS: tuple[tuple[Any, ...], ...] = (
    ("name",),
    ("title",),
    ("caravan", 0, "name"),
    ("caravan", 0, "origin"),
    ("caravan", 0, "via"),
    ("background", "origins", "HND"),
    ("target", 0, "id"),
)

HOSTILE_NUMBERS = st.one_of(
    st.sampled_from(
        [
            -1,
            0,
            0.5,
            1,
            1.5,
            2**31,
            2**53 + 1,
            2**63 - 1,
            -(2**63),
            10**30,
            -1e-300,
            1e-300,
            1e9,
            1e16,
            1e17,
            1e308,
            -1e308,
            math.inf,
            -math.inf,
            math.nan,
            True,
            False,
            "1",
            "",
            {},
            [],
            {"a": {"b": 1}},
            [[[]]],
        ]
    ),
    # Plausible values too, so that many scenarios are accepted and run.
    st.floats(0, 1),
    st.integers(0, 500),
    st.floats(),
    st.integers(-(2**63), 2**63 - 1),
)
HOSTILE_DATES = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1618, 5, 23), "2020-01-01"]),
)
HOSTILE_TEXT = st.one_of(
    st.sampled_from(["", " ", "a" * 300, "x" * 100_000, "../etc", "tijuana", "ÄÖ", "a\u0000b"]),
    st.text(max_size=40),
    st.lists(st.sampled_from(["middle", "nowhere", "tijuana", "home", ""]), max_size=4),
)


def _set(data: dict[str, Any], path: tuple[Any, ...], value: object) -> None:
    *parents, last = path
    node: Any = data
    for key in parents:
        node = node[key]
    if isinstance(node, list) and isinstance(last, int) and last >= len(node):
        node.append(value)
    else:
        node[last] = value


def _widened(value: object) -> object:
    """A parameter override whose declared range admits ``value`` (if it is a number)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"value": value, "low": value, "high": value, "reason": "probe"}
    return {"value": value, "reason": "probe"}


@st.composite
def hostile_scenario(draw: st.DrawFn) -> dict[str, Any]:
    """The base with one to three hostile values in it."""
    data = tomllib.loads(toml_text(BASE))  # a deep copy, through the format it is read from
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["number", "number", "parameter", "date", "text"]))
        if kind == "number":
            _set(data, draw(st.sampled_from(NUMBER_PATHS)), draw(HOSTILE_NUMBERS))
        elif kind == "parameter":
            data["parameters"][draw(st.sampled_from(PARAMETERS))] = _widened(draw(HOSTILE_NUMBERS))
        elif kind == "date":
            _set(data, draw(st.sampled_from(DATE_PATHS)), draw(HOSTILE_DATES))
        else:
            _set(data, draw(st.sampled_from(TEXT_PATHS)), draw(HOSTILE_TEXT))
    return data


def validate_then_run(folder: Path, data: dict[str, Any]) -> None:
    """The whole promise for one scenario file: clean problems, or a sound run."""
    try:
        text = toml_text(data)
    except TypeError:
        pytest.skip("a value TOML cannot hold")
    path = write_scenario(folder, head="", body=text)
    scenario = clean_or_result("validate", lambda: api.load_scenario(path), seconds=5)
    if scenario is None or scenario.expected_people() > RUN_AT_MOST:
        return
    assert isinstance(scenario, Scenario)
    res = clean_or_result("run", lambda: api.run(scenario, 1, check=True), seconds=60, clean=())
    assert res is not None
    assert_sound(res)


def test_the_hostile_base_is_valid_and_runs_soundly(tmp_path: Path) -> None:
    validate_then_run(tmp_path, BASE)
    sc = api.load_scenario(tmp_path / "scenario.toml")
    assert sc.levers.mpp_judges == 5 and sc.courts.initial_backlog == 100


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=hostile_scenario())
def test_hostile_values_give_problems_or_a_sound_run(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]
) -> None:
    validate_then_run(tmp_path_factory.mktemp("hostile"), data)
