"""The habits that keep the code easy to change: lint, format, types, layers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "src", "tests", "benchmarks"),
        ("ruff", "format", "--check", "src", "tests", "benchmarks"),
        ("lint-imports",),
        (sys.executable, "-m", "mypy"),
    ],
    ids=["ruff-check", "ruff-format", "import-layers", "mypy"],
)
def test_tool_passes(command: tuple[str, ...]) -> None:
    """Each tool exits cleanly on the whole tree."""
    if shutil.which(command[0]) is None and command[0] != sys.executable:
        pytest.fail(f"{command[0]} is not installed; install the test extra")
    result = _run(*command)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


#: Import names of the distributions pyproject.toml declares, where the two differ.
IMPORT_NAMES = {"pyyaml": "yaml"}
#: What an extra brings besides the distributions it names (Dash's server is Flask).
BROUGHT_BY_EXTRA = {"dashboard": {"flask"}}
#: Modules loaded only once an extra is installed (the command says which, if it is not).
EXTRA_OF_MODULE = {"borderflow.interfaces.web.app": "dashboard"}


def _declared(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        name = requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip()
        names.add(IMPORT_NAMES.get(name.lower(), name.replace("-", "_")))
    return names


def test_every_module_level_import_is_declared() -> None:
    # A package another dependency happens to bring today may be gone tomorrow: a fresh
    # install must have everything a module imports when it is loaded.
    import ast
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = _declared(project["dependencies"])
    extras = project["optional-dependencies"]
    undeclared = []
    for path in sorted((ROOT / "src" / "borderflow").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)
        allowed = set(core)
        if module in EXTRA_OF_MODULE:
            extra = EXTRA_OF_MODULE[module]
            allowed |= _declared(extras[extra]) | BROUGHT_BY_EXTRA.get(extra, set())
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {n.split(".")[0] for n in names}:
                if (
                    top not in sys.stdlib_module_names
                    and top != "borderflow"
                    and top not in allowed
                ):
                    undeclared.append(f"{module}: {top}")
    assert not undeclared, undeclared


#: Where a function is kept short, and the compiled kernels excepted (each says why in its
#: docstring: a loop per person and hop reads best whole, and a helper call per hop costs).
SHORT_FUNCTIONS = ("scenario", "model", "engine", "analysis")
COMPILED_KERNELS = {"model/trip_walk.py:_walk_loop"}
LONGEST_FUNCTION = 60
LONGEST_MODULE = 800


def _functions() -> list[tuple[int, str]]:
    """``(lines, where)`` of every function in the short-function folders, docstring excluded."""
    import ast

    found = []
    src = ROOT / "src" / "borderflow"
    for folder in SHORT_FUNCTIONS:
        for path in sorted((src / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                body = node.body
                if (
                    body
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                ):
                    lines -= body[0].end_lineno - body[0].lineno + 1  # type: ignore[operator]
                found.append((lines, f"{path.relative_to(src).as_posix()}:{node.name}"))
    return found


def test_functions_of_the_model_and_its_analysis_are_short() -> None:
    long = sorted(
        (lines, where)
        for lines, where in _functions()
        if lines > LONGEST_FUNCTION and where not in COMPILED_KERNELS
    )
    assert not long, f"functions over {LONGEST_FUNCTION} lines (docstring aside): {long}"


def test_no_module_is_over_800_lines() -> None:
    long = {
        path.relative_to(ROOT).as_posix(): n
        for path in sorted((ROOT / "src").rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }
    assert not long, f"modules over {LONGEST_MODULE} lines: {long}"
