"""Scenario problems, gathered and reported all at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where, what was found, what was expected."""

    file: str
    where: str
    message: str
    value: object = None

    def __str__(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, dt.date) else self.value
        shown = "" if value is None else f" (got {value!r})"
        return f"{self.file}: {self.where}: {self.message}{shown}"


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
