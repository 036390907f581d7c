"""Results on disk: folders borderflow owns, written so that nothing else is ever lost.

Every result is a folder whose ``manifest.json`` is written last and records the result's
``kind`` (``run``, ``flee-run``, ``ensemble``, ``calibration``, ``sensitivity``,
``compare``, ``report``) and its files. :func:`claim_output` decides whether a path may
take a result of a kind: a path that does not exist, an empty folder, or a folder holding
a result of that kind in which every entry is one borderflow writes for it. Anything else (a file, a
folder of other files, a result of another kind, a result with a file added) is refused
with an :class:`OutputRefusedError` naming the path, and left as it was: borderflow never
deletes, moves or hides what it did not write.

:func:`write_atomically` builds a result in a temporary folder inside its destination and
moves the entries into place once every file is written, the manifest last. A crashed or
interrupted write never leaves a folder that looks complete, an old result survives a
write that fails, and the destination folder itself (which may be the working directory
or a mount point) is never replaced, so it keeps its owner and mode. Single files are
replaced through a temporary sibling (:func:`replace_file`). When the operating system
refuses a write (disk full, read-only, name too long, permission), an :class:`OutputError`
names the user's path and the cause, and the temporary files are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
REPORT_FILE = "report.html"
FIGURES = "figures"
#: Start of the name of a temporary folder a result is built in, inside its destination.
PARTIAL_PREFIX = ".borderflow-partial-"
#: Longest folder name :func:`folder_name` gives (far below the 255 bytes file systems allow).
NAME_LIMIT = 120
_TEMP_FILE = re.compile(r"^\.(?P<name>.+)\.\d+\.tmp$")
#: A temporary folder's name: the kind, the writing process (absent in older names), a tag.
_PARTIAL = re.compile(
    "^" + re.escape(PARTIAL_PREFIX) + r"(?P<kind>.+?)(?:-(?P<pid>\d+))?-(?P<tag>[a-z0-9_]+)$"
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")
_SHOWN = 3


class OutputError(OSError):
    """A result that could not be written; ``str()`` names the path and the cause in one line.

    Attributes:
        path: the user's path (a result's file or folder, never a temporary name).
        reason: why, e.g. ``No space left on device``.
    """

    def __init__(self, path: str | Path, reason: str, code: int | None = None):
        super().__init__(code, reason, str(path))
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


class OutputRefusedError(OutputError, FileExistsError):
    """The path holds something borderflow did not write, or a result of another kind."""


@dataclass(frozen=True)
class Kind:
    """A kind of result, so that borderflow knows which folders, and which entries, it wrote.

    An entry counts as borderflow's only if all of it is: a file borderflow names, or a
    subfolder (``folders``) holding nothing but the files it writes there, so that replacing
    a result never deletes a file someone put inside one of its subfolders.

    Attributes:
        name: recorded in the manifest as ``kind``.
        files: the names borderflow writes in a folder of this kind (besides the manifest).
        signature: a file only this kind writes, which recognises a result written before
            manifests recorded their kind.
        marker: a file written first, which marks an unfinished folder of this kind.
        folders: the subfolders borderflow writes, each with what it holds: a pattern of
            file names, or the kind of result written there.
    """

    name: str
    files: frozenset[str] = frozenset()
    signature: str | None = None
    marker: str | None = None
    folders: Mapping[str, str | Kind] = field(default_factory=dict)

    def owns(self, entry: str) -> bool:
        """Whether ``entry`` of a folder of this kind is one borderflow writes there."""
        if entry.startswith(PARTIAL_PREFIX):
            return True
        temp = _TEMP_FILE.match(entry)
        name = temp["name"] if temp else entry
        return name == MANIFEST or name in self.files


#: What a kind's subfolder holds: file names matching a pattern, or a result of a kind.
#: A result's figures, written by ``--png`` or ``borderflow report --png``.
FIGURE_FILES = r"[\w.-]+\.png"


#: A result whose files only its writer knows: those its manifest lists.
RESULT = Kind("result")


# ---------------------------------------------------------------- errors and names


def describe(exc: OSError) -> str:
    """The cause of an operating-system error in words (``No space left on device``)."""
    if isinstance(exc, OutputError):
        return exc.reason
    if exc.errno:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc) or type(exc).__name__


@contextlib.contextmanager
def reported_as(path: str | Path) -> Iterator[None]:
    """Turn an operating-system error inside the block into an :class:`OutputError` on ``path``."""
    try:
        yield
    except OutputRefusedError:
        raise
    except OSError as exc:
        raise OutputError(path, describe(exc), exc.errno) from exc


def output_path(folder: str | Path) -> Path:
    """``folder`` as given, made absolute when it has no name of its own (``.``, ``..``)."""
    path = Path(folder)
    return Path(os.path.abspath(path)) if path.name in ("", "..") else path


def folder_name(*parts: str) -> str:
    """A folder name from ``parts`` joined by ``-``, safe on any file system and bounded.

    Characters other than letters, digits and ``._=+-`` become ``_``. A name longer than
    :data:`NAME_LIMIT` keeps its start and its last part (the seed), with a short hash of
    all the parts between them, so different parts still give different names.
    """
    safe = [_UNSAFE.sub("_", part) for part in parts if part]
    name = "-".join(safe).lstrip(".-") or "result"
    if len(name) <= NAME_LIMIT:
        return name
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:10]
    tail = safe[-1][-24:]
    return f"{name[: NAME_LIMIT - len(digest) - len(tail) - 2]}-{digest}-{tail}"


def temp_name(name: str) -> str:
    """The temporary name a file ``name`` is written under before its rename."""
    return f".{name}.{os.getpid()}.tmp"


def _show(entries: Sequence[str]) -> str:
    names = [e if e.isprintable() else repr(e) for e in entries[:_SHOWN]]
    more = len(entries) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")


# ---------------------------------------------------------------- what a folder holds


def _manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _manifest_kind(folder: Path, data: dict[str, Any], kind: Kind) -> str | None:
    """The kind a manifest records; for an older manifest, ``kind`` if its signature is there."""
    if "kind" in data:
        return str(data["kind"])
    if kind.signature and (folder / kind.signature).exists():
        return kind.name
    return None


def _kind_of(folder: Path, entries: Sequence[str], kind: Kind) -> str | None:
    """The kind of borderflow result ``folder`` holds, finished or not; ``None`` if none."""
    if MANIFEST in entries:
        data = _manifest(folder)
        return None if data is None else _manifest_kind(folder, data, kind) or "older"
    if kind.marker and kind.marker in entries:
        return kind.name
    for entry in entries:
        partial = _PARTIAL.match(entry)
        if partial:
            return partial["kind"]
    return None


def _partial_prefix(kind: Kind) -> str:
    """The start of the name of a temporary folder this process builds a result in."""
    return f"{PARTIAL_PREFIX}{kind.name}-{os.getpid()}-"


def _written_now(entry: str) -> bool:
    """Whether ``entry`` is a temporary folder another live process is writing a result in.

    Two commands writing the same folder at once each leave the other's work alone; the
    one that finishes last replaces the result. A folder left by a process that is gone
    (killed mid-write) is not being written: it is cleared with the old result.
    """
    partial = _PARTIAL.match(entry)
    if partial is None or partial["pid"] is None:
        return False
    pid = int(partial["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


def _named(folder: Path, entries: Sequence[str], kind: Kind) -> list[str]:
    """The entries of a result of ``kind`` that bear names borderflow writes (kind, manifest)."""
    listed = (_manifest(folder) or {}).get("files")
    listed = set(listed) if isinstance(listed, list) else set()
    return [e for e in entries if kind.owns(e) or e in listed]


def _owned(folder: Path, entries: Sequence[str], kind: Kind) -> list[str]:
    """The entries of a result of ``kind`` that borderflow wrote, all of them."""
    return [e for e in _named(folder, entries, kind) if _stranger(folder, e, kind) is None]


def _stranger(folder: Path, entry: str, kind: Kind) -> str | None:
    """Something in ``folder/entry`` that borderflow did not write (its path), or None.

    Links are never borderflow's. A subfolder must be one the kind writes and hold only
    what it writes there; a file must not stand where the kind writes a folder.
    """
    path = folder / entry
    if path.is_symlink():
        return entry
    if not path.is_dir():
        return entry if entry in kind.folders else None
    if entry.startswith(PARTIAL_PREFIX):
        return None
    holds = kind.folders.get(entry)
    if holds is None:
        return entry
    inside = sorted(os.listdir(path))
    if isinstance(holds, Kind):
        named = set(_named(path, inside, holds))
        for name in inside:
            stranger = name if name not in named else _stranger(path, name, holds)
            if stranger is not None:
                return f"{entry}/{stranger}"
        return None
    for name in inside:
        temp = _TEMP_FILE.match(name)
        bare = temp["name"] if temp else name
        if (path / name).is_symlink() or not (path / name).is_file():
            return f"{entry}/{name}"
        if not re.fullmatch(holds, bare):
            return f"{entry}/{name}"
    return None


def claim_output(folder: str | Path, kind: Kind, *, replace: bool = True) -> Path:
    """Check that a result of ``kind`` may be written at ``folder``; return the path to use.

    Allowed: a path that does not exist, an empty folder, or a folder holding a result of
    ``kind`` (finished, or left unfinished by borderflow). With ``replace`` the old
    result's entries are to be removed, so each must be one borderflow writes for
    ``kind``. Nothing is touched here.

    Raises:
        OutputRefusedError: naming the path and what it holds.
        OutputError: the path cannot be looked at (name too long, permission).
    """
    path = output_path(folder)
    with reported_as(path):
        if not path.exists():
            if path.is_symlink():
                raise OutputRefusedError(
                    path, "it is a link to nothing; choose a new or empty folder"
                )
            return path
        if not path.is_dir():
            raise OutputRefusedError(
                path, "it is a file, not a folder; choose a new or empty folder"
            )
        entries = sorted(os.listdir(path))
    if not entries:
        return path
    found = _kind_of(path, entries, kind)
    if found is None:
        raise OutputRefusedError(
            path,
            f"it holds {_show(entries)} and is not a borderflow result; "
            "choose a new or empty folder",
        )
    if found != kind.name:
        what = "an older" if found == "older" else f"a {found}"
        raise OutputRefusedError(
            path, f"it holds {what} borderflow result, not a {kind.name}; choose another folder"
        )
    named = _named(path, entries, kind)
    # What stands under a name borderflow writes may be overwritten even when the rest is kept.
    strangers = [s for s in (_stranger(path, e, kind) for e in named) if s is not None]
    if replace:
        strangers += sorted(set(entries) - set(named))
    if strangers:
        raise OutputRefusedError(
            path,
            f"it holds {_show(sorted(strangers))}, which borderflow did not write there; move "
            f"{'it' if len(strangers) == 1 else 'them'} out or choose another folder",
        )
    return path


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a finished result (its manifest is written last)."""
    return (Path(folder) / MANIFEST).is_file()


