"""Peak memory of the current process, robust to what a parent process held."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_mib() -> float:
    """The process's own peak resident memory in MiB.

    ``ru_maxrss`` of a child can start from its parent's size at the fork, so the
    kernel's high-water mark of this process image (``VmHWM``) is used where there is one.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
