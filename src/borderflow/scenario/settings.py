"""Command-line settings (``--set lever=value``): parsed, then applied to a scenario.

A setting changes a lever from the first day to the last (``quota.san_ysidro=40``,
``judges=unlimited``) or a parameter's value (``p_renege=0.02``). The levers are those of
:data:`borderflow.scenario.levers.LEVERS`; the changed scenario is validated as any other,
and a problem is named as the setting was typed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from borderflow.scenario.bounds import UNLIMITED_WORD
from borderflow.scenario.checks import no_place
from borderflow.scenario.errors import Problem, ScenarioError
from borderflow.scenario.fields import DECIMAL
from borderflow.scenario.levers import PER_PLACE_LEVERS, SCALAR_LEVERS
from borderflow.scenario.schema import Scenario


def parse_setting(text: str) -> tuple[str, float | bool | str]:
    """Parse ``lever=value`` from the command line.

    ``true``/``false`` (or on/off, yes/no) are for switches, ``unlimited`` (or ``inf``) for
    a capacity without a limit; anything else must be a decimal number in ASCII digits
    (``40``, ``0.5``, ``1e3``): not ``1_000`` nor full-width digits, which Python's
    ``float()`` would read.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(
            [Problem("--set", text, "expected lever=value, e.g. quota.san_ysidro=40")]
        )
    raw = raw.strip().lower()
    if raw in ("true", "false", "on", "off", "yes", "no"):
        return key.strip(), raw in ("true", "on", "yes")
    if raw in (UNLIMITED_WORD, "inf"):
        return key.strip(), UNLIMITED_WORD
    number = float(raw) if DECIMAL.fullmatch(raw) else math.nan
    if not math.isfinite(number):
        # nan, -inf and numbers too large for a float (1e999, read as inf) are not limits:
        # only "unlimited" lifts one.
        not_finite = DECIMAL.fullmatch(raw) or raw.lstrip("+-") in ("nan", "inf", "infinity")
        expected = "a finite number" if not_finite else "a number in ASCII digits (e.g. 40 or 0.5)"
        raise ScenarioError(
            [
                Problem(
                    "--set",
                    key.strip(),
                    f'expected {expected}, true/false or "{UNLIMITED_WORD}"',
                    raw,
                )
            ]
        )
    return key.strip(), number


def apply_settings(sc: Scenario, settings: Iterable[str]) -> Scenario:
    """Apply ``--set`` settings: lever changes (from the start) or parameter values.

    Raises:
        ScenarioError: for an unknown name or a bad value.
    """
    levers: dict[str, Any] = {}
    params: dict[str, float] = {}
    problems: list[Problem] = []
    for text in settings:
        key, value = parse_setting(text)
        lever, dot, pid = key.partition(".")
        if lever in PER_PLACE_LEVERS and dot and not pid:
            problems.append(Problem("--set", key, no_place(lever), value))
        elif lever in PER_PLACE_LEVERS:
            levers.setdefault(lever, {})[pid or "default"] = value
        elif lever in SCALAR_LEVERS and not dot:
            levers[lever] = value
        elif key in sc.parameters:
            if isinstance(value, bool | str):
                problems.append(Problem("--set", key, "expected a number", value))
            else:
                params[key] = value
        else:
            problems.append(Problem("--set", key, "not a lever nor a parameter of this scenario"))
    if problems:
        raise ScenarioError(problems)
    try:
        if levers:
            sc = sc.with_levers(**levers)
        if params:
            sc = sc.with_parameters(**params)
    except ScenarioError as exc:
        raise ScenarioError([_as_setting(p, {*levers, *params}) for p in exc.problems]) from None
    return sc


def _as_setting(problem: Problem, names: set[str]) -> Problem:
    """A problem with a ``--set`` value, named as the user typed it, not as the copy's field."""
    for section in ("levers.", "parameters."):
        if problem.where.startswith(section):
            key = problem.where.removeprefix(section)
            for suffix in (".default", ".value"):
                key = key.removesuffix(suffix)
            if key.partition(".")[0] in names:
                return Problem("--set", key, problem.message, problem.value)
    return problem


__all__ = ["apply_settings", "parse_setting"]
