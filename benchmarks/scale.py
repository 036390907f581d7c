"""Scale: a year of background flow to the whole border at growing volume.

Each size runs in its own process (so peak memory is that run's own), ``--reps`` times
(median and range), and the table shows wall time, state changes, time per state change
and bytes of state per person. Cost should grow with the number of state changes, not
with people × days: the time per change should stay flat as the volume grows. Three
views of it: all the time over the changes; the time beyond the fixed cost of a run (a
run of the same days with a hundred people) over the changes; and the marginal cost,
the slope of time against changes from the size before.

    python benchmarks/scale.py            # 10k, 100k, 1M people a year
    python benchmarks/scale.py --sizes 10000 100000
    python benchmarks/scale.py --scenario national-fy2019 --sizes 10000 100000 1000000 10000000

With ``--scenario`` a bundled scenario is scaled (``Scenario.scaled``: departures and
capacities together) so that about that many people set out.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from peers.memory import peak_mib as peak_memory_mib

SCENARIO = """
name = "scale"
title = "A year of background flow at {per_year} people"
start = 2018-10-01
end = 2019-09-30
network = "central-america-mexico"

[levers]
quota = {{ default = {quota} }}
beds = {{ default = {beds} }}

[background]
daily = {{ HND = {hnd}, GTM = {gtm}, SLV = {slv}, MEX = {mex}, OTH = {oth} }}
origins = {{ HND = "san_pedro_sula", GTM = "guatemala_city", SLV = "san_salvador", \
MEX = "morelia", OTH = "tapachula" }}
destinations = {{ tijuana = 0.15, mexicali = 0.05, nogales = 0.05, ciudad_juarez = 0.2, \
piedras_negras = 0.05, nuevo_laredo = 0.1, reynosa = 0.3, matamoros = 0.1 }}
household = {{ single_adult = 0.5, family_adult = 0.25, family_child = 0.23, \
unaccompanied_child = 0.02 }}
"""


def write(folder: Path, per_year: int) -> Path:
    per_day = per_year / 365
    shares = {"hnd": 0.35, "gtm": 0.35, "slv": 0.1, "mex": 0.15, "oth": 0.05}
    text = SCENARIO.format(
        per_year=per_year,
        quota=max(1, int(per_day * 0.05)),
        beds=max(1, int(per_day)),
        **{k: round(per_day * v, 3) for k, v in shares.items()},
    )
    path = folder / f"scale-{per_year}.toml"
    path.write_text(text.replace(" \\\n", " "))
    return path


def one(path: str, factor: float | None = None) -> None:
    """Run one size and print a JSON line (called in a subprocess)."""
    import borderflow
    from borderflow.engine.run import run

    sc = borderflow.load_scenario(path)
    if factor is not None:
        sc = sc.scaled(factor)
    t0 = time.perf_counter()
    out = run(sc, seed=1)
    seconds = time.perf_counter() - t0
    peak_mib = peak_memory_mib()
    print(
        json.dumps(
            {
                "people": len(out.people["state"]),
                "seconds": seconds,
                "changes": out.n_changes,
                "bytes_per_person": out.bytes_per_person,
                "peak_mib": peak_mib,
                "stages": out.seconds,
            }
        )
    )


#: People in the run that measures the fixed cost of a run.
FIXED_PEOPLE = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--csv", type=Path, default=Path("benchmarks/scale.csv"))
    parser.add_argument("--scenario", help="scale this bundled scenario instead")
    parser.add_argument(
        "--base-people",
        type=float,
        default=1_670_148,
        help="people who set out in the unscaled scenario (national-fy2019's expected people)",
    )
    parser.add_argument("--reps", type=int, default=3, help="runs per size (median and range)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--factor", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, args.factor)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # A hundred people first: the same days with every stage at work on almost nobody,
        # the fixed cost of a run (start-up, the compiled walk loaded, each day's passes).
        for size in [FIXED_PEOPLE, *args.sizes]:
            command = [sys.executable, __file__]
            if args.scenario:
                command += ["--one", args.scenario, "--factor", str(size / args.base_people)]
            else:
                command += ["--one", str(write(Path(tmp), size))]
            reps = []
            for _ in range(args.reps):
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                reps.append(json.loads(done.stdout.strip().splitlines()[-1]))
            row = reps[0]
            times = [r["seconds"] for r in reps]
            row["seconds"] = statistics.median(times)
            row["min_s"], row["max_s"] = min(times), max(times)
            row["peak_mib"] = max(r["peak_mib"] for r in reps)
            row["reps"] = len(reps)
            row["per_year"] = size
            rows.append(row)
    fixed_row = rows.pop(0)
    fixed = fixed_row["seconds"]
    before = fixed_row
    for r in rows:
        r["fixed_seconds"] = fixed
        r["us_per_change_beyond_fixed"] = (r["seconds"] - fixed) / r["changes"] * 1e6
        # The slope of time against state changes from the size before (the first size
        # from the fixed run): what one more change costs at this volume.
        r["us_per_change_marginal"] = (
            (r["seconds"] - before["seconds"]) / (r["changes"] - before["changes"]) * 1e6
        )
        before = r
    base = rows[0]["seconds"] / rows[0]["changes"]
    what = args.scenario or "a year of background flow"
    table = Table(title=f"borderflow scale: {what} (one core, median of {args.reps} runs)")
    for col in (
        "people a year",
        "people",
        "state changes",
        "seconds, median (min–max)",
        "µs per change",
        "vs smallest",
        "µs per change beyond the fixed cost",
        "µs per change, marginal",
        "bytes/person (state)",
        "peak MiB",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        per_change = r["seconds"] / r["changes"]
        table.add_row(
            f"{r['per_year']:,}",
            f"{r['people']:,}",
            f"{r['changes']:,}",
            f"{r['seconds']:.2f} ({r['min_s']:.2f}–{r['max_s']:.2f})",
            f"{per_change * 1e6:.2f}",
            f"{per_change / base:.2f}×",
            f"{r['us_per_change_beyond_fixed']:.3f}",
            f"{r['us_per_change_marginal']:.3f}",
            str(r["bytes_per_person"]),
            f"{r['peak_mib']:.0f}",
        )
    Console(width=180).print(table)
    Console().print(
        f"Fixed cost of a run (the same days, {FIXED_PEOPLE} people): {fixed:.2f} s; "
        "'beyond the fixed cost' divides the rest by the state changes; 'marginal' is the "
        "slope from the row above (the first row: from the fixed run)."
    )
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with args.csv.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            fieldnames=[
                "per_year",
                "people",
                "changes",
                "seconds",
                "reps",
                "min_s",
                "max_s",
                "fixed_seconds",
                "us_per_change_beyond_fixed",
                "us_per_change_marginal",
                "bytes_per_person",
                "peak_mib",
            ],
        )
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r[k] for k in writer.fieldnames})


if __name__ == "__main__":
    main()
