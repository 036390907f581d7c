"""An ensemble killed part-way (Ctrl-C or SIGKILL) resumes to exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from borderflow.analysis import ensemble as ens
from borderflow.scenario.load import load_scenario
from conftest import BASE_TOML, interruptible, single_port_body, write_scenario

RUNS = 16


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    head = BASE_TOML.replace("end = 2020-03-31", "end = 2020-02-09")
    folder = tmp_path_factory.mktemp("port")
    return write_scenario(folder, single_port_body("poisson", 10.0, 8, 0.15), head=head)


@pytest.fixture(scope="module")
def uninterrupted(scenario_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "ens"
    return ens.ensemble(load_scenario(scenario_file), RUNS, seed=3, out=out)


def command(scenario_file: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "borderflow",
        "ensemble",
        str(scenario_file),
        "--runs",
        str(RUNS),
        "--seed",
        "3",
        "--out",
        str(out),
        *extra,
    ]


def shards(out: Path) -> list[Path]:
    return sorted((out / "shards").glob("run-*.parquet")) if (out / "shards").exists() else []


def descendants(pid: int) -> set[int]:
    """Processes started by ``pid``, and theirs (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not zombies)."""
    left = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            left.add(pid)
    return left


def start_and_kill(
    cmd: list[str], out: Path, sig: int, after: int
) -> tuple[subprocess.CompletedProcess, set[int]]:
    """Start the command, wait for ``after`` finished runs, send ``sig``; its exit and workers."""
    env = {**os.environ, "COLUMNS": "120"}
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=interruptible,
    )
    deadline = time.monotonic() + 120
    while len(shards(out)) < after:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the ensemble did not get going"
        time.sleep(0.02)
    workers = descendants(proc.pid)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), workers


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize(
    ("sig", "workers"),
    [(signal.SIGINT, "2"), (signal.SIGKILL, "2"), (signal.SIGKILL, "1")],
    ids=["sigint-2-workers", "sigkill-2-workers", "sigkill-in-process"],
)
def test_killed_part_way_then_resumed_equals_uninterrupted(
    scenario_file, uninterrupted, tmp_path, sig, workers
):
    out = tmp_path / "ens"
    cmd = command(scenario_file, out, "--workers", workers)
    killed, workers_of_killed = start_and_kill(cmd, out, sig, after=3)
    kept = shards(out)
    assert 3 <= len(kept) < RUNS, "killed too late to test anything"
    assert not (out / "manifest.json").exists()
    with pytest.raises(FileNotFoundError):
        ens.read_ensemble(out)
    if sig == signal.SIGINT:
        assert killed.returncode == 130
        assert "--resume" in killed.stderr
    else:
        assert killed.returncode == -signal.SIGKILL
    # No worker outlives the ensemble that started it, even one killed outright.
    if workers == "2":
        assert workers_of_killed, "the pool had started"
    deadline = time.monotonic() + 20
    while alive(workers_of_killed) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(workers_of_killed)
    # Every shard left is whole: it reads, and names its own run.
    for path in kept:
        assert ens.read_shard_meta(path)["run"] == int(path.stem[4:])
    mtimes = {p.name: p.stat().st_mtime_ns for p in kept}

    done = subprocess.run(
        [*command(scenario_file, out, "--workers", "2"), "--resume"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"{RUNS} of {RUNS} runs" in done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in shards(out) if p.name in mtimes} == mtimes
    assert len(shards(out)) == RUNS
    assert not list((out / "shards").glob(".*"))

    res = ens.read_ensemble(out)
    assert res.manifest["runs_this_session"] == RUNS - len(kept)
    pd.testing.assert_frame_equal(res.daily, uninterrupted.daily, check_exact=True)
    pd.testing.assert_frame_equal(res.indicators, uninterrupted.indicators)
    pd.testing.assert_frame_equal(res.targets, uninterrupted.targets, check_dtype=False)
    for name in ("daily.parquet", "indicators.csv", "targets.csv"):
        assert (out / name).read_bytes() == (uninterrupted.folder / name).read_bytes()


def test_without_resume_an_existing_ensemble_is_refused(scenario_file, tmp_path):
    out = tmp_path / "ens"
    ens.ensemble(load_scenario(scenario_file), 2, seed=3, out=out)
    again = subprocess.run(command(scenario_file, out), capture_output=True, text=True)
    assert again.returncode == 2
    assert "--resume" in again.stderr
