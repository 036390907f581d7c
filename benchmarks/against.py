"""This tree against another checkout of borderflow, side by side in one run.

Times three workloads in both trees, interleaved rep by rep so that both see the same
machine: the national year (``national-fy2019``, seed 1), the metered port (100 ports ×
10k arrivals, the scenario each tree's ``benchmarks/metered_port.py`` writes) and the Flee
workload (``mali`` with ``hasten`` 1). Each rep is a fresh process, pinned to one core
where ``taskset`` exists, that loads the workload, runs it once to warm up (compiling
the kernels) and then times one run. Prints a table of medians and the ratio of this
tree to the other; a ratio within the reps' spread is noise.

    git worktree add /tmp/borderflow-before HEAD~1
    python benchmarks/against.py /tmp/borderflow-before --reps 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLEE = Path(os.environ.get("BORDERFLOW_SHARED", ROOT.parent / "shared")) / "data" / "flee"

WORKLOADS = {
    "national year": """
import borderflow as b
sc = b.load_scenario("national-fy2019")
go = lambda: b.run(sc, 1)
""",
    "metered port 1M": """
import pathlib, sys, tempfile
sys.path.insert(0, "benchmarks")
from metered_port import write_scenario
import borderflow as b
tmp = tempfile.TemporaryDirectory()  # removed when the process ends
sc = b.load_scenario(write_scenario(pathlib.Path(tmp.name), ports=100, days=1000))
go = lambda: b.run(sc, 1)
""",
    "flee mali": """
import dataclasses
from borderflow.flee.io import load_flee
from borderflow.flee.run import run_flee
sc = load_flee({flee!r} + "/conflict_input/mali", {flee!r} + "/conflict_validation/mali2012")
opt = {{**sc.settings.get("optimisations", {{}}), "hasten": 1}}
sc = dataclasses.replace(sc, settings={{**sc.settings, "optimisations": opt}})
go = lambda: run_flee(sc, 1)
""",
}

TIMER = """
import time
go()
t0 = time.perf_counter()
go()
print(time.perf_counter() - t0)
"""


def seconds(tree: Path, code: str) -> float:
    """One timed run of ``code`` (which defines ``go``) with ``tree``'s borderflow."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    done = subprocess.run(
        [*pin, sys.executable, "-c", code + TIMER],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (its src/ is imported)")
    parser.add_argument("--reps", type=int, default=3, help="timed runs per tree and workload")
    parser.add_argument("--json", type=Path, help="also write the timings here")
    args = parser.parse_args()
    # Each tree writes its own metered-port scenario (100 ports, 10k arrivals a port) with
    # its own benchmarks/metered_port.py: the same queue, in the parameters it knows.
    fill = {"flee": str(FLEE)}
    trees = {"this tree": ROOT, "other": args.other.resolve()}
    times: dict[str, dict[str, list[float]]] = {w: {t: [] for t in trees} for w in WORKLOADS}
    for rep in range(args.reps):
        for name, template in WORKLOADS.items():
            for tree_name, tree in trees.items():
                t = seconds(tree, template.format(**fill))
                times[name][tree_name].append(t)
                print(f"rep {rep + 1}: {name}, {tree_name}: {t:.3f} s", flush=True)
    table = Table(title=f"this tree against {args.other} (median of {args.reps}, seconds)")
    for col in ("workload", "this tree", "other", "ratio", "spread (this / other)"):
        table.add_column(col, justify="right" if col != "workload" else "left")
    for name, by_tree in times.items():
        mine, other = (statistics.median(by_tree[t]) for t in trees)
        spread = " / ".join(
            f"{min(v):.2f}–{max(v):.2f}" for v in (by_tree["this tree"], by_tree["other"])
        )
        table.add_row(name, f"{mine:.3f}", f"{other:.3f}", f"{mine / other:.2f}", spread)
    Console().print(table)
    if args.json:
        args.json.write_text(json.dumps(times, indent=1))


if __name__ == "__main__":
    main()
