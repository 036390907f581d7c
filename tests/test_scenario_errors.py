"""Each class of user mistake gives a clear ScenarioError naming file, field, value, expectation."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from borderflow.scenario.errors import Problem, ScenarioError
from borderflow.scenario.load import apply_settings, load_scenario
from borderflow.scenario.schema import Scenario
from conftest import BASE_TOML, PLACES, ROUTES, WAITING_TARGET, write_scenario

CARAVAN = """
[[caravan]]
name = "spring"
origin = "home"
depart = 2020-01-05
size = 100
destinations = { tijuana = 1.0 }
"""

Load = Callable[..., Scenario]


@pytest.fixture
def load(tmp_path: Path) -> Load:
    """``load(body="", **files) -> Scenario`` in a fresh folder each call."""
    counter = iter(range(10_000))

    def make(body: str = "", **kwargs: str) -> Scenario:
        return load_scenario(write_scenario(tmp_path / f"s{next(counter)}", body, **kwargs))

    return make


def problems_of(load: Load, body: str = "", **kwargs: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load(body, **kwargs)
    problems = info.value.problems
    assert problems, "a ScenarioError must list its problems"
    for p in problems:  # every problem renders into the message
        assert str(p) in str(info.value)
    return problems


def only(load: Load, body: str = "", **kwargs: str) -> tuple[Problem, str]:
    """The single problem, and its text."""
    problems = problems_of(load, body, **kwargs)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0], str(problems[0])


# --- missing required fields -------------------------------------------------------------


def test_missing_title(load: Load) -> None:
    head = BASE_TOML.replace('title = "A tiny test scenario"\n', "")
    p, text = only(load, head=head)
    assert p.file.endswith("scenario.toml")
    assert p.where == "title"
    assert "missing required field" in text


def test_caravan_without_origin(load: Load) -> None:
    p, text = only(load, CARAVAN.replace('origin = "home"\n', ""))
    assert p.file.endswith("scenario.toml")
    assert p.where == "caravan[1].origin"
    assert "missing" in text


def test_missing_csv_reference(load: Load) -> None:
    p, text = only(load, head=BASE_TOML.replace('routes = "routes.csv"\n', ""))
    assert p.where == "routes"
    assert "missing" in text and "CSV" in text


def test_csv_file_not_found(load: Load) -> None:
    p, text = only(load, head=BASE_TOML.replace('"places.csv"', '"nowhere.csv"'))
    assert p.file.endswith("nowhere.csv")
    assert "no such file" in text


# --- wrong types ---------------------------------------------------------------------------


def test_caravan_size_not_a_number(load: Load) -> None:
    p, text = only(load, CARAVAN.replace("size = 100", 'size = "many"'))
    assert p.file.endswith("scenario.toml")
    assert p.where == "caravan[1].size"
    assert p.value == "many" and "'many'" in text
    assert "integer" in text


def test_csv_latitude_not_a_number(load: Load) -> None:
    p, text = only(load, places=PLACES.replace("14.9,-92.3", "abc,-92.3"))
    assert p.file.endswith("places.csv")
    assert "row 2" in p.where and "column latitude" in p.where  # row 2 = `south`
    assert p.value == "abc" and "'abc'" in text
    assert "number" in text


def test_csv_distance_not_positive(load: Load) -> None:
    p, text = only(load, routes=ROUTES.replace("middle,tijuana,960", "middle,tijuana,-960"))
    assert p.file.endswith("routes.csv")
    assert "row 3" in p.where and "distance_km" in p.where
    assert p.value == "-960" and "greater than 0" in text


def test_csv_unknown_mode(load: Load) -> None:
    p, text = only(load, routes=ROUTES.replace("home,south,480,walk", "home,south,480,fly"))
    assert p.file.endswith("routes.csv")
    assert "row 1" in p.where and "modes" in p.where
    assert "fly" in text and "walk" in text


def test_date_not_a_date(load: Load) -> None:
    p, text = only(load, head=BASE_TOML.replace("start = 2020-01-01", 'start = "soon"'))
    assert p.where == "start"
    assert p.value == "soon" and "date" in text


def test_lever_value_is_text(load: Load) -> None:
    p, text = only(load, '[levers]\nbeds = { tijuana = "lots" }\n')
    assert p.where == "levers.beds.tijuana"
    assert p.value == "lots" and "expected a number" in text


def test_levers_not_a_table(load: Load) -> None:
    p, text = only(load, "levers = 3\n")
    assert p.where == "levers" and p.value == 3
    assert "dictionary" in text


# --- unknown keys (typos are never ignored) ------------------------------------------------


def test_unknown_top_level_key(load: Load) -> None:
    p, text = only(load, 'colour = "red"\n')
    assert p.file.endswith("scenario.toml")
    assert p.where == "colour"
    assert "unknown key" in text and "title" in text  # lists the valid keys


def test_unknown_lever(load: Load) -> None:
    p, text = only(load, "[levers]\nqouta = { default = 3 }\n")
    assert p.where == "levers.qouta"
    assert "unknown key" in text and "typo" in text


def test_unknown_key_in_caravan(load: Load) -> None:
    p, text = only(load, CARAVAN + "sise = 4\n")
    assert p.where == "caravan[1].sise"
    assert p.value == 4 and "unknown key" in text


def test_unknown_key_in_parameter_table(load: Load) -> None:
    p, text = only(load, "[parameters]\np_renege = { value = 0.02, hihg = 0.1 }\n")
    assert p.where == "parameters.p_renege"
    assert "hihg" in text and "unknown" in text


# --- unknown places and places of the wrong kind -------------------------------------------


def test_route_to_unknown_place(load: Load) -> None:
    p, text = only(load, routes=ROUTES + "middle,atlantis,100,walk\n")
    assert "routes.csv" in p.where and "row 6" in p.where and "column to" in p.where
    assert p.value == "atlantis" and "'atlantis'" in text
    assert "unknown place" in text


def test_caravan_destination_unknown(load: Load) -> None:
    p, text = only(load, CARAVAN.replace("tijuana = 1.0", "tijuanna = 1.0"))
    assert p.where == "caravan[1].destinations"
    assert p.value == "tijuanna" and "unknown place" in text


def test_caravan_destination_not_a_border_city(load: Load) -> None:
    p, text = only(load, CARAVAN.replace("tijuana = 1.0", "middle = 1.0"))
    assert p.where == "caravan[1].destinations"
    assert p.value == "middle" and "town" in text and "border_city" in text


def test_lever_unknown_place(load: Load) -> None:
    p, text = only(load, "[levers]\nquota = { nowhere = 3 }\n")
    assert p.where == "levers.quota.nowhere"
    assert p.value == "nowhere" and "unknown place" in text


def test_policy_unknown_place(load: Load) -> None:
    p, text = only(load, '[[policy]]\ndate = 2020-02-01\nset = { "beds.nowhere" = 3 }\n')
    assert p.where == "policy[1].set.beds.nowhere"
    assert p.value == "nowhere" and "unknown place" in text


def test_quota_on_a_town(load: Load) -> None:
    p, text = only(load, "[levers]\nquota = { middle = 3 }\n")
    assert p.where == "levers.quota.middle"
    assert p.value == "middle"
    assert "town" in text and "expected a port_of_entry" in text


def test_policy_quota_on_a_city(load: Load) -> None:
    p, text = only(load, '[[policy]]\ndate = 2020-02-01\nset = { "quota.tijuana" = 3 }\n')
    assert p.where == "policy[1].set.quota.tijuana"
    assert "border_city" in text and "port_of_entry" in text


# --- values out of range --------------------------------------------------------------------


def test_negative_beds(load: Load) -> None:
    p, text = only(load, "[levers]\nbeds = { tijuana = -5 }\n")
    assert p.where == "levers.beds.tijuana"
    assert p.value == -5 and "-5" in text and "negative" in text


def test_negative_default_quota(load: Load) -> None:
    p, text = only(load, "[levers]\nquota = { default = -1 }\n")
    assert "levers.quota.default" in p.where
    assert "-1" in text and "negative" in text


def test_negative_quota_in_policy(load: Load) -> None:
    p, text = only(load, '[[policy]]\ndate = 2020-02-01\nset = { "quota.san_ysidro" = -3 }\n')
    assert p.where == "policy[1].set.quota.san_ysidro"
    assert p.value == -3 and "negative" in text


def test_probability_above_one(load: Load) -> None:
    p, text = only(load, "[levers]\np_apprehend = { tijuana = 1.5 }\n")
    assert p.where == "levers.p_apprehend.tijuana"
    assert p.value == 1.5 and "[0, 1]" in text


def test_scalar_probability_above_one(load: Load) -> None:
    p, text = only(load, "[levers]\np_prosecute = 1.5\n")
    assert p.where == "levers.p_prosecute"
    assert p.value == 1.5 and "at most 1" in text and "[0, 1]" in text


def test_policy_probability_above_one(load: Load) -> None:
    p, text = only(load, '[[policy]]\ndate = 2020-02-01\nset = { "p_apprehend.tijuana" = 2 }\n')
    assert p.where == "policy[1].set.p_apprehend.tijuana"
    assert p.value == 2 and "[0, 1]" in text


def test_policy_date_outside_the_run(load: Load) -> None:
    p, text = only(load, "[[policy]]\ndate = 2021-02-01\nset = { mexico_enforcement = 2 }\n")
    assert p.where == "policy[1].date"
    assert p.value == dt.date(2021, 2, 1)
    assert "2020-01-01" in text and "2020-03-31" in text and "within the run" in text


def test_caravan_departs_outside_the_run(load: Load) -> None:
    p, text = only(load, CARAVAN.replace("2020-01-05", "2019-12-01"))
    assert p.where == "caravan[1].depart"
    assert p.value == dt.date(2019, 12, 1) and "within the run" in text


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("[levers]\nbeds = { tijuana = nan }\n", "levers.beds.tijuana"),
        ("[levers]\nquota = { default = -inf }\n", "levers.quota.default"),
        ("[levers]\nmexico_enforcement = inf\n", "levers.mexico_enforcement"),
        (
            '[[policy]]\ndate = 2020-02-01\nset = { "quota.san_ysidro" = nan }\n',
            "policy[1].set.quota.san_ysidro",
        ),
        (CARAVAN.replace("tijuana = 1.0", "tijuana = inf"), "caravan[1].destinations.tijuana"),
        (
            "[parameters]\np_renege = { value = inf, low = 0, high = 1 }\n",
            "parameters.p_renege.value",
        ),
    ],
)
def test_non_finite_numbers(load: Load, body: str, where: str) -> None:
    p, text = only(load, body)
    assert p.where == where
    assert "finite" in text


def test_unknown_lever_in_policy(load: Load) -> None:
    p, text = only(load, "[[policy]]\ndate = 2020-02-01\nset = { nolever = 2 }\n")
    assert p.where == "policy[1].set.nolever"
    assert "unknown lever" in text and "mexico_enforcement" in text  # lists valid levers


# --- malformed files ------------------------------------------------------------------------


def test_csv_row_with_too_few_cells(load: Load) -> None:
    p, text = only(load, routes=ROUTES + "middle,tijuana,100\n")
    assert p.file.endswith("routes.csv")
    assert p.where == "row 6"
    assert "3 cells" in text and "header has 4" in text and "middle,tijuana,100" in text


def test_csv_row_with_too_many_cells(load: Load) -> None:
    p, text = only(
        load,
        places=PLACES.replace(
            "home,Home,HND,14.1,-87.2,origin,,", "home,Home,HND,14.1,-87.2,origin,,,extra"
        ),
    )
    assert p.file.endswith("places.csv")
    assert p.where == "row 1" and "9 cells" in text and "header has 8" in text


def test_csv_missing_column(load: Load) -> None:
    routes = "\n".join(line.rsplit(",", 1)[0] for line in ROUTES.splitlines()) + "\n"
    p, text = only(load, routes=routes)
    assert p.file.endswith("routes.csv")
    assert p.where == "header"
    assert "missing column" in text and "modes" in text


def test_csv_unknown_column(load: Load) -> None:
    places = PLACES.replace("population\n", "population,colour\n", 1)
    places = (
        "\n".join(line + "," if i else line for i, line in enumerate(places.splitlines())) + "\n"
    )
    p, text = only(load, places=places)
    assert p.file.endswith("places.csv")
    assert p.where == "header" and "unknown column" in text and "colour" in text


def test_csv_empty_file(load: Load) -> None:
    p, text = only(load, routes="")
    assert p.file.endswith("routes.csv")
    assert "empty" in text and "header" in text


def test_bad_toml_syntax(load: Load) -> None:
    p, text = only(load, "[levers\nbeds = 3\n")
    assert p.file.endswith("scenario.toml")
    assert p.where == "TOML syntax"
    assert "line 7" in text  # the line of the broken table header


def test_not_utf8(load: Load, tmp_path: Path) -> None:
    path = write_scenario(tmp_path / "bytes")
    path.write_bytes(path.read_bytes() + b'description = "\xff\xfe"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "scenario.toml" in str(info.value)


# --- parameters -------------------------------------------------------------------------------


def test_unknown_parameter(load: Load) -> None:
    p, text = only(load, "[parameters]\np_renig = 0.02\n")
    assert p.where == "parameters.p_renig"
    assert "unknown parameter" in text


def test_parameter_outside_its_range(load: Load) -> None:
    p, text = only(load, "[parameters]\np_renege = 0.5\n")
    assert p.where == "parameters.p_renege"
    assert "0.5" in text and "[0.002, 0.05]" in text and "widen the range" in text


def test_parameter_of_wrong_type(load: Load) -> None:
    p, text = only(load, '[parameters]\np_renege = "often"\n')
    assert p.where == "parameters.p_renege.value"
    assert p.value == "often" and "number" in text


def test_widened_parameter_range_is_accepted(load: Load) -> None:
    sc = load("[parameters]\np_renege = { value = 0.5, low = 0.0, high = 1.0 }\n")
    assert sc.param("p_renege") == 0.5


# --- reachability ---------------------------------------------------------------------------


def test_unreachable_destination(load: Load) -> None:
    routes = ROUTES.replace("middle,tijuana,960,walk;bus;train\n", "").replace(
        "tijuana,mexicali,180,walk;bus\n", ""
    )
    p, text = only(load, CARAVAN, routes=routes)
    assert p.where == "caravan[1].destinations"
    assert p.value == "tijuana" and "no route from home" in text


def test_unreachable_background_destination(load: Load) -> None:
    body = """
    [background]
    daily = { HND = 2.0 }
    origins = { HND = "home" }
    destinations = { tijuana = 1.0 }
    """
    p, text = only(load, body, routes="from,to,distance_km,modes\nhome,south,480,walk\n")
    assert p.where == "background.destinations"
    assert p.value == "tijuana" and "no route" in text


# --- everything at once -----------------------------------------------------------------------


def test_three_mistakes_give_three_problems(load: Load) -> None:
    body = 'colour = "red"\n' + CARAVAN.replace("size = 100", 'size = "many"')
    problems = problems_of(load, body, places=PLACES.replace("14.9,-92.3", "abc,-92.3"))
    assert len(problems) == 3, [str(p) for p in problems]
    wheres = {p.where for p in problems}
    assert "colour" in wheres and "caravan[1].size" in wheres
    assert any("places.csv" in p.file and "latitude" in p.where for p in problems)


def test_three_cross_field_mistakes_give_three_problems(load: Load) -> None:
    body = """
    [levers]
    beds = { tijuana = -5 }
    quota = { middle = 3 }

    [[policy]]
    date = 2021-02-01
    set = { mexico_enforcement = 2 }
    """
    problems = problems_of(load, body)
    assert {p.where for p in problems} == {
        "levers.beds.tijuana",
        "levers.quota.middle",
        "policy[1].date",
    }


def test_several_csv_rows_all_reported(load: Load) -> None:
    routes = ROUTES.replace("480", "-1").replace("960,walk;bus\n", "x,walk;bus\n")
    problems = problems_of(load, routes=routes)
    assert {p.where for p in problems} == {"row 1, column distance_km", "row 2, column distance_km"}


# --- command-line settings --------------------------------------------------------------------


def test_apply_settings(tiny: Load) -> None:
    sc = tiny("""
    [[policy]]
    date = 2020-02-01
    set = { "quota.san_ysidro" = 10 }
    """)
    out = apply_settings(sc, ["quota.san_ysidro=40", "mexico_enforcement=2", "p_renege=0.02"])
    assert out.levers.quota.for_place("san_ysidro") == 40
    assert out.levers.mexico_enforcement == 2.0
    assert out.param("p_renege") == 0.02
    assert out.policies == ()  # the setting holds for the whole run
    assert sc.levers.quota.for_place("san_ysidro") == math.inf  # the original is unchanged


@pytest.mark.parametrize(
    ("setting", "where"),
    [
        ("nolever=3", "nolever"),
        ("quota.san_ysidro=abc", "quota.san_ysidro"),
        ("mexico_enforcement", "mexico_enforcement"),
        ("p_renege=0.9", "p_renege"),
        ("quota.nowhere=3", "quota.nowhere"),
        ("beds.tijuana=-2", "beds.tijuana"),
    ],
)
def test_bad_setting(tiny: Load, setting: str, where: str) -> None:
    sc = tiny()
    with pytest.raises(ScenarioError) as info:
        apply_settings(sc, [setting])
    # Named as typed, whether the name, the value or the place is at fault.
    assert any(p.file == "--set" and p.where == where for p in info.value.problems), str(info.value)


# --- dates, duplicates, text values, number spellings, line breaks in cells ------------------


def test_background_starting_after_it_ends(load: Load) -> None:
    body = """
    [background]
    daily = { HND = 2.0 }
    origins = { HND = "home" }
    destinations = { tijuana = 1.0 }
    start = 2020-03-01
    end = 2020-02-01
    """
    p, text = only(load, body)
    assert p.where == "background.start"
    assert "must not be after background.end" in text and "2020-02-01" in text


@pytest.mark.parametrize(
    "row",
    [
        "south,home,500,walk\n",  # the same road, the other way, another distance
        "home,south,480,walk;bus\n",  # the same road with other modes
        "home,south,480,walk\n",  # the same road repeated
    ],
)
def test_a_road_given_twice_names_both_rows(load: Load, row: str) -> None:
    p, text = only(load, routes=ROUTES + row)
    assert p.file == "routes.csv" and p.where == "row 6"
    assert "the same road as row 1" in text and "give each road once" in text


def test_duplicate_target_ids(load: Load) -> None:
    p, text = only(load, WAITING_TARGET + WAITING_TARGET)
    assert p.where == "target[2].id"
    assert p.value == "waiting" and "duplicate target id" in text and "target[1]" in text


POLICY_SET = """
[[policy]]
date = 2020-02-01
set = {{ {} }}
"""


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ('asylum_ban = "true"', "policy[1].set.asylum_ban"),
        ('"quota.san_ysidro" = "5"', "policy[1].set.quota.san_ysidro"),
        ('judges = "5"', "policy[1].set.judges"),
    ],
)
def test_text_in_a_policy_is_refused_as_in_levers(load: Load, change: str, where: str) -> None:
    p, text = only(load, POLICY_SET.format(change))
    assert p.where == where
    assert "expected a number" in text and "not text" in text


def test_unlimited_stays_a_capacity_word_in_a_policy(load: Load) -> None:
    sc = load(POLICY_SET.format('"quota.san_ysidro" = "unlimited"'))
    assert sc.policies[0].set["quota.san_ysidro"] == math.inf


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("quota.san_ysidro=\uff15", "ASCII digits"),  # a full-width five
        ("quota.san_ysidro=1_000", "ASCII digits"),
        ("judges=nan", "finite"),
        ("judges=-inf", "finite"),
        # Too large for a float, read as infinity: a typo, not "unlimited".
        ("judges=1e999", "finite"),
    ],
)
def test_a_setting_takes_ascii_numbers_only(tiny: Load, setting: str, words: str) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_settings(tiny(), [setting])
    (p,) = info.value.problems
    assert p.file == "--set" and p.where == setting.partition("=")[0]
    assert words in p.message


def test_a_setting_takes_plain_numbers_words_and_unlimited(tiny: Load) -> None:
    sc = apply_settings(
        tiny(),
        ["quota.san_ysidro=+1.5e1", "judges=inf", "asylum_ban=yes", "p_prosecute=.5"],
    )
    assert sc.levers.quota.for_place("san_ysidro") == 15
    assert sc.levers.judges == math.inf and sc.levers.asylum_ban is True
    assert sc.levers.p_prosecute == 0.5


@pytest.mark.parametrize("distance", ["5_00", "\uff15\uff10\uff10"])
def test_a_csv_number_in_other_spellings_is_refused(load: Load, distance: str) -> None:
    routes = ROUTES.replace("home,south,480,walk", f"home,south,{distance},walk")
    p, text = only(load, routes=routes)
    assert p.file.endswith("routes.csv") and p.where == "row 1, column distance_km"
    assert "ASCII digits" in text


def test_a_line_break_in_a_quoted_cell_stays_in_the_cell(load: Load) -> None:
    places = PLACES.replace("south,South,MEX", '"sou\nth",South,MEX')
    problems = problems_of(load, places=places)
    found = [p for p in problems if p.file.endswith("places.csv")]
    assert found and found[0].where == "row 2, column id", [str(p) for p in problems]
    assert found[0].value == "sou\nth" and "pattern" in found[0].message
    # The rows after it keep their numbers.
    bad_after = PLACES.replace("south,South,MEX", '"sou\nth",South,MEX').replace(
        "middle,Middle,MEX,24.8", "middle,Middle,MEX,abc"
    )
    wheres = {p.where for p in problems_of(load, places=bad_after) if p.file.endswith("places.csv")}
    assert "row 3, column latitude" in wheres, wheres


def test_an_inverted_parameter_range_says_low_exceeds_high(load: Load) -> None:
    p, text = only(load, "[parameters]\np_renege = { value = 0.05, low = 0.1, high = 0.01 }\n")
    assert p.where == "parameters.p_renege"
    assert "low (0.1) must not exceed high (0.01)" in text


def test_with_parameters_names_an_unknown_parameter(tiny: Load) -> None:
    with pytest.raises(ScenarioError) as info:
        tiny().with_parameters(nope=1)
    (p,) = info.value.problems
    assert p.where == "parameters.nope"
    assert "unknown parameter" in p.message and "borderflow params" in p.message
