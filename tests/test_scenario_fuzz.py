"""Fuzzing the loader: a malformed scenario is a ScenarioError, never a traceback."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import Scenario
from conftest import BASE_TOML, FULL_BODY, PLACES, ROUTES, write_scenario

VALID_BODY = FULL_BODY
VALID_TOML = BASE_TOML + VALID_BODY

KEYS = st.sampled_from(
    [
        "name",
        "title",
        "start",
        "end",
        "places",
        "routes",
        "levers",
        "policy",
        "caravan",
        "size",
        "origin",
        "depart",
        "quota",
        "beds",
        "default",
        "tijuana",
        "san_ysidro",
        "p_renege",
        "daily",
        "destinations",
        "set",
        "date",
        "value",
        "low",
        "high",
        "typo",
        "x",
        "HND",
        "asylum_ban",
    ]
)
TOML_VALUES = st.one_of(
    st.sampled_from(
        [
            '"many"',
            '""',
            '"places.csv"',
            '"routes.csv"',
            '"tijuana"',
            "-5",
            "0",
            "1e9",
            "1.5",
            "-0.5",
            "nan",
            "inf",
            "true",
            "false",
            "2020-02-30",
            "2020-02-01",
            "1999-01-01",
            "[]",
            "[1, 2]",
            '["a"]',
            "{}",
            "{ default = -1 }",
            "{ tijuana = 1.0 }",
            "{ value = 5, low = 10, high = 1 }",
            "{ x = { y = 1 } }",
            '"2020-01-01"',
            "12:00:00",
            "2020-01-01T00:00:00",
            "99999999999999999999",
        ]
    ),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(alphabet="abcxyz_0129 -.", max_size=12).map(lambda s: '"' + s + '"'),
)
GARBAGE = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "-1",
            "abc",
            "1e999",
            "nan",
            ";",
            ",",
            '"',
            "walk;fly",
            "USA",
            "0",
            "border_city",
            "tijuana",
            " ",
            "\t",
            "😀",
            "-91",
        ]
    ),
)


def _assignment_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if "=" in line and not line.startswith("[")]


@st.composite
def toml_mutation(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines()
    if not lines or not _assignment_lines(lines):
        return text + f"{draw(KEYS)} = {draw(TOML_VALUES)}\n"
    kind = draw(st.sampled_from(["drop", "retype", "insert", "truncate", "bytes", "swap"]))
    if kind == "drop":
        del lines[draw(st.integers(0, len(lines) - 1))]
    elif kind == "retype":
        i = draw(st.sampled_from(_assignment_lines(lines)))
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {draw(TOML_VALUES)}"
    elif kind == "insert":
        i = draw(st.integers(0, len(lines)))
        lines.insert(i, f"{draw(KEYS)} = {draw(TOML_VALUES)}")
    elif kind == "truncate":
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i][: draw(st.integers(0, max(len(lines[i]) - 1, 0)))]
    elif kind == "swap":
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        return text  # random bytes are added by the caller (they may not be UTF-8)
    return "\n".join(lines) + "\n"


@st.composite
def csv_mutation(draw: st.DrawFn, text: str) -> str:
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return draw(GARBAGE)
    kind = draw(st.sampled_from(["cell", "drop_cell", "add_cell", "drop_row", "truncate"]))
    r = draw(st.integers(0, len(rows) - 1))
    if not rows[r] and kind in ("cell", "drop_cell"):
        kind = "add_cell"
    if kind == "cell":
        rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(GARBAGE)
    elif kind == "drop_cell":
        del rows[r][draw(st.integers(0, len(rows[r]) - 1))]
    elif kind == "add_cell":
        rows[r].append(draw(GARBAGE))
    elif kind == "drop_row":
        del rows[r]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    result = out.getvalue()
    if kind == "truncate":
        result = result[: draw(st.integers(0, len(result)))]
    return result


@st.composite
def malformed(draw: st.DrawFn) -> tuple[bytes, bytes, bytes]:
    """(scenario.toml, places.csv, routes.csv) as bytes, with one to three mutations."""
    files = {"toml": VALID_TOML, "places": PLACES, "routes": ROUTES}
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(["toml", "toml", "toml", "places", "routes"]))
        if target == "toml":
            files[target] = draw(toml_mutation(files[target]))
        else:
            files[target] = draw(csv_mutation(files[target]))
    data = {k: v.encode("utf-8") for k, v in files.items()}
    if draw(st.integers(0, 5)) == 0:  # random bytes somewhere
        target = draw(st.sampled_from(sorted(data)))
        blob = data[target]
        at = draw(st.integers(0, len(blob)))
        data[target] = blob[:at] + draw(st.binary(min_size=1, max_size=8)) + blob[at:]
    return data["toml"], data["places"], data["routes"]


def test_the_fuzz_base_is_valid(tmp_path: Path) -> None:
    sc = load_scenario(write_scenario(tmp_path, VALID_BODY))
    assert isinstance(sc, Scenario)
    assert sc.caravans[0].size == 100


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=malformed())
def test_malformed_scenarios_raise_scenario_error_only(
    tmp_path_factory: pytest.TempPathFactory, files: tuple[bytes, bytes, bytes]
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    toml, places, routes = files
    (folder / "scenario.toml").write_bytes(toml)
    (folder / "places.csv").write_bytes(places)
    (folder / "routes.csv").write_bytes(routes)
    try:
        sc = load_scenario(folder / "scenario.toml")
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError must list at least one problem"
        for problem in exc.problems:
            assert problem.file and problem.where and problem.message
        str(exc)  # the message itself must render
    else:
        assert isinstance(sc, Scenario)
