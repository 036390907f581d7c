"""Read a scenario (TOML + CSV tables) into a validated :class:`Scenario`.

Every problem is collected and raised together as a :class:`ScenarioError`
naming the file, the field (and CSV row), the value and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from borderflow.scenario.bounds import MAX_PLACES, MAX_ROUTES
from borderflow.scenario.checks import cross_check
from borderflow.scenario.errors import Problem, ScenarioError, listed
from borderflow.scenario.files import (
    MAX_SETTINGS_BYTES,
    CsvRecordError,
    check_regular,
    csv_records,
    parse_toml,
    read_text_safely,
    refuse,
)
from borderflow.scenario.parameters import PARAMETER_NAMES
from borderflow.scenario.schema import Parameter, Place, Route, Scenario

BUNDLED = Path(str(resources.files("borderflow.scenario") / "bundled"))
PARAMETERS_FILE = BUNDLED / "parameters.csv"
#: The route networks that ship with borderflow, one folder each (places.csv, routes.csv),
#: which a scenario names with ``network = "NAME"``.
NETWORKS = BUNDLED / "networks"

#: TOML table names → Scenario field names.
_TOML_KEYS = {
    "name": "name",
    "title": "title",
    "description": "description",
    "start": "start",
    "end": "end",
    "places": "places",
    "routes": "routes",
    "levers": "levers",
    "policy": "policies",
    "parameters": "parameters",
    "caravan": "caravans",
    "background": "background",
    "border": "border",
    "mpp": "mpp",
    "courts": "courts",
    "target": "targets",
}
_FIELD_TO_TOML = {v: k for k, v in _TOML_KEYS.items()}


def bundled_names() -> list[str]:
    """Names of the scenarios that ship with borderflow."""
    return sorted(p.parent.name for p in BUNDLED.glob("*/scenario.toml"))


def network_names() -> list[str]:
    """Names of the route networks that ship with borderflow."""
    return sorted(p.parent.name for p in NETWORKS.glob("*/places.csv"))


def resolve(name_or_path: str | Path) -> Path:
    """The scenario file for a bundled name, a file path or a folder holding scenario.toml.

    Raises:
        ScenarioError: if there is no such file or bundled scenario, or the path names
            something other than a regular file (a named pipe or a device).
    """
    text = str(name_or_path)
    if "\x00" in text:
        refuse(text, "scenario", "a path may not hold a NUL character")
    path = Path(name_or_path)
    if path.is_dir():
        path = path / "scenario.toml"
    if path.exists():
        check_regular(path, str(path))
        return path
    if text in bundled_names():
        return BUNDLED / text / "scenario.toml"
    refuse(
        text,
        "scenario",
        "no such scenario file or bundled scenario; bundled: " + ", ".join(bundled_names()),
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read and validate a scenario by bundled name or path.

    Raises:
        ScenarioError: listing every problem found, each naming file and field.
    """
    path = resolve(name_or_path)
    label = _label(path)
    text = read_text_safely(path, inside=None, label=label, limit=MAX_SETTINGS_BYTES)
    raw = parse_toml(text, label)

    problems: list[Problem] = []
    data: dict[str, Any] = {}
    network = raw.pop("network", None)
    for key, value in raw.items():
        if key not in _TOML_KEYS:
            expected = sorted([*_TOML_KEYS, "network"])
            problems.append(Problem(label, key, f"unknown key; expected one of {expected}"))
        else:
            data[_TOML_KEYS[key]] = value
    problems += _read_network(data, network, path.parent, label)

    defaults, param_problems = read_parameter_table(PARAMETERS_FILE)
    problems += param_problems
    data["parameters"] = merge_parameters(defaults, data.get("parameters", {}), label, problems)

    if problems:
        # Report what the TOML itself says too, so one run shows everything.
        problems += _validate(data, label, skip_missing={"places", "routes"})[1]
        raise ScenarioError(_unique(problems))
    return revalidate(data, origin=label)


