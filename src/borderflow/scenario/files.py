"""Reading a scenario's files: regular files inside its folder, of bounded size, as UTF-8 text.

A scenario folder (or a Flee folder) may come from someone else, so a path it names is
trusted no further than the folder: no absolute path, no ``..`` or symbolic link leading out
of it, no NUL character. What is read must be a regular file (checked before it is opened, so
a named pipe never blocks and a device is never read), of at most :data:`MAX_FILE_BYTES`, and
UTF-8 text (a byte-order mark is dropped; CRLF line ends are fine). TOML nested deeper than
:data:`MAX_DEPTH` and CSV cells longer than :data:`MAX_CELL_CHARS` are refused before they can
exhaust the parser or the error message.

Every refusal is a :class:`ScenarioError` with one :class:`Problem` naming the file (or the
field that names it) and what was expected; no problem shows a file's contents.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

from borderflow.scenario.errors import Problem, ScenarioError

#: The largest file read, 64 MiB: hundreds of times any real input (the bundled network's
#: tables are 8 KB, the largest published Flee table 160 KB; a million routes, about 40 MB,
#: still fit), yet small enough that reading and parsing a file takes seconds and far less
#: than a gigabyte of memory, whatever it is.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The largest scenario file (TOML), 4 MiB: it is written by hand (the largest bundled one is
#: 13 KB; 20,000 dated policies take about 2 MB), and at this size even a hostile file is
#: checked and parsed within a second.
MAX_SETTINGS_BYTES = 4 * 1024 * 1024
#: The longest CSV cell: names, numbers and mode lists are at most a few dozen characters.
MAX_CELL_CHARS = 10_000
#: The deepest nesting of tables and arrays (or parts of a dotted key) in a TOML or YAML file.
#: A scenario needs four (``parameters.p_renege.value``); Python's parsers recurse, and a
#: dotted key costs time growing with the square of its parts.
MAX_DEPTH = 32

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)
# A dotted key of more than MAX_DEPTH parts, once the blanks around its dots are taken out.
# Both patterns start only where a run begins (the look-behinds), so each runs in linear time.
_BLANKS_AROUND_DOTS = re.compile(r"(?<![ \t])[ \t]*+\.[ \t]*+")
# A field of more than MAX_CELL_CHARS characters, tried only where a field starts.
_LONG_FIELD = re.compile(rf"(?<![^,])[^,]{{{MAX_CELL_CHARS + 1}}}")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_DEEP_DOTTED_KEY = re.compile(
    rf"""(?<![A-Za-z0-9_"'.-]){_KEY_PART}(?:\.{_KEY_PART}){{{MAX_DEPTH}}}"""
)


def refuse(file: str, where: str, message: str, value: object = None) -> NoReturn:
    """Raise a :class:`ScenarioError` with this one problem."""
    raise ScenarioError([Problem(file, where, message, value)])


def inside_folder(ref: str | Path, folder: Path, named_by: tuple[str, str]) -> Path:
    """The real path of ``ref``, relative to ``folder``, if it stays inside the folder.

    Args:
        ref: the path as written (in a TOML key or a CSV cell).
        folder: the folder it must stay in, after following symbolic links.
        named_by: the file and the field that name the path, for the problem.

    Raises:
        ScenarioError: for a NUL character, an empty or absolute path, a path leading out of
            the folder (through ``..`` or a symbolic link), or a loop of symbolic links.
    """
    file, where = named_by
    text = str(ref)
    shown = f"{folder.name or folder}/"
    if "\x00" in text:
        refuse(file, where, "a path may not hold a NUL character", text)
    if not text.strip():
        refuse(file, where, "an empty path; expected a file name")
    if Path(text).is_absolute():
        refuse(
            file,
            where,
            f"an absolute path; expected a file inside {shown}, named relative to it",
            text,
        )
    try:
        real = (folder / text).resolve()
        root = folder.resolve()
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError for a loop
        refuse(file, where, "a loop of symbolic links; expected a file", text)
    if not real.is_relative_to(root):
        refuse(
            file,
            where,
            f"leads out of {shown} (through '..' or a symbolic link); expected a file inside it",
            text,
        )
    return real


def read_text_safely(
    ref: str | Path,
    *,
    inside: Path | None,
    label: str,
    named_by: tuple[str, str] | None = None,
    limit: int = MAX_FILE_BYTES,
) -> str:
    """The text of a regular file of at most ``limit`` bytes of UTF-8, inside ``inside``.

    Args:
        ref: the file, relative to ``inside``; with ``inside=None``, a path the user chose
            on the command line (the scenario file itself), taken as it is.
        inside: the folder the file must stay in.
        label: the file's name in problems about the file itself.
        named_by: the file and field that name ``ref``, for problems with the path
            [default: ``(label, "file")``].
        limit: the largest size accepted, in bytes.

    Raises:
        ScenarioError: with one problem naming the file and what was expected.
    """
    if inside is None:
        if "\x00" in str(ref):
            refuse(label, "file", "a path may not hold a NUL character")
        path = Path(ref)
    else:
        path = inside_folder(ref, inside, named_by or (label, "file"))
    return decode(read_regular(path, label, limit), label)


def read_regular(path: Path, label: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    The file's kind is checked before it is opened (a named pipe would block, a device never
    ends), and again on the open file, in case it was swapped in between.
    """
    check_regular(path, label, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        with os.fdopen(os.open(path, flags), "rb") as handle:
            _check_kind(os.fstat(handle.fileno()), label, limit)
            data = handle.read(limit + 1)
    except OSError as exc:
        refuse(label, "file", f"cannot be read: {exc.strerror or type(exc).__name__}")
    if len(data) > limit:
        refuse(label, "file", f"larger than {_size(limit)}, the limit")
    return data


def check_regular(path: Path, label: str, limit: int = MAX_FILE_BYTES) -> None:
    """Raise unless ``path`` is a regular file of at most ``limit`` bytes; it is not opened."""
    try:
        _check_kind(os.stat(path), label, limit)
    except FileNotFoundError:
        refuse(label, "file", "missing: no such file")
    except OSError as exc:
        refuse(label, "file", f"cannot be read: {exc.strerror or type(exc).__name__}")


def _check_kind(info: os.stat_result, label: str, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        refuse(label, "file", f"{kind}; expected a regular file")
    if info.st_size > limit:
        refuse(label, "file", f"{_size(info.st_size)}; the limit is {_size(limit)}")


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


def decode(data: bytes, label: str) -> str:
    """``data`` as UTF-8 text (a byte-order mark dropped), or a problem naming the line."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        refuse(label, "file", "UTF-16 text; expected UTF-8: save the file as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        refuse(label, f"line {line}", "a NUL byte, so a binary file; expected UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        refuse(
            label,
            f"line {line}",
            f"byte 0x{data[exc.start]:02X} is not UTF-8; expected UTF-8 text "
            "(a file saved as Latin-1 or Windows-1252? save it as UTF-8)",
        )


def parse_toml(text: str, label: str) -> dict[str, Any]:
    """TOML ``text`` as a dict, nested at most :data:`MAX_DEPTH` deep.

    Raises:
        ScenarioError: for a syntax error or nesting too deep, naming the line where known.
    """
    # tomllib takes time growing with the square of a dotted key's parts (a second for 10,000).
    if text.count(".") >= MAX_DEPTH:
        squeezed = _BLANKS_AROUND_DOTS.sub(".", text)
        deep = _DEEP_DOTTED_KEY.search(squeezed)
        if deep is not None:
            line = squeezed.count("\n", 0, deep.start()) + 1
            refuse(label, f"line {line}", f"a dotted key of more than {MAX_DEPTH} parts")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        refuse(label, "TOML syntax", str(exc))
    except RecursionError:
        refuse(label, "TOML syntax", f"tables or arrays nested more than {MAX_DEPTH} deep")
    where = too_deep(data)
    if where is not None:
        refuse(label, where, f"tables or arrays nested more than {MAX_DEPTH} deep")
    return data


def too_deep(data: object, limit: int = MAX_DEPTH) -> str | None:
    """The dotted path of the first table or array nested deeper than ``limit``, if any.

    A table or array met again at the same depth is not walked again: YAML's aliases can
    make a few lines stand for more paths than there are atoms in the universe.
    """
    todo: list[tuple[object, int, str]] = [(data, 0, "")]
    seen: set[tuple[int, int]] = set()
    while todo:
        node, depth, where = todo.pop()
        if depth > limit:
            return where
        if (id(node), depth) in seen:
            continue
        seen.add((id(node), depth))
        items: Iterable[tuple[object, object]]
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, child in items:
            if isinstance(child, dict | list):
                inner = f"{where}[{key + 1}]" if isinstance(key, int) else f"{where}.{key}"
                todo.append((child, depth + 1, inner.removeprefix(".")))
    return None


class CsvRecordError(Exception):
    """A CSV record that cannot be read: its line, its column (0-based) if known, and why."""

    def __init__(self, line: int, column: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """The records of CSV ``text``, each as (line number of its first line, cells).

    The text is read as a whole, so a quoted cell may hold a line break and keeps it (an
    id written across two lines is then refused by its pattern, never joined up).

    Raises:
        CsvRecordError: at the first record that is not CSV or has a cell longer than
            :data:`MAX_CELL_CHARS`; the cell itself is never part of the message.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    first_line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The csv module's own limit (128 KiB) is above ours: a cell past it is too long.
            if "field larger than field limit" in str(exc):
                lines = text.splitlines()
                line = reader.line_num
                column = _long_cell(lines[line - 1]) if 0 < line <= len(lines) else None
                raise CsvRecordError(first_line, column, _too_long(None)) from None
            raise CsvRecordError(first_line, None, f"not CSV: {exc}") from None
        for column, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                raise CsvRecordError(first_line, column, _too_long(len(cell)))
        yield first_line, cells
        # The next record starts on the line after this one's last (line_num counts lines).
        first_line = reader.line_num + 1


def _too_long(chars: int | None) -> str:
    size = f"more than {csv.field_size_limit():,}" if chars is None else f"{chars:,}"
    return f"a cell of {size} characters; the limit is {MAX_CELL_CHARS:,}"


def _long_cell(line: str) -> int | None:
    """The column of the first over-long cell of ``line`` (the fields before it, counted)."""
    run = _LONG_FIELD.search(line)
    if run is None:
        return None
    try:
        before = next(csv.reader([line[: run.start()]]), [""])
    except csv.Error:
        return None
    return len(before) - 1
