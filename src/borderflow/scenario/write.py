"""Write a :class:`Scenario` back to files (TOML + CSV tables) that load to the same scenario.

Used for derived scenarios (a calibrated copy, a scaled one) that have no file of their own.
The TOML lists only the parameters that differ from the bundled defaults, as
``[parameters]`` overrides, like a hand-written scenario; comments of the original are not
kept (the file says where it came from in its header).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from borderflow.scenario.load import PARAMETERS_FILE, read_parameter_table
from borderflow.scenario.schema import Place, Route, Scenario

#: Scenario fields that are TOML arrays of tables, with their TOML names.
_ARRAYS = {"policies": "policy", "caravans": "caravan", "targets": "target"}
#: Scenario fields that are TOML tables.
_TABLES = ("levers", "background", "border", "mpp", "courts")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any) -> str:
    """A TOML value on one line (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr always has a '.' or an exponent, so TOML reads it back as the same float.
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        items = [f"{_key(str(k))} = {_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML: {value!r}")


def _lines(table: Mapping[str, Any]) -> list[str]:
    return [f"{_key(k)} = {_value(v)}" for k, v in table.items() if v is not None]


def parameter_overrides(sc: Scenario) -> dict[str, dict[str, Any]]:
    """The scenario's parameters that differ from the bundled defaults (whole entries)."""
    defaults, _ = read_parameter_table(PARAMETERS_FILE)
    changed = {}
    for name, param in sc.parameters.items():
        entry = param.model_dump()
        if defaults.get(name) != entry:
            changed[name] = entry
    return changed


def to_toml(sc: Scenario, places: str = "places.csv", routes: str = "routes.csv") -> str:
    """The scenario's TOML text, with ``places`` and ``routes`` naming its CSV tables."""
    data = sc.model_dump(by_alias=True, mode="python")
    out = [
        f"# {sc.title}: written by borderflow, so that `borderflow run` runs this very scenario.",
        "",
    ]
    out += _lines({k: data[k] for k in ("name", "title", "description", "start", "end")})
    out += _lines({"places": places, "routes": routes})
    for field in _TABLES:
        if data[field] is None:
            continue
        out += ["", f"[{field}]", *_lines(data[field])]
    overrides = parameter_overrides(sc)
    if overrides:
        out += ["", "[parameters]", *_lines(overrides)]
    for field, name in _ARRAYS.items():
        for item in data[field]:
            out += ["", f"[[{name}]]", *_lines(item)]
    return "\n".join(out) + "\n"


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            cells = []
            for c in columns:
                v = row[c]
                if v is None:
                    cells.append("")
                elif isinstance(v, list | tuple):
                    cells.append(";".join(v))
                else:
                    cells.append(repr(v) if isinstance(v, float) else str(v))
            writer.writerow(cells)


def write_scenario(sc: Scenario, folder: str | Path) -> Path:
    """Write ``scenario.toml``, ``places.csv`` and ``routes.csv`` to ``folder``; the TOML's path.

    ``load_scenario`` on the result gives back a scenario equal to ``sc``. The tables are
    always written, even for a scenario on a shipped network, so that the folder stands on
    its own (a scenario reads no file outside its folder but a shipped network's).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    place_columns = [f.alias or n for n, f in Place.model_fields.items()]
    route_columns = [f.alias or n for n, f in Route.model_fields.items()]
    _write_csv(
        folder / "places.csv", [p.model_dump(by_alias=True) for p in sc.places], place_columns
    )
    _write_csv(
        folder / "routes.csv", [r.model_dump(by_alias=True) for r in sc.routes], route_columns
    )
    path = folder / "scenario.toml"
    path.write_text(to_toml(sc), encoding="utf-8")
    return path
