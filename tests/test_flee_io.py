"""Reading Flee 3.1 scenario folders: the published ones load; mistakes get clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.flee_io import interpolate, load_flee

FLEE = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"

LOCATIONS = """\
#name,region,country,lat,lon,location_type,conflict_date,population
A,R,X,1.0,2.0,conflict_zone,0,1000
B,R,X,1.5,2.5,town,,500
C,R,Y,2.0,3.0,camp,,3000
"""
ROUTES = "#name1,name2,distance,forced_redirection\nA,B,100,0\nB,C,50.5,\n"
CONFLICTS = "#Day,A\n" + "".join(f"{d},1\n" for d in range(5))
PERIOD = "StartDate,2020-01-01\nLength,5\n"
LAYOUT = "total,refugees.csv\nC,c.csv\n"
SERIES = "#Date,count\n2020-01-01,0\n2020-01-05,400\n"


def flee_folder(tmp: Path, **files: str) -> Path:
    base = {
        "locations.csv": LOCATIONS,
        "routes.csv": ROUTES,
        "conflicts.csv": CONFLICTS,
        "sim_period.csv": PERIOD,
        "closures.csv": "#closure_type,name1,name2,closure_start,closure_end\n",
    }
    base.update({k.replace("__", "."): v for k, v in files.items()})
    tmp.mkdir(parents=True, exist_ok=True)
    for name, text in base.items():
        if text is not None:
            (tmp / name).write_text(text)
    return tmp


def validation_folder(tmp: Path, layout: str = LAYOUT) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "data_layout.csv").write_text(layout)
    (tmp / "refugees.csv").write_text(SERIES)
    (tmp / "c.csv").write_text(SERIES)
    return tmp


@pytest.mark.parametrize(
    ("name", "series", "camps"),
    [("mali", "mali2012", 8), ("burundi", "burundi2015", 6), ("car", "car2013", 10)],
)
def test_published_scenarios_load(name: str, series: str, camps: int) -> None:
    if not FLEE.is_dir():
        pytest.skip("the shared Flee data is not beside the repository")
    sc = load_flee(FLEE / "conflict_input" / name, FLEE / "conflict_validation" / series)
    assert sc.length > 0 and len(sc.conflict_intensity) >= sc.length
    assert len(sc.camps) >= camps - 2
    assert "total" in sc.validation
    names = {loc.name for loc in sc.locations}
    assert all(r.name1 in names and r.name2 in names for r in sc.routes)


def test_a_small_folder_reads_back(tmp_path: Path) -> None:
    sc = load_flee(flee_folder(tmp_path / "in"), validation_folder(tmp_path / "val"))
    assert [loc.kind for loc in sc.locations] == ["conflict", "town", "camp"]
    assert sc.routes[1].distance == 50.5 and sc.routes[1].forced_redirection == 0
    assert sc.move_rule("max_move_speed") == 360.0
    series = sc.validation["C"]
    assert interpolate(series, series[0][0]) == 0
    assert interpolate(series, series[-1][0]) == 400


def _problems(tmp: Path, validation: bool = False, **files: str) -> str:
    folder = flee_folder(tmp / "in", **files)
    with pytest.raises(ScenarioError) as info:
        load_flee(
            folder,
            validation_folder(tmp / "val", files.get("layout", LAYOUT)) if validation else None,
        )
    return "\n".join(str(p) for p in info.value.problems)


def test_header_without_hash_is_named(tmp_path: Path) -> None:
    text = _problems(tmp_path, locations__csv=LOCATIONS.replace("#name", "name"))
    assert "locations.csv: line 1" in text and "header without '#'" in text


def test_unknown_location_in_a_route(tmp_path: Path) -> None:
    text = _problems(tmp_path, routes__csv=ROUTES + "B,Nowhere,10,0\n")
    assert "routes.csv: line 4, name2" in text and "Nowhere" in text


def test_bad_distance_and_empty_first_cell(tmp_path: Path) -> None:
    text = _problems(tmp_path, routes__csv=ROUTES + "A,C,far,0\n,B,3,0\n")
    assert "line 4, distance" in text and "'far'" in text
    assert "line 5" in text and "first cell is empty" in text


def test_bad_closure_and_period(tmp_path: Path) -> None:
    text = _problems(
        tmp_path,
        closures__csv="#h\nborder,A,B,0,3\ncountry,X,Z,0,3\n",
        sim_period__csv="StartDate,2020-13-01\nLength,5\n",
    )
    assert "closures.csv: line 2, closure_type" in text
    assert "closures.csv: line 3, name2" in text and "unknown country" in text
    assert "sim_period.csv: line 1, StartDate" in text


def test_short_conflicts_and_unknown_setting(tmp_path: Path) -> None:
    text = _problems(
        tmp_path,
        conflicts__csv="#Day,A\n0,1\n",
        simsetting__yml=(
            "move_rules:\n  max_move_sped: 200\nspawn_rules:\n  camps_are_sicks: true\n"
        ),
    )
    assert "1 day rows for a 5-day run" in text
    assert "move_rules.max_move_sped" in text and "unknown key" in text
    assert "camps_are_sicks" not in text  # Flee's own spelling is accepted


def test_missing_files_and_bad_layout(tmp_path: Path) -> None:
    text = _problems(tmp_path, validation=True, routes__csv=None, layout="C,c.csv\n")
    assert "routes.csv: file: missing" in text
    assert "data_layout.csv: line 1" in text and "first row must be the total" in text
