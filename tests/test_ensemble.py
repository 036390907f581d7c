"""Ensembles: the same bands on every backend, failures reported, shards that resume safely."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import borderflow
from borderflow.analysis import ensemble as ens
from borderflow.analysis.executor import task_seed
from borderflow.results.indicators import flatten

RUNS = 6


@pytest.fixture(scope="module")
def small():
    return borderflow.load_scenario("caravan-2018-spring").scaled(0.05)


@pytest.fixture(scope="module")
def reference(small, tmp_path_factory):
    """The ensemble run in this process, in one go."""
    folder = tmp_path_factory.mktemp("reference") / "ens"
    return ens.ensemble(small, RUNS, seed=5, out=folder)


class FailFor:
    """Runs the engine, but raises for the given run seeds (every attempt)."""

    def __init__(self, seeds):
        self.seeds = set(seeds)

    def __call__(self, scenario, seed):
        if seed in self.seeds:
            raise RuntimeError(f"injected failure for seed {seed}")
        return borderflow.run(scenario, seed)


class FailOnce:
    """Raises on the first attempt of each given seed (a marker file remembers it)."""

    def __init__(self, seeds, folder):
        self.seeds, self.folder = set(seeds), str(folder)

    def __call__(self, scenario, seed):
        marker = Path(self.folder) / f"tried-{seed}"
        if seed in self.seeds and not marker.exists():
            marker.touch()
            raise OSError("lost a worker")
        return borderflow.run(scenario, seed)


def assert_same(a: ens.EnsembleResults, b: ens.EnsembleResults) -> None:
    pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)
    pd.testing.assert_frame_equal(a.indicators, b.indicators, check_exact=True)
    pd.testing.assert_frame_equal(a.targets, b.targets, check_exact=True)


def test_the_folder_holds_bands_shards_and_a_manifest(reference, small):
    folder = reference.folder
    assert sorted(p.name for p in (folder / "shards").iterdir()) == [
        f"run-{i:05d}.parquet" for i in range(RUNS)
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["runs"], manifest["succeeded"], manifest["failed"]) == (RUNS, RUNS, 0)
    for i in range(RUNS):
        meta = ens.read_shard_meta(folder / "shards" / ens.shard_name(i))
        assert (meta["run"], meta["seed"]) == (i, task_seed(5, i))

    daily = reference.daily
    assert list(daily.columns) == [
        "date",
        "place",
        "state",
        "group",
        "mean",
        "p05",
        "p25",
        "median",
        "p75",
        "p95",
    ]
    assert not daily.duplicated(["date", "place", "state", "group"]).any()
    assert (daily["p05"] <= daily["p25"]).all() and (daily["p25"] <= daily["median"]).all()
    assert (daily["median"] <= daily["p75"]).all() and (daily["p75"] <= daily["p95"]).all()

    # Every band is the quantile of the single runs' values, a missing row counting as 0.
    runs = [borderflow.run(small, task_seed(5, i)) for i in range(RUNS)]
    keys = ["date", "place", "state", "group"]
    row = daily.iloc[len(daily) // 2]
    values = []
    for r in runs:
        hit = r.daily
        for k in keys:
            hit = hit[hit[k] == row[k]]
        values.append(int(hit["n"].sum()))
    assert row["median"] == np.quantile(values, 0.5)
    assert row["p05"] == np.quantile(values, 0.05) and row["p95"] == np.quantile(values, 0.95)
    union = pd.concat([r.daily[keys] for r in runs]).drop_duplicates()
    assert len(union) == len(daily)

    entered = [r.summary_dict["crossings_between_ports"] for r in runs]
    ind = reference.indicators.set_index("indicator").loc["crossings_between_ports"]
    assert ind["runs"] == RUNS
    assert ind["median"] == np.median(entered) and ind["mean"] == pytest.approx(np.mean(entered))

    t = reference.targets
    first = t.iloc[0]
    sims = [r.targets.iloc[0]["simulated"] for r in runs]
    assert first["p25"] == np.quantile(sims, 0.25)
    assert t["reported_in_90"].tolist() == [
        bool(lo <= rep <= hi) for lo, rep, hi in zip(t["p05"], t["reported"], t["p95"], strict=True)
    ]
    assert t["inside"].tolist() == [
        bool(lo <= m <= hi) for lo, m, hi in zip(t["low"], t["median"], t["high"], strict=True)
    ]
    again = ens.read_ensemble(folder)
    pd.testing.assert_frame_equal(again.daily, reference.daily, check_exact=True)
    pd.testing.assert_frame_equal(again.indicators, reference.indicators)
    assert again.runs == RUNS and again.failed.empty


def test_two_workers_give_the_same_bands(reference, small):
    assert_same(ens.ensemble(small, RUNS, seed=5, workers=2), reference)
    other = ens.ensemble(small, RUNS, seed=6)
    assert not other.daily["mean"].equals(reference.daily["mean"])


def test_ray_gives_the_same_bands(reference, small, tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        res = ens.ensemble(small, RUNS, seed=5, workers=2, backend="ray", out=tmp_path / "e")
    finally:
        ray.shutdown()
    assert_same(res, reference)
    for name in ("indicators.csv", "targets.csv", "daily.parquet"):
        assert (tmp_path / "e" / name).read_bytes() == (reference.folder / name).read_bytes()


def test_aggregating_in_row_chunks_changes_nothing(reference):
    paths = sorted((reference.folder / "shards").glob("run-*.parquet"))
    for chunk in (700, 2500):
        assert chunk < len(reference.daily)
        pd.testing.assert_frame_equal(
            ens.aggregate_daily(paths, chunk_rows=chunk), reference.daily, check_exact=True
        )


def test_a_chunk_reads_only_the_row_groups_of_its_dates(small, tmp_path, monkeypatch):
    monkeypatch.setattr(ens, "ROW_GROUP", 300)
    res = ens.ensemble(small, 3, seed=5, out=tmp_path / "e")
    paths = sorted((tmp_path / "e" / "shards").glob("run-*.parquet"))
    for path in paths:
        meta = pq.ParquetFile(path).metadata
        assert meta.num_row_groups > 3
        column = meta.schema.names.index("date")
        spans = [meta.row_group(g).column(column).statistics for g in range(meta.num_row_groups)]
        for before, after in itertools.pairwise(spans):
            assert before.max <= after.min
    first_day = res.daily["date"].min()
    keys, _, _ = ens._shard_rows(paths[0], None, (first_day, first_day))
    assert 0 < len(keys) < 300
    pd.testing.assert_frame_equal(
        ens.aggregate_daily(paths, chunk_rows=250), res.daily, check_exact=True
    )


def test_memory_is_chunk_rows_times_runs(reference, monkeypatch):
    """The largest matrix aggregation builds is chunk_rows × runs, not rows × runs."""
    biggest = []
    real = ens.bands

    def spy(matrix, **kwargs):
        biggest.append(matrix.shape)
        return real(matrix, **kwargs)

    monkeypatch.setattr(ens, "bands", spy)
    paths = sorted((reference.folder / "shards").glob("run-*.parquet"))
    ens.aggregate_daily(paths, chunk_rows=1000)
    assert max(biggest) == (1000, RUNS)
    assert len(biggest) == -(-len(reference.daily) // 1000) > 3


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_run_is_retried_then_reported_and_the_rest_finish(
    reference, small, tmp_path, workers
):
    bad = task_seed(5, 2)
    out = tmp_path / "e"
    res = ens.ensemble(small, RUNS, seed=5, workers=workers, out=out, runner=FailFor([bad]))
    assert res.manifest["succeeded"] == RUNS - 1 and res.manifest["failed"] == 1
    assert res.failed.to_dict(orient="records") == [
        {
            "run": 2,
            "seed": bad,
            "attempts": 3,
            "error": f"RuntimeError: injected failure for seed {bad}",
        }
    ]
    assert not (out / "shards" / ens.shard_name(2)).exists()
    assert json.loads((out / "manifest.json").read_text())["failures"][0]["run"] == 2
    assert not res.daily.equals(reference.daily)

    # Resuming runs only the missing run; the bands are those of the uninterrupted ensemble.
    before = {p.name: p.stat().st_mtime_ns for p in (out / "shards").iterdir()}
    res = ens.ensemble(small, RUNS, seed=5, out=out, resume=True)
    after = {p.name: p.stat().st_mtime_ns for p in (out / "shards").iterdir()}
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {ens.shard_name(2)}
    assert res.manifest["runs_this_session"] == 1
    assert_same(res, reference)


def test_a_run_that_fails_once_is_retried_and_counted_once(reference, small, tmp_path):
    seeds = [task_seed(5, i) for i in (0, 4)]
    res = ens.ensemble(small, RUNS, seed=5, workers=2, runner=FailOnce(seeds, tmp_path))
    assert res.failed.empty and res.runs == RUNS
    assert_same(res, reference)


def test_when_every_run_fails_the_error_says_why(small, tmp_path):
    seeds = [task_seed(5, i) for i in range(3)]
    with pytest.raises(RuntimeError, match=r"all 3 runs failed; run 0 .*injected failure"):
        ens.ensemble(small, 3, seed=5, retries=0, runner=FailFor(seeds))


def test_partial_and_foreign_shards_are_never_counted(reference, small, tmp_path):
    out = tmp_path / "e"
    ens.ensemble(small, 3, seed=5, out=out)
    shards = out / "shards"
    # A run cut off while writing leaves only a temporary file; a disk that lost the end
    # of a renamed file leaves a truncated shard; a shard of another seed is foreign.
    (shards / ".run-00003.parquet.999.tmp").write_bytes(b"PAR1 half")
    whole = (shards / ens.shard_name(1)).read_bytes()
    (shards / ens.shard_name(4)).write_bytes(whole[: len(whole) // 2])
    (shards / ens.shard_name(5)).write_bytes(whole)  # run 1's shard under run 5's name
    res = ens.ensemble(small, RUNS, seed=5, out=out, resume=True)
    assert res.manifest["runs_this_session"] == 3
    assert sorted(p.name for p in shards.iterdir()) == [ens.shard_name(i) for i in range(RUNS)]
    assert_same(res, reference)


def test_an_existing_ensemble_is_not_overwritten_and_resume_checks_it_is_the_same(small, tmp_path):
    out = tmp_path / "e"
    ens.ensemble(small, 2, seed=5, out=out)
    with pytest.raises(FileExistsError, match="--resume"):
        ens.ensemble(small, 2, seed=5, out=out)
    with pytest.raises(ValueError, match="another scenario or seed"):
        ens.ensemble(small, 2, seed=6, out=out, resume=True)
    with pytest.raises(ValueError, match="another scenario or seed"):
        ens.ensemble(small.with_levers(judges=3), 2, seed=5, out=out, resume=True)
    # Resuming with more runs adds runs; the first ones are kept (seeds depend on the index).
    res = ens.ensemble(small, 3, seed=5, out=out, resume=True)
    assert res.manifest["runs_this_session"] == 1 and res.runs == 3


def test_an_interrupted_folder_cannot_be_read_as_finished(small, tmp_path):
    out = tmp_path / "e"
    ens.ensemble(small, 2, seed=5, out=out)
    (out / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match="--resume"):
        ens.read_ensemble(out)


def test_the_python_api(small):
    res = borderflow.ensemble(small, runs=3, seed=5, workers=1)
    assert isinstance(res, borderflow.EnsembleResults)
    assert res.folder is None and res.runs == 3
    seen = []
    borderflow.ensemble(small, runs=2, seed=5, progress=lambda *a: seen.append(a))
    assert seen == [(0, 0, 2), (1, 0, 2), (2, 0, 2)]
    with pytest.raises(ValueError, match="runs"):
        borderflow.ensemble(small, runs=0)


def test_indicators_are_flattened_and_the_seed_left_out():
    flat = flatten(
        {"seed": 3, "a": 1, "b": {"c": 2.5, "d": {"e": 4}}, "s": "x", "t": True, "f": {}}
    )
    assert flat == {"a": 1.0, "b.c": 2.5, "b.d.e": 4.0}


def test_the_command_refuses_a_bad_backend_before_writing_anything(tmp_path):
    from typer.testing import CliRunner

    from borderflow.interfaces.cli import app

    out = tmp_path / "e"
    args = ["ensemble", "caravan-2018-spring", "--runs", "2", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--backend", "dask"])
    assert result.exit_code == 2
    assert "unknown backend 'dask'" in result.output
    assert not out.exists()
