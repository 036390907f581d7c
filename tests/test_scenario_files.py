"""A scenario reads only regular files inside its folder (or a shipped network), safely.

Each case builds a tiny scenario folder with one hostile path or file and expects a
ScenarioError within a time limit, whose problem names the file and the field, and whose
message never shows the contents of the file it refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderflow.interfaces.cli import app
from borderflow.scenario.errors import Problem, ScenarioError
from borderflow.scenario.files import MAX_CELL_CHARS, MAX_FILE_BYTES
from borderflow.scenario.load import load_scenario, network_names, resolve
from conftest import BASE_TOML, PLACES, ROUTES, write_scenario
from hostile import a_folder, fifo, refusal, symlink_loop, symlink_out, time_limit

runner = CliRunner()


def refused(path: Path, seconds: float = 2.0) -> tuple[Problem, str]:
    """The first problem of loading ``path``, and the whole message."""
    error = refusal("known: files", lambda: load_scenario(path), seconds=seconds)
    return error.problems[0], str(error)


def with_places(folder: Path, ref: str) -> Path:
    """A tiny scenario whose places table is ``ref``."""
    head = BASE_TOML.replace('places = "places.csv"', f'places = "{ref}"')
    return write_scenario(folder, head=head)


def _too_big(folder: Path) -> str:
    with (folder / "big.csv").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written to disk
    return "big.csv"


#: (case, makes the reference in a folder, the problem's file ends with, its field, words)
BAD_PATHS: list[tuple[str, Callable[[Path], str], str, str, str]] = [
    ("absolute", lambda f: "/etc/passwd", "scenario.toml", "places", "absolute path"),
    ("/dev/zero", lambda f: "/dev/zero", "scenario.toml", "places", "absolute path"),
    ("proc environ", lambda f: "/proc/self/environ", "scenario.toml", "places", "absolute"),
    ("dot-dot", lambda f: "../../../../etc/passwd", "scenario.toml", "places", "leads out"),
    ("symlink out", symlink_out, "scenario.toml", "places", "leads out"),
    ("symlink loop", symlink_loop, "scenario.toml", "places", "loop of symbolic links"),
    ("NUL byte", lambda f: "places.csv\\u0000x", "scenario.toml", "places", "NUL"),
    ("empty", lambda f: "", "scenario.toml", "places", "empty path"),
    ("FIFO", fifo, "pipe.csv", "file", "named pipe"),
    ("a folder", a_folder, "tables", "file", "a folder"),
    ("over the size limit", _too_big, "big.csv", "file", "the limit is 64.0 MiB"),
    ("missing", lambda f: "nowhere.csv", "nowhere.csv", "file", "no such file"),
]


@pytest.mark.parametrize(
    ("make", "file", "where", "words"),
    [case[1:] for case in BAD_PATHS],
    ids=[case[0] for case in BAD_PATHS],
)
def test_a_bad_table_path_is_refused_without_reading_it(
    tmp_path: Path, make: Callable[[Path], str], file: str, where: str, words: str
) -> None:
    path = with_places(tmp_path, make(tmp_path))
    problem, message = refused(path)
    assert problem.file.endswith(file), str(problem)
    assert problem.where == where and words in problem.message, str(problem)
    for secret in ("root:", "PATH=", "HOME="):
        assert secret not in message


@pytest.mark.parametrize(
    "ref", ["sub/../places.csv", "./places.csv", "linked.csv"], ids=["dot-dot", "dot", "link"]
)
def test_paths_that_stay_inside_the_folder_are_read(tmp_path: Path, ref: str) -> None:
    path = with_places(tmp_path, ref)
    (tmp_path / "sub").mkdir()
    (tmp_path / "linked.csv").symlink_to(tmp_path / "places.csv")
    assert len(load_scenario(path).places) == PLACES.count("\n") - 1


def _nested(shape: str) -> str:
    if shape == "arrays":
        return "x = " + "[" * 1_000 + "]" * 1_000
    if shape == "inline tables":
        return "x = " + "{a = " * 1_000 + "1" + "}" * 1_000
    if shape == "spaced dotted key":
        return "x . " + " . ".join(["a"] * 10_000) + " = 1"
    if shape == "quoted dotted key":
        return "x." + ".".join(['"a b"'] * 10_000) + " = 1"
    if shape == "arrays 40 deep":  # parses, then refused by the depth check
        return "x = " + "[" * 40 + "]" * 40
    return "x." + ".".join(["a"] * 10_000) + " = 1"


@pytest.mark.parametrize(
    "shape",
    [
        "arrays",
        "inline tables",
        "dotted key",
        "spaced dotted key",
        "quoted dotted key",
        "arrays 40 deep",
    ],
)
def test_toml_nested_a_thousand_deep_is_refused_within_a_second(tmp_path: Path, shape: str) -> None:
    path = write_scenario(tmp_path, _nested(shape))
    problem, message = refused(path, seconds=1)
    assert problem.file.endswith("scenario.toml")
    assert "32" in problem.message and ("deep" in problem.message or "parts" in problem.message)
    assert len(message) < 1_000


@pytest.mark.parametrize("table", ["places", "routes"])
def test_a_thirty_megabyte_cell_names_its_row_and_column(tmp_path: Path, table: str) -> None:
    huge = "x" * 30_000_000
    places = PLACES.replace("Middle", huge) if table == "places" else PLACES
    routes = ROUTES.replace("walk;bus;train", huge) if table == "routes" else ROUTES
    path = write_scenario(tmp_path, places=places, routes=routes)
    problem, message = refused(path, seconds=1)
    assert problem.file.endswith(f"{table}.csv")
    assert problem.where == ("row 3, column name" if table == "places" else "row 3, column modes")
    assert "the limit is 10,000" in problem.message
    assert "x" * 100 not in message


def test_a_cell_just_over_the_limit_gives_its_length(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, places=PLACES.replace("Middle", "y" * (MAX_CELL_CHARS + 1)))
    problem, message = refused(path)
    assert problem.where == "row 3, column name" and "10,001 characters" in problem.message
    assert "y" * 100 not in message


def test_unknown_columns_are_listed_cut_short(tmp_path: Path) -> None:
    names = ",".join(f"{i}{'z' * 2_000}" for i in range(100))
    header, rest = PLACES.split("\n", 1)
    places = f"{header},{names}\n" + "".join(line + "," * 100 + "\n" for line in rest.splitlines())
    problem, message = refused(write_scenario(tmp_path, places=places))
    assert problem.where == "header" and "unknown column" in problem.message
    assert "… and 95 more" in message and "z" * 100 not in message
    assert len(message) < 1_500


ENCODINGS: list[tuple[str, bytes, str]] = [
    ("binary", bytes(range(256)) * 40, "binary"),
    ("Latin-1", PLACES.replace("Middle", "Culiacán").encode("latin-1"), "not UTF-8"),
    ("UTF-16", PLACES.encode("utf-16"), "UTF-16"),
]


@pytest.mark.parametrize(
    ("content", "words"), [c[1:] for c in ENCODINGS], ids=[c[0] for c in ENCODINGS]
)
@pytest.mark.parametrize("file", ["scenario.toml", "places.csv", "routes.csv"])
def test_binary_or_wrongly_encoded_files_are_named(
    tmp_path: Path, file: str, content: bytes, words: str
) -> None:
    path = write_scenario(tmp_path)
    (tmp_path / file).write_bytes(content)
    problem, message = refused(path, seconds=1)
    assert problem.file.endswith(file) and words in problem.message
    assert "Culiac" not in message and len(message) < 1_000


def test_a_byte_order_mark_and_crlf_line_ends_are_read(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    for name in ("scenario.toml", "places.csv", "routes.csv"):
        text = (tmp_path / name).read_text()
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert load_scenario(path).name == "tiny"


def test_a_shipped_network_is_named_not_pathed(tmp_path: Path) -> None:
    head = BASE_TOML.replace('places = "places.csv"\nroutes = "routes.csv"\n', "")
    path = write_scenario(tmp_path, head=head + 'network = "central-america-mexico"\n')
    sc = load_scenario(path)
    assert "central-america-mexico" in network_names()
    assert len(sc.places) > 90 and any(p.id == "tijuana" for p in sc.places)


@pytest.mark.parametrize(
    ("network", "tables", "words"),
    [
        ('"atlantis"', "", "unknown network; shipped: 'central-america-mexico'"),
        ('"../networks/central-america-mexico"', "", "unknown network"),
        ("3", "", "unknown network"),
        ('"central-america-mexico"', 'places = "places.csv"\n', "remove places"),
    ],
    ids=["unknown", "a path", "not a string", "and places too"],
)
def test_a_bad_network_is_named(tmp_path: Path, network: str, tables: str, words: str) -> None:
    head = BASE_TOML.replace('places = "places.csv"\nroutes = "routes.csv"\n', tables)
    problem, _ = refused(write_scenario(tmp_path, head=head + f"network = {network}\n"))
    assert problem.file.endswith("scenario.toml") and problem.where == "network"
    assert words in problem.message


def test_the_scenario_argument_must_be_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "scenario.toml")
    for argument in (tmp_path, tmp_path / "scenario.toml"):
        with time_limit(2), pytest.raises(ScenarioError, match="named pipe"):
            resolve(argument)
    with pytest.raises(ScenarioError, match="NUL"):
        resolve("caravan\x00")
    with pytest.raises(ScenarioError, match="no such scenario"):
        resolve("../caravan-2018-fall")


def test_a_problem_never_shows_more_than_a_short_value() -> None:
    problem = Problem("x" * 1_000 + "/places.csv", "w" * 1_000, "m" * 10_000, "v" * 10_000)
    text = str(problem)
    assert len(text) < 1_200 and "/places.csv" in text and "v" * 100 not in text


def test_validate_refuses_a_path_out_of_the_folder_without_printing_the_file(
    tmp_path: Path,
) -> None:
    with time_limit(10):
        result = runner.invoke(app, ["validate", str(with_places(tmp_path, "/etc/passwd"))])
    assert result.exit_code == 2
    assert "places: an absolute path" in result.output
    assert "root:" not in result.output and "Traceback" not in result.output
