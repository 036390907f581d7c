"""borderflow's Flee rules: they agree with Flee 3.1, conserve agents, repeat."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow.flee import kernel as flee_kernel
from borderflow.flee.io import FleeScenario, load_flee
from borderflow.flee.out import averaged_relative_difference, out_table
from borderflow.flee.rules import FleeModel
from borderflow.flee.run import run_flee
from borderflow.interfaces.cli import app
from borderflow.model import kernels
from borderflow.model.rng import Streams

FLEE = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"
HAS_FLEE = importlib.util.find_spec("flee") is not None

# A conflict zone, three towns (one a short hop), a capped camp and an unlimited camp
# abroad; the border to Y closes for days 5-9; conflict in B starts on day 10.
LOCATIONS = """\
#name,region,country,lat,lon,location_type,conflict_date,population
A,R,X,0,0,conflict_zone,0,10000
B,R,X,0,0,conflict_zone,10,4000
T1,R,X,0,0,town,0,5000
T2,R,X,0,0,town,0,800
C,R,Y,0,0,camp,0,150
D,R,Y,0,0,camp,0,0
"""
ROUTES = """\
#name1,name2,distance,forced_redirection
A,T1,50,0
A,B,120,0
T1,T2,8,0
T1,C,250,0
T2,D,400,0
B,D,90,0
"""
CLOSURES = "#closure_type,name1,name2,closure_start,closure_end\ncountry,X,Y,5,10\n"
DAYS = 40
SETTINGS = "move_rules:\n  awareness_level: 2\n"


def write_folder(tmp: Path, settings: str = SETTINGS, closures: str = CLOSURES) -> Path:
    inputs, data = tmp / "input_csv", tmp / "source_data"
    inputs.mkdir(parents=True)
    data.mkdir()
    (inputs / "locations.csv").write_text(LOCATIONS)
    (inputs / "routes.csv").write_text(ROUTES)
    (inputs / "closures.csv").write_text(closures)
    rows = "".join(f"{d},1,{1 if d >= 10 else 0}\n" for d in range(DAYS))
    (inputs / "conflicts.csv").write_text("#Day,A,B\n" + rows)
    (inputs / "sim_period.csv").write_text(f"StartDate,2020-01-01\nLength,{DAYS}\n")
    (data / "data_layout.csv").write_text("total,refugees.csv\nC,c.csv\nD,d.csv\n")
    (data / "refugees.csv").write_text("Date,n\n2020-01-01,100\n2020-01-20,1500\n2020-02-09,2500\n")
    (data / "c.csv").write_text("Date,n\n2020-01-01,40\n2020-02-09,150\n")
    (data / "d.csv").write_text("Date,n\n2020-01-01,60\n2020-02-09,1500\n")
    if settings:
        (tmp / "simsetting.yml").write_text(settings)
    return tmp


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> FleeScenario:
    return load_flee(write_folder(tmp_path_factory.mktemp("flee") / "small"))


@pytest.mark.skipif(not HAS_FLEE, reason="flee 3.1 is not importable (pip install flee==3.1)")
@pytest.mark.parametrize("settings", [SETTINGS, ""], ids=["awareness2", "defaults"])
def test_counts_agree_with_flee_31(tmp_path: Path, settings: str) -> None:
    from flee_reference import run_flee31

    folder = write_folder(tmp_path / "s", settings)
    sc = load_flee(folder)
    seeds = range(1, 9)
    names, _, _ = run_flee31(folder, folder / "source_data", 1)
    assert names == [loc.name for loc in sc.locations]
    theirs = np.array([run_flee31(folder, folder / "source_data", s)[1] for s in seeds])
    ours = np.array([run_flee(sc, s).counts for s in seeds])
    for day in (3, 8, 15, 25, DAYS - 1):
        a, b = theirs[:, day], ours[:, day]
        se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
        gap = np.abs(a.mean(axis=0) - b.mean(axis=0))
        worst = int(np.argmax(gap - 4 * se))
        assert np.all(gap <= 4 * se + 2 + 0.03 * a.mean(axis=0)), (
            f"day {day}, {names[worst]}: Flee {a[:, worst]}, borderflow {b[:, worst]}"
        )


# Every rule the kernel has a branch for: walking links, starting on foot, forced town
# moves, a weight power, camps as sinks.
EXTRA_SETTINGS = """\
move_rules:
  awareness_level: 2
  weight_power: 1.5
  start_on_foot: True
  avoid_short_stints: True
spawn_rules:
  camps_are_sicks: True