def require_finished(folder: str | Path, *kinds: Kind) -> Kind:
    """The kind of the finished result at ``folder``, which must be one of ``kinds``.

    Raises:
        FileNotFoundError: no finished result there, or one of another kind.
    """
    path = Path(folder)
    if not is_complete(path):
        raise FileNotFoundError(f"{path} is not a complete results folder (no {MANIFEST})")
    data = _manifest(path)
    if data is None:
        raise FileNotFoundError(f"{path / MANIFEST} cannot be read")
    listed = data.get("files")
    missing = (
        [f for f in listed if not (path / str(f)).exists()] if isinstance(listed, list) else []
    )
    if missing:
        # A result missing a file its manifest lists was damaged after it was written.
        raise FileNotFoundError(f"{path} is missing {_show(missing)}, which its manifest lists")
    for kind in kinds:
        if _manifest_kind(path, data, kind) == kind.name:
            return kind
    found = f"a borderflow {data['kind']}" if "kind" in data else "another kind of borderflow"
    wanted = " or ".join(k.name for k in kinds)
    raise FileNotFoundError(f"{path} holds {found} result, not a {wanted}")


# ---------------------------------------------------------------- writing


def write_atomically(
    folder: str | Path,
    write: Callable[[Path], None],
    kind: Kind = RESULT,
    manifest: dict[str, Any] | None = None,
    *,
    replace: bool = True,
) -> Path:
    """Call ``write(tmp)`` to fill a temporary folder, then move its entries into ``folder``.

    Args:
        folder: the destination (see :func:`claim_output` for what it may hold).
        write: writes the result's files into the folder it is given.
        kind: the kind of result, recorded in the manifest.
        manifest: what the manifest records besides the kind and the files.
        replace: remove the old result's entries; without it, keep those not written
            again (a page rebuilt beside the runs it compares).

    Returns:
        The folder.

    Raises:
        OutputRefusedError: ``folder`` holds something borderflow may not replace.
        OutputError: the system refused a write; it names the user's path. Nothing of
            the new result is left, and an old result is kept.
    """
    path = claim_output(folder, kind, replace=replace)
    with made_folder(path):
        with reported_as(path):
            tmp = Path(tempfile.mkdtemp(prefix=_partial_prefix(kind), dir=path))
        try:
            write(tmp)
            files = sorted(os.listdir(tmp))
            write_json(tmp / MANIFEST, {"kind": kind.name, **(manifest or {}), "files": files})
            _move_in(path, tmp, kind, replace)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError) and not isinstance(exc, OutputRefusedError):
                raise _on_user_path(exc, tmp, path) from exc
            raise
    with contextlib.suppress(OSError):
        tmp.rmdir()
    return path


