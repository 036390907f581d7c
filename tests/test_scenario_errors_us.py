"""Mistakes in the U.S. levers and tables give a clear ScenarioError: file, field, value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from borderflow.scenario.errors import Problem, ScenarioError
from borderflow.scenario.load import apply_settings, load_scenario
from borderflow.scenario.schema import Scenario
from conftest import write_scenario

Load = Callable[..., Scenario]

POLICY = "[[policy]]\ndate = 2020-02-01\nset = {{ {} }}\n"


@pytest.fixture
def load(tmp_path: Path) -> Load:
    """``load(body="") -> Scenario`` in a fresh folder each call."""
    counter = iter(range(10_000))

    def make(body: str = "") -> Scenario:
        return load_scenario(write_scenario(tmp_path / f"s{next(counter)}", body))

    return make


def problems_of(load: Load, body: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load(body)
    problems = info.value.problems
    assert problems, "a ScenarioError must list its problems"
    for p in problems:
        assert p.file.endswith("scenario.toml"), p.file
        assert str(p) in str(info.value)
    return problems


def only(load: Load, body: str) -> tuple[Problem, str]:
    """The single problem, and its text."""
    problems = problems_of(load, body)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0], str(problems[0])


# --- values out of range ------------------------------------------------------------------


@pytest.mark.parametrize(
    "lever", ["detention_beds", "cf_interviews_per_day", "judges", "mpp_judges", "removals_per_day"]
)
def test_negative_capacity(load: Load, lever: str) -> None:
    p, text = only(load, f"[levers]\n{lever} = -5\n")
    assert p.where == f"levers.{lever}"
    assert p.value == -5 and "-5" in text and "negative" in text


@pytest.mark.parametrize("lever", ["detention_beds", "judges", "removals_per_day"])
def test_negative_capacity_in_policy(load: Load, lever: str) -> None:
    p, text = only(load, POLICY.format(f"{lever} = -1"))
    assert p.where == f"policy[1].set.{lever}"
    assert p.value == -1 and "negative" in text


@pytest.mark.parametrize("lever", ["p_credible_fear_pass", "p_lawyer"])
def test_probability_lever_above_one(load: Load, lever: str) -> None:
    p, text = only(load, f"[levers]\n{lever} = 1.2\n")
    assert p.where == f"levers.{lever}"
    assert p.value == 1.2 and "at most 1" in text


def test_credible_fear_pass_above_one_in_policy(load: Load) -> None:
    p, text = only(load, POLICY.format("p_credible_fear_pass = 2"))
    assert p.where == "policy[1].set.p_credible_fear_pass"
    assert p.value == 2 and "[0, 1]" in text


def test_negative_initial_backlog(load: Load) -> None:
    p, text = only(load, '[courts]\ninitial_backlog = -3\ninitial_backlog_source = "assumed"\n')
    assert p.where == "courts.initial_backlog"
    assert p.value == -3 and "negative" in text


# --- the mpp share: a border city, a share ----------------------------------------------------


@pytest.mark.parametrize(("place", "kind"), [("san_ysidro", "port_of_entry"), ("middle", "town")])
def test_mpp_share_on_a_place_of_the_wrong_kind(load: Load, place: str, kind: str) -> None:
    p, text = only(load, f"[levers]\nmpp = {{ {place} = 0.5 }}\nmpp_judges = 3\n")
    assert p.where == f"levers.mpp.{place}"
    assert p.value == place and kind in text and "expected a border_city" in text


def test_mpp_share_on_a_port_in_policy(load: Load) -> None:
    p, text = only(load, "[levers]\nmpp_judges = 2\n" + POLICY.format('"mpp.san_ysidro" = 1.0'))
    assert p.where == "policy[1].set.mpp.san_ysidro"
    assert p.value == "san_ysidro" and "port_of_entry" in text and "border_city" in text


def test_mpp_share_at_an_unknown_place(load: Load) -> None:
    p, text = only(load, "[levers]\nmpp = { nowhere = 0.5 }\nmpp_judges = 3\n")
    assert p.where == "levers.mpp.nowhere"
    assert p.value == "nowhere" and "unknown place" in text


def test_negative_mpp_share(load: Load) -> None:
    p, text = only(load, "[levers]\nmpp = { tijuana = -0.5 }\nmpp_judges = 3\n")
    assert p.where == "levers.mpp.tijuana"
    assert p.value == -0.5 and "negative" in text


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("[levers]\nmpp = { tijuana = 1.5 }\nmpp_judges = 3\n", "levers.mpp.tijuana"),
        ("[levers]\nmpp = { default = 2 }\nmpp_judges = 3\n", "levers.mpp.default"),
        (
            "[levers]\nmpp_judges = 3\n" + POLICY.format('"mpp.tijuana" = 1.5'),
            "policy[1].set.mpp.tijuana",
        ),
    ],
    ids=["lever", "default", "policy"],
)
def test_mpp_share_above_one(load: Load, body: str, where: str) -> None:
    p, text = only(load, body)
    assert p.where == where
    assert "[0, 1]" in text


def test_mpp_share_not_a_number(load: Load) -> None:
    p, text = only(load, '[levers]\nmpp = { tijuana = "all" }\nmpp_judges = 3\n')
    assert p.where == "levers.mpp.tijuana"
    assert p.value == "all" and "expected a number" in text


# --- MPP needs MPP judges -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[levers]\nmpp = { tijuana = 1.0 }\n",
        "[levers]\nmpp = { default = 0.5 }\n",
        POLICY.format('"mpp.tijuana" = 1.0'),
        "[levers]\nmpp = { tijuana = 1.0 }\n" + POLICY.format("mpp_judges = 0"),
    ],
    ids=["lever", "default", "policy", "judges-set-to-zero"],
)
def test_mpp_on_without_mpp_judges_ever(load: Load, body: str) -> None:
    p, text = only(load, body)
    assert p.where == "levers.mpp_judges"
    assert "MPP is on" in text and "mpp_judges > 0" in text


def test_mpp_with_judges_from_a_date_is_accepted(load: Load) -> None:
    sc = load("[levers]\nmpp = { tijuana = 1.0 }\n" + POLICY.format("mpp_judges = 4"))
    assert sc.levers.mpp.for_place("tijuana") == 1.0 and sc.levers.mpp_judges == 0


# --- the [mpp] and [courts] tables ----------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [("mpp", "nationality", '["HND"]'), ("mpp", "families", "true"), ("courts", "backlog", "4")],
)
def test_unknown_key_in_us_tables(load: Load, table: str, key: str, value: str) -> None:
    p, text = only(load, f"[{table}]\n{key} = {value}\n")
    assert p.where == f"{table}.{key}"
    assert "unknown key" in text and "typo" in text


def test_mexicans_cannot_be_returned_to_mexico(load: Load) -> None:
    p, text = only(load, '[mpp]\nnationalities = ["HND", "MEX"]\n')
    assert p.where == "mpp.nationalities"
    assert p.value == ["HND", "MEX"] and "Mexican nationals are never returned" in text


def test_unknown_nationality_in_mpp(load: Load) -> None:
    p, text = only(load, '[mpp]\nnationalities = ["HND", "XYZ"]\n')
    assert p.where == "mpp.nationalities"
    assert "XYZ" in text and "unknown nationality" in text


def test_unknown_household_role_in_mpp(load: Load) -> None:
    p, text = only(load, '[mpp]\nhouseholds = ["single_adult", "grandparent"]\n')
    assert p.where == "mpp.households"
    assert "'grandparent'" in text and "unknown household role" in text
    assert "family_adult" in text  # lists the valid roles


def test_unknown_household_role_in_background(load: Load) -> None:
    body = """
    [background]
    daily = { HND = 1 }
    origins = { HND = "home" }
    destinations = { tijuana = 1.0 }
    household = { uncle = 1.0 }
    """
    p, text = only(load, body)
    assert p.where == "background.household"
    assert "'uncle'" in text and "unknown household role" in text and "single_adult" in text


def test_initial_backlog_without_source(load: Load) -> None:
    p, text = only(load, "[courts]\ninitial_backlog = 1000\n")
    assert p.where == "courts"
    assert "initial_backlog needs initial_backlog_source" in text


def test_initial_backlog_with_source_is_accepted(load: Load) -> None:
    sc = load('[courts]\ninitial_backlog = 1000\ninitial_backlog_source = "P16"\n')
    assert sc.courts.initial_backlog == 1000


# --- wrong types and unknown levers ---------------------------------------------------------


def test_policy_sets_judges_to_a_string(load: Load) -> None:
    problems = problems_of(load, POLICY.format('judges = "many"'))
    # Text is refused as in [levers], naming the policy, the lever and the value.
    assert all(p.where.startswith("policy[1].set.judges") for p in problems)
    assert all(p.value == "many" and "'many'" in str(p) for p in problems)
    assert any("expected a number" in str(p) and "not text" in str(p) for p in problems)


def test_lever_judges_is_a_string(load: Load) -> None:
    p, text = only(load, '[levers]\njudges = "many"\n')
    assert p.where == "levers.judges"
    assert p.value == "many" and "expected a number" in text


def test_unknown_lever(load: Load) -> None:
    p, text = only(load, "[levers]\njudgez = 3\n")
    assert p.where == "levers.judgez"
    assert p.value == 3 and "unknown key" in text and "typo" in text


def test_unknown_lever_in_policy(load: Load) -> None:
    p, text = only(load, POLICY.format("judgez = 3"))
    assert p.where == "policy[1].set.judgez"
    assert "unknown lever" in text
    for lever in ("judges", "mpp_judges", "detention_beds", "mpp.<place>"):
        assert lever in text  # lists the valid levers


def test_scalar_lever_with_a_place(load: Load) -> None:
    p, text = only(load, POLICY.format('"judges.tijuana" = 3'))
    assert p.where == "policy[1].set.judges.tijuana"
    assert "unknown lever" in text


# --- command-line settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "where"),
    [
        (["detention_beds=-1"], "detention_beds"),
        (["p_credible_fear_pass=1.5"], "p_credible_fear_pass"),
        (["judgez=3"], "judgez"),
        (["judges=abc"], "judges"),
        (["mpp.san_ysidro=0.5", "mpp_judges=1"], "mpp.san_ysidro"),
        (["mpp.tijuana=1"], "levers.mpp_judges"),
    ],
)
def test_bad_us_setting(tiny: Load, setting: list[str], where: str) -> None:
    with pytest.raises(ScenarioError) as info:
        apply_settings(tiny(), setting)
    assert any(p.where == where for p in info.value.problems), str(info.value)
