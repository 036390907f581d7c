"""When the system refuses a write, the command says so in one line and leaves nothing half-done.

File too large (a file-size limit), disk full and read-only (a tiny tmpfs), name too long:
each ends with exit code 1 and one line on stderr naming the user's path and the cause,
no traceback, no temporary file left, no manifest (nothing looks complete), and an
earlier good result survives a failed overwrite.

The tmpfs cases mount a file system, which needs root (with CAP_SYS_ADMIN). Where that
is not allowed they are skipped, except in CI (``CI=true``) on a machine that allows
it: there a failed mount is a failure, so the cases never go quietly unrun.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from borderflow.results import store
from conftest import head_for, single_port_body, write_scenario

CAP_SYS_ADMIN = 21


@pytest.fixture
def scenario(tmp_path: Path) -> str:
    return str(write_scenario(tmp_path / "sc", single_port_body()))


def borderflow(*args: str, cwd: Path, fsize: int | None = None) -> subprocess.CompletedProcess:
    """Run the command; with ``fsize``, no file may grow past that many bytes (EFBIG)."""

    def limit() -> None:
        # Ignored, SIGXFSZ no longer kills the process: the write fails with EFBIG instead.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = os.environ | {"BORDERFLOW_KERNEL": "numpy", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "borderflow", *args],
        cwd=cwd,
        env=env,
        preexec_fn=limit if fsize else None,
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_one_line(proc: subprocess.CompletedProcess, path: str, cause: str) -> str:
    """Exit code 1 and a single line ``borderflow: cannot write PATH...: CAUSE``."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"borderflow: cannot write {path}"), lines[0]
    assert cause in lines[0], lines[0]
    return lines[0]


def temporary_files(root: Path) -> list[str]:
    """What a write could leave behind: temporary folders and files, hidden old results."""
    return [
        str(p.relative_to(root))
        for p in root.rglob(".*")
        if p.name.startswith(store.PARTIAL_PREFIX) or p.name.endswith(".tmp") or ".old-" in p.name
    ]


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


# ---------------------------------------------------------------- a file-size limit


def test_a_file_too_large_names_the_file_and_leaves_no_folder(scenario, tmp_path) -> None:
    proc = borderflow("run", scenario, "--no-report", "--out", "res", cwd=tmp_path, fsize=4096)
    assert_one_line(proc, "res/", "File too large")
    assert not (tmp_path / "res").exists() and temporary_files(tmp_path) == []


def test_an_earlier_result_survives_a_failed_overwrite(scenario, tmp_path) -> None:
    args = ("run", scenario, "--no-report", "--out", "res")
    assert borderflow(*args, cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path / "res")
    proc = borderflow(*args, "--seed", "2", cwd=tmp_path, fsize=4096)
    assert_one_line(proc, "res/", "File too large")
    assert snapshot(tmp_path / "res") == before and temporary_files(tmp_path) == []


def test_a_report_that_cannot_be_written_leaves_complete_results(scenario, tmp_path) -> None:
    # The tables are a few kilobytes; the report, with plotly.js inside, megabytes.
    proc = borderflow("run", scenario, "--out", "res", cwd=tmp_path, fsize=1_000_000)
    line = assert_one_line(proc, f"res/{store.REPORT_FILE}", "File too large")
    assert "complete" in line and "borderflow report res" in line
    res = tmp_path / "res"
    assert store.is_complete(res) and not (res / store.REPORT_FILE).exists()
    assert temporary_files(tmp_path) == []
    assert borderflow("report", "res", cwd=tmp_path).returncode == 0
    assert (res / store.REPORT_FILE).is_file()


@pytest.fixture
def longer_scenario(tmp_path: Path) -> str:
    """200 days: its bands outgrow its scenario file."""
    return str(write_scenario(tmp_path / "sc", single_port_body(), head=head_for(200)))