def revalidate(data: Mapping[str, Any], origin: str) -> Scenario:
    """Validate scenario data (already merged with CSV tables and parameters).

    Raises:
        ScenarioError: listing every problem.
    """
    scenario, problems = _validate(data, origin)
    if scenario is not None:
        problems += cross_check(scenario, origin)
    else:
        problems += _check_the_rest(data, origin, problems)
    if problems or scenario is None:
        raise ScenarioError(_unique(problems))
    return scenario


def _check_the_rest(data: Mapping[str, Any], origin: str, found: list[Problem]) -> list[Problem]:
    """Cross-check what is valid, leaving out the sections that already failed.

    So that one run of ``validate`` reports every problem, not one section at a time.
    """
    failed = {p.where.split(".")[0].split("[")[0] for p in found}
    fields = {_FIELD_TO_TOML.get(k, k): k for k in Scenario.model_fields}
    dropped = {fields[f] for f in failed if f in fields}
    if any(Scenario.model_fields[f].is_required() for f in dropped):
        return []
    rest = {k: v for k, v in data.items() if k not in dropped}
    scenario, _ = _validate(rest, origin)
    if scenario is None:
        return []
    return [
        p
        for p in cross_check(scenario, origin)
        if p.where.split(".")[0].split("[")[0] not in failed
    ]


def _validate(
    data: Mapping[str, Any], origin: str, skip_missing: Iterable[str] = ()
) -> tuple[Scenario | None, list[Problem]]:
    skip = set(skip_missing)
    try:
        return Scenario.model_validate(dict(data)), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = err["loc"]
            if loc and loc[0] in skip:
                continue
            problems.append(
                Problem(origin, _toml_path(loc), _expected(err), _shown_value(err, loc))
            )
        return None, problems


