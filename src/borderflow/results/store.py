"""Results on disk, written atomically.

A results folder is built under a temporary name beside its destination and
renamed into place only when every file is written, so a crashed or
interrupted run never leaves a folder that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"


def write_atomically(folder: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` to fill a temporary folder, then move it to ``folder``."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        write(tmp)
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            folder.rename(old)
        tmp.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def write_json(path: Path, data: Any) -> None:
    """Write JSON (dates as ISO strings)."""
    path.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a table as Parquet."""
    frame.to_parquet(path, index=False)


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a finished result (its manifest is written last)."""
    return (Path(folder) / MANIFEST).is_file()
