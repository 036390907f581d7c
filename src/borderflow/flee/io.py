"""Read a Flee 3.1 scenario folder into validated objects.

Flee (the forced-migration model) keeps a scenario in CSV files read by
position; a line is a header or a comment only if its first character is ``#``,
so a header without ``#`` would be read as data. These readers follow the 3.1
formats (see the design notes) and report every problem with the file, the row
and the field, where Flee would crash or silently misread:

* ``locations.csv``: ``name, region, country, lat, lon, location_type,
  conflict_date, population/capacity[, attributes…]``; a population from 0 to
  :data:`MAX_POPULATION`;
* ``routes.csv``: ``name1, name2, distance[, forced_redirection, attributes…]``, between two
  different places, ``forced_redirection`` empty, 0, 1 or 2;
* ``closures.csv``: ``closure_type, name1, name2, start, end``, every name given a known
  country or location; a closure starting or ending outside the run is a warning;
* ``conflicts.csv``: ``#Day, <location>…`` then one row per day (row k is day k), each
  intensity from 0 to 1;
* ``sim_period.csv`` or ``conflict_period.csv``: ``StartDate,YYYY-MM-DD`` and
  ``Length,N``;
* ``registration_corrections.csv`` (optional): ``<camp>,YYYY-MM-DD[,…]``, the date one of
  the camp's validation series (Flee 3.1 stops otherwise);
* ``simsetting.yml`` (optional): the keys Flee 3.1 reads; an unknown key is an
  error, unlike Flee, which ignores it;
* the validation folder: ``data_layout.csv`` (first row ``total,<file>``, then a row for
  every camp, as Flee 3.1 stops without one) and each series ``YYYY-MM-DD,count``, a count
  from 0 to :data:`MAX_POPULATION`. A series named after no location is unused: a warning,
  or an error while a camp has none (it is most likely that camp's, misspelt).

What Flee accepts but was probably not meant is kept as a warning. Every file is read as a
scenario's are (:mod:`borderflow.scenario.files`): a regular file inside its folder (a
series file inside the validation folder), of bounded size, UTF-8 text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderflow.flee.reading import Reader
from borderflow.flee.settings import MOVE_DEFAULTS, read_settings
from borderflow.scenario.errors import Problem, ScenarioError, listed
from borderflow.scenario.files import (
    inside_folder,
)

LOCATION_TYPES = (
    "conflict_zone",
    "conflict",
    "town",
    "default",
    "camp",
    "idpcamp",
    "marker",
    "forward",
)
CORRECTIONS = "registration_corrections.csv"
LAYOUT = "data_layout.csv"

CLOSURE_TYPES = ("country", "location", "link", "camp", "idpcamp", "remove_forced_redirection")
#: Closures whose name2 is a location Flee uses (a link's other end); the other location
#: closures act on name1 alone.
CLOSURES_OF_TWO = ("link", "remove_forced_redirection")
#: The largest population or camp capacity in locations.csv, and the largest count in a
#: validation series: ten billion, above the world's population (about 8.1 billion), so no
#: real place or count is refused, while a typo of twenty digits (which overflows the 64-bit
#: integers agents are drawn with) is.
MAX_POPULATION = 10_000_000_000
#: routes.csv ``forced_redirection``: none (0 or empty), name1→name2 (1), name2→name1 (2).
FORCED_REDIRECTIONS = (0, 1, 2)


@dataclass(frozen=True)
class FleeLocation:
    """A row of ``locations.csv``."""

    name: str
    region: str
    country: str
    latitude: float
    longitude: float
    location_type: str
    conflict_date: int
    population: int
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """Flee's location kind (substring match, in Flee's order)."""
        t = self.location_type.lower()
        for kind in ("camp", "idp", "conflict", "forward", "marker"):
            if kind in t:
                return "idpcamp" if kind == "idp" else kind
        return "town"


@dataclass(frozen=True)
class FleeRoute:
    """A row of ``routes.csv``: a road both ways."""

    name1: str
    name2: str
    distance: float
    forced_redirection: int = 0
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FleeClosure:
    """A row of ``closures.csv``; ``end == -1`` never reopens."""

    closure_type: str
    name1: str
    name2: str
    start: int
    end: int


@dataclass(frozen=True)
class FleeScenario:
    """A Flee scenario folder, validated."""

    folder: Path
    start_date: dt.date
    length: int
    locations: tuple[FleeLocation, ...]
    routes: tuple[FleeRoute, ...]
    closures: tuple[FleeClosure, ...]
    conflict_names: tuple[str, ...]
    conflict_intensity: tuple[tuple[float, ...], ...]
    corrections: tuple[tuple[str, dt.date], ...]
    settings: dict[str, dict[str, Any]]
    validation: dict[str, list[tuple[dt.date, float]]]
    warnings: tuple[Problem, ...] = ()

    def move_rule(self, key: str) -> Any:
        """A ``move_rules`` value, or Flee 3.1's default."""
        return self.settings.get("move_rules", {}).get(key, MOVE_DEFAULTS.get(key))

    @property
    def camps(self) -> list[str]:
        """Names of the camps (the validation series are per camp)."""
        return [loc.name for loc in self.locations if loc.kind == "camp"]


