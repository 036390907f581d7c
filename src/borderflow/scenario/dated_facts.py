"""Dated facts every scenario must agree on: when a policy began, changed or ended.

A fact names a lever (``asylum_ban``, or ``mpp.tijuana`` for one place), a date and what
happened that day: ``set`` (the lever takes ``value``), ``starts`` (it turns on: above
zero that day, zero the day before) or ``raised`` (higher that day than the day before).
The facts are written once, with their sources, in the bundled ``dated_facts.csv``. A
scenario whose run covers a fact's date, and which has the fact's place, must show it:
:func:`disagreements` says where one does not, so that scenarios sharing dates cannot
drift apart (one keeping a policy a court had stopped, another starting it late).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np

from borderflow.scenario.errors import Problem
from borderflow.scenario.levers import LEVER_BY_NAME, build_schedule
from borderflow.scenario.load import BUNDLED
from borderflow.scenario.schema import Scenario

#: The bundled table of dated facts.
DATED_FACTS_FILE = BUNDLED / "dated_facts.csv"
CHANGES = ("set", "starts", "raised")


@dataclass(frozen=True)
class DatedFact:
    """A policy's change on a date, as a lever shows it."""

    id: str
    lever: str
    place: str | None
    date: dt.date
    change: Literal["set", "starts", "raised"]
    value: float | None
    source: str


def _fact(row: dict[str, str], line: int) -> DatedFact:
    where = f"{DATED_FACTS_FILE.name}: line {line}"
    lever, _, place = row["lever"].partition(".")
    if lever not in LEVER_BY_NAME:
        raise ValueError(f"{where}: lever: unknown lever {lever!r}")
    if row["change"] not in CHANGES:
        raise ValueError(f"{where}: change: expected one of {list(CHANGES)}, not {row['change']!r}")
    text = row["value"].strip().lower()
    value = None if not text else {"true": 1.0, "false": 0.0}.get(text)
    if text and value is None:
        value = float(text)
    if (row["change"] == "set") != (value is not None):
        raise ValueError(f"{where}: value: a 'set' fact gives a value, and only it")
    return DatedFact(
        id=row["id"],
        lever=lever,
        place=place or None,
        date=dt.date.fromisoformat(row["date"]),
        change=row["change"],  # type: ignore[arg-type]
        value=value,
        source=row["source"],
    )


@cache
def dated_facts() -> tuple[DatedFact, ...]:
    """Every bundled dated fact, in the table's order.

    Raises:
        ValueError: naming the table's line and field, for a fact that cannot be read.
    """
    with DATED_FACTS_FILE.open(encoding="utf-8", newline="") as table:
        return tuple(_fact(row, n) for n, row in enumerate(csv.DictReader(table), start=2))


def disagreements(sc: Scenario, facts: tuple[DatedFact, ...] | None = None) -> list[Problem]:
    """Where the scenario's levers do not show the dated facts its run covers."""
    places = [p.id for p in sc.places]
    schedule = build_schedule(sc)
    problems = []
    for fact in dated_facts() if facts is None else facts:
        day = (fact.date - sc.start).days
        if not 0 <= day < sc.n_days or (fact.place is not None and fact.place not in places):
            continue
        values: np.ndarray = getattr(schedule, fact.lever)
        if fact.place is not None:
            values = values[:, places.index(fact.place)]
        today = float(values[day])
        before = float(values[day - 1]) if day > 0 else None
        shown = {
            "set": today == fact.value and (before is None or before != fact.value),
            "starts": today > 0 and (before is None or before == 0),
            "raised": before is None or today > before,
        }[fact.change]
        if not shown:
            said = {"set": f"set to {fact.value}", "starts": "turned on", "raised": "raised"}
            problems.append(
                Problem(
                    sc.name,
                    f"levers.{fact.lever}" + (f".{fact.place}" if fact.place else ""),
                    f"{fact.date}: should be {said[fact.change]} that day ({fact.id}: "
                    f"{fact.source}); the scenario has {before} the day before and "
                    f"{today} that day",
                )
            )
    return problems
