"""The public record as data: observed series shipped with borderflow, each value sourced.

Tidy CSV files (``series/*.csv``), one row a value with the columns ``series, date,
place, breakdown, value, unit, source, note``; ``series/files.csv`` grades each file's
reliability (A: an official table or an exact copy; B: an official figure quoted by
press, NGOs or CRS; C: a press estimate from one source) and says what it covers;
``series/README.md`` gives the caveats. Nothing is downloaded.

>>> from borderflow import data
>>> monthly = data.series("usbp_sw_monthly", breakdown="Family Unit Individuals")
>>> int(monthly.set_index("date").loc["2019-05-31", "value"])
84490
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

import pandas as pd

COLUMNS = ("series", "date", "place", "breakdown", "value", "unit", "source", "note")
CATALOGUE = "files.csv"
CATALOGUE_COLUMNS = ("file", "grade", "covers")
#: The unit of a dated event with no count (its value is left empty).
EVENT = "event"
#: Where the series live inside the package (a folder of CSV files).
SERIES_FOLDER = ("data", "series")


class SeriesError(ValueError):
    """A series file that cannot be read as written, or a series that does not exist."""


def folder() -> Traversable:
    """The folder of the shipped series."""
    return resources.files("borderflow").joinpath(*SERIES_FOLDER)


def _rows(source: Traversable, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` of a CSV file whose header must be ``columns``.

    Raises:
        SeriesError: naming the file (and the line) if it is missing, not UTF-8, or its
            header or a row's number of fields is not what is expected.
    """
    name = f"series/{source.name}"
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SeriesError(f"{name}: no such series file") from None
    except UnicodeDecodeError as exc:
        raise SeriesError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(header) != columns:
        raise SeriesError(f"{name}, line 1: expected the header {','.join(columns)}, got {header}")
    for cells in reader:
        line = reader.line_num
        if not cells:
            continue
        if len(cells) != len(columns):
            raise SeriesError(
                f"{name}, line {line}: expected {len(columns)} fields "
                f"({', '.join(columns)}), got {len(cells)}"
            )
        yield line, dict(zip(columns, cells, strict=True))


def _value(name: str, line: int, row: dict[str, str]) -> tuple[dt.date, float]:
    """A row's date and value, checked."""
    try:
        date = dt.date.fromisoformat(row["date"])
    except ValueError:
        raise SeriesError(
            f"{name}, line {line}, date: expected a date YYYY-MM-DD, got {row['date']!r}"
        ) from None
    if row["unit"] == EVENT and row["value"] == "":
        value = math.nan  # a dated event, with no count
    else:
        try:
            value = float(row["value"])
        except ValueError:
            value = math.nan
    if (not math.isfinite(value) or value < 0) and row["unit"] != EVENT:
        raise SeriesError(
            f"{name}, line {line}, value: expected a number 0 or more, got {row['value']!r}"
        )
    if not row["series"] or not row["source"]:
        field = "series" if not row["series"] else "source"
        raise SeriesError(f"{name}, line {line}, {field}: expected a value, got nothing")
    return date, value


@cache
def catalogue() -> pd.DataFrame:
    """Every shipped file: its grade and what it covers.

    Raises:
        SeriesError: if the catalogue or a file it names is missing or malformed.
    """
    rows = [row for _, row in _rows(folder().joinpath(CATALOGUE), CATALOGUE_COLUMNS)]
    return pd.DataFrame(rows, columns=list(CATALOGUE_COLUMNS))


@cache
def table() -> pd.DataFrame:
    """Every value of every shipped series, with its file and the file's grade.

    Raises:
        SeriesError: naming the file and the line of the first value that cannot be read.
    """
    records = []
    for file, grade in catalogue()[["file", "grade"]].itertuples(index=False):
        name = f"series/{file}"
        for line, row in _rows(folder().joinpath(file), COLUMNS):
            date, value = _value(name, line, row)
            records.append(
                {**row, "date": pd.Timestamp(date), "value": value, "file": file, "grade": grade}
            )
    frame = pd.DataFrame(records, columns=[*COLUMNS, "file", "grade"])
    return frame.sort_values(["series", "place", "breakdown", "date"], kind="stable").reset_index(
        drop=True
    )


def names() -> list[str]:
    """The names of the shipped series, sorted."""
    return sorted(table()["series"].unique())


def series(name: str, *, place: str | None = None, breakdown: str | None = None) -> pd.DataFrame:
    """The values of series ``name`` (optionally one place or breakdown), oldest first.

    Returns a tidy DataFrame: ``date, place, breakdown, value, unit, source, note, file,
    grade``.

    Raises:
        SeriesError: for a name, place or breakdown the series does not have, listing
            those it has.
    """
    rows = table()[table()["series"] == name]
    if rows.empty:
        raise SeriesError(f"no series {name!r}; expected one of {names()}")
    for column, wanted in (("place", place), ("breakdown", breakdown)):
        if wanted is None:
            continue
        known = sorted(rows[column].unique())
        if wanted not in known:
            raise SeriesError(
                f"series {name!r} has no {column} {wanted!r}; expected one of {known}"
            )
        rows = rows[rows[column] == wanted]
    return rows.drop(columns="series").reset_index(drop=True)


def describe() -> pd.DataFrame:
    """One row a series: file, grade, unit, values, first and last date, places, breakdowns."""
    grouped = table().groupby("series", sort=True)
    return pd.DataFrame(
        {
            "file": grouped["file"].first(),
            "grade": grouped["grade"].first(),
            "unit": grouped["unit"].first(),
            "values": grouped.size(),
            "first": grouped["date"].min().dt.date,
            "last": grouped["date"].max().dt.date,
            "places": grouped["place"].nunique(),
            "breakdowns": grouped["breakdown"].nunique(),
        }
    ).reset_index()


__all__ = ["SeriesError", "catalogue", "describe", "names", "series", "table"]
