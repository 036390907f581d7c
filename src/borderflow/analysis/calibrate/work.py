"""The work folder: where an unfinished calibration keeps its simulations for ``resume``.

It sits beside the output (``.<out>.calibrating``) and holds ``config.json``, what the
calibration was asked, and ``simulations.jsonl``. A resumed calibration must be asked
the same, or it would read back simulations that belong to another.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from borderflow.analysis.calibrate.errors import CalibrationError
from borderflow.results import store

#: The work folder's description of the calibration it belongs to.
WORK_CONFIG = "config.json"
#: Every finished simulation, one JSON line each (kept in the result too).
SIMULATIONS = "simulations.jsonl"


def work_folder(out: str | Path) -> Path:
    """Where an unfinished calibration writing to ``out`` keeps its simulations."""
    out = store.output_path(out)
    return out.parent / f".{out.name}.calibrating"


def open_work(out: str | Path, config: dict[str, Any], resume: bool) -> Path:
    """The work folder of a calibration into ``out``: made, or checked when resuming.

    Raises:
        CalibrationError: a work folder is there and ``resume`` is off, or it belongs to
            another calibration, or its description is damaged.
    """
    work = work_folder(out)
    if work.exists() and not resume:
        raise CalibrationError(
            f"an interrupted calibration left its simulations in {work}: go on with it "
            "(--resume) or delete that folder to start over"
        )
    if not work.exists():
        _make(work, config)
    else:
        _check(work, config)
    return work


def _make(work: Path, config: dict[str, Any]) -> None:
    """A new work folder with its description (nothing left behind if that fails)."""
    with store.reported_as(work):
        work.mkdir(parents=True)
    try:
        store.replace_file(work / WORK_CONFIG, lambda tmp: store.write_json(tmp, config))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _check(work: Path, config: dict[str, Any]) -> None:
    """Refuse to resume from a work folder whose description is damaged or differs."""
    described = work / WORK_CONFIG
    try:
        before = json.loads(described.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        why = store.describe(exc) if isinstance(exc, OSError) else f"not JSON: {exc}"
        raise CalibrationError(
            f"cannot resume: {described} is damaged ({why}); delete {work} to start over"
        ) from None
    differ = sorted(k for k in config if before.get(k) != config[k])
    if differ:
        raise CalibrationError(
            f"cannot resume: the calibration in {work} differs in {', '.join(differ)} "
            f"({', '.join(f'{k}={before.get(k)!r}' for k in differ)}); delete it to "
            "start over"
        )


def simulations_copier(work: Path) -> Callable[[Path], None]:
    """A result writer's ``extra``: copies the work folder's simulations into the result."""

    def copy(tmp: Path) -> None:
        with store.reported_as(tmp / SIMULATIONS):
            shutil.copy(work / SIMULATIONS, tmp / SIMULATIONS)

    return copy
