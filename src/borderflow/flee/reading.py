"""Reading the files of a Flee folder: one reader that collects every problem and warning."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from borderflow.scenario.errors import Problem, ScenarioError
from borderflow.scenario.files import (
    MAX_FILE_BYTES,
    CsvRecordError,
    csv_records,
    read_text_safely,
)

#: Words of Flee's column headers: a row with two of them is a header written without ``#``.
HEADER_WORDS = frozenset(
    {
        "name",
        "name1",
        "name2",
        "distance",
        "region",
        "country",
        "lat",
        "lon",
        "latitude",
        "longitude",
        "location_type",
        "conflict_date",
        "population",
        "forced_redirection",
    }
)


class Reader:
    """Collects problems while reading the files of one Flee folder and its validation folder.

    Every file is read once, through :func:`read_text_safely`: a regular file inside its
    folder, of bounded size, UTF-8 text.
    """

    def __init__(self, *folders: Path):
        self.folders = folders
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self._texts: dict[Path, str | None] = {}

    def warn(self, file: str, where: str, message: str, value: object = None) -> None:
        """Note what Flee accepts but was probably not meant."""
        self.warnings.append(Problem(file, where, message, value))

    def fail(self, file: str, where: str, message: str, value: object = None) -> None:
        """Note a problem: the folder will be refused."""
        self.problems.append(Problem(file, where, message, value))

    def text(
        self,
        folder: Path,
        name: str,
        *,
        optional: bool = False,
        named_by: tuple[str, str] | None = None,
        limit: int = MAX_FILE_BYTES,
    ) -> str | None:
        """The text of file ``name`` inside ``folder``, or None (with a problem unless optional)."""
        path = folder / name
        if path not in self._texts:
            text = None
            if not optional or os.path.lexists(path):
                try:
                    text = read_text_safely(
                        name,
                        inside=folder,
                        label=self.name(path),
                        named_by=named_by,
                        limit=limit,
                    )
                except ScenarioError as exc:
                    self.problems += exc.problems
            self._texts[path] = text
        return self._texts[path]

    def rows(
        self,
        folder: Path,
        name: str,
        optional: bool = False,
        named_by: tuple[str, str] | None = None,
    ) -> list[tuple[int, list[str]]] | None:
        """Data rows (line number, cells), headers and comments (``#``) left out."""
        text = self.text(folder, name, optional=optional, named_by=named_by)
        if text is None:
            return None
        file = self.name(folder / name)
        out = []
        try:
            for number, cells in csv_records(text):
                if not cells or not "".join(cells).strip():
                    continue
                if cells[0].strip().startswith("#"):
                    continue
                if not cells[0].strip():
                    self.fail(
                        file,
                        f"line {number}",
                        "the first cell is empty (Flee 3.1 crashes on such a row)",
                    )
                    continue
                out.append((number, [c.strip() for c in cells]))
        except CsvRecordError as fault:
            column = "" if fault.column is None else f", column {fault.column + 1}"
            self.fail(file, f"line {fault.line}{column}", fault.message)
        return out

    def header(self, folder: Path, name: str) -> list[str]:
        """The first ``#`` line of a file already read, as cells (the ``#`` dropped)."""
        text = self._texts.get(folder / name)
        try:
            for _, cells in csv_records(text or ""):
                if cells and cells[0].strip().startswith("#"):
                    return [c.strip().lstrip("#") for c in cells]
        except CsvRecordError:
            pass  # reported by rows()
        return []

    def name(self, path: Path) -> str:
        """``path`` as shown in problems: from the folder holding the scenario's folders."""
        for folder in self.folders:
            if path.is_relative_to(folder.parent):
                return str(path.relative_to(folder.parent))
        return str(path)

    def number(
        self, file: str, line: int, column: str, text: str, kind: type, empty: Any = None
    ) -> Any:
        """``text`` as a ``kind`` (``empty`` if blank and given), else a problem and None."""
        if text == "" and empty is not None:
            return empty
        try:
            return kind(float(text)) if kind is int and "." in text else kind(text)
        except (ValueError, OverflowError):  # int(float("1.0e400")) overflows
            self.fail(
                file,
                f"line {line}, column {column}",
                f"expected {'an integer' if kind is int else 'a number'}",
                text,
            )
            return empty if empty is not None else 0

    def header_as_data(self, file: str, line: int, cells: list[str]) -> bool:
        """A header written without ``#``: Flee would read it as a row of data."""
        words = {c.strip().strip('"').lower() for c in cells}
        if len(words & HEADER_WORDS) >= 2:
            self.fail(
                file,
                f"line {line}",
                "looks like a header without '#': Flee would read it as data; "
                "start the line with '#'",
                ",".join(cells),
            )
            return True
        return False
