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
