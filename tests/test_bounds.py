"""Every number has hard bounds, the same from a file, ``--set``, the Python API and the model.

Each bad value gives a ScenarioError naming the field and the limit; every place a group
must pass is reachable; and every loop of a simulated day stops with a clear error
instead of hanging when what it waits for cannot happen.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.analysis import theory
from borderflow.engine.plan import DAY
from borderflow.engine.run import run as run_engine
from borderflow.flee import kernel as flee_kernel
from borderflow.flee import rules as flee_rules
from borderflow.flee.io import load_flee
from borderflow.flee.run import run_flee
from borderflow.interfaces.cli import app
from borderflow.model import courts, kernels, transit, trip_walk
from borderflow.model.network import build_network
from borderflow.model.world import build_world
from borderflow.scenario import bounds
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.levers import LEVER_BOUNDS, build_schedule
from borderflow.scenario.load import PARAMETERS_FILE, load_scenario, revalidate
from borderflow.scenario.schema import PER_PLACE_LEVERS, SCALAR_LEVERS, Scenario
from borderflow.scenario.settings import apply_settings
from borderflow.scenario.vocabulary import DocketKind
from conftest import BASE_TOML, FULL_BODY, PLACES, ROUTES, write_scenario
from hostile import Edit, at, refusal, scenario_data, time_limit, toml_text, widened
from test_flee_rules import write_folder


def problems_for(tmp_path: Path, edit: Edit) -> list[Any]:
    data = scenario_data()
    edit(data)
    path = write_scenario(tmp_path, head="", body=toml_text(data))
    return refusal("known: values", lambda: load_scenario(path)).problems


def assert_named(problems: list[Any], where: str, limit: str) -> None:
    found = [p for p in problems if where in p.where]
    assert found, [str(p) for p in problems]
    assert any(limit in p.message for p in found), [str(p) for p in found]


# --- a table of bad values in a scenario file --------------------------------------------------

#: (case, edit of the valid base scenario, field the problem names, text of the limit)
BAD_VALUES: list[tuple[str, Edit, str, str]] = [
    ("judges 1e17", at("levers", "judges", value=1e17), "levers.judges", "1,000,000,000"),
    ("judges 1e308", at("levers", "judges", value=1e308), "levers.judges", "1,000,000,000"),
    ("judges int64 top", at("levers", "judges", value=2**63 - 1), "levers.judges", "1,000,000,000"),
    ("mpp_judges 1e308", at("levers", "mpp_judges", value=1e308), "mpp_judges", "1,000,000,000"),
    ("quota 1e10", at("levers", "quota", "san_ysidro", value=1e10), "quota.san_ysidro", "1,000"),
    ("multiplier 1e6", at("levers", "mexico_enforcement", value=1e6), "enforcement", "1,000"),
    ("probability 1.5", at("levers", "p_prosecute", value=1.5), "p_prosecute", "[0, 1]"),
    ("walking -50", widened("walk_km_per_day", -50), "walk_km_per_day.value", "at least 0.1"),
    ("walking 0", widened("walk_km_per_day", 0), "walk_km_per_day.value", "at least 0.1"),
    ("p_renege 1.5", widened("p_renege", 1.5), "p_renege.value", "at most 1"),
    ("p_renege -0.5", widened("p_renege", -0.5), "p_renege.value", "negative"),
    ("p_rest_day 1", widened("p_rest_day", 1.0), "p_rest_day.value", "at most 0.99"),
    ("detention 1e308", widened("dur_detention_days", 1e308), "dur_detention_days", "36,525"),
    ("custody -3", widened("dur_custody_days", -3), "dur_custody_days.value", "at least 1"),
    ("p_detain_mexico 5", widened("p_detain_mexico", 5), "p_detain_mexico.value", "[0, 1]"),
    ("completions -1", widened("completions_per_judge_day", -1), "completions", "greater than 0"),
    ("hearings 0", widened("hearings_per_case", 0), "hearings_per_case.value", "at least 1"),
    ("lawyer factor 0", widened("lawyer_grant_factor", 0), "lawyer_grant_factor", "greater than 0"),
    (
        "a range beyond the bounds",
        at("parameters", "p_renege", value={"value": 0.01, "low": 0, "high": 2, "reason": "x"}),
        "p_renege.high",
        "at most 1",
    ),
    (
        "a unit changed",
        at("parameters", "p_renege", value={"value": 0.01, "unit": "multiplier"}),
        "p_renege.unit",
        "cannot change",
    ),
    ("an empty override", at("parameters", "p_renege", value={}), "parameters.p_renege", "value"),
    ("caravan 2**31", at("caravan", 0, "size", value=2**31), "caravan[1].size", "20,000,000"),
    ("caravan int64", at("caravan", 0, "size", value=2**63 - 1), "caravan[1].size", "20,000,000"),
    ("joiners 1e9", at("caravan", 0, "joiners", 0, "n", value=1e9), "joiners[1].n", "20,000,000"),
    (
        "waitlist 1e9",
        at("border", "initial_waitlist", value={"san_ysidro": 10**9}),
        "initial_waitlist.san_ysidro",
        "20,000,000",
    ),
    ("daily 1e6", at("background", "daily", "HND", value=1e6), "background.daily", "100,000"),
    ("daily 1e308", at("background", "daily", "HND", value=1e308), "background.daily", "100,000"),
    ("backlog 1e9", at("courts", value={"initial_backlog": 10**9}), "initial_backlog", "20,000"),
    ("seasonality 1e4", at("background", "seasonality", value=[1e4] * 12), "seasonal", "1,000"),
    ("weight 1e300", at("caravan", 0, "nationality", "HND", value=1e300), "nationality", "1,000"),
    ("stop of 1e6 days", at("caravan", 0, "stops", "middle", value=10**6), "stops", "36,525"),
    ("from year 1", at("start", value=dt.date(1, 1, 1)), "end", "36,525"),
    ("to year 9999", at("end", value=dt.date(9999, 12, 31)), "end", "36,525"),
    ("a 300-character name", at("name", value="a" * 300), "name", "64"),
    ("a long title", at("title", value="t" * 201), "title", "200"),
    ("a long description", at("description", value="d" * 20_001), "description", "20,000"),
    ("a long caravan name", at("caravan", 0, "name", value="c" * 65), "caravan[1].name", "64"),
    ("judges = true", at("levers", "judges", value=True), "levers.judges", "true or false"),
    ("quota.default = true", at("levers", "quota", "default", value=True), "quota", "true"),
    ("joiners n = true", at("caravan", 0, "joiners", 0, "n", value=True), "joiners", "true"),
    ("size = true", at("caravan", 0, "size", value=True), "caravan[1].size", "true"),
    ("daily = true", at("background", "daily", "HND", value=True), "daily", "true"),
    ("parameter = true", at("parameters", "p_renege", value=True), "p_renege", "true"),
    (
        "a policy's judges = true",
        at("policy", 0, "set", "judges", value=True),
        "policy[1].set.judges",
        "true or false",
    ),
    ("asylum_ban = 1", at("levers", "asylum_ban", value=1), "asylum_ban", "true or false"),
    ("a place left empty", at("policy", 0, "set", "quota.", value=5), "quota.", "no place"),
    ("a scalar with a dot", at("policy", 0, "set", "judges.", value=5), "judges.", "unknown"),
    ("quota = nan", at("levers", "quota", "default", value=math.nan), "quota", "finite"),
    ("p_apprehend unlimited", at("levers", "p_apprehend", "tijuana", value="unlimited"), "", "[0"),
    (
        "too many people",
        at("caravan", 0, "joiners", value=[{"date": dt.date(2020, 1, 10), "n": 19_999_950}]),
        "caravan",
        "20,000,000",
    ),
]


@pytest.mark.parametrize(
    ("edit", "where", "limit"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES]
)
def test_a_bad_value_names_its_field_and_limit(
    tmp_path: Path, edit: Edit, where: str, limit: str
) -> None:
    assert_named(problems_for(tmp_path, edit), where, limit)


def test_a_huge_name_is_refused_fast(tmp_path: Path) -> None:
    data = scenario_data()
    data["name"] = "a" * 100_000
    path = write_scenario(tmp_path, head="", body=toml_text(data))
    started = time.perf_counter()
    with time_limit(30):
        out = CliRunner().invoke(app, ["validate", str(path)])
    assert time.perf_counter() - started < 10
    assert out.exit_code != 0 and "64" in out.output and len(out.output) < 5_000


def test_a_route_of_infinite_or_huge_length_is_refused(tmp_path: Path) -> None:
    for distance, limit in (("inf", "finite"), ("30000", "20,000")):
        routes = ROUTES.replace("home,south,480,walk", f"home,south,{distance},walk")
        path = write_scenario(tmp_path / distance, FULL_BODY, routes=routes)
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert_named(caught.value.problems, "distance_km", limit)


@pytest.mark.parametrize(
    ("field", "where", "limit"),
    [
        ("caravans", "caravan", bounds.MAX_CARAVANS),
        ("targets", "target", bounds.MAX_TARGETS),
        ("policies", "policy", bounds.MAX_POLICIES),
    ],
)
def test_too_many_caravans_targets_or_policies(
    tiny: Callable[..., Scenario], field: str, where: str, limit: int
) -> None:
    data = tiny(FULL_BODY).model_dump(by_alias=True)
    item = data[field][0]
    many = [{**item, "name": f"c{i}"} if field == "caravans" else item for i in range(limit + 1)]
    with pytest.raises(ScenarioError) as caught:
        revalidate({**data, field: many}, origin="test")
    assert_named(caught.value.problems, where, f"{limit:,}")


def test_tables_too_large_for_memory_are_refused(tiny: Callable[..., Scenario]) -> None:
    # 100 years, 60 caravans and 40 copies of each route: days × roads × groups is too much.
    sc = tiny(FULL_BODY)
    data = sc.model_dump(by_alias=True)
    caravan = data["caravans"][0]
    data["end"] = data["start"] + dt.timedelta(days=bounds.MAX_DAYS - 1)
    data["caravans"] = [{**caravan, "name": f"c{i}"} for i in range(60)]
    data["routes"] = data["routes"] * 40
    with pytest.raises(ScenarioError) as caught:
        revalidate(data, origin="test")
    assert_named(caught.value.problems, "scenario", "at most 2 GB")


# --- the same bounds through --set and the Python API ------------------------------------------

BAD_SETTINGS = [
    ("judges=1e17", "judges", "1,000,000,000"),
    ("judges=1e308", "judges", "1,000,000,000"),
    ("judges=9223372036854775807", "judges", "1,000,000,000"),
    ("mpp_judges=1e308", "mpp_judges", "1,000,000,000"),
    ("judges=nan", "judges", "finite"),
    ("quota.=5", "quota.", "no place"),
    ("mexico_enforcement=true", "mexico_enforcement", "true or false"),
    ("quota.san_ysidro=true", "quota.san_ysidro", "true or false"),
    ("p_renege=true", "p_renege", "number"),
    ("p_renege=unlimited", "p_renege", "number"),
    ("p_apprehend.tijuana=unlimited", "p_apprehend.tijuana", "[0, 1]"),
    ("p_renege=2", "p_renege", "0.05"),
]


@pytest.mark.parametrize(("setting", "where", "limit"), BAD_SETTINGS)
def test_a_bad_setting_names_its_field_and_limit(
    tiny: Callable[..., Scenario], setting: str, where: str, limit: str
) -> None:
    sc = tiny(FULL_BODY)
    caught = refusal("known: --set", lambda: apply_settings(sc, [setting]))
    assert_named(caught.problems, where, limit)


def test_unlimited_through_set(tiny: Callable[..., Scenario]) -> None:
    sc = apply_settings(tiny(FULL_BODY), ["judges=unlimited", "quota.san_ysidro=inf"])
    assert sc.levers.judges == math.inf
    assert sc.levers.quota.for_place("san_ysidro") == math.inf


def test_the_python_api_keeps_the_same_bounds(tiny: Callable[..., Scenario]) -> None:
    sc = tiny(FULL_BODY)
    day = dt.date(2020, 2, 1)
    cases: list[tuple[Callable[[], Scenario], str, str]] = [
        (lambda: sc.with_levers(judges=1e17), "levers.judges", "1,000,000,000"),
        (lambda: sc.with_levers(mexico_enforcement=True), "mexico_enforcement", "true"),
        (lambda: sc.with_levers(quota={"san_ysidro": True}), "quota.san_ysidro", "true"),
        (lambda: sc.with_levers(p_lawyer="unlimited"), "p_lawyer", "[0, 1]"),
        (lambda: sc.with_parameters(p_renege=True), "p_renege", "true"),
        (lambda: sc.with_parameters(walk_km_per_day=-50), "walk_km_per_day", "its range"),
        (lambda: sc.with_policy(day, judges=1e308), "policy[2].set.judges", "1,000,000,000"),
        (lambda: sc.with_policy(day, quota__=5), "policy[2].set.quota.", "no place"),
        (lambda: sc.scaled(1e6), "caravan[1].size", "20,000,000"),
        (lambda: sc.scaled(1e300), "factor", "1,000,000"),
        (lambda: sc.scaled(math.inf), "factor", "1,000,000"),
        (lambda: sc.scaled(0), "factor", "positive"),
    ]
    for make, where, limit in cases:
        with pytest.raises(ScenarioError) as caught:
            make()
        assert_named(caught.value.problems, where, limit)


# --- unlimited capacities ----------------------------------------------------------------------


def test_unlimited_is_one_value_kept_through_json_and_scaling(
    tiny: Callable[..., Scenario],
) -> None:
    sc = tiny(FULL_BODY).with_levers(judges="unlimited", quota={"san_ysidro": math.inf})
    assert sc.levers.judges == math.inf == sc.levers.quota.for_place("san_ysidro")
    assert sc.levers.detention_beds == math.inf  # the default: no limit
    dumped = json.loads(sc.model_dump_json())
    assert dumped["levers"]["judges"] == "unlimited"
    assert dumped["levers"]["quota"]["san_ysidro"] == "unlimited"
    assert Scenario.model_validate_json(sc.model_dump_json()) == sc
    assert sc.scaled(0.5).levers.judges == math.inf
    schedule = build_schedule(sc)
    assert schedule.judges.max() == bounds.UNLIMITED
    assert schedule.detention_beds.max() == bounds.UNLIMITED


def test_unlimited_judges_decide_cases(tiny: Callable[..., Scenario]) -> None:
    body = FULL_BODY.replace("asylum_ban = false", 'asylum_ban = false\njudges = "unlimited"')
    out = run_engine(tiny(body), seed=1)
    assert out.decisions.n.sum() > 0


def test_no_lever_product_overflows_int64() -> None:
    # The docket's places: judges × completions a day × days in hearings, at their maxima.
    largest = (
        float(bounds.UNLIMITED)
        * bounds.UNIT_BOUNDS["cases per judge-day"].high
        * bounds.UNIT_BOUNDS["days (mean)"].high
    )
    assert largest < np.iinfo(np.int64).max


def test_the_docket_clamps_judges_whatever_the_levers(tiny: Callable[..., Scenario]) -> None:
    world = build_world(tiny(FULL_BODY), 1, DAY)
    world.levers.judges[:] = 1e300  # past any validation
    slots = courts._docket(world, DocketKind.REGULAR).slots
    assert (slots == bounds.UNLIMITED).all()


# --- the bounds module covers every lever and unit -------------------------------------------


def test_every_lever_has_a_kind() -> None:
    assert set(LEVER_BOUNDS) == set(PER_PLACE_LEVERS) | set(SCALAR_LEVERS)


def test_every_unit_of_the_parameter_table_is_known() -> None:
    with PARAMETERS_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        bound = bounds.parameter_bound(row["name"], row["unit"])
        assert bound is not None, row["unit"]
        for field in ("value", "low", "high"):
            assert bound.problem(float(row[field])) is None, (row["name"], field)


def test_bundled_scenarios_lie_within_every_bound() -> None:
    for name in borderflow.scenarios():
        sc = borderflow.load_scenario(name)
        assert sc.expected_people() < bounds.MAX_PEOPLE


def test_expected_people_weighs_each_day_by_its_month() -> None:
    sc = borderflow.load_scenario("national-fy2019")
    bg = sc.background
    assert bg is not None
    by_day = sum(
        sum(group.daily.values()) * group.season(d.month) for group in bg.groups for d in sc.dates
    )
    assert sc.expected_people() == pytest.approx(by_day + sum(sc.border.initial_waitlist.values()))


def test_runs_at_unusual_years_are_within_bounds(tmp_path: Path) -> None:
    for year in ("1618", "9918"):
        text = (BASE_TOML + FULL_BODY).replace("2020-", f"{year}-")
        sc = load_scenario(write_scenario(tmp_path / year, head="", body=text))
        assert run_engine(sc, seed=1).stocks.n.sum() > 0
    last = (BASE_TOML + FULL_BODY).replace("2020-", "9999-")
    assert load_scenario(write_scenario(tmp_path / "9999", head="", body=last)).end.year == 9999


def test_many_policies_give_the_same_schedule_as_one_by_one(tiny: Callable[..., Scenario]) -> None:
    body = FULL_BODY + "".join(
        f'\n[[policy]]\ndate = 2020-0{1 + i % 3}-{10 + i}\nset = {{ "quota.san_ysidro" = {i}, '
        f"quota = {2 * i}, judges = {i}, asylum_ban = {'true' if i % 2 else 'false'} }}\n"
        for i in range(8)
    )
    sc = tiny(body)
    got = build_schedule(sc)
    kinds = np.array([p.kind for p in sc.places])
    index = {p.id: i for i, p in enumerate(sc.places)}
    quota = got.quota[0].copy()
    expected_quota = np.tile(quota, (sc.n_days, 1))
    for policy in sorted(sc.policies, key=lambda p: p.date):
        day = sc.day_of(policy.date)
        for key, value in policy.set.items():
            lever, _, pid = key.partition(".")
            if lever == "quota":
                cols = kinds == "port_of_entry" if not pid else np.arange(len(kinds)) == index[pid]
                expected_quota[day:, cols] = value
    assert np.array_equal(got.quota, expected_quota)


# --- reachability -----------------------------------------------------------------------------


def test_a_via_place_cut_off_from_the_routes_is_named() -> None:
    sc = borderflow.load_scenario("caravan-2018-fall")
    data = sc.model_dump(by_alias=True)
    data["routes"] = [r for r in data["routes"] if "mexico_city" not in (r["from"], r["to"])]
    with time_limit(20), pytest.raises(ScenarioError) as caught:
        revalidate(data, origin="cut")
    found = [p for p in caught.value.problems if p.value == "mexico_city"]
    assert any(p.where.endswith(".via") for p in found), [str(p) for p in found]
    assert all(p.where.endswith((".via", ".stops")) for p in found), [str(p) for p in found]
    assert all("no route from" in p.message for p in found)


@pytest.mark.parametrize(
    ("caravan_line", "field"),
    [
        ('via = ["island"]', "via"),
        ("stops = { island = 2 }", "stops"),
        ('walks_from = "island"', "walks_from"),
        ('rides_from = "island"', "rides_from"),
    ],
)
def test_every_place_a_caravan_passes_is_reachable(
    tmp_path: Path, caravan_line: str, field: str
) -> None:
    places = PLACES + "island,Island,MEX,20.0,-100.0,town,,\n"
    body = FULL_BODY.replace("stops = { middle = 2 }", caravan_line)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(tmp_path, body, places=places))
    problems = caught.value.problems
    assert [(p.where, p.value) for p in problems] == [(f"caravan[1].{field}", "island")]


def test_the_home_people_set_out_again_from_is_reachable(tmp_path: Path) -> None:
    # Guatemalans deported by Mexico set out again from the first origin in GTM, off the roads.
    places = PLACES + "gtm_home,GTM home,GTM,14.6,-90.5,origin,,\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(tmp_path, FULL_BODY, places=places))
    problems = caught.value.problems
    assert {(p.where, p.value) for p in problems} == {("caravan[1].nationality.GTM", "gtm_home")}
    assert "set out again" in problems[0].message


# --- every loop of a day has a bound ----------------------------------------------------------


def test_a_caravan_that_cannot_reach_its_via_stops_with_an_error() -> None:
    # Past validation (which names the place): the model's own check, not a hang.
    sc = borderflow.load_scenario("caravan-2018-fall")
    cut = tuple(r for r in sc.routes if "mexico_city" not in (r.from_, r.to))
    broken = sc.model_copy(update={"routes": cut})
    with time_limit(60), pytest.raises(RuntimeError, match="mexico_city"):
        run_engine(broken, seed=1)


def test_the_rounds_of_a_day_are_bounded(
    tiny: Callable[..., Scenario], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(tiny(FULL_BODY), 1, DAY)
    road = world.stages["transit"]
    monkeypatch.setattr(road.caravans, "move_due", lambda world, road, day: True)  # never settles
    with time_limit(20), pytest.raises(RuntimeError, match="still moving"):
        road.step(world, 0)
    assert transit.round_limit(world) == world.net.n * 2 + 8


@pytest.mark.parametrize("kernel", ["numpy", "numba"])
def test_a_walk_past_its_hops_stops_with_an_error(
    tiny: Callable[..., Scenario], monkeypatch: pytest.MonkeyPatch, kernel: str
) -> None:
    if kernel == "numba" and not kernels.HAVE_NUMBA:
        pytest.skip("Numba is not installed")
    monkeypatch.setenv("BORDERFLOW_KERNEL", kernel)
    original = trip_walk.walk

    def no_room(road: Any, walkers: trip_walk.Walkers, sink: Any) -> Any:
        walkers.hops[:] = 0  # as if the road to the border city had no hop
        return original(road, walkers, sink)

    monkeypatch.setattr(trip_walk, "walk", no_room)
    with time_limit(120), pytest.raises(RuntimeError, match="more hops"):
        run_engine(tiny(FULL_BODY), seed=1)


def test_a_path_along_a_cycle_of_next_hops_stops(tiny: Callable[..., Scenario]) -> None:
    net = build_network(tiny(FULL_BODY))
    a, b, dest = net.index("south"), net.index("middle"), net.index("tijuana")
    net.next_hop[a, dest], net.next_hop[b, dest] = b, a  # a cycle
    with pytest.raises(ValueError, match="no road"):
        net.path(a, dest)


def test_a_list_that_never_settles_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theory, "MAX_LIST", 256)
    with time_limit(60), pytest.raises(ValueError, match="does not settle"):
        theory.steady_state(10.0, 8, 0.0)  # nobody gives up, arrivals above the quota


def test_flee_loops_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flee = load_flee(write_folder(tmp_path / "flee"))
    monkeypatch.setattr(flee_rules, "MAX_PATHS", 3)
    with pytest.raises(ValueError, match="routes within awareness level"):
        run_flee(flee, 1)
    monkeypatch.undo()
    monkeypatch.setenv("BORDERFLOW_KERNEL", "numpy")
    monkeypatch.setattr(flee_kernel, "MAX_DAY_STEPS", 0)
    with time_limit(60), pytest.raises(RuntimeError, match="steps in one day"):
        run_flee(flee, 1)


# --- seeds -------------------------------------------------------------------------------


def test_the_largest_seed_is_what_numpy_takes_and_results_store() -> None:
    assert bounds.MAX_SEED == 2**63 - 1 == np.iinfo(np.int64).max
    assert bounds.seed_problem(bounds.MAX_SEED) is None
    assert bounds.seed_problem(np.int64(3)) is None
    np.random.SeedSequence(bounds.MAX_SEED, spawn_key=(7,))  # NumPy takes it


@pytest.mark.parametrize(
    ("seed", "words"),
    [
        (-1, "must lie in [0, 9223372036854775807]"),
        (2**63, "must lie in"),
        (2**70, "must lie in"),
        (10**5000, "a larger number"),
        ("1", "expected a whole number"),
        (1.0, "expected a whole number"),
        (True, "not true or false"),
    ],
    ids=["negative", "2**63", "2**70", "10**5000", "text", "float", "bool"],
)
def test_a_bad_seed_is_refused_by_the_api_naming_seed(seed: Any, words: str) -> None:
    for call in (
        lambda: borderflow.run("caravan-2018-spring", seed=seed),
        lambda: borderflow.ensemble("caravan-2018-spring", runs=1, seed=seed),
    ):
        with pytest.raises(ScenarioError) as caught:
            call()
        (problem,) = caught.value.problems
        assert problem.where == "seed" and words in problem.message


@pytest.mark.parametrize("command", ["run", "ensemble", "calibrate", "sensitivity", "compare"])
@pytest.mark.parametrize("seed", ["-1", str(2**63), str(2**70)])
def test_a_bad_seed_is_refused_by_every_command(command: str, seed: str) -> None:
    result = CliRunner().invoke(app, [command, "caravan-2018-spring", "--seed", seed])
    assert result.exit_code == 2, result.output
    assert "--seed" in result.output and "Traceback" not in result.output
