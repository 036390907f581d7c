"""``borderflow data``: the public record shipped with borderflow, listed or described."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from borderflow import data as record
from borderflow.interfaces.cli.common import console, stop


def data(
    name: Annotated[
        str | None, typer.Argument(help="a series to describe (default: list them all)")
    ] = None,
    place: Annotated[str | None, typer.Option(help="only this place of the series")] = None,
    breakdown: Annotated[str | None, typer.Option(help="only this breakdown of the series")] = None,
) -> None:
    """List the observed series shipped with borderflow, or show one's values and sources.

    Each value carries its source; each file a reliability grade (A: an official table or
    an exact copy; B: an official figure quoted by others; C: a press estimate).
    """
    try:
        if name is None:
            _list()
        else:
            _show(name, place, breakdown)
    except record.SeriesError as exc:
        stop(exc)


def _list() -> None:
    table = Table(title="Observed series (borderflow data NAME shows one)")
    for column in ("series", "values", "first", "last", "unit", "grade", "file"):
        table.add_column(
            column,
            overflow="fold",
            no_wrap=column == "series",
            justify="right" if column == "values" else "left",
        )
    for row in record.describe().itertuples(index=False):
        table.add_row(
            row.series,
            f"{row.values:,}",
            str(row.first),
            str(row.last),
            row.unit,
            row.grade,
            row.file,
        )
    console.print(table)


def _show(name: str, place: str | None, breakdown: str | None) -> None:
    rows = record.series(name, place=place, breakdown=breakdown)
    table = Table(title=f"{name}: {len(rows):,} values ({rows['grade'].iloc[0]})")
    for column in ("date", "place", "breakdown", "value", "unit", "source"):
        table.add_column(column, overflow="fold", justify="right" if column == "value" else "left")
    for row in rows.itertuples(index=False):
        table.add_row(
            str(row.date.date()),
            row.place,
            row.breakdown,
            "" if row.value != row.value else f"{row.value:,.6g}",
            row.unit,
            row.source,
        )
    console.print(table)
