"""The kinds of value a scenario holds: bounded numbers, names and texts, as pydantic types.

Each type refuses what a hand-written file might hold by mistake (true for a number, a
full-width digit, a name too long to be one) with a message naming the limit; the limits
are those of :mod:`borderflow.scenario.bounds`. :mod:`borderflow.scenario.schema` builds
the scenario's models from them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from borderflow.scenario import bounds
from borderflow.scenario.bounds import UNLIMITED_WORD, Bound


def not_a_bool(value: object) -> object:
    """Refuse true and false where a number is expected (lax parsing would read 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


#: A number as text may hold: ASCII digits, a point, an exponent. Python's float() also
#: reads other scripts' digits (full-width ５) and underscores (1_000), which a table
#: written by hand never means.
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def decimal_text(value: object) -> object:
    """Refuse a number written as text unless it is ASCII decimal (a CSV cell: 12.5, 1e3).

    Only text that Python would read as a number is refused here (``5_00``, ``５``); other
    text is left to the type's own message ("a valid number", "a valid integer").
    """
    if isinstance(value, str) and not DECIMAL.fullmatch(value.strip()):
        try:
            float(value)
        except ValueError:
            return value
        if math.isfinite(float(value)):
            raise ValueError("expected a number written in ASCII digits, such as 500 or 12.5")
    return value


def no_text(value: object) -> object:
    """Refuse text where a lever's value is expected ("unlimited" is read before this)."""
    if isinstance(value, str):
        raise ValueError(
            f'expected a number (or "{UNLIMITED_WORD}" for a capacity) or true/false, not text'
        )
    return value


def within(bound: Bound) -> Callable[[Any], Any]:
    """A validator refusing numbers outside ``bound``, with a message naming the limit."""

    def check(value: Any) -> Any:
        not_a_bool(value)
        if isinstance(value, int | float):
            problem = bound.problem(value)
            if problem:
                raise ValueError(problem)
        return value

    return check


def most_chars(limit: int) -> Callable[[Any], Any]:
    """A validator refusing text longer than ``limit`` before anything else reads it."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and len(value) > limit:
            raise ValueError(f"must be at most {limit:,} characters long, not {len(value):,}")
        return value

    return check


def most_items(limit: int, what: str) -> Callable[[Any], Any]:
    """A validator refusing more than ``limit`` items before any of them is validated."""

    def check(value: Any) -> Any:
        if isinstance(value, list | tuple | dict) and len(value) > limit:
            raise ValueError(f"at most {limit:,} {what}, not {len(value):,}")
        return value

    return check


#: A number: finite, and never true or false. Every bounded number type below builds on it.
Number = Annotated[
    float,
    BeforeValidator(decimal_text),
    BeforeValidator(not_a_bool),
    Field(allow_inf_nan=False),
]
Probability = Annotated[Number, AfterValidator(within(bounds.PROBABILITY))]
Multiplier = Annotated[Number, AfterValidator(within(bounds.MULTIPLIER))]
Weight = Annotated[Number, AfterValidator(within(bounds.WEIGHT))]
Daily = Annotated[Number, AfterValidator(within(bounds.DAILY))]
Distance = Annotated[Number, AfterValidator(within(bounds.DISTANCE))]
# Whole numbers are checked before conversion too (numbers from a TOML file; text from a
# CSV table after), so that a huge float is refused by its limit, not by the conversion.
People = Annotated[
    int,
    BeforeValidator(decimal_text),
    BeforeValidator(within(bounds.PEOPLE)),
    AfterValidator(within(bounds.PEOPLE)),
]
Days = Annotated[int, BeforeValidator(within(bounds.DAYS)), AfterValidator(within(bounds.DAYS))]
Backlog = Annotated[
    int, BeforeValidator(within(bounds.BACKLOG)), AfterValidator(within(bounds.BACKLOG))
]
Population = Annotated[
    int,
    BeforeValidator(decimal_text),
    BeforeValidator(within(bounds.POPULATION)),
    AfterValidator(within(bounds.POPULATION)),
]
PlaceId = Annotated[
    str, BeforeValidator(most_chars(bounds.MAX_NAME)), Field(pattern=r"^[a-z0-9_]+$", min_length=1)
]
Name = Annotated[
    str, BeforeValidator(most_chars(bounds.MAX_NAME)), Field(pattern=r"^[a-z0-9_\-]+$")
]
Text = Annotated[str, BeforeValidator(most_chars(bounds.MAX_TEXT))]


__all__ = [
    "DECIMAL",
    "Backlog",
    "Daily",
    "Days",
    "Distance",
    "Multiplier",
    "Name",
    "Number",
    "People",
    "PlaceId",
    "Population",
    "Probability",
    "Text",
    "Weight",
    "decimal_text",
    "most_chars",
    "most_items",
    "no_text",
    "not_a_bool",
    "within",
]


class Strict(BaseModel):
    """Base: unknown keys are errors; objects are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
