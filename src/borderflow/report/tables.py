"""The tables a report is drawn from, from a run in memory or a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from borderflow.results.results import Results, read_folder
from borderflow.scenario.schema import Scenario

TABLES = ("daily", "flows", "waits", "decisions", "courts", "households", "mexico", "targets")


def tables_of(source: Results | dict[str, Any] | str | Path) -> dict[str, Any]:
    """The report's inputs: the tables, ``summary``, ``scenario`` and ``seed``.

    The per-person event log (``events``) is there when the run kept it.

    Args:
        source: a :class:`Results`, a results folder, or a dict already holding the
            tables (as :func:`load_results` returns).
    """
    if isinstance(source, Results):
        out: dict[str, Any] = {k: getattr(source, k) for k in TABLES}
        if source.events is not None:  # a folder holds the event log only when kept
            out["events"] = source.events
        out["summary"] = source.summary_dict
        out["scenario"] = source.scenario
        out["seed"] = source.seed
        return out
    if isinstance(source, str | Path):
        return load_results(source)
    return dict(source)


def load_results(folder: str | Path) -> dict[str, Any]:
    """Read a results folder with its scenario (``read_folder`` plus ``scenario`` and ``seed``).

    Raises:
        FileNotFoundError: when the folder is not a complete results folder.
    """
    folder = Path(folder)
    data = read_folder(folder)
    data["scenario"] = Scenario.model_validate_json((folder / "scenario.json").read_text())
    data["seed"] = data["manifest"].get("seed")
    data["folder"] = folder
    return data