def load_flee(folder: str | Path, validation: str | Path | None = None) -> FleeScenario:
    """Read a Flee scenario folder (and optionally its validation folder).

    ``folder`` holds the CSV files directly, or in ``input_csv/`` (FabFlee layout, with
    ``source_data/`` as the validation folder and ``simsetting.yml`` beside them). Every file
    read must be a regular file inside its folder (see :mod:`borderflow.scenario.files`).

    Raises:
        ScenarioError: listing every problem, each naming the file, the line and the field.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ScenarioError([Problem(str(root), "folder", "no such folder")])
    inputs = _subfolder(root, "input_csv") or root
    data_folder = Path(validation) if validation is not None else _subfolder(root, "source_data")
    r = Reader(inputs, *([data_folder] if data_folder is not None else []))

    start, length = _period(r, inputs)
    locations = _locations(r, inputs)
    names = {loc.name for loc in locations}
    routes = _routes(r, inputs, names)
    closures = _closures(r, inputs, names, {loc.country for loc in locations}, length)
    conflict_names, intensity = _conflicts(r, inputs, names, length)
    corrections = _corrections(r, inputs, names)
    settings = read_settings(r, (root, inputs))
    series: dict[str, list[tuple[dt.date, float]]] = {}
    if data_folder is not None:
        camps = [loc.name for loc in locations if "camp" in loc.location_type.lower()]
        series = _validation(r, data_folder, names, camps)
        _check_corrections(r, inputs, corrections, series)
    if r.problems:
        raise ScenarioError(r.problems)
    return FleeScenario(
        folder=root,
        start_date=start,
        length=length,
        locations=tuple(locations),
        routes=tuple(routes),
        closures=tuple(closures),
        conflict_names=tuple(conflict_names),
        conflict_intensity=tuple(intensity),
        corrections=tuple((name, date) for _, name, date in corrections),
        settings=settings,
        validation=series,
        warnings=tuple(r.warnings),
    )


def _subfolder(root: Path, name: str) -> Path | None:
    """``root/name`` if it is a folder, which must not lead out of ``root``."""
    path = root / name
    if not path.is_dir():
        return None
    inside_folder(name, root, (str(root), name))
    return path


def _period(r: Reader, folder: Path) -> tuple[dt.date, int]:
    name = next(
        (n for n in ("sim_period.csv", "conflict_period.csv") if os.path.lexists(folder / n)),
        "sim_period.csv",
    )
    file = r.name(folder / name)
    rows = r.rows(folder, name)
    values = {cells[0].lower(): (line, cells[1:]) for line, cells in rows or []}
    start, length = dt.date(2000, 1, 1), 0
    if rows is None:
        return start, length
    for key in ("startdate", "length"):
        if key not in values or not values[key][1]:
            r.fail(file, key, "missing: expected rows 'StartDate,YYYY-MM-DD' and 'Length,N'")
    if "startdate" in values and values["startdate"][1]:
        line, cells = values["startdate"]
        try:
            start = dt.date.fromisoformat(cells[0])
        except ValueError:
            r.fail(file, f"line {line}, StartDate", "expected a date YYYY-MM-DD", cells[0])
    if "length" in values and values["length"][1]:
        line, cells = values["length"]
        length = r.number(file, line, "Length", cells[0], int)
        if length <= 0:
            r.fail(file, f"line {line}, Length", "must be a positive number of days", length)
    return start, length


def _locations(r: Reader, folder: Path) -> list[FleeLocation]:
    file = r.name(folder / "locations.csv")
    rows = r.rows(folder, "locations.csv")
    out: list[FleeLocation] = []
    seen: set[str] = set()
    header = r.header(folder, "locations.csv")
    for line, cells in rows or []:
        if r.header_as_data(file, line, cells):
            continue
        if len(cells) < 6:
            r.fail(
                file,
                f"line {line}",
                "expected at least 6 cells: name, region, country, "
                "lat, lon, location_type[, conflict_date, population]",
                ",".join(cells),
            )
            continue
        cells = cells + [""] * (8 - len(cells))
        name, region, country, lat, lon, kind, conflict_date, population = cells[:8]
        if name in seen:
            r.fail(file, f"line {line}, name", "duplicate location name", name)
        seen.add(name)
        if not any(t in kind.lower() for t in LOCATION_TYPES):
            r.fail(
                file,
                f"line {line}, location_type",
                f"unknown type; expected one of {list(LOCATION_TYPES)}",
                kind,
            )
        is_conflict = "conflict" in kind.lower()
        if is_conflict and conflict_date == "":
            r.fail(file, f"line {line}, conflict_date", "required for a conflict zone")
        attributes = {header[i]: c for i, c in enumerate(cells[8:], start=8) if i < len(header)}
        out.append(
            FleeLocation(
                name=name,
                region=region,
                country=country,
                latitude=r.number(file, line, "lat", lat, float, 0.0),
                longitude=r.number(file, line, "lon", lon, float, 0.0),
                location_type=kind,
                conflict_date=r.number(file, line, "conflict_date", conflict_date, int, 0),
                population=_population(r, file, line, population),
                attributes=attributes,
            )
        )
    if rows is not None and not out:
        r.fail(file, "rows", "no locations")
    return out


def _population(r: Reader, file: str, line: int, text: str) -> int:
    """A population (or camp capacity): an error below 0 or above :data:`MAX_POPULATION`.

    Flee 3.1 draws agents from populations and would crash on either (a negative weight, an
    integer overflow).
    """
    population: int = r.number(file, line, "population", text, int, 0)
    if not 0 <= population <= MAX_POPULATION:
        r.fail(
            file,
            f"line {line}, population",
            f"must be 0 or more and at most {MAX_POPULATION:,} (above the world's population)",
            text,
        )
        return 0
    return population


def _routes(r: Reader, folder: Path, names: set[str]) -> list[FleeRoute]:
    """Routes; a route from a place to itself and an unknown forced_redirection are errors."""
    file = r.name(folder / "routes.csv")
    out = []
    rows = r.rows(folder, "routes.csv")
    header = r.header(folder, "routes.csv")
    for line, cells in rows or []:
        if r.header_as_data(file, line, cells):
            continue
        if len(cells) < 3:
            r.fail(
                file,
                f"line {line}",
                "expected name1, name2, distance[, forced_redirection]",
                ",".join(cells),
            )
            continue
        for column, name in (("name1", cells[0]), ("name2", cells[1])):
            if name not in names:
                r.fail(
                    file,
                    f"line {line}, {column}",
                    "unknown location (names are matched exactly, case and spaces included)",
                    name,
                )
        if cells[0] == cells[1]:
            r.fail(file, f"line {line}, name2", "a route from a place to itself", cells[1])
        distance = r.number(file, line, "distance", cells[2], float, 0.0)
        if not 0 < distance < math.inf:
            r.fail(file, f"line {line}, distance", "must be a positive number of km", cells[2])
        forced = r.number(
            file, line, "forced_redirection", cells[3] if len(cells) > 3 else "", int, 0
        )
        if forced not in FORCED_REDIRECTIONS:
            r.fail(
                file,
                f"line {line}, forced_redirection",
                "expected 0 or empty (none), 1 (name1 to name2) or 2 (name2 to name1)",
                cells[3],
            )
        attributes = {header[i]: c for i, c in enumerate(cells[4:], start=4) if i < len(header)}
        out.append(FleeRoute(cells[0], cells[1], distance, forced, attributes))
    return out


def _closures(
    r: Reader, folder: Path, names: set[str], countries: set[str], length: int
) -> list[FleeClosure]:
    """Closures; see :func:`_closure_names` and :func:`_closure_days` for what is checked."""
    file = r.name(folder / "closures.csv")
    out = []
    for line, cells in r.rows(folder, "closures.csv", optional=True) or []:
        if len(cells) < 5:
            r.fail(
                file,
                f"line {line}",
                "expected closure_type, name1, name2, start, end",
                ",".join(cells),
            )
            continue
        kind, name1, name2 = cells[0], cells[1], cells[2]
        if kind not in CLOSURE_TYPES:
            r.fail(
                file, f"line {line}, closure_type", f"expected one of {list(CLOSURE_TYPES)}", kind
            )
        else:
            _closure_names(
                r, file, line, kind, (name1, name2), countries if kind == "country" else names
            )
        start = r.number(file, line, "closure_start", cells[3], int, 0)
        end = r.number(file, line, "closure_end", cells[4], int, 0)
        _closure_days(r, file, line, (start, end), length)
        out.append(FleeClosure(kind, name1, name2, start, end))
    return out


def _closure_names(
    r: Reader, file: str, line: int, kind: str, pair: tuple[str, str], known: set[str]
) -> None:
    """Errors for the countries, or locations, of a closure that are not in locations.csv.

    A ``location``, ``camp`` or ``idpcamp`` closure acts on name1 alone (Flee 3.1 ignores
    name2), but a name2 that names no location is refused all the same: it most likely
    means a second place the closure was meant to close, which it would not.
    """
    what = "country" if kind == "country" else "location"
    for column, name in zip(("name1", "name2"), pair, strict=True):
        optional = column == "name2" and kind not in ("country", *CLOSURES_OF_TWO)
        if name in known or (optional and name == ""):
            continue
        message = f"unknown {what}"
        if optional:
            message += f" (a '{kind}' closure acts on name1 only: leave name2 empty)"
        r.fail(file, f"line {line}, {column}", message, name)


def _closure_days(r: Reader, file: str, line: int, days: tuple[int, int], length: int) -> None:
    """Warnings for a closure's days that Flee 3.1 accepts but never acts on.

    Flee applies a closure on the day ``t == start`` and reverts it when ``t == end`` (``-1``:
    never). A start outside the run's days means it is never applied; an end after the day
    following the last (which says "to the end of the run"), below -1 or before the start,
    that it is never reverted. Either may be meant (a scenario cut shorter than its
    closures file), so they are warnings.
    """
    start, end = days
    last = length - 1
    if length and not 0 <= start <= last:
        r.warn(
            file,
            f"line {line}, closure_start",
            f"outside the run (days 0 to {last}), so the closure is never applied",
            start,
        )
    elif end == -1:
        return
    elif length and not 0 <= end <= length:
        r.warn(
            file,
            f"line {line}, closure_end",
            f"after the run (days 0 to {last}) or below -1, so it is never reverted "
            "(-1 says so plainly)",
            end,
        )
    elif end < start:
        r.warn(
            file,
            f"line {line}, closure_end",
            "ends before it starts, so it is never reverted (-1 says so plainly)",
            end,
        )


def _conflicts(
    r: Reader, folder: Path, names: set[str], length: int
) -> tuple[list[str], list[tuple[float, ...]]]:
    file = r.name(folder / "conflicts.csv")
    rows = r.rows(folder, "conflicts.csv")
    header = r.header(folder, "conflicts.csv")
    if rows is None:
        return [], []
    if not header:
        r.fail(file, "header", "missing '#Day,<location>,…' header line")
        return [], []
    while header and header[-1] == "":  # a trailing comma on the header line
        header = header[:-1]
    columns = header[1:]
    for name in columns:
        if name not in names:
            r.warn(file, "header", "not a location in locations.csv: the column is ignored", name)
    intensity = []
    for line, cells in rows:
        while len(cells) > len(header) and cells[-1] == "":
            cells = cells[:-1]
        if len(cells) != len(header):
            r.fail(file, f"line {line}", f"has {len(cells)} cells; the header has {len(header)}")
            continue
        intensity.append(_intensities(r, file, line, columns, cells[1:]))
    if length and len(intensity) < length:
        r.fail(file, "rows", f"{len(intensity)} day rows for a {length}-day run (row k is day k)")
    return columns, intensity


def _intensities(
    r: Reader, file: str, line: int, columns: list[str], cells: list[str]
) -> tuple[float, ...]:
    """A day's conflict intensities: each a number from 0 (none) to 1 (full), else an error.

    Flee 3.1 reads a real intensity: above 1e-6 a place is in conflict, with that intensity
    (it weighs the place by ``conflict_weight ** intensity``); it ends the conflict on a 0
    only after a 1. A negative value or one above 1 has no meaning there.
    """
    values = []
    for column, cell in zip(columns, cells, strict=True):
        value: float = r.number(file, line, column, cell, float, 0.0)
        if not 0 <= value <= 1:
            r.fail(
                file,
                f"line {line}, column {column}",
                "conflict intensity must be from 0 (none) to 1 (full)",
                cell,
            )
            value = 0.0
        values.append(value)
    return tuple(values)


#: A registration correction: its line in the file, the camp and the date.
Correction = tuple[int, str, dt.date]


def _corrections(r: Reader, folder: Path, names: set[str]) -> list[Correction]:
    file = r.name(folder / CORRECTIONS)
    out = []
    for line, cells in r.rows(folder, CORRECTIONS, optional=True) or []:
        if len(cells) < 2:
            r.fail(file, f"line {line}", "expected <camp>,YYYY-MM-DD", ",".join(cells))
            continue
        if cells[0] not in names:
            r.fail(file, f"line {line}, camp", "unknown location", cells[0])
        try:
            out.append((line, cells[0], dt.date.fromisoformat(cells[1])))
        except ValueError:
            r.fail(file, f"line {line}, date", "expected a date YYYY-MM-DD", cells[1])
    return out


def _check_corrections(
    r: Reader,
    folder: Path,
    corrections: list[Correction],
    series: dict[str, list[tuple[dt.date, float]]],
) -> None:
    """A correction rescales its camp's series from a dated row, which must exist.

    Flee 3.1 stops on a correction it cannot place; left alone, it would do nothing.
    """
    file = r.name(folder / CORRECTIONS)
    for line, camp, date in corrections:
        if camp not in series:
            r.fail(
                file,
                f"line {line}, camp",
                "has no validation series in data_layout.csv to correct",
                camp,
            )
        elif all(day != date for day, _ in series[camp]):
            dates = listed((day.isoformat() for day, _ in series[camp]), limit=4)
            r.fail(
                file,
                f"line {line}, date",
                f"on no row of {camp}'s validation series; expected one of its dates ({dates})",
                date,
            )


def _validation(
    r: Reader, folder: Path, names: set[str], camps: list[str]
) -> dict[str, list[tuple[dt.date, float]]]:
    file = r.name(folder / LAYOUT)
    out: dict[str, list[tuple[dt.date, float]]] = {}
    rows = r.rows(folder, LAYOUT)
    strangers: list[tuple[int, str]] = []
    for k, (line, cells) in enumerate(rows or []):
        if len(cells) < 2:
            r.fail(file, f"line {line}", "expected <series>,<file>[,<file>…]", ",".join(cells))
            continue
        name = cells[0]
        if k == 0 and name != "total":
            r.fail(file, f"line {line}", "the first row must be the total: total,<file>", name)
        if k > 0 and name not in names:
            strangers.append((line, name))
        named_by = (file, f"line {line}")
        parts = [_series(r, folder, f, named_by) for f in cells[1:]]
        out[name] = _sum_series([p for p in parts if p])
    if rows is not None:
        _check_layout(r, file, [c for c in camps if c not in out], strangers)
    return out


def _check_layout(r: Reader, file: str, bare: list[str], strangers: list[tuple[int, str]]) -> None:
    """Every camp needs a series: Flee 3.1 stops without one, and its data would count as 0.

    A series named after no location is unused; while a camp has none, it is most likely
    that camp's, misspelt.
    """
    for camp in bare:
        r.fail(
            file,
            "camps",
            "a camp without a validation series (Flee 3.1 stops on it); "
            "add a row <camp>,<file> for it",
            camp,
        )
    for line, name in strangers:
        if bare:
            message = f"names no location in locations.csv; a misspelt camp ({listed(bare)})?"
            r.fail(file, f"line {line}", message, name)
        else:
            r.warn(file, f"line {line}", "names no location in locations.csv: series unused", name)


def _series(
    r: Reader, folder: Path, name: str, named_by: tuple[str, str]
) -> list[tuple[dt.date, float]]:
    file = r.name(folder / name)
    out = []
    rows = r.rows(folder, name, named_by=named_by)
    for i, (line, cells) in enumerate(rows or []):
        if i == 0 and cells[0] in ("Date", "DateTime"):
            continue
        if len(cells) < 2:
            r.fail(file, f"line {line}", "expected YYYY-MM-DD,count", ",".join(cells))
            continue
        try:
            day = dt.date.fromisoformat(cells[0])
        except ValueError:
            r.fail(file, f"line {line}, date", "expected a date YYYY-MM-DD", cells[0])
            continue
        count: float = r.number(file, line, "count", cells[1], float, 0.0)
        if not 0 <= count <= MAX_POPULATION:
            r.fail(
                file,
                f"line {line}, count",
                f"must be 0 or more and at most {MAX_POPULATION:,} people",
                cells[1],
            )
            continue
        out.append((day, count))
    return sorted(out)


def _sum_series(parts: list[list[tuple[dt.date, float]]]) -> list[tuple[dt.date, float]]:
    if len(parts) <= 1:
        return parts[0] if parts else []
    dates = sorted({d for p in parts for d, _ in p})
    return [(d, sum(interpolate(p, d) for p in parts)) for d in dates]


def interpolate(series: list[tuple[dt.date, float]], day: dt.date) -> float:
    """A series' value on ``day``: linear between dates, flat outside them (as Flee)."""
    if not series:
        return 0.0
    if day <= series[0][0]:
        return series[0][1]
    for (d0, v0), (d1, v1) in itertools.pairwise(series):
        if d0 <= day <= d1:
            span = (d1 - d0).days
            return v0 if span == 0 else v0 + (v1 - v0) * (day - d0).days / span
    return series[-1][1]
