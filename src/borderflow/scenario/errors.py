"""Scenario problems, gathered and reported all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

#: Longest text shown for a problem's field, message and value (a file's name is cut from the
#: left). A file read in error, or a 30 MB cell, is never echoed back whole; the problem
#: itself keeps the full text.
WHERE_CHARS = 120
MESSAGE_CHARS = 600
VALUE_CHARS = 80


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[: max(limit - 1, 0)]}… ({len(text) - limit + 1:,} more characters)"


def clip_path(text: str, limit: int = 160) -> str:
    """A file's name cut to ``limit`` characters from the left, so its own name stays."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def listed(names: Iterable[object], limit: int = 8, width: int = 40) -> str:
    """Names for a message: at most ``limit``, each cut to ``width`` characters."""
    items = list(names)
    shown = ", ".join(repr(clip(str(n), width)) for n in items[:limit])
    return shown + (f", … and {len(items) - limit} more" if len(items) > limit else "")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where, what was found, what was expected."""

    file: str
    where: str
    message: str
    value: object = None

    def __str__(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, dt.date) else self.value
        shown = "" if value is None else f" (got {clip(repr(value), VALUE_CHARS)})"
        return (
            f"{clip_path(str(self.file))}: {clip(str(self.where), WHERE_CHARS)}: "
            f"{clip(str(self.message), MESSAGE_CHARS)}{shown}"
        )


#: Problems spelled out in the message (all stay in ``problems``).
SHOWN = 40


class ScenarioError(ValueError):
    """A scenario that cannot be run; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = problems[:SHOWN]
        lines = "\n".join(f"  - {p}" for p in shown)
        more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        super().__init__(f"{len(problems)} problem(s) in the scenario:\n{lines}{more}")
