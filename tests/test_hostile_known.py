"""Known-bad inputs, each with the answer it must get: a clean error naming the field, in time.

The tables hold inputs that once reached a traceback, a hang, a negative count or a
silently wrong result: impossible parameter values behind a widened range, sizes and dates
without bounds, capacities that overflowed, booleans taken as numbers, places that cannot
be reached, paths that name any file on the machine, files that nest a thousand deep. Each
case now has to end in a clean error that names the field at fault, without echoing the
file it read, within its time limit.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from borderflow.interfaces import api
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.load import apply_settings
from conftest import BASE_TOML, FULL_BODY, PLACES, ROUTES, write_scenario
from hostile import clean_or_result, cli, toml_text


def _base() -> dict[str, Any]:
    return tomllib.loads(BASE_TOML + FULL_BODY)


def _widened(name: str, value: float) -> Callable[[dict[str, Any]], None]:
    """A parameter set to ``value`` with its declared range widened to admit it."""

    def edit(data: dict[str, Any]) -> None:
        low, high = min(value, -1e300), max(value, 1e300)
        data["parameters"][name] = {"value": value, "low": low, "high": high, "reason": "probe"}

    return edit


def _at(*path: Any, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = value

    return edit


#: (case, edit of the valid base, words one of which the problem's field must contain)
BAD_VALUES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("judges 1e17 overflows the docket", _at("levers", "judges", value=1e17), "judges"),
    ("judges 1e308", _at("levers", "judges", value=1e308), "judges"),
    ("judges at int64's top", _at("levers", "judges", value=2**63 - 1), "judges"),
    ("mpp_judges 1e308", _at("levers", "mpp_judges", value=1e308), "mpp_judges"),
    ("a boolean as judges", _at("levers", "judges", value=True), "judges"),
    ("a boolean as a quota", _at("levers", "quota", "default", value=True), "quota"),
    ("a boolean as joiners", _at("caravan", 0, "joiners", 0, "n", value=True), "joiners"),
    (
        "a boolean as a policy's quota",
        _at("policy", 0, "set", "quota.san_ysidro", value=True),
        "quota",
    ),
    ("negative walking speed", _widened("walk_km_per_day", -50), "walk_km_per_day"),
    ("zero walking speed", _widened("walk_km_per_day", 0), "walk_km_per_day"),
    ("a probability of 1.5", _widened("p_renege", 1.5), "p_renege"),
    ("a negative probability", _widened("p_renege", -0.5), "p_renege"),
    ("resting every day", _widened("p_rest_day", 1.0), "p_rest_day"),
    ("detention for 1e308 days", _widened("dur_detention_days", 1e308), "dur_detention_days"),
    ("a daily hazard of 5", _widened("p_detain_mexico", 5), "p_detain_mexico"),
    ("negative custody", _widened("dur_custody_days", -3), "dur_custody_days"),
    (
        "judges who undo cases",
        _widened("completions_per_judge_day", -1),
        "completions_per_judge_day",
    ),
    ("cases with no hearing", _widened("hearings_per_case", 0), "hearings_per_case"),
    ("an empty parameter override", _at("parameters", "p_renege", value={}), "p_renege"),
    ("a caravan of 2**31", _at("caravan", 0, "size", value=2**31), "size"),
    ("a caravan at int64's top", _at("caravan", 0, "size", value=2**63 - 1), "size"),
    ("a billion joiners", _at("caravan", 0, "joiners", 0, "n", value=10**9), "joiners"),
    (
        "a waitlist of a billion",
        _at("border", "initial_waitlist", "san_ysidro", value=10**9),
        "initial_waitlist",
    ),
    ("a million departures a day", _at("background", "daily", "HND", value=1e6), "daily"),
    ("1e308 departures a day", _at("background", "daily", "HND", value=1e308), "daily"),
    ("a run from year 1", _at("start", value=dt.date(1, 1, 1)), "start|end"),
    ("a run to year 9999", _at("end", value=dt.date(9999, 12, 31)), "start|end"),
    ("a 300-character name", _at("name", value="a" * 300), "name"),
    ("a 100,000-character name", _at("name", value="a" * 100_000), "name"),
]


@pytest.mark.parametrize(
    ("edit", "field"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES]
)
def test_a_bad_value_is_a_clean_error_naming_its_field(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = _base()
    edit(data)
    path = write_scenario(tmp_path, head="", body=toml_text(data))
    answer = clean_or_result("known: scenario values", lambda: api.load_scenario(path), seconds=2)
    assert answer is None, "accepted"
    with pytest.raises(ScenarioError) as caught:
        api.load_scenario(path)
    fields = field.split("|")
    assert any(f in p.where for p in caught.value.problems for f in fields), caught.value


def test_a_route_of_infinite_length_is_refused(tmp_path: Path) -> None:
    routes = ROUTES.replace("home,south,480,walk", "home,south,inf,walk")
    path = write_scenario(tmp_path, FULL_BODY, routes=routes)
    with pytest.raises(ScenarioError, match="distance_km"):
        clean_or_result("known: scenario values", lambda: api.load_scenario(path))
        api.load_scenario(path)


def test_a_via_place_cut_off_from_the_routes_is_named(tmp_path: Path) -> None:
    # 'middle' is the only way north; a caravan told to pass a place off the network.
    places = PLACES + "island,Island,MEX,20.0,-100.0,town,,\n"
    body = FULL_BODY.replace("stops = { middle = 2 }", 'stops = { middle = 2 }\nvia = ["island"]')
    path = write_scenario(tmp_path, body, places=places)
    with pytest.raises(ScenarioError) as caught:
        clean_or_result("known: reachability", lambda: api.load_scenario(path))
        api.load_scenario(path)
    assert any("via" in p.where and p.value == "island" for p in caught.value.problems)


#: (case, --set text); each must be refused with a clean error.
BAD_SETTINGS = [
    ("judges 1e17", "judges=1e17"),
    ("judges 1e308", "judges=1e308"),
    ("judges at int64's top", "judges=9223372036854775807"),
    ("mpp_judges 1e308", "mpp_judges=1e308"),
    ("a place left empty", "quota.=5"),
    ("a switch as a multiplier", "mexico_enforcement=true"),
    ("a switch as a quota", "quota.san_ysidro=true"),
    ("a probability of 2", "p_renege=2"),
    ("a negative speed", "walk_km_per_day=-5"),
    ("NaN", "judges=nan"),
    ("no value", "judges="),
    ("no name", "=5"),
]


@pytest.mark.parametrize("setting", [s for _, s in BAD_SETTINGS], ids=[c for c, _ in BAD_SETTINGS])
def test_a_bad_setting_is_refused(tiny: Callable[..., Any], setting: str) -> None:
    sc = tiny(FULL_BODY)
    answer = clean_or_result("known: --set", lambda: apply_settings(sc, [setting]))
    assert answer is None, f"--set {setting} was accepted"


@pytest.mark.parametrize("setting", ["judges=1e17", "quota.=5", "mexico_enforcement=true"])
def test_the_command_line_refuses_a_bad_setting_without_running(setting: str) -> None:
    result = cli("known: --set", ["run", "caravan-2018-spring", "--no-report", "--set", setting])
    assert result.exit_code == 2
    assert "Results in" not in result.output


#: Paths a scenario's places table may not name, with what must never be printed.
def _fifo(folder: Path) -> str:
    os.mkfifo(folder / "pipe.csv")
    return "pipe.csv"


def _symlink_out(folder: Path) -> str:
    (folder / "out.csv").symlink_to("/etc/passwd")
    return "out.csv"


def _symlink_loop(folder: Path) -> str:
    (folder / "loop.csv").symlink_to(folder / "loop.csv")
    return "loop.csv"


def _directory(folder: Path) -> str:
    (folder / "a_folder").mkdir()
    return "a_folder"


BAD_PATHS: list[tuple[str, Callable[[Path], str]]] = [
    ("a FIFO", _fifo),
    ("/dev/zero", lambda folder: "/dev/zero"),
    ("/dev/urandom", lambda folder: "/dev/urandom"),
    ("/etc/passwd", lambda folder: "/etc/passwd"),
    ("the process environment", lambda folder: "/proc/self/environ"),
    ("out of the folder", lambda folder: "../../../../../../etc/passwd"),
    ("a symlink out", _symlink_out),
    ("a symlink loop", _symlink_loop),
    ("a NUL byte", lambda folder: "places.csv\u0000x"),
    ("a folder", _directory),
]


@pytest.mark.parametrize("place", [c[1] for c in BAD_PATHS], ids=[c[0] for c in BAD_PATHS])
@pytest.mark.parametrize("table", ["places", "routes"])
def test_a_table_path_outside_the_scenario_is_refused_without_reading_it(
    tmp_path: Path, place: Callable[[Path], str], table: str
) -> None:
    data = _base()
    data[table] = place(tmp_path)
    path = write_scenario(tmp_path, head="", body=toml_text(data))
    result = cli("known: paths", ["validate", str(path)], seconds=5)
    assert result.exit_code == 2
    for secret in ("root:", "PATH=", "HOME="):
        assert secret not in result.output


def _nested(shape: str) -> str:
    depth = 1_000
    if shape == "arrays":
        return "x = " + "[" * depth + "]" * depth
    if shape == "inline tables":
        return "x = " + "{a = " * depth + "1" + "}" * depth
    return "x." + ".".join(["a"] * 10_000) + " = 1"


@pytest.mark.parametrize("shape", ["arrays", "inline tables", "a dotted key"])
def test_toml_nested_a_thousand_deep_is_a_clean_error_within_a_second(
    tmp_path: Path, shape: str
) -> None:
    path = write_scenario(tmp_path, head=BASE_TOML, body=_nested(shape))
    answer = clean_or_result("known: malformed", lambda: api.load_scenario(path), seconds=1)
    assert answer is None


@pytest.mark.parametrize("table", ["places", "routes"])
def test_a_thirty_megabyte_cell_is_a_clean_error_within_a_second(
    tmp_path: Path, table: str
) -> None:
    huge = "x" * 30_000_000
    places = PLACES.replace("Middle", huge) if table == "places" else PLACES
    routes = ROUTES.replace("walk;bus;train", huge) if table == "routes" else ROUTES
    path = write_scenario(tmp_path, FULL_BODY, places=places, routes=routes)
    result = cli("known: malformed", ["validate", str(path)], seconds=2)
    assert result.exit_code == 2
    assert (
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" not in result.output
    )


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 40, "Tegucigalpa,Culiacán,Mazatlán".encode("latin-1") * 50],
    ids=["binary", "latin-1"],
)
@pytest.mark.parametrize("file", ["scenario.toml", "places.csv", "routes.csv"])
def test_binary_or_wrongly_encoded_files_are_clean_errors(
    tmp_path: Path, content: bytes, file: str
) -> None:
    path = write_scenario(tmp_path, FULL_BODY)
    (tmp_path / file).write_bytes(content)
    answer = clean_or_result("known: malformed", lambda: api.load_scenario(path), seconds=1)
    assert answer is None


def test_many_problems_give_a_message_of_bounded_size(tmp_path: Path) -> None:
    # Thousands of caravans, each with an unknown origin: the message stays readable.
    data = _base()
    caravan = data["caravan"][0]
    data["caravan"] = [{**caravan, "name": f"c{i}", "origin": f"nowhere{i}"} for i in range(2_000)]
    path = write_scenario(tmp_path, head="", body=toml_text(data))
    answer = clean_or_result("known: message size", lambda: api.load_scenario(path), seconds=10)
    assert answer is None


def test_a_scenario_moved_centuries_away_still_runs(tmp_path: Path) -> None:
    text = (BASE_TOML + FULL_BODY).replace("2020-", "1618-")
    path = write_scenario(tmp_path, head="", body=text)
    sc = clean_or_result("known: dates", lambda: api.load_scenario(path))
    assert sc is not None
    res = clean_or_result("known: dates", lambda: api.run(sc, 1, check=True), clean=())
    assert res is not None and res.summary_dict["people_entered"] > 0


def test_a_million_extra_places_are_refused_while_reading(tmp_path: Path) -> None:
    extra = "".join(f"p{i},P{i},MEX,20.0,-100.0,town,,\n" for i in range(1_000_000))
    path = write_scenario(tmp_path, FULL_BODY, places=PLACES + extra)
    result = cli("known: sizes", ["validate", str(path)], seconds=10)
    assert result.exit_code == 2
    assert "more than 4,000 rows" in result.output