@contextlib.contextmanager
def made_folder(path: Path) -> Iterator[None]:
    """Make ``path`` and its missing parents; if the block fails, remove the folders made here.

    Only folders that did not exist before are removed, with what the block put in them.
    """
    missing = []
    with reported_as(path):
        probe = path
        while not probe.exists() and probe != probe.parent:
            missing.append(probe)
            probe = probe.parent
    try:
        if missing:
            with reported_as(missing[0]):
                missing[0].mkdir(parents=True, exist_ok=True)
        yield
    except BaseException:
        if missing:
            shutil.rmtree(missing[-1], ignore_errors=True)
        raise


def _on_user_path(exc: OSError, tmp: Path | None, folder: Path) -> OutputError:
    """``exc`` as an :class:`OutputError` naming the result's path, not the temporary one."""
    named = Path(os.fsdecode(exc.filename)) if exc.filename else folder
    if tmp is not None and Path(os.path.abspath(named)).is_relative_to(os.path.abspath(tmp)):
        named = folder / Path(os.path.abspath(named)).relative_to(os.path.abspath(tmp))
    return OutputError(named, describe(exc), exc.errno)


def _move_in(folder: Path, tmp: Path, kind: Kind, replace: bool) -> None:
    """Swap the old result's entries for the new ones, the manifest first out and last in.

    The old entries wait in a second temporary folder until the new ones are in place; if
    a rename fails, everything is moved back, so the old result is whole again.
    """
    new = sorted(os.listdir(tmp), key=lambda e: e == MANIFEST)
    entries = [e for e in os.listdir(folder) if e != tmp.name]
    old = [
        e for e in _owned(folder, entries, kind) if (replace or e in new) and not _written_now(e)
    ]
    old.sort(key=lambda e: e != MANIFEST)
    aside = None
    if old:
        aside = Path(tempfile.mkdtemp(prefix=_partial_prefix(kind), dir=folder))
    moved_out: list[str] = []
    moved_in: list[str] = []
    try:
        if aside is not None:
            _move(old, folder, aside, moved_out)
        clash = [e for e in new if os.path.lexists(folder / e)]
        if clash:
            raise OutputRefusedError(folder / clash[0], "it appeared while the result was written")
        _move(new, tmp, folder, moved_in)
    except BaseException:
        # Best effort: whatever cannot be moved back stays in a folder borderflow knows.
        with contextlib.suppress(OSError):
            _move(moved_in[::-1], folder, tmp, [])
            if aside is not None:
                _move(moved_out[::-1], aside, folder, [])
                aside.rmdir()
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _move(entries: Sequence[str], source: Path, target: Path, moved: list[str]) -> None:
    """Rename each entry from ``source`` into ``target``, noting in ``moved`` those done."""
    for entry in entries:
        os.replace(source / entry, target / entry)
        moved.append(entry)


def replace_file(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write one file through a temporary sibling and a rename: it is whole or absent.

    ``write(tmp)`` writes the file's contents to ``tmp``; the temporary file is removed if
    anything fails, and an operating-system error names ``path``.
    """
    path = Path(path)
    tmp = path.with_name(temp_name(path.name))
    try:
        with reported_as(path):
            write(tmp)
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return path


def write_manifest(folder: Path, kind: Kind, data: dict[str, Any], files: Sequence[str]) -> None:
    """Replace ``folder``'s manifest: the result's kind, ``data`` and its ``files``."""
    record = {"kind": kind.name, **data, "files": sorted(files)}
    replace_file(folder / MANIFEST, lambda tmp: write_json(tmp, record))


def write_json(path: Path, data: Any) -> None:
    """Write JSON (dates as ISO strings)."""
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n"
    write_text(path, text)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text."""
    with reported_as(path):
        Path(path).write_text(text, encoding="utf-8")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a table as Parquet."""
    with reported_as(path):
        frame.to_parquet(path, index=False)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a table as CSV (no index)."""
    with reported_as(path):
        frame.to_csv(path, index=False)
