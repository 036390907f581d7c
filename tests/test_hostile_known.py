"""Known-bad input at the command line: a clean error, nothing run, nothing shown, in time.

Settings that once overflowed or were taken for numbers, paths that name any file on the
machine, thousands of problems at once, a million places. (The tables of bad values are in
``test_bounds.py``, of bad files in ``test_scenario_files.py``; both go through the same
referee, ``hostile.py``.)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
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


def _emptied(folder: Path, name: str) -> None:
    (folder / name).write_bytes(b"")


def _garbage(folder: Path, name: str) -> None:
    (folder / name).write_bytes(b"\x00not what it was\xff" * 10)


def _deleted(folder: Path, name: str) -> None:
    (folder / name).unlink()


def _column_renamed(folder: Path, name: str) -> None:
    table = pd.read_parquet(folder / name)
    table.rename(columns={"n": "count"}).to_parquet(folder / name)


DAMAGES = [
    ("daily.parquet emptied", _emptied, "daily.parquet"),
    ("flows.parquet garbage", _garbage, "flows.parquet"),
    ("waits.parquet deleted", _deleted, "waits.parquet"),
    ("daily.parquet column renamed", _column_renamed, "daily.parquet"),
    ("summary.json garbage", _garbage, "summary.json"),
    ("scenario.json emptied", _emptied, "scenario.json"),
    ("targets.csv emptied", _emptied, "targets.csv"),
]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("finished") / "run"
    api.run(api.load_scenario("caravan-2018-spring").scaled(0.2), 1).write(folder)
    return folder


@pytest.mark.parametrize(("damage", "name"), [d[1:] for d in DAMAGES], ids=[d[0] for d in DAMAGES])
def test_a_damaged_result_is_named_not_drawn(
    finished_run: Path, tmp_path: Path, damage: Callable[[Path, str], None], name: str
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(finished_run, folder)
    damage(folder, name)
    compare = ["compare", str(folder), str(finished_run), "--out", str(tmp_path / "c")]
    for args in (["report", str(folder)], compare):
        result = cli("known: damaged results", args)
        assert result.exit_code == 2
        assert str(folder) in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["ensemble", "caravan-2018-spring", "--runs", "1000000000"],
        ["ensemble", "caravan-2018-spring", "--workers", "1000000"],
        ["ensemble", "caravan-2018-spring", "--retries", "1000000000"],
        ["calibrate", "caravan-2018-spring", "--budget", "1000000000"],
        ["sensitivity", "--output", "x", "--n", "1073741824"],
        ["serve", "--port", "0"],
        ["serve", "--port", "70000"],
    ],
    ids=lambda args: " ".join(args[:1] + args[-2:]),
)
def test_a_count_too_large_to_plan_is_refused_before_any_work(args: list[str]) -> None:
    # A billion runs would be laid out (a seed and a shard each) before the first one ran.
    result = cli("known: command line", args, seconds=10)
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "counts", [{"runs": 10**9}, {"runs": True}, {"workers": 0}, {"retries": -1}]
)
def test_the_api_refuses_counts_out_of_range_by_name(counts: dict[str, object]) -> None:
    error = refusal("known: API counts", lambda: api.ensemble("caravan-2018-spring", **counts))
    assert {p.where for p in error.problems} == set(counts)