"""


@pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="Numba is not installed")
@pytest.mark.parametrize("settings", [SETTINGS, EXTRA_SETTINGS], ids=["awareness2", "extras"])
def test_compiled_and_python_days_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: str
) -> None:
    folder = write_folder(tmp_path / "s", settings)
    if settings is EXTRA_SETTINGS:
        routes = ROUTES.replace("forced_redirection", "forced_redirection,walk_probability")
        (folder / "input_csv" / "routes.csv").write_text(
            "\n".join(
                line if line.startswith("#") else f"{line},0.4"
                for line in routes.strip().splitlines()
            )
            + "\n"
        )
        locations = LOCATIONS.replace("population\n", "population,deactivation_probability\n")
        locations = locations.replace("camp,0,150", "camp,0,150,0.05")
        (folder / "input_csv" / "locations.csv").write_text(locations)
    sc = load_flee(folder)
    runs = {}
    for kernel in ("numba", "numpy"):
        monkeypatch.setenv("BORDERFLOW_KERNEL", kernel)
        assert kernels.use_numba() == (kernel == "numba")
        runs[kernel] = run_flee(sc, 5)
    a, b = runs["numba"], runs["numpy"]
    assert a.agents[-1] > 1000
    assert (a.counts == b.counts).all()
    assert (a.counts != run_flee(sc, 6).counts).any()


def test_uniforms_are_mrg32k3a() -> None:
    # L'Ecuyer's MRG32k3a from the seed 12345 × 6: its published first outputs.
    state = np.full(6, 12345, np.int64)
    draws = [flee_kernel.uniform(state) for _ in range(3)]
    assert draws == pytest.approx([0.127011122046577, 0.318527565396794, 0.309186015583270])


def test_conservation_every_day(small: FleeScenario) -> None:
    model = FleeModel(small)
    streams = Streams(3)
    model.insert_day0()
    assert model.n == model.spawned > 0
    for t in range(small.length):
        before = model.n
        model.step(t, streams)
        n = model.n
        at = ~model.travelling[:n]
        recount = np.bincount(model.where[:n][at], minlength=len(model.names))
        assert (recount == model.counts).all(), t
        assert model.counts.sum() + int(model.travelling[:n].sum()) == n == model.spawned
        assert n >= before
    out = run_flee(small, 3)
    assert (out.agents == np.cumsum(out.spawned)).all()
    assert (out.counts.sum(axis=1) <= out.agents).all()


def test_same_seed_same_counts(small: FleeScenario) -> None:
    a, b, c = run_flee(small, 7), run_flee(small, 7), run_flee(small, 8)
    assert (a.counts == b.counts).all()
    assert not (a.counts == c.counts).all()


def test_out_csv_has_flee_columns(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "s")
    out = tmp_path / "res"
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(out), "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "Averaged relative difference" in result.output
    table = pd.read_csv(out / "out.csv")
    camps = ["C", "D"]
    expected = ["Day", "Date"]
    for c in camps:
        expected += [f"{c} sim", f"{c} data", f"{c} error"]
    expected += [
        "Total error",
        "refugees in camps (UNHCR)",
        "total refugees (simulation)",
        "raw UNHCR refugee count",
        "refugees in camps (simulation)",
        "refugee_debt",
    ]
    assert list(table.columns) == expected
    assert len(table) == DAYS and table["Date"].iloc[0] == "2020-01-01"
    assert (out / "summary.json").is_file()
    assert math.isfinite(averaged_relative_difference(table))


def test_link_closures_close_both_ways(tmp_path: Path) -> None:
    closed = "#closure_type,name1,name2,closure_start,closure_end\nlink,T1,A,0,-1\n"
    sc = load_flee(write_folder(tmp_path / "s", closures=closed))
    model = FleeModel(sc)
    model.insert_day0()
    model.step(0, Streams(1))
    a, t1 = model.index["A"], model.index["T1"]
    both = ((model.link_src == a) & (model.link_dst == t1)) | (
        (model.link_src == t1) & (model.link_dst == a)
    )
    assert both.sum() == 2 and not model.link_open[both].any()
    on_links = model.where[: model.n][model.travelling[: model.n]]
    assert not np.isin(on_links, np.flatnonzero(both)).any()


def test_awareness_level_is_hops_ahead(small: FleeScenario) -> None:
    one = FleeModel(dataclasses.replace(small, settings={"move_rules": {"awareness_level": 1}}))
    two = FleeModel(small)
    for m in (one, two):
        m._build_paths()
    assert one.path_len.max() == 1
    assert two.path_len.max() == 2
    t1 = one.index["T1"]
    assert sorted(one.names[e] for e in one.path_end[one.path_start == t1]) == ["A", "C", "T2"]


@pytest.mark.parametrize(
    ("name", "series", "hasten"),
    [("mali", "mali2012", 1), ("burundi", "burundi2015", 2), ("car", "car2013", 10)],
)
def test_shared_scenarios_validate(name: str, series: str, hasten: int) -> None:
    folder = FLEE / "conflict_input" / name
    if not folder.is_dir():
        pytest.skip("the shared Flee data is not beside the repository")
    sc = load_flee(folder, FLEE / "conflict_validation" / series)
    if hasten > 1:
        sc = dataclasses.replace(sc, settings={**sc.settings, "optimisations": {"hasten": hasten}})
    out = run_flee(sc, 1)
    table = out_table(out)
    ard = averaged_relative_difference(table)
    assert math.isfinite(ard) and 0 <= ard < 2
    assert (out.agents == np.cumsum(out.spawned)).all()
    assert table["refugees in camps (simulation)"].iloc[-1] > 0
