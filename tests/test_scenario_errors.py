"""Each class of user mistake gives a clear ScenarioError naming file, field, value, expectation.

Most mistakes are one row of :data:`MISTAKES`: what is changed in the tiny scenario (TOML
added, or one of its files replaced), the single problem's field, the words its message
must hold and, where it matters, the value it shows and the file it names. The mistakes
made with ``--set`` are the rows of :data:`SETTINGS`. The cases of another shape (several
problems at once, what is accepted) follow.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from borderflow.scenario.errors import Problem, ScenarioError
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import Scenario
from borderflow.scenario.settings import apply_settings
from conftest import BASE_TOML, PLACES, ROUTES, WAITING_TARGET, write_scenario

CARAVAN = """
[[caravan]]
name = "spring"
origin = "home"
depart = 2020-01-05
size = 100
destinations = { tijuana = 1.0 }
"""

BACKGROUND = """
[background]
daily = { HND = 2.0 }
origins = { HND = "home" }
destinations = { tijuana = 1.0 }
"""


def policy(change: str) -> str:
    """A dated policy setting ``change`` (TOML inside ``set = { … }``)."""
    return f"[[policy]]\ndate = 2020-02-01\nset = {{ {change} }}\n"


Load = Callable[..., Scenario]

#: A value a case does not check.
ANY = object()


@dataclass(frozen=True)
class Mistake:
    """One mistake and the single problem it must give.

    Attributes:
        body: TOML added to the tiny scenario.
        where: the problem's field, exactly.
        words: words its message (with the value shown) must hold.
        value: the value it shows (:data:`ANY`: not checked).
        file: how the file it names ends.
        files: files replaced: ``head`` (the TOML above the body), ``places``, ``routes``.
    """

    body: str
    where: str
    words: tuple[str, ...]
    value: Any = ANY
    file: str = "scenario.toml"
    files: dict[str, str] = field(default_factory=dict)


def mistake(
    name: str,
    body: str,
    where: str,
    *words: str,
    value: Any = ANY,
    file: str = "scenario.toml",
    **files: str,
) -> Any:
    """A row of :data:`MISTAKES`, named ``name`` in the test's id."""
    return pytest.param(Mistake(body, where, words, value, file, files), id=name)


def no_line(text: str, line: str) -> str:
    """``text`` without ``line`` (which it holds)."""
    assert line in text
    return text.replace(line, "")


BAD_BEDS = "[levers]\nbeds = { tijuana = -5 }\n"
ON_A_TOWN = "[levers]\nquota = { middle = 3 }\n"
NO_TIJUANA_ROUTES = no_line(
    no_line(ROUTES, "middle,tijuana,960,walk;bus;train\n"), "tijuana,mexicali,180,walk;bus\n"
)
WITH_JUDGES = "[levers]\nmpp_judges = 2\n"