def _toml_path(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts[-1] += f"[{item + 1}]"
        elif i == 0:
            parts.append(_FIELD_TO_TOML.get(item, item))
        elif item in ("function-after", "function-before") or item.startswith("function-"):
            continue
        else:
            parts.append("from" if item == "from_" else item)
    return ".".join(parts) or "scenario"


def _expected(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        return "unknown key (a typo?); remove it or check the spelling"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _shown_value(err: Any, loc: Sequence[int | str]) -> object:
    if err["type"] == "missing":
        return None
    value = err.get("input")
    if isinstance(value, dict | list | tuple) and len(str(value)) > 80:
        return None
    return value


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(BUNDLED))
    except ValueError:
        return str(path)


def _read_network(data: dict[str, Any], network: object, folder: Path, label: str) -> list[Problem]:
    """Read the places and routes tables into ``data``; the problems found.

    ``network = "NAME"`` names a network that ships with borderflow; otherwise ``places`` and
    ``routes`` name the scenario's own CSV tables, inside its folder.
    """
    if network is not None:
        return _read_shipped_network(data, network, label)
    problems: list[Problem] = []
    for field, model in (("places", Place), ("routes", Route)):
        ref = data.get(field)
        if ref is None:
            problems.append(
                Problem(
                    label,
                    field,
                    "missing: the path of the CSV table, or network = NAME for a network "
                    f"that ships with borderflow ({listed(network_names())})",
                )
            )
            continue
        if not isinstance(ref, str):
            problems.append(Problem(label, field, "expected a path (a string)", ref))
            data.pop(field)
            continue
        rows, csv_problems = read_csv_table(ref, model, inside=folder, named_by=(label, field))
        problems += csv_problems
        data[field] = rows
    return problems


def _read_shipped_network(data: dict[str, Any], network: object, label: str) -> list[Problem]:
    given = [field for field in ("places", "routes") if field in data]
    if given:
        for field in given:
            data.pop(field)
        return [
            Problem(
                label,
                "network",
                f"a network brings its own tables; remove {' and '.join(given)}, "
                "or network to use the scenario's own",
            )
        ]
    names = network_names()
    if not isinstance(network, str) or network not in names:
        return [Problem(label, "network", f"unknown network; shipped: {listed(names)}", network)]
    problems: list[Problem] = []
    for field, model in (("places", Place), ("routes", Route)):
        rows, csv_problems = read_csv_table(
            f"{field}.csv", model, inside=NETWORKS / network, named_by=(label, "network")
        )
        problems += csv_problems
        data[field] = rows
    return problems


#: Most rows of a table, as the scenario's bounds allow (a table can hold no more).
_MOST_ROWS: dict[type[BaseModel], int] = {Place: MAX_PLACES, Route: MAX_ROUTES}


def read_csv_table(
    ref: str | Path,
    model: type[BaseModel],
    *,
    inside: Path,
    named_by: tuple[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Read a CSV table inside folder ``inside``, validating each row against ``model``.

    Args:
        ref: the table's path, relative to ``inside`` (it may not lead out of it).
        model: the model of a row; its fields (or their aliases) are the columns.
        inside: the folder the table must stay in.
        named_by: the file and field that name the table, for problems with its path.

    Returns:
        The rows (as validated dicts) and the problems found, each naming the file, the row
        (1-based, header excluded), the column and the value.
    """
    label = _label(inside / ref)
    try:
        text = read_text_safely(ref, inside=inside, label=label, named_by=named_by)
    except ScenarioError as exc:
        return [], exc.problems
    records = csv_records(text)
    try:
        header = next(records, (1, []))[1]
    except CsvRecordError as fault:
        return [], [Problem(label, "header", fault.message)]
    if not header:
        return [], [Problem(label, "header", "the file is empty; expected a header row")]
    header = [h.strip() for h in header]
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    problems = _header_problems(label, header, fields)
    if problems:
        return [], problems
    rows: list[dict[str, Any]] = []
    number = 0
    most = _MOST_ROWS.get(model)
    try:
        for number, (_, cells) in enumerate(records, start=1):
            if most is not None and number > most:
                # Checked while reading: a huge table is refused without validating it all.
                problems.append(Problem(label, f"row {number}", f"more than {most:,} rows"))
                break
            row = _csv_row(label, number, header, cells, model, problems)
            if row is not None:
                rows.append(row)
    except CsvRecordError as fault:
        column = fault.column if fault.column is not None else len(header)
        where = f"row {number + 1}" + (f", column {header[column]}" if column < len(header) else "")
        problems.append(Problem(label, where, fault.message))
    return rows, problems


def _header_problems(label: str, header: list[str], fields: Mapping[str, Any]) -> list[Problem]:
    required = [k for k, f in fields.items() if f.is_required()]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in fields]
    expected = f"expected {list(fields)}"
    problems = []
    if missing:
        problems.append(
            Problem(label, "header", f"missing column(s) {listed(missing)}; {expected}")
        )
    if unknown:
        problems.append(
            Problem(label, "header", f"unknown column(s) {listed(unknown, limit=5)}; {expected}")
        )
    return problems


def _csv_row(
    label: str,
    number: int,
    header: list[str],
    cells: list[str],
    model: type[BaseModel],
    problems: list[Problem],
) -> dict[str, Any] | None:
    """Row ``number`` validated against ``model``, or None with its problems added."""
    if not any(c.strip() for c in cells):
        return None
    if len(cells) != len(header):
        problems.append(
            Problem(
                label,
                f"row {number}",
                f"has {len(cells)} cells; the header has {len(header)} ({','.join(header)})",
                ",".join(cells),
            )
        )
        return None
    record = {h: c.strip() for h, c in zip(header, cells, strict=True)}
    try:
        return model.model_validate(record).model_dump(by_alias=True)
    except ValidationError as exc:
        for err in exc.errors():
            column = str(err["loc"][0]) if err["loc"] else "row"
            column = "from" if column == "from_" else column
            problems.append(
                Problem(label, f"row {number}, column {column}", _expected(err), record.get(column))
            )
        return None


def read_parameter_table(path: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Read the table of model parameters: each sourced or an assumption with a range.

    The table holds exactly the parameters the model reads
    (:class:`~borderflow.scenario.parameters.Parameters`): a row of another name, and a
    parameter without a row, are problems naming the file (and the row).
    """
    label = _label(path)
    problems: list[Problem] = []
    table: dict[str, dict[str, Any]] = {}
    named: set[str] = set()
    try:
        records = csv_records(read_text_safely(path.name, inside=path.parent, label=label))
        header = [h.strip() for h in next(records, (1, []))[1]]
        for number, (_, cells) in enumerate(records, start=1):
            row = dict(zip(header, cells, strict=False))
            name = row.pop("name", "").strip()
            named.add(name)
            if name not in PARAMETER_NAMES:
                problems.append(Problem(label, f"row {number} ({name})", _NOT_A_PARAMETER, name))
                continue
            cleaned = {k: (v.strip() or None) for k, v in row.items() if k}
            try:
                table[name] = Parameter.model_validate(cleaned).model_dump()
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append(Problem(label, f"row {number} ({name})", _expected(err)))
    except ScenarioError as exc:
        return table, problems + exc.problems
    except CsvRecordError as fault:
        return table, [*problems, Problem(label, f"line {fault.line}", fault.message)]
    missing = [name for name in PARAMETER_NAMES if name not in named]
    if missing:
        problems.append(Problem(label, "name", _no_row(missing)))
    return table, problems


_NOT_A_PARAMETER = (
    "unknown parameter: the model reads no parameter of this name; remove the row, or "
    "declare it in borderflow.scenario.parameters.Parameters"
)


def _no_row(missing: list[str]) -> str:
    return f"no row for the parameter(s) {listed(missing)}, which the model reads; add one each"


def merge_parameters(
    defaults: Mapping[str, Mapping[str, Any]],
    overrides: object,
    label: str,
    problems: list[Problem],
) -> dict[str, dict[str, Any]]:
    """Apply a scenario's ``[parameters]`` to the defaults; unknown names are problems."""
    merged = {k: dict(v) for k, v in defaults.items()}
    if not isinstance(overrides, Mapping):
        problems.append(Problem(label, "parameters", "expected a table of name = value"))
        return merged
    for name, change in overrides.items():
        if name not in merged:
            problems.append(
                Problem(
                    label,
                    f"parameters.{name}",
                    "unknown parameter; see `borderflow params` for the list",
                )
            )
            continue
        if isinstance(change, Mapping):
            unknown = set(change) - set(Parameter.model_fields)
            if unknown:
                problems.append(
                    Problem(label, f"parameters.{name}", f"unknown key(s) {sorted(unknown)}")
                )
                continue
            if "value" not in change:
                problems.append(
                    Problem(
                        label,
                        f"parameters.{name}",
                        "needs a value: name = number, or name = { value = …, low = …, high = … }",
                        dict(change),
                    )
                )
                continue
            if "unit" in change and change["unit"] != merged[name].get("unit"):
                problems.append(
                    Problem(
                        label,
                        f"parameters.{name}.unit",
                        f"a parameter's unit is the model's ({merged[name].get('unit')}); "
                        "it cannot change",
                        change["unit"],
                    )
                )
                continue
            merged[name].update(change)
            # An override says its own status: a reason alone makes it an assumption.
            if "reason" in change and "source" not in change:
                merged[name]["source"] = None
            if "source" in change and "reason" not in change:
                merged[name]["reason"] = None
        else:
            merged[name]["value"] = change
    return merged


def _unique(problems: list[Problem]) -> list[Problem]:
    # Keyed on the text: a problem's value may be unhashable (a dict or list).
    return list({(p.file, p.where, p.message, repr(p.value)): p for p in problems}.values())


__all__ = [
    "BUNDLED",
    "bundled_names",
    "load_scenario",
    "resolve",
    "revalidate",
]
