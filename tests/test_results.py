"""Result files: the same seed gives identical files; writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import borderflow
from borderflow.results import store
from borderflow.results.results import read_folder


@pytest.fixture(scope="module")
def fall() -> borderflow.Scenario:
    return borderflow.load_scenario("caravan-2018-fall")


def test_same_seed_identical_files_different_seed_differs(tmp_path: Path, fall) -> None:
    folders = [
        borderflow.run(fall, seed=s).write(tmp_path / f"r{i}") for i, s in enumerate((7, 7, 8))
    ]
    for name in ("daily.parquet", "flows.parquet", "waits.parquet", "summary.json", "targets.csv"):
        same = [(f / name).read_bytes() for f in folders]
        assert same[0] == same[1], name
    assert (folders[0] / "flows.parquet").read_bytes() != (
        folders[2] / "flows.parquet"
    ).read_bytes()


def test_written_tables_read_back_equal(tmp_path: Path, fall) -> None:
    res = borderflow.run(fall, seed=2)
    data = read_folder(res.write(tmp_path / "out"))
    pd.testing.assert_frame_equal(data["daily"], res.daily, check_categorical=False)
    assert data["summary"]["people_entered"] == res.summary_dict["people_entered"]


def test_a_failed_write_leaves_no_folder_and_keeps_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "results"

    def crash(folder: Path) -> None:
        (folder / "daily.parquet").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.write_atomically(target, crash)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []

    store.write_atomically(target, lambda f: (f / store.MANIFEST).write_text("{}"))
    with pytest.raises(RuntimeError):
        store.write_atomically(target, crash)
    assert store.is_complete(target) and not (target / "daily.parquet").exists()


def test_read_folder_refuses_an_incomplete_folder(tmp_path: Path) -> None:
    (tmp_path / "partial").mkdir()
    with pytest.raises(FileNotFoundError, match="not a complete results folder"):
        read_folder(tmp_path / "partial")


def test_indicators_are_consistent_with_the_tables(fall) -> None:
    res = borderflow.run(fall, seed=1)
    s = res.summary_dict
    f = res.flows
    assert s["apprehensions"] + s["evasions"] == s["crossings_between_ports"]
    assert s["admitted_at_ports"] == int(f.loc[f.transition == "admitted_at_port", "n"].sum())
    arrived = int(f.loc[f.transition == "reach_border_city", "n"].sum())
    assert sum(s["arrivals_per_border_city"].values()) == arrived
    waited = sum(p["admitted"] for p in s["waits_per_port"].values())
    assert waited == s["admitted_at_ports"]
    final = res.daily[res.daily.date == res.daily.date.max()]
    assert int(final.n.sum()) == s["people_entered"]
