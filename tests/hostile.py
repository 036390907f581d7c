"""The referee of the hostile-input suite: a clean error or a sound result, in time.

Every hostile case, generated or from the table of known-bad inputs, goes through
:func:`clean_or_result`: it must end within its time limit either in a clean error (the
error type the interface promises, with a short message and no traceback) or in a value
that :func:`assert_sound` accepts. Anything else fails the test with the case that caused
it. ``TRIED`` counts the cases by area and outcome; the session prints it at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import signal
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from typer.testing import CliRunner, Result

from borderflow.interfaces.cli import app
from borderflow.results.results import Results
from borderflow.scenario.errors import ScenarioError
from conftest import BASE_TOML, FULL_BODY

T = TypeVar("T")

#: Cases tried, by (area, outcome): printed in the session's summary.
TRIED: Counter[tuple[str, str]] = Counter()

#: The longest message a clean error may print: a few hundred problems, not the input.
MESSAGE_LIMIT = 20_000

runner = CliRunner()


class HangError(AssertionError):
    """A case that did not end within its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`HangError` in this (main) thread if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise HangError(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_clean_message(text: str) -> None:
    """A clean error says something, briefly, and is not a traceback."""
    assert text.strip(), "an error with no message"
    assert "Traceback" not in text, text[:2000]
    assert len(text) <= MESSAGE_LIMIT, f"a {len(text):,}-character message: {text[:500]}…"


def clean_or_result(
    area: str,
    action: Callable[[], T],
    *,
    seconds: float = 10.0,
    clean: tuple[type[BaseException], ...] = (ScenarioError,),
) -> T | None:
    """``action()``'s value, or None after a clean error; anything else fails the test."""
    outcome, value = _judged(area, action, seconds, clean)
    return None if outcome == "clean error" else value


def refusal(
    area: str,
    action: Callable[[], object],
    *,
    seconds: float = 10.0,
    clean: tuple[type[BaseException], ...] = (ScenarioError,),
) -> Any:
    """The clean error ``action()`` must end in, within ``seconds``; anything else fails."""
    outcome, value = _judged(area, action, seconds, clean)
    assert outcome == "clean error", f"accepted: {value!r:.300}"
    return value


def _judged(
    area: str,
    action: Callable[[], Any],
    seconds: float,
    clean: tuple[type[BaseException], ...],
) -> tuple[str, Any]:
    """("clean error", the error) or ("result", the value), counted; nothing else passes."""
    with time_limit(seconds):
        try:
            value = action()
        except clean as exc:
            assert_clean_message(str(exc))
            TRIED[area, "clean error"] += 1
            return "clean error", exc
    TRIED[area, "result"] += 1
    return "result", value


def assert_sound(res: Results) -> None:
    """A result no count of which is negative, missing or infinite."""
    for name in ("daily", "flows", "waits", "courts"):
        table = getattr(res, name)
        numbers = table.select_dtypes("number")
        assert np.isfinite(numbers.to_numpy(dtype=float)).all(), f"{name}: a NaN or infinite cell"
        if "n" in table:
            assert (table["n"] >= 0).all(), f"{name}: a negative count"
    _assert_counts(res.summary_dict, "summary")
    targets = res.targets
    if not targets.empty:
        assert np.isfinite(targets["simulated"].to_numpy(dtype=float)).all()


def _assert_counts(value: object, where: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _assert_counts(item, f"{where}.{key}")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float):
        assert math.isfinite(value), f"{where} is {value}"
        assert value >= 0, f"{where} is negative: {value}"


def cli(area: str, args: list[str], *, seconds: float = 60.0) -> Result:
    """Invoke the command line in-process: it must exit by itself, without a traceback."""
    with time_limit(seconds):
        result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"borderflow {' '.join(args)} raised {result.exception!r}"
        ) from result.exception
    assert "Traceback" not in result.output, result.output[:2000]
    outcome = "result" if result.exit_code == 0 else "clean error"
    if result.exit_code != 0:
        assert_clean_message(result.output)
    TRIED[area, outcome] += 1
    return result


# ---------------------------------------------------------------- hostile scenarios

#: An edit of scenario data (as read from TOML), in place.
Edit = Callable[[dict[str, Any]], None]


def scenario_data() -> dict[str, Any]:
    """The tiny world's scenario with every section, as data to spoil."""
    return tomllib.loads(BASE_TOML + FULL_BODY)


def at(*path: Any, value: object) -> Edit:
    """An edit setting ``value`` at ``path`` (keys and list positions; tables are made)."""

    def edit(data: dict[str, Any]) -> None:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = value

    return edit


def widened(name: str, value: float) -> Edit:
    """Parameter ``name`` at ``value``, its declared range widened far around it.

    Only the hard bounds, which hold whatever range a scenario declares, can stop it.
    """
    low, high = min(value, -1e300), max(value, 1e300)
    return at("parameters", name, value={"value": value, "low": low, "high": high, "reason": "x"})


def fifo(folder: Path, name: str = "pipe.csv") -> str:
    """A named pipe at ``folder/name``: reading it would block for ever."""
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)
    return name


def symlink_out(folder: Path, name: str = "out.csv") -> str:
    """A symbolic link at ``folder/name`` to a file outside the folder."""
    (folder / name).unlink(missing_ok=True)
    (folder / name).symlink_to("/etc/passwd")
    return name


def symlink_loop(folder: Path, name: str = "loop.csv") -> str:
    """A symbolic link at ``folder/name`` to itself."""
    (folder / name).symlink_to(folder / name)
    return name


def a_folder(folder: Path, name: str = "tables") -> str:
    """A folder where a file is expected."""
    (folder / name).mkdir()
    return name


def toml_text(data: Mapping[str, Any]) -> str:
    """Scenario data as TOML: scalars and inline tables first, then arrays of tables."""
    head = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not _is_table_array(v)]
    tables = []
    for key, rows in data.items():
        if _is_table_array(rows):
            for row in rows:
                body = "\n".join(f"{_key(k)} = {_value(v)}" for k, v in row.items())
                tables.append(f"[[{key}]]\n{body}")
    return "\n".join(head) + "\n\n" + "\n\n".join(tables) + "\n"


def _is_table_array(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else json.dumps(name)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def summary_line() -> str:
    """One line per area: how many cases were tried and how each ended."""
    areas = sorted({area for area, _ in TRIED})
    parts = []
    for area in areas:
        clean, result = TRIED[area, "clean error"], TRIED[area, "result"]
        parts.append(f"{area} {clean + result} ({clean} clean errors, {result} results)")
    total = sum(TRIED.values())
    return f"hostile-input cases tried: {total} — " + "; ".join(parts)
