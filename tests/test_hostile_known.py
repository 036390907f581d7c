"""Known-bad input at the command line: a clean error, nothing run, nothing shown, in time.

Settings that once overflowed or were taken for numbers, paths that name any file on the
machine, thousands of problems at once, a million places. (The tables of bad values are in
``test_bounds.py``, of bad files in ``test_scenario_files.py``; both go through the same
referee, ``hostile.py``.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from borderflow.interfaces import api
from conftest import FULL_BODY, PLACES, write_scenario
from hostile import (
    a_folder,
    cli,
    fifo,
    refusal,
    scenario_data,
    symlink_loop,
    symlink_out,
    toml_text,
)


def test_a_bad_setting_is_refused_on_the_command_line_without_running() -> None:
    for setting in ("judges=1e17", "quota.=5", "mexico_enforcement=true", "p_rest_day=1"):
        args = ["run", "caravan-2018-spring", "--no-report", "--set", setting]
        result = cli("known: command line", args)
        assert result.exit_code == 2, setting
        assert "Results in" not in result.output


BAD_PATHS: list[tuple[str, Callable[[Path], str]]] = [
    ("a FIFO", fifo),
    ("/dev/zero", lambda folder: "/dev/zero"),
    ("/dev/urandom", lambda folder: "/dev/urandom"),
    ("/etc/passwd", lambda folder: "/etc/passwd"),
    ("the process environment", lambda folder: "/proc/self/environ"),
    ("out of the folder", lambda folder: "../../../../../../etc/passwd"),
    ("a symlink out", symlink_out),
    ("a symlink loop", symlink_loop),
    ("a NUL byte", lambda folder: "places.csv\u0000x"),
    ("a folder", a_folder),
]


@pytest.mark.parametrize("make", [c[1] for c in BAD_PATHS], ids=[c[0] for c in BAD_PATHS])
@pytest.mark.parametrize("table", ["places", "routes"])
def test_validate_refuses_a_table_outside_the_scenario_without_showing_it(
    tmp_path: Path, make: Callable[[Path], str], table: str
) -> None:
    data = scenario_data()
    data[table] = make(tmp_path)
    path = write_scenario(tmp_path, head="", body=toml_text(data))
    result = cli("known: command line", ["validate", str(path)], seconds=5)
    assert result.exit_code == 2
    for secret in ("root:", "PATH=", "HOME="):
        assert secret not in result.output


def test_many_problems_give_a_message_of_bounded_size(tmp_path: Path) -> None:
    # Thousands of caravans, each from an unknown origin: the message stays readable.
    data = scenario_data()
    caravan = data["caravan"][0]
    data["caravan"] = [{**caravan, "name": f"c{i}", "origin": f"nowhere{i}"} for i in range(2_000)]
    path = write_scenario(tmp_path, head="", body=toml_text(data))
    refusal("known: message size", lambda: api.load_scenario(path))


def test_a_million_extra_places_are_refused_while_reading(tmp_path: Path) -> None:
    extra = "".join(f"p{i},P{i},MEX,20.0,-100.0,town,,\n" for i in range(1_000_000))
    path = write_scenario(tmp_path, FULL_BODY, places=PLACES + extra)
    result = cli("known: sizes", ["validate", str(path)], seconds=10)
    assert result.exit_code == 2
    assert "more than 4,000 rows" in result.output
