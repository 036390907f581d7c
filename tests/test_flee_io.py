"""Reading Flee 3.1 scenario folders: the published ones load; mistakes get clear errors.

Every file of a folder is read as a scenario's are: a regular file inside the folder, of
bounded size, UTF-8 text. `borderflow validate FOLDER` checks a folder; `run` prints its
warnings first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderflow.flee.io import interpolate, load_flee
from borderflow.interfaces.cli import app
from borderflow.scenario.errors import ScenarioError
from hostile import fifo, symlink_out, time_limit

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


runner = CliRunner()


def flee_folder(tmp: Path, **files: str | None) -> Path:
    base: dict[str, str | None] = {
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


def _problems(tmp: Path, validation: bool = False, **files: str | None) -> str:
    folder = flee_folder(tmp / "in", **files)
    with pytest.raises(ScenarioError) as info:
        load_flee(
            folder,
            validation_folder(tmp / "val", files.get("layout") or LAYOUT) if validation else None,
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


def _validated(tmp: Path, layout: str = LAYOUT, **files: str) -> str:
    """The problems of a small folder read with its validation folder."""
    return _problems(tmp, validation=True, layout=layout, **files)


def test_a_correction_dated_on_no_row_of_its_series_is_an_error(tmp_path: Path) -> None:
    text = _validated(tmp_path, registration_corrections__csv="C,2020-01-03\n")
    assert "registration_corrections.csv: line 1, date" in text
    assert "on no row of C's validation series" in text and "2020-01-05" in text


def test_a_correction_of_a_place_without_a_series_is_an_error(tmp_path: Path) -> None:
    text = _validated(tmp_path, registration_corrections__csv="B,2020-01-05\n")
    assert "registration_corrections.csv: line 1, camp" in text and "no validation series" in text


def test_a_correction_on_a_row_of_its_series_is_read(tmp_path: Path) -> None:
    folder = flee_folder(tmp_path / "in", registration_corrections__csv="C,2020-01-05\n")
    sc = load_flee(folder, validation_folder(tmp_path / "val"))
    assert sc.corrections == (("C", dt.date(2020, 1, 5)),)


def test_a_layout_entry_naming_no_location_is_an_error_when_a_camp_lacks_data(
    tmp_path: Path,
) -> None:
    # "Cc" for "C": today's camp C would have no data, and count as 0 in the figure.
    text = _validated(tmp_path, layout="total,refugees.csv\nCc,c.csv\n")
    assert "data_layout.csv: camps" in text and "without a validation series" in text
    assert "data_layout.csv: line 2" in text and "'Cc'" in text and "misspelt camp" in text


def test_an_extra_layout_entry_is_a_warning_when_every_camp_has_data(tmp_path: Path) -> None:
    layout = LAYOUT + "Z,c.csv\n"
    sc = load_flee(flee_folder(tmp_path / "in"), validation_folder(tmp_path / "val", layout))
    assert [w.where for w in sc.warnings] == ["line 3"]
    assert "names no location" in str(sc.warnings[0]) and "unused" in str(sc.warnings[0])


@pytest.mark.parametrize(
    ("series", "words"),
    [
        ("../in/locations.csv", "leads out of val/"),
        ("/etc/passwd", "an absolute path"),
        ("", "an empty path"),
    ],
    ids=["dot-dot", "absolute", "empty"],
)
def test_a_series_file_outside_the_validation_folder_is_refused(
    tmp_path: Path, series: str, words: str
) -> None:
    text = _validated(tmp_path, layout=f"total,refugees.csv\nC,{series}\n")
    assert "data_layout.csv: line 2" in text and words in text
    assert "root:" not in text


def _binary(folder: Path) -> None:
    (folder / "conflicts.csv").write_bytes(bytes(range(256)) * 40)


def _huge_cell(folder: Path) -> None:
    (folder / "routes.csv").write_text(ROUTES + "A," + "x" * 30_000_000 + ",3\n")


def _deep_settings(folder: Path) -> None:
    (folder / "simsetting.yml").write_text("move_rules:\n  x:\n    " + "- " * 100_000 + "a\n")


@pytest.mark.parametrize(
    ("spoil", "words"),
    [
        (lambda f: fifo(f, "locations.csv"), "locations.csv: file: a named pipe (FIFO)"),
        (lambda f: symlink_out(f, "routes.csv"), "routes.csv: file: leads out of in/"),
        (_binary, "conflicts.csv: line 1: a NUL byte"),
        (_huge_cell, "routes.csv: line 4, column 2: a cell of more than"),
        (_deep_settings, "simsetting.yml: YAML syntax: nested more than 32 deep"),
    ],
    ids=["FIFO", "symlink out", "binary", "30 MB cell", "YAML 100,000 deep"],
)
def test_a_flee_folder_gets_the_same_care_as_a_scenario(
    tmp_path: Path, spoil: Callable[[Path], None], words: str
) -> None:
    folder = flee_folder(tmp_path / "in")
    spoil(folder)
    with time_limit(2), pytest.raises(ScenarioError) as info:
        load_flee(folder)
    text = "\n".join(str(p) for p in info.value.problems)
    assert words in text
    assert "root:" not in text and "x" * 100 not in text


def test_validate_checks_a_flee_folder(tmp_path: Path) -> None:
    folder = flee_folder(tmp_path / "in")
    validation = validation_folder(tmp_path / "val")
    ok = runner.invoke(app, ["validate", str(folder), "--validation", str(validation)])
    assert ok.exit_code == 0, ok.output
    assert "OK in (Flee): 3 locations, 1 camps, 2 routes" in ok.output
    assert "validation data for 1 camps" in ok.output
    bad = validation_folder(tmp_path / "bad", "total,refugees.csv\nCc,c.csv\n")
    result = runner.invoke(app, ["validate", str(folder), "--validation", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "without a validation series" in result.output and "misspelt camp" in result.output


def test_validate_accepts_a_published_flee_folder() -> None:
    if not FLEE.is_dir():
        pytest.skip("the shared Flee data is not beside the repository")
    folder, validation = FLEE / "conflict_input" / "car", FLEE / "conflict_validation" / "car2013"
    result = runner.invoke(app, ["validate", str(folder), "--validation", str(validation)])
    assert result.exit_code == 0, result.output
    assert "OK car (Flee)" in result.output and "validation data for 14 camps" in result.output
    assert "warning: car2013/data_layout.csv: line 10" in result.output  # Bossobolo


def test_run_prints_a_flee_folders_warnings_first(tmp_path: Path) -> None:
    closures = "#closure_type,name1,name2,closure_start,closure_end\nlocation,B,B,3,1\n"
    folder = flee_folder(tmp_path / "in", closures__csv=closures)
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    warning = result.output.index("warning: in/closures.csv: line 2, closure_end")
    assert warning < result.output.index("Averaged relative difference")


@pytest.mark.parametrize(
    ("population", "words"),
    [("-25617", "'-25617'"), ("99999999999999999999", "'99999999999999999999'")],
    ids=["negative", "twenty digits"],
)
def test_a_population_below_0_or_beyond_the_bound_is_an_error(
    tmp_path: Path, population: str, words: str
) -> None:
    text = _problems(tmp_path, locations__csv=LOCATIONS.replace(",500", f",{population}"))
    assert "locations.csv: line 3, population: must be 0 or more and at most" in text
    assert "10,000,000,000" in text and words in text


def test_a_location_closure_naming_an_unknown_place_is_an_error(tmp_path: Path) -> None:
    closures = "#h\nlocation,A,Atlantis,0,3\nlocation,Nowhere,,0,3\n"
    text = _problems(tmp_path, closures__csv=closures)
    assert "closures.csv: line 2, name2: unknown location" in text and "'Atlantis'" in text
    assert "closures.csv: line 3, name1: unknown location" in text and "'Nowhere'" in text


def test_a_location_closure_with_name2_empty_or_known_is_read(tmp_path: Path) -> None:
    closures = "#h\nlocation,A,,0,3\ncamp,C,C,1,-1\nremove_forced_redirection,A,B,2,4\n"
    sc = load_flee(flee_folder(tmp_path / "in", closures__csv=closures))
    assert [c.closure_type for c in sc.closures] == [
        "location",
        "camp",
        "remove_forced_redirection",
    ]
    assert sc.warnings == ()


def test_a_closure_outside_the_run_is_a_warning(tmp_path: Path) -> None:
    # Day 5 is the day after a 5-day run's last: "to the end of the run", no warning.
    closures = "#h\nlocation,A,,5000,5010\ncountry,X,Y,1,300\ncountry,X,Y,-3,2\nlink,A,B,0,5\n"
    sc = load_flee(flee_folder(tmp_path / "in", closures__csv=closures))
    shown = [str(w) for w in sc.warnings]
    assert [w.where for w in sc.warnings] == [
        "line 2, closure_start",
        "line 3, closure_end",
        "line 4, closure_start",
    ]
    assert "outside the run (days 0 to 4), so the closure is never applied" in shown[0]
    assert "5000" in shown[0] and "never reverted" in shown[1] and "300" in shown[1]


def test_a_negative_validation_count_is_an_error(tmp_path: Path) -> None:
    folder = flee_folder(tmp_path / "in")
    validation = validation_folder(tmp_path / "val")
    (validation / "c.csv").write_text(SERIES + "2020-01-07,-500\n2020-01-08,nan\n")
    with pytest.raises(ScenarioError) as info:
        load_flee(folder, validation)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "val/c.csv: line 4, count: must be 0 or more" in text and "'-500'" in text
    assert "val/c.csv: line 5, count" in text and "'nan'" in text


def test_a_route_to_itself_and_an_unknown_forced_redirection_are_errors(tmp_path: Path) -> None:
    text = _problems(tmp_path, routes__csv=ROUTES + "B,B,10,0\nA,C,10,7\n")
    assert "routes.csv: line 4, name2: a route from a place to itself" in text
    assert "routes.csv: line 5, forced_redirection: expected 0 or empty" in text and "'7'" in text


def test_forced_redirection_2_is_read(tmp_path: Path) -> None:
    sc = load_flee(flee_folder(tmp_path / "in", routes__csv=ROUTES + "A,C,10,2\n"))
    assert sc.routes[-1].forced_redirection == 2


@pytest.mark.parametrize("value", ["-1", "2", "nan"])
def test_a_conflict_intensity_outside_0_to_1_is_an_error(tmp_path: Path, value: str) -> None:
    text = _problems(tmp_path, conflicts__csv=CONFLICTS.replace("3,1", f"3,{value}"))
    assert "conflicts.csv: line 5, column A: conflict intensity must be from 0" in text
    assert f"'{value}'" in text


def test_a_conflict_intensity_between_0_and_1_is_read(tmp_path: Path) -> None:
    sc = load_flee(flee_folder(tmp_path / "in", conflicts__csv=CONFLICTS.replace("3,1", "3,0.5")))
    assert [day[0] for day in sc.conflict_intensity] == [1, 1, 1, 0.5, 1]


@pytest.mark.parametrize(
    "options",
    [
        ["--set", "quota=5", "--set", "nonsense=zzz"],
        ["--events"],
        ["--check"],
        ["--png"],
        ["--no-report"],
    ],
    ids=["set", "events", "check", "png", "no-report"],
)
def test_run_refuses_options_a_flee_folder_does_not_take(
    tmp_path: Path, options: list[str]
) -> None:
    folder = flee_folder(tmp_path / "in")
    result = runner.invoke(app, ["run", str(folder), "--out", str(tmp_path / "out"), *options])
    assert result.exit_code == 2
    assert f"{options[0]}: not for a Flee folder" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["ensemble"], "ensembles of Flee folders are not supported"),
        (["calibrate"], "calibrations of Flee folders are not supported"),
        (["sensitivity", "--output", "x"], "sensitivity analyses of Flee folders"),
        (["compare", "--set", "quota=5"], "comparisons of Flee folders are not supported"),
    ],
    ids=["ensemble", "calibrate", "sensitivity", "compare"],
)
def test_commands_that_take_no_flee_folder_say_so(
    tmp_path: Path, command: list[str], words: str
) -> None:
    folder = flee_folder(tmp_path / "in")
    result = runner.invoke(app, [command[0], str(folder), *command[1:]])
    assert result.exit_code == 2 and words in result.output
    assert len(result.output.strip().splitlines()) == 1 and "no such scenario" not in result.output