# The scenario is 27.8 kB, a run's shard 18 kB and the bands 53 kB.
@pytest.mark.parametrize(
    ("fsize", "fails"),
    [(8_000, "ens/scenario.json"), (40_000, "ens/daily.parquet")],
    ids=["setting-up", "aggregating"],
)
def test_an_ensemble_that_cannot_write_keeps_its_runs_for_resume(
    longer_scenario, tmp_path, fsize: int, fails: str
) -> None:
    args = ("ensemble", longer_scenario, "--runs", "2", "--out", "ens")
    proc = borderflow(*args, cwd=tmp_path, fsize=fsize)
    assert_one_line(proc, fails, "File too large")
    assert not store.is_complete(tmp_path / "ens")
    again = borderflow(*args, "--resume", cwd=tmp_path, fsize=fsize)
    assert_one_line(again, fails, "File too large")
    assert temporary_files(tmp_path) == []
    assert borderflow(*args, "--resume", cwd=tmp_path).returncode == 0
    assert json.loads((tmp_path / "ens" / store.MANIFEST).read_text())["succeeded"] == 2


def test_a_name_too_long_is_one_line(scenario, tmp_path) -> None:
    long = "n" * 300
    for command in (("run", scenario, "--no-report"), ("ensemble", scenario, "--runs", "2")):
        proc = borderflow(*command, "--out", f"res/{long}", cwd=tmp_path)
        assert_one_line(proc, f"res/{long}", "File name too long")
    assert temporary_files(tmp_path) == [] and not (tmp_path / "res").exists()


# ---------------------------------------------------------------- a tiny tmpfs


def _may_mount() -> bool:
    """Whether this process may mount file systems (root with CAP_SYS_ADMIN)."""
    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
    caps = next((line.split()[1] for line in status.splitlines() if line.startswith("CapEff")), "0")
    return os.geteuid() == 0 and bool(int(caps, 16) >> CAP_SYS_ADMIN & 1)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs(options) -> Path``: a tmpfs mounted under ``tmp_path``, unmounted afterwards."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        command = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)]
        proc = (
            subprocess.run(command, capture_output=True, text=True)
            if shutil.which("mount")
            else None
        )
        if proc is None or proc.returncode != 0:
            why = "no mount command" if proc is None else proc.stderr.strip()
            if os.environ.get("CI") == "true" and _may_mount():
                pytest.fail(f"this CI job may mount a tmpfs, yet mounting failed: {why}")
            pytest.skip(f"cannot mount a tmpfs here ({why}); CI runs these cases as root")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def leave_free(folder: Path, free: int) -> None:
    """Fill the file system of ``folder`` until about ``free`` bytes are left."""
    stat = os.statvfs(folder)
    have = stat.f_bavail * stat.f_frsize
    (folder / "filler").write_bytes(b"\0" * max(0, have - free))


def test_a_full_disk_is_one_line_and_an_earlier_result_survives(scenario, tmp_path, tmpfs) -> None:
    disk = tmpfs("size=300k")
    args = ("run", scenario, "--no-report", "--out", str(disk / "res"))
    assert borderflow(*args, cwd=tmp_path).returncode == 0
    before = snapshot(disk / "res")
    leave_free(disk, 8192)
    proc = borderflow(*args, "--seed", "2", cwd=tmp_path)
    assert_one_line(proc, str(disk / "res"), "No space left on device")
    assert snapshot(disk / "res") == before and temporary_files(disk) == []
    fresh = borderflow("run", scenario, "--no-report", "--out", str(disk / "new"), cwd=tmp_path)
    assert_one_line(fresh, str(disk / "new"), "No space left on device")
    assert not (disk / "new").exists() and temporary_files(disk) == []


def test_a_full_disk_during_an_ensemble_leaves_no_temporary_file(scenario, tmp_path, tmpfs) -> None:
    disk = tmpfs("size=8m")  # room for the report once the filler is gone
    leave_free(disk, 40_000)
    args = ("ensemble", scenario, "--runs", "2", "--out", str(disk / "ens"))
    for _ in range(2):  # a second attempt must not pile up more
        proc = borderflow(*args, "--resume", cwd=tmp_path)
        assert_one_line(proc, str(disk / "ens"), "No space left on device")
        assert temporary_files(disk) == [] and not store.is_complete(disk / "ens")
    (disk / "filler").unlink()
    assert borderflow(*args, "--resume", cwd=tmp_path).returncode == 0


def test_a_read_only_disk_is_one_line(scenario, tmp_path, tmpfs) -> None:
    disk = tmpfs("ro,size=100k")
    for command in (("run", scenario, "--no-report"), ("ensemble", scenario, "--runs", "2")):
        proc = borderflow(*command, "--out", str(disk / "res"), cwd=tmp_path)
        assert_one_line(proc, str(disk / "res"), "Read-only file system")