MISTAKES = [
    # --- missing required fields
    mistake(
        "missing-title",
        "",
        "title",
        "missing required field",
        head=no_line(BASE_TOML, 'title = "A tiny test scenario"\n'),
    ),
    mistake(
        "caravan-without-origin",
        no_line(CARAVAN, 'origin = "home"\n'),
        "caravan[1].origin",
        "missing",
    ),
    mistake(
        "missing-csv-reference",
        "",
        "routes",
        "missing",
        "CSV",
        head=no_line(BASE_TOML, 'routes = "routes.csv"\n'),
    ),
    mistake(
        "csv-file-not-found",
        "",
        "file",
        "no such file",
        file="nowhere.csv",
        head=BASE_TOML.replace('"places.csv"', '"nowhere.csv"'),
    ),
    # --- wrong types
    mistake(
        "caravan-size-not-a-number",
        CARAVAN.replace("size = 100", 'size = "many"'),
        "caravan[1].size",
        "'many'",
        "integer",
        value="many",
    ),
    mistake(
        "csv-latitude-not-a-number",
        "",
        "row 2, column latitude",  # row 2 = `south`
        "'abc'",
        "number",
        value="abc",
        file="places.csv",
        places=PLACES.replace("14.9,-92.3", "abc,-92.3"),
    ),
    mistake(
        "csv-distance-not-positive",
        "",
        "row 3, column distance_km",
        "greater than 0",
        value="-960",
        file="routes.csv",
        routes=ROUTES.replace("middle,tijuana,960", "middle,tijuana,-960"),
    ),
    mistake(
        "csv-unknown-mode",
        "",
        "row 1, column modes",
        "fly",
        "walk",
        file="routes.csv",
        routes=ROUTES.replace("home,south,480,walk", "home,south,480,fly"),
    ),
    mistake(
        "date-not-a-date",
        "",
        "start",
        "date",
        value="soon",
        head=BASE_TOML.replace("start = 2020-01-01", 'start = "soon"'),
    ),
    mistake(
        "lever-value-is-text",
        '[levers]\nbeds = { tijuana = "lots" }\n',
        "levers.beds.tijuana",
        "expected a number",
        value="lots",
    ),
    mistake("levers-not-a-table", "levers = 3\n", "levers", "dictionary", value=3),
    mistake(
        "lever-judges-is-text",
        '[levers]\njudges = "many"\n',
        "levers.judges",
        "expected a number",
        value="many",
    ),
    mistake(
        "mpp-share-is-text",
        '[levers]\nmpp = { tijuana = "all" }\nmpp_judges = 3\n',
        "levers.mpp.tijuana",
        "expected a number",
        value="all",
    ),
    *(
        mistake(
            f"text-in-a-policy-{name}",
            policy(change),
            where,
            "expected a number",
            "not text",
        )
        for name, change, where in [
            ("switch", 'asylum_ban = "true"', "policy[1].set.asylum_ban"),
            ("per-place", '"quota.san_ysidro" = "5"', "policy[1].set.quota.san_ysidro"),
            ("scalar", 'judges = "5"', "policy[1].set.judges"),
        ]
    ),
    # --- unknown keys (typos are never ignored)
    mistake("unknown-top-level-key", 'colour = "red"\n', "colour", "unknown key", "title"),
    mistake(
        "unknown-lever",
        "[levers]\nqouta = { default = 3 }\n",
        "levers.qouta",
        "unknown key",
        "typo",
    ),
    mistake(
        "unknown-scalar-lever",
        "[levers]\njudgez = 3\n",
        "levers.judgez",
        "unknown key",
        "typo",
        value=3,
    ),
    mistake("unknown-key-in-caravan", CARAVAN + "sise = 4\n", "caravan[1].sise", "unknown key"),
    mistake(
        "unknown-key-in-parameter-table",
        "[parameters]\np_renege = { value = 0.02, hihg = 0.1 }\n",
        "parameters.p_renege",
        "hihg",
        "unknown",
    ),
    *(
        mistake(
            f"unknown-key-in-{table}-{key}",
            f"[{table}]\n{key} = {value}\n",
            f"{table}.{key}",
            "unknown key",
            "typo",
        )
        for table, key, value in [
            ("mpp", "nationality", '["HND"]'),
            ("mpp", "families", "true"),
            ("courts", "backlog", "4"),
        ]
    ),
    mistake(
        "unknown-lever-in-policy",
        policy("nolever = 2"),
        "policy[1].set.nolever",
        "unknown lever",
        "mexico_enforcement",  # lists the valid levers
    ),
    mistake(
        "misspelt-lever-in-policy",
        policy("judgez = 3"),
        "policy[1].set.judgez",
        "unknown lever",
        *("judges", "mpp_judges", "detention_beds", "mpp.<place>"),  # lists the valid levers
    ),
    mistake(
        "scalar-lever-with-a-place",
        policy('"judges.tijuana" = 3'),
        "policy[1].set.judges.tijuana",
        "unknown lever",
    ),
    # --- unknown places and places of the wrong kind
    mistake(
        "route-to-unknown-place",
        "",
        "routes.csv row 6, column to",
        "'atlantis'",
        "unknown place",
        value="atlantis",
        routes=ROUTES + "middle,atlantis,100,walk\n",
    ),
    mistake(
        "caravan-destination-unknown",
        CARAVAN.replace("tijuana = 1.0", "tijuanna = 1.0"),
        "caravan[1].destinations",
        "unknown place",
        value="tijuanna",
    ),
    mistake(
        "caravan-destination-not-a-border-city",
        CARAVAN.replace("tijuana = 1.0", "middle = 1.0"),
        "caravan[1].destinations",
        "town",
        "border_city",
        value="middle",
    ),
    mistake(
        "lever-unknown-place",
        "[levers]\nquota = { nowhere = 3 }\n",
        "levers.quota.nowhere",
        "unknown place",
        value="nowhere",
    ),
    mistake(
        "policy-unknown-place",
        policy('"beds.nowhere" = 3'),
        "policy[1].set.beds.nowhere",
        "unknown place",
        value="nowhere",
    ),
    mistake(
        "quota-on-a-town",
        ON_A_TOWN,
        "levers.quota.middle",
        "town",
        "expected a port_of_entry",
        value="middle",
    ),
    mistake(
        "policy-quota-on-a-city",
        policy('"quota.tijuana" = 3'),
        "policy[1].set.quota.tijuana",
        "border_city",
        "port_of_entry",
    ),
    *(
        mistake(
            f"mpp-share-on-a-{kind}",
            f"[levers]\nmpp = {{ {place} = 0.5 }}\nmpp_judges = 3\n",
            f"levers.mpp.{place}",
            kind,
            "expected a border_city",
            value=place,
        )
        for place, kind in [("san_ysidro", "port_of_entry"), ("middle", "town")]
    ),
    mistake(
        "mpp-share-on-a-port-in-policy",
        WITH_JUDGES + policy('"mpp.san_ysidro" = 1.0'),
        "policy[1].set.mpp.san_ysidro",
        "port_of_entry",
        "border_city",
        value="san_ysidro",
    ),
    mistake(
        "mpp-share-at-an-unknown-place",
        "[levers]\nmpp = { nowhere = 0.5 }\nmpp_judges = 3\n",
        "levers.mpp.nowhere",
        "unknown place",
        value="nowhere",
    ),
    # --- values out of range
    mistake("negative-beds", BAD_BEDS, "levers.beds.tijuana", "-5", "negative", value=-5),
    mistake(
        "negative-default-quota",
        "[levers]\nquota = { default = -1 }\n",
        "levers.quota.default",
        "-1",
        "negative",
    ),
    mistake(
        "negative-quota-in-policy",
        policy('"quota.san_ysidro" = -3'),
        "policy[1].set.quota.san_ysidro",
        "negative",
        value=-3,
    ),
    *(
        mistake(
            f"negative-{lever}",
            f"[levers]\n{lever} = -5\n",
            f"levers.{lever}",
            "-5",
            "negative",
            value=-5,
        )
        for lever in (
            "detention_beds",
            "cf_interviews_per_day",
            "judges",
            "mpp_judges",
            "removals_per_day",
        )
    ),
    *(
        mistake(
            f"negative-{lever}-in-policy",
            policy(f"{lever} = -1"),
            f"policy[1].set.{lever}",
            "negative",
            value=-1,
        )
        for lever in ("detention_beds", "judges", "removals_per_day")
    ),
    mistake(
        "negative-mpp-share",
        "[levers]\nmpp = { tijuana = -0.5 }\nmpp_judges = 3\n",
        "levers.mpp.tijuana",
        "negative",
        value=-0.5,
    ),
    mistake(
        "negative-initial-backlog",
        '[courts]\ninitial_backlog = -3\ninitial_backlog_source = "assumed"\n',
        "courts.initial_backlog",
        "negative",
        value=-3,
    ),
    mistake(
        "probability-above-one",
        "[levers]\np_apprehend = { tijuana = 1.5 }\n",
        "levers.p_apprehend.tijuana",
        "[0, 1]",
        value=1.5,
    ),
    mistake(
        "scalar-probability-above-one",
        "[levers]\np_prosecute = 1.5\n",
        "levers.p_prosecute",
        "at most 1",
        "[0, 1]",
        value=1.5,
    ),
    *(
        mistake(
            f"{lever}-above-one",
            f"[levers]\n{lever} = 1.2\n",
            f"levers.{lever}",
            "at most 1",
            value=1.2,
        )
        for lever in ("p_credible_fear_pass", "p_lawyer")
    ),
    mistake(
        "policy-probability-above-one",
        policy('"p_apprehend.tijuana" = 2'),
        "policy[1].set.p_apprehend.tijuana",
        "[0, 1]",
        value=2,
    ),
    mistake(
        "credible-fear-pass-above-one-in-policy",
        policy("p_credible_fear_pass = 2"),
        "policy[1].set.p_credible_fear_pass",
        "[0, 1]",
        value=2,
    ),
    mistake(
        "mpp-share-above-one",
        "[levers]\nmpp = { tijuana = 1.5 }\nmpp_judges = 3\n",
        "levers.mpp.tijuana",
        "[0, 1]",
    ),
    mistake(
        "mpp-share-above-one-by-default",
        "[levers]\nmpp = { default = 2 }\nmpp_judges = 3\n",
        "levers.mpp.default",
        "[0, 1]",
    ),
    mistake(
        "mpp-share-above-one-in-policy",
        "[levers]\nmpp_judges = 3\n" + policy('"mpp.tijuana" = 1.5'),
        "policy[1].set.mpp.tijuana",
        "[0, 1]",
    ),
    *(
        mistake(f"not-finite-{name}", body, where, "finite")
        for name, body, where in [
            ("lever", "[levers]\nbeds = { tijuana = nan }\n", "levers.beds.tijuana"),
            ("default", "[levers]\nquota = { default = -inf }\n", "levers.quota.default"),
            ("multiplier", "[levers]\nmexico_enforcement = inf\n", "levers.mexico_enforcement"),
            (
                "policy",
                policy('"quota.san_ysidro" = nan'),
                "policy[1].set.quota.san_ysidro",
            ),
            (
                "weight",
                CARAVAN.replace("tijuana = 1.0", "tijuana = inf"),
                "caravan[1].destinations.tijuana",
            ),
            (
                "parameter",
                "[parameters]\np_renege = { value = inf, low = 0, high = 1 }\n",
                "parameters.p_renege.value",
            ),
        ]
    ),
    # --- dates
    mistake(
        "policy-date-outside-the-run",
        "[[policy]]\ndate = 2021-02-01\nset = { mexico_enforcement = 2 }\n",
        "policy[1].date",
        *("2020-01-01", "2020-03-31", "within the run"),
        value=dt.date(2021, 2, 1),
    ),
    mistake(
        "caravan-departs-outside-the-run",
        CARAVAN.replace("2020-01-05", "2019-12-01"),
        "caravan[1].depart",
        "within the run",
        value=dt.date(2019, 12, 1),
    ),
    mistake(
        "background-starting-after-it-ends",
        BACKGROUND + "start = 2020-03-01\nend = 2020-02-01\n",
        "background.start",
        "must not be after background.end",
        "2020-02-01",
    ),
    # --- MPP: who it applies to, and its judges
    *(
        mistake(
            f"mpp-on-without-mpp-judges-{name}",
            body,
            "levers.mpp_judges",
            "MPP is on",
            "mpp_judges > 0",
        )
        for name, body in [
            ("lever", "[levers]\nmpp = { tijuana = 1.0 }\n"),
            ("default", "[levers]\nmpp = { default = 0.5 }\n"),
            ("policy", policy('"mpp.tijuana" = 1.0')),
            (
                "judges-set-to-zero",
                "[levers]\nmpp = { tijuana = 1.0 }\n" + policy("mpp_judges = 0"),
            ),
        ]
    ),
    mistake(
        "mexicans-cannot-be-returned-to-mexico",
        '[mpp]\nnationalities = ["HND", "MEX"]\n',
        "mpp.nationalities",
        "Mexican nationals are never returned",
        value=["HND", "MEX"],
    ),
    mistake(
        "unknown-nationality-in-mpp",
        '[mpp]\nnationalities = ["HND", "XYZ"]\n',
        "mpp.nationalities",
        "XYZ",
        "unknown nationality",
    ),
    mistake(
        "unknown-household-role-in-mpp",
        '[mpp]\nhouseholds = ["single_adult", "grandparent"]\n',
        "mpp.households",
        "'grandparent'",
        "unknown household role",
        "family_adult",  # lists the valid roles
    ),
    mistake(
        "unknown-household-role-in-background",
        BACKGROUND.replace("2.0", "1") + "household = { uncle = 1.0 }\n",
        "background.household",
        *("'uncle'", "unknown household role", "single_adult"),
    ),
    mistake(
        "backlog-filed-in-no-fiscal-year",
        '[courts]\ninitial_backlog = 3\ninitial_backlog_source = "assumed"\n'
        "initial_backlog_filed = { 2017 = 1 }\n",
        "courts.initial_backlog_filed.2017.[key]",
        "expected a fiscal year, written like FY2017",
    ),
    mistake(
        "initial-backlog-without-source",
        "[courts]\ninitial_backlog = 1000\n",
        "courts",
        "initial_backlog needs initial_backlog_source",
    ),
    # --- malformed files
    mistake(
        "csv-row-with-too-few-cells",
        "",
        "row 6",
        *("3 cells", "header has 4", "middle,tijuana,100"),
        file="routes.csv",
        routes=ROUTES + "middle,tijuana,100\n",
    ),
    mistake(
        "csv-row-with-too-many-cells",
        "",
        "row 1",
        "9 cells",
        "header has 8",
        file="places.csv",
        places=PLACES.replace(
            "home,Home,HND,14.1,-87.2,origin,,", "home,Home,HND,14.1,-87.2,origin,,,extra"
        ),
    ),
    mistake(
        "csv-missing-column",
        "",
        "header",
        "missing column",
        "modes",
        file="routes.csv",
        routes="\n".join(line.rsplit(",", 1)[0] for line in ROUTES.splitlines()) + "\n",
    ),
    mistake(
        "csv-unknown-column",
        "",
        "header",
        "unknown column",
        "colour",
        file="places.csv",
        places="\n".join(
            line + "," if i else line
            for i, line in enumerate(
                PLACES.replace("population\n", "population,colour\n", 1).splitlines()
            )
        )
        + "\n",
    ),
    mistake("csv-empty-file", "", "header", "empty", "header", file="routes.csv", routes=""),
    mistake(
        "bad-toml-syntax",
        "[levers\nbeds = 3\n",
        "TOML syntax",
        "line 7",  # the line of the broken table header
    ),
    *(
        mistake(
            f"csv-number-spelt-{name}",
            "",
            "row 1, column distance_km",
            "ASCII digits",
            file="routes.csv",
            routes=ROUTES.replace("home,south,480,walk", f"home,south,{distance},walk"),
        )
        for name, distance in [("with-underscores", "5_00"), ("full-width", "\uff15\uff10\uff10")]
    ),
    # --- parameters
    mistake(
        "unknown-parameter",
        "[parameters]\np_renig = 0.02\n",
        "parameters.p_renig",
        "unknown parameter",
    ),
    mistake(
        "parameter-outside-its-range",
        "[parameters]\np_renege = 0.5\n",
        "parameters.p_renege",
        *("0.5", "[0.002, 0.05]", "widen the range"),
    ),
    mistake(
        "parameter-of-wrong-type",
        '[parameters]\np_renege = "often"\n',
        "parameters.p_renege.value",
        "number",
        value="often",
    ),
    mistake(
        "inverted-parameter-range",
        "[parameters]\np_renege = { value = 0.05, low = 0.1, high = 0.01 }\n",
        "parameters.p_renege",
        "low (0.1) must not exceed high (0.01)",
    ),
    # --- reachability, duplicates
    mistake(
        "unreachable-destination",
        CARAVAN,
        "caravan[1].destinations",
        "no route from home",
        value="tijuana",
        routes=NO_TIJUANA_ROUTES,
    ),
    mistake(
        "unreachable-background-destination",
        BACKGROUND,
        "background.destinations",
        "no route",
        value="tijuana",
        routes="from,to,distance_km,modes\nhome,south,480,walk\n",
    ),
    *(
        mistake(
            f"a-road-given-twice-{name}",
            "",
            "row 6",
            "the same road as row 1",
            "give each road once",
            file="routes.csv",
            routes=ROUTES + row,
        )
        for name, row in [
            ("the-other-way", "south,home,500,walk\n"),  # another distance, too
            ("with-other-modes", "home,south,480,walk;bus\n"),
            ("repeated", "home,south,480,walk\n"),
        ]
    ),
    mistake(
        "duplicate-target-ids",
        WAITING_TARGET + WAITING_TARGET,
        "target[2].id",
        "duplicate target id",
        "target[1]",
        value="waiting",
    ),
]


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


