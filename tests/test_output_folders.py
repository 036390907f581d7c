"""Output folders: borderflow writes only into a new or empty folder or a result of its own kind.

It never deletes, moves or hides anything it did not write: a folder of the user's files,
a file, a result of another kind, or a result with a file added is refused with one line
naming the path, and left byte for byte as it was.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.analysis.sensitivity import Sensitivity
from borderflow.interfaces.cli import app
from borderflow.results import store
from calibration_cases import known_truth
from conftest import single_port_body, write_scenario


def invoke(*args: str):
    """The command's result; a refusal or failure is one line and never a traceback."""
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry under ``root``, hidden ones too: path -> bytes (``None`` for a folder)."""
    return {
        str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


def leftovers(root: Path) -> list[str]:
    """Temporary or hidden entries borderflow could have left anywhere under ``root``."""
    return [str(p.relative_to(root)) for p in root.rglob(".*")]


def users_folder(root: Path) -> Path:
    folder = root / "mydocs"
    (folder / "chapters").mkdir(parents=True)
    (folder / "thesis.txt").write_text("three years of work\n")
    (folder / "chapters" / "one.md").write_text("# One\n")
    return folder


@pytest.fixture
def scenario(tmp_path: Path) -> str:
    return str(write_scenario(tmp_path / "sc", single_port_body()))


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so default folders land in it."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def run(scenario: str, out: Path | str, *extra: str):
    return invoke("run", scenario, "--no-report", "--out", str(out), *extra)


def manifest(folder: Path) -> dict:
    return json.loads((folder / store.MANIFEST).read_text())


# ---------------------------------------------------------------- run


def test_a_folder_of_the_users_files_is_refused_and_left_untouched(scenario, work) -> None:
    docs = users_folder(work)
    before = snapshot(work)
    result = run(scenario, docs)
    assert result.exit_code == 2
    assert str(docs) in result.stderr and "thesis.txt" in result.stderr
    assert "not a borderflow result" in result.stderr
    assert snapshot(work) == before


def test_an_existing_file_at_out_is_refused_and_left_untouched(scenario, work) -> None:
    notes = work / "notes.txt"
    notes.write_text("keep me\n")
    result = run(scenario, notes)
    assert result.exit_code == 2 and "notes.txt" in result.stderr and "a file" in result.stderr
    assert snapshot(work) == {"notes.txt": b"keep me\n"}


def test_an_empty_folder_is_accepted_and_a_new_one_gets_the_normal_mode(scenario, work) -> None:
    empty = work / "empty"
    empty.mkdir(mode=0o750)
    empty.chmod(0o750)
    assert run(scenario, empty).exit_code == 0
    assert store.is_complete(empty) and manifest(empty)["kind"] == "run"
    assert empty.stat().st_mode & 0o777 == 0o750  # the user's folder itself is kept
    assert run(scenario, work / "new" / "deeper").exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    for made in (work / "new", work / "new" / "deeper"):
        assert made.stat().st_mode & 0o777 == 0o777 & ~umask
    assert leftovers(work) == []


def test_a_previous_result_of_the_same_kind_is_replaced(scenario, work) -> None:
    out = work / "res"
    assert run(scenario, out, "--seed", "1", "--events").exit_code == 0
    assert (out / "events.parquet").exists()
    assert run(scenario, out, "--seed", "2").exit_code == 0
    assert manifest(out)["seed"] == 2
    assert not (out / "events.parquet").exists()  # nothing stale from the old result
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*manifest(out)["files"], "manifest.json"]
    )
    assert leftovers(work) == []


def test_a_result_with_a_file_added_is_refused_and_left_untouched(scenario, work) -> None:
    out = work / "res"
    assert run(scenario, out).exit_code == 0
    (out / "my-notes.txt").write_text("what I saw\n")
    before = snapshot(work)
    result = run(scenario, out, "--seed", "2")
    assert result.exit_code == 2 and "my-notes.txt" in result.stderr
    assert snapshot(work) == before


def _file_in_a_subfolder(out: Path) -> None:
    (out / "figures").mkdir()
    (out / "figures" / "my_chart.svg").write_text("<svg/>\n")


def _a_folder_in_place_of_a_table(out: Path) -> None:
    (out / "targets.csv").unlink()
    (out / "targets.csv").mkdir()
    (out / "targets.csv" / "user.txt").write_text("mine\n")


def _a_link_in_place_of_a_table(out: Path) -> None:
    (out / "waits.parquet").unlink()
    (out / "waits.parquet").symlink_to(out.parent / "elsewhere.txt")


def _a_folder_in_figures(out: Path) -> None:
    (out / "figures" / "drafts").mkdir(parents=True)


@pytest.mark.parametrize(
    ("spoil", "named"),
    [
        (_file_in_a_subfolder, "figures/my_chart.svg"),
        (_a_folder_in_place_of_a_table, "targets.csv"),
        (_a_link_in_place_of_a_table, "waits.parquet"),
        (_a_folder_in_figures, "figures/drafts"),
    ],
    ids=[
        "a file in figures/",
        "a folder for a table",
        "a link for a table",
        "a folder in figures/",
    ],
)
def test_what_stands_under_borderflows_names_must_be_all_borderflows(
    scenario, work, spoil, named: str
) -> None:
    # Replacing a result deletes its entries, so each must hold only what borderflow wrote.
    out = work / "res"
    assert run(scenario, out).exit_code == 0
    (work / "elsewhere.txt").write_text("kept\n")
    spoil(out)
    before = snapshot(work)
    result = run(scenario, out, "--seed", "2")
    assert result.exit_code == 2 and named in result.stderr
    assert snapshot(work) == before


def test_a_result_of_another_kind_is_refused(scenario, work) -> None:
    other = work / "sens"
    table = pd.DataFrame({"parameter": ["a"], "rank": [1]})
    Sensitivity("list", "morris", table, table, {"seed": 1}).write(other)
    before = snapshot(work)
    result = run(scenario, other)
    assert result.exit_code == 2 and "sensitivity" in result.stderr
    assert snapshot(work) == before


def test_a_result_written_before_kinds_were_recorded_is_still_recognised(scenario, work) -> None:
    out = work / "res"
    assert run(scenario, out).exit_code == 0
    older = {k: v for k, v in manifest(out).items() if k != "kind"}
    (out / store.MANIFEST).write_text(json.dumps(older))
    assert run(scenario, out, "--seed", "2").exit_code == 0
    assert manifest(out)["seed"] == 2


def test_out_dot_in_an_empty_working_directory(scenario, work) -> None:
    assert run(scenario, ".").exit_code == 0
    assert store.is_complete(work) and manifest(work)["kind"] == "run"
    assert run(scenario, ".", "--seed", "2").exit_code == 0  # its own result: replaced
    assert manifest(work)["seed"] == 2 and leftovers(work) == []


def test_out_dot_in_a_folder_of_the_users_files_is_refused(scenario, work) -> None:
    (work / "thesis.txt").write_text("mine\n")
    result = run(scenario, ".")
    assert result.exit_code == 2 and "thesis.txt" in result.stderr
    assert snapshot(work) == {"thesis.txt": b"mine\n"}


def test_a_run_with_set_gets_its_own_default_folder(scenario, work) -> None:
    assert invoke("run", scenario, "--no-report").exit_code == 0
    plain = work / "results" / "tiny-seed1"
    before = snapshot(plain)
    changed = invoke("run", scenario, "--no-report", "--set", "quota.san_ysidro=4")
    assert changed.exit_code == 0
    assert snapshot(plain) == before
    assert store.is_complete(work / "results" / "tiny-quota.san_ysidro=4-seed1")


def test_default_folder_names_are_safe_bounded_and_distinct() -> None:
    assert store.folder_name("tiny", "quota.san_ysidro=40", "seed1") == (
        "tiny-quota.san_ysidro=40-seed1"
    )
    assert store.folder_name("tiny", "a=x/../y z", "seed1") == "tiny-a=x_.._y_z-seed1"
    long_a = store.folder_name("tiny", *[f"quota.port{i}=1" for i in range(40)], "seed1")
    long_b = store.folder_name("tiny", *[f"quota.port{i}=2" for i in range(40)], "seed1")
    assert len(long_a) <= store.NAME_LIMIT and long_a.endswith("-seed1")
    assert long_a != long_b
    assert store.folder_name("x" * 300, "seed1") != store.folder_name("x" * 301, "seed1")


def test_a_path_component_too_long_is_one_clear_line(scenario, work) -> None:
    out = work / ("n" * 300)
    result = run(scenario, out)
    assert result.exit_code == 1 and "File name too long" in result.stderr
    assert leftovers(work) == [] and list(work.iterdir()) == []


def test_a_write_cut_off_by_a_kill_is_recognised_and_cleared(scenario, work) -> None:
    out = work / "res"
    partial = out / f"{store.PARTIAL_PREFIX}run-abc123"
    partial.mkdir(parents=True)
    (partial / "daily.parquet").write_bytes(b"PAR1 half")
    assert run(scenario, out).exit_code == 0
    assert store.is_complete(out) and leftovers(work) == []


def test_a_write_under_way_in_another_process_is_left_alone(scenario, work) -> None:
    out = work / "res"
    assert run(scenario, out).exit_code == 0
    writer = subprocess.Popen(["sleep", "60"])  # stands for a live borderflow process
    try:
        busy = out / f"{store.PARTIAL_PREFIX}run-{writer.pid}-abc123"
        busy.mkdir()
        (busy / "daily.parquet").write_bytes(b"PAR1 being written")
        gone = out / f"{store.PARTIAL_PREFIX}run-{2**22 + 7}-def456"  # no such process
        gone.mkdir()
        assert run(scenario, out, "--seed", "2").exit_code == 0
        assert busy.is_dir() and (busy / "daily.parquet").read_bytes() == b"PAR1 being written"
        assert not gone.exists() and manifest(out)["seed"] == 2
    finally:
        writer.kill()
        writer.wait()


def test_two_runs_into_one_folder_at_once_both_succeed(scenario, work) -> None:
    out = work / "res"
    command = [sys.executable, "-m", "borderflow", "run", scenario, "--no-report", "--out"]
    runs = [
        subprocess.Popen([*command, str(out), "--seed", str(seed)], stderr=subprocess.PIPE)
        for seed in (1, 2)
    ]
    errors = [r.communicate(timeout=120)[1].decode() for r in runs]
    assert [r.returncode for r in runs] == [0, 0], errors
    assert store.is_complete(out) and manifest(out)["seed"] in (1, 2)
    assert leftovers(work) == []


def test_a_failure_while_moving_the_new_result_in_restores_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "res"
    store.write_atomically(out, lambda d: (d / "table.csv").write_text("old\n"))
    before = snapshot(tmp_path)
    real_replace = os.replace
    failures = [OSError(errno.ENOSPC, "No space left on device")]

    def replace(source: Path, target: Path) -> None:
        if Path(target) == out / store.MANIFEST and failures:
            raise failures.pop()
        real_replace(source, target)

    monkeypatch.setattr(store.os, "replace", replace)
    with pytest.raises(store.OutputError, match=re.escape(f"{out}: No space left on device")):
        store.write_atomically(out, lambda d: (d / "table.csv").write_text("new\n"))
    assert not failures and snapshot(tmp_path) == before


# ---------------------------------------------------------------- ensemble


def ensemble(scenario: str, out: Path, *extra: str):
    return invoke("ensemble", scenario, "--runs", "2", "--out", str(out), *extra)


def test_ensemble_refuses_the_users_folder_a_file_and_another_kind(scenario, work) -> None:
    docs = users_folder(work)
    (work / "notes.txt").write_text("keep me\n")
    assert run(scenario, work / "res").exit_code == 0
    before = snapshot(work)
    for target, says in (
        (docs, "thesis.txt"),
        (work / "notes.txt", "a file"),
        (work / "res", "run"),
    ):
        for extra in ((), ("--resume",)):
            result = ensemble(scenario, target, *extra)
            assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert snapshot(work) == before


def test_ensemble_refuses_itself_without_resume_and_keeps_a_file_added(scenario, work) -> None:
    out = work / "ens"
    assert ensemble(scenario, out).exit_code == 0
    (out / "keep.txt").write_text("mine\n")
    before = snapshot(work)
    result = ensemble(scenario, out)
    assert result.exit_code == 2 and "--resume" in result.stderr
    assert snapshot(work) == before
    assert ensemble(scenario, out, "--resume").exit_code == 0
    assert (out / "keep.txt").read_text() == "mine\n"
    assert manifest(out)["kind"] == "ensemble" and leftovers(work) == []


@pytest.mark.parametrize("damage", ["", "{", '{"runs": 2}'])
def test_a_damaged_ensemble_json_is_named(scenario, work, damage: str) -> None:
    out = work / "ens"
    assert ensemble(scenario, out).exit_code == 0
    (out / "ensemble.json").write_text(damage)
    result = ensemble(scenario, out, "--resume")
    assert result.exit_code == 2
    assert str(out / "ensemble.json") in result.stderr and "damaged" in result.stderr


# ---------------------------------------------------------------- calibrate, sensitivity


@pytest.fixture
def truth(tmp_path: Path) -> str:
    folder = tmp_path / "truth"
    known_truth(folder)
    return str(folder)


def calibrate(scenario: str, out: Path):
    small = ["--budget", "60", "--population", "10", "--check-runs", "2", "--seed", "5"]
    return invoke("calibrate", scenario, "--params", "p_renege", *small, "--out", str(out))


def test_calibrate_refuses_before_a_single_simulation(truth, work) -> None:
    docs = users_folder(work)
    before = snapshot(work)
    result = calibrate(truth, docs)
    assert result.exit_code == 2 and "thesis.txt" in result.stderr
    assert snapshot(work) == before  # no work folder beside it either


def test_calibrate_replaces_its_own_result_and_refuses_another_kind(truth, work) -> None:
    out = work / "fit"
    assert calibrate(truth, out).exit_code == 0
    assert manifest(out)["kind"] == "calibration"
    assert calibrate(truth, out).exit_code == 0
    assert leftovers(work) == []
    result = run(truth, out)
    assert result.exit_code == 2 and "calibration" in result.stderr


def test_sensitivity_refuses_before_running(truth, work) -> None:
    docs = users_folder(work)
    before = snapshot(work)
    args = ["sensitivity", truth, "--output", "list", "--method", "morris", "--n", "2"]
    result = invoke(
        *args, "--params", "p_renege", "--params", "share_renege_cross", "--out", str(docs)
    )
    assert result.exit_code == 2 and "thesis.txt" in result.stderr
    assert snapshot(work) == before


# ---------------------------------------------------------------- compare and report


def test_compare_writes_only_its_own_folder(scenario, work) -> None:
    docs = users_folder(work)
    before = snapshot(docs)
    change = ["--set", "quota.san_ysidro=4"]
    result = invoke("compare", scenario, *change, "--out", str(docs))
    assert result.exit_code == 2 and snapshot(docs) == before
    out = work / "cmp"
    assert invoke("compare", scenario, *change, "--out", str(out)).exit_code == 0
    assert manifest(out)["kind"] == "compare" and manifest(out / "a")["kind"] == "run"
    # Rebuilding the page from the runs beside it keeps them.
    assert invoke("compare", str(out / "a"), str(out / "b"), "--out", str(out)).exit_code == 0
    assert store.is_complete(out / "a") and store.is_complete(out / "b")
    assert invoke("compare", scenario, *change, "--out", str(out)).exit_code == 0
    assert leftovers(work) == []
    (out / "mine.txt").write_text("mine\n")
    result = invoke("compare", scenario, *change, "--out", str(out))
    assert result.exit_code == 2 and "mine.txt" in result.stderr
    (out / "mine.txt").unlink()
    # Inside a run it compares, too: neither replacing nor rebuilding the page touches it.
    (out / "a" / "notes.txt").write_text("notes\n")
    before = snapshot(work)
    for again in (
        ["compare", scenario, *change, "--out", str(out)],
        ["compare", str(out / "a"), str(out / "b"), "--out", str(out)],
    ):
        result = invoke(*again)
        assert result.exit_code == 2 and "a/notes.txt" in result.stderr
        assert snapshot(work) == before


def test_compare_default_folder_is_named_from_the_change(scenario, work) -> None:
    assert invoke("compare", scenario, "--set", "quota.san_ysidro=4").exit_code == 0
    assert store.is_complete(work / "results" / "compare-tiny-quota.san_ysidro=4")


def test_report_writes_only_into_a_finished_run_or_ensemble(scenario, work) -> None:
    docs = users_folder(work)
    sens = work / "sens"
    table = pd.DataFrame({"parameter": ["a"], "rank": [1]})
    Sensitivity("list", "morris", table, table, {"seed": 1}).write(sens)
    before = snapshot(work)
    for folder in (docs, sens, work / "missing"):
        assert invoke("report", str(folder)).exit_code == 2
    assert snapshot(work) == before
    out = work / "res"
    assert run(scenario, out).exit_code == 0
    assert invoke("report", str(out)).exit_code == 0
    assert (out / store.REPORT_FILE).is_file() and leftovers(work) == []


def test_a_report_alone_goes_only_into_a_new_or_empty_folder(scenario, work) -> None:
    res = borderflow.run(scenario)
    docs = users_folder(work)
    before = snapshot(work)
    with pytest.raises(store.OutputRefusedError, match=r"thesis\.txt"):
        borderflow.write_report(res, docs)
    assert snapshot(work) == before
    alone = work / "alone"
    assert borderflow.write_report(res, alone) == alone / store.REPORT_FILE
    assert manifest(alone)["kind"] == "report"
    assert borderflow.write_report(res, alone) == alone / store.REPORT_FILE
    assert leftovers(work) == []