@pytest.mark.parametrize("case", MISTAKES)
def test_a_mistake_gives_one_clear_problem(load: Load, case: Mistake) -> None:
    problems = problems_of(load, case.body, **case.files)
    assert len(problems) == 1, [str(p) for p in problems]
    (p,) = problems
    text = str(p)
    assert p.file.endswith(case.file), p.file
    assert p.where == case.where, text
    for word in case.words:
        assert word in text, (word, text)
    if case.value is not ANY:
        assert p.value == case.value, text


def test_not_utf8(tmp_path: Path) -> None:
    path = write_scenario(tmp_path / "bytes")
    path.write_bytes(path.read_bytes() + b'description = "\xff\xfe"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "scenario.toml" in str(info.value)


# --- several problems at once ---------------------------------------------------------------


def test_three_mistakes_give_three_problems(load: Load) -> None:
    body = 'colour = "red"\n' + CARAVAN.replace("size = 100", 'size = "many"')
    problems = problems_of(load, body, places=PLACES.replace("14.9,-92.3", "abc,-92.3"))
    assert len(problems) == 3, [str(p) for p in problems]
    wheres = {p.where for p in problems}
    assert "colour" in wheres and "caravan[1].size" in wheres
    assert any("places.csv" in p.file and "latitude" in p.where for p in problems)


def test_three_cross_field_mistakes_give_three_problems(load: Load) -> None:
    body = BAD_BEDS + ON_A_TOWN.removeprefix("[levers]\n")
    body += "[[policy]]\ndate = 2021-02-01\nset = { mexico_enforcement = 2 }\n"
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


def test_a_policy_setting_judges_to_text_names_it(load: Load) -> None:
    problems = problems_of(load, policy('judges = "many"'))
    assert all(p.file.endswith("scenario.toml") for p in problems)
    # Text is refused as in [levers], naming the policy, the lever and the value.
    assert all(p.where.startswith("policy[1].set.judges") for p in problems)
    assert all(p.value == "many" and "'many'" in str(p) for p in problems)
    assert any("expected a number" in str(p) and "not text" in str(p) for p in problems)


def test_a_line_break_in_a_quoted_cell_stays_in_the_cell(load: Load) -> None:
    places = PLACES.replace("south,South,MEX", '"sou\nth",South,MEX')
    problems = problems_of(load, places=places)
    found = [p for p in problems if p.file.endswith("places.csv")]
    assert found and found[0].where == "row 2, column id", [str(p) for p in problems]
    assert found[0].value == "sou\nth" and "pattern" in found[0].message
    # The rows after it keep their numbers.
    bad_after = places.replace("middle,Middle,MEX,24.8", "middle,Middle,MEX,abc")
    wheres = {p.where for p in problems_of(load, places=bad_after) if p.file.endswith("places.csv")}
    assert "row 3, column latitude" in wheres, wheres


# --- what is accepted -------------------------------------------------------------------------


def test_widened_parameter_range_is_accepted(load: Load) -> None:
    sc = load("[parameters]\np_renege = { value = 0.5, low = 0.0, high = 1.0 }\n")
    assert sc.param("p_renege") == 0.5


def test_unlimited_stays_a_capacity_word_in_a_policy(load: Load) -> None:
    sc = load(policy('"quota.san_ysidro" = "unlimited"'))
    assert sc.policies[0].set["quota.san_ysidro"] == math.inf


def test_mpp_with_judges_from_a_date_is_accepted(load: Load) -> None:
    sc = load("[levers]\nmpp = { tijuana = 1.0 }\n" + policy("mpp_judges = 4"))
    assert sc.levers.mpp.for_place("tijuana") == 1.0 and sc.levers.mpp_judges == 0


def test_initial_backlog_with_source_is_accepted(load: Load) -> None:
    sc = load('[courts]\ninitial_backlog = 1000\ninitial_backlog_source = "P16"\n')
    assert sc.courts.initial_backlog == 1000


def test_with_parameters_names_an_unknown_parameter(tiny: Load) -> None:
    with pytest.raises(ScenarioError) as info:
        tiny().with_parameters(nope=1)
    (p,) = info.value.problems
    assert p.where == "parameters.nope"
    assert "unknown parameter" in p.message and "borderflow params" in p.message


# --- command-line settings --------------------------------------------------------------------


def setting(settings: str, where: str, *words: str, only: bool = False) -> Any:
    """A row of :data:`SETTINGS`: ``settings`` (space-separated) and the problem they give.

    ``only``: the problem is the only one, and its file is ``--set``.
    """
    return pytest.param(settings.split(), where, words, only, id=settings)


SETTINGS = [
    # Named as typed, whether the name, the value or the place is at fault.
    setting("nolever=3", "nolever"),
    setting("quota.san_ysidro=abc", "quota.san_ysidro"),
    setting("mexico_enforcement", "mexico_enforcement"),
    setting("p_renege=0.9", "p_renege"),
    setting("quota.nowhere=3", "quota.nowhere"),
    setting("beds.tijuana=-2", "beds.tijuana"),
    setting("detention_beds=-1", "detention_beds"),
    setting("p_credible_fear_pass=1.5", "p_credible_fear_pass"),
    setting("judgez=3", "judgez"),
    setting("judges=abc", "judges"),
    setting("mpp.san_ysidro=0.5 mpp_judges=1", "mpp.san_ysidro"),
    setting("mpp.tijuana=1", "levers.mpp_judges"),
    # Numbers in ASCII digits only, finite; "unlimited" is the word for no limit.
    setting("quota.san_ysidro=\uff15", "quota.san_ysidro", "ASCII digits", only=True),
    setting("quota.san_ysidro=1_000", "quota.san_ysidro", "ASCII digits", only=True),
    setting("judges=nan", "judges", "finite", only=True),
    setting("judges=-inf", "judges", "finite", only=True),
    # Too large for a float, read as infinity: a typo, not "unlimited".
    setting("judges=1e999", "judges", "finite", only=True),
]


@pytest.mark.parametrize(("settings", "where", "words", "only"), SETTINGS)
def test_a_bad_setting_is_named_as_typed(
    tiny: Load, settings: list[str], where: str, words: tuple[str, ...], only: bool
) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_settings(tiny(), settings)
    problems = info.value.problems
    if only:
        (p,) = problems
        assert p.file == "--set" and p.where == where
        assert all(word in p.message for word in words)
    elif where.startswith("levers."):
        assert any(p.where == where for p in problems), str(info.value)
    else:
        assert any(p.file == "--set" and p.where == where for p in problems), str(info.value)


def test_apply_settings(tiny: Load) -> None:
    sc = tiny(policy('"quota.san_ysidro" = 10'))
    out = apply_settings(sc, ["quota.san_ysidro=40", "mexico_enforcement=2", "p_renege=0.02"])
    assert out.levers.quota.for_place("san_ysidro") == 40
    assert out.levers.mexico_enforcement == 2.0
    assert out.param("p_renege") == 0.02
    assert out.policies == ()  # the setting holds for the whole run
    assert sc.levers.quota.for_place("san_ysidro") == math.inf  # the original is unchanged


def test_a_setting_takes_plain_numbers_words_and_unlimited(tiny: Load) -> None:
    sc = apply_settings(
        tiny(),
        ["quota.san_ysidro=+1.5e1", "judges=inf", "asylum_ban=yes", "p_prosecute=.5"],
    )
    assert sc.levers.quota.for_place("san_ysidro") == 15
    assert sc.levers.judges == math.inf and sc.levers.asylum_ban is True
    assert sc.levers.p_prosecute == 0.5
