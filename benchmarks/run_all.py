"""The whole benchmark suite in one command, summarised in one table.

Runs the benchmarks (each its own script, each size in its own process), then
prints one table of the headline ratios measured side by side in this run and writes
``benchmarks/summary.csv``:

    pip install -e ".[bench]"
    python benchmarks/run_all.py            # full sizes: about 45 minutes on 2 cores
    python benchmarks/run_all.py --quick    # small sizes: a few minutes

The targets of the speed issue are printed beside each figure.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent


def _run(script: str, *args: str) -> None:
    print(f"→ python benchmarks/{script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--csv", type=Path, help="summary table [default: benchmarks/summary.csv]")
    args = parser.parse_args()

    suffix = "_quick" if args.quick else ""
    port_csv, flee_csv, scale_csv = (
        HERE / f"{name}{suffix}.csv" for name in ("metered_port", "flee_workload", "scale_national")
    )
    ensemble_csv = HERE / f"ensemble{suffix}.csv"
    if args.quick:
        _run(
            "ensemble.py",
            "--runs",
            "8",
            "--scale",
            "0.05",
            "--reps",
            "1",
            "--csv",
            str(ensemble_csv),
        )
    else:
        _run("ensemble.py", "--csv", str(ensemble_csv))
    if args.quick:
        _run(
            "metered_port.py",
            "--sizes",
            "10000",
            "100000",
            "--reps",
            "1",
            "--ciw-full-max",
            "100000",
            "--csv",
            str(port_csv),
        )
        _run(
            "flee_workload.py",
            "--scenarios",
            "mali",
            "--hasten",
            "10",
            "--reps",
            "1",
            "--csv",
            str(flee_csv),
        )
        _run(
            "scale.py",
            "--scenario",
            "national-fy2019",
            "--sizes",
            "10000",
            "100000",
            "--csv",
            str(scale_csv),
        )
    else:
        _run("metered_port.py", "--csv", str(port_csv))
        _run("flee_workload.py", "--csv", str(flee_csv))
        _run(
            "scale.py",
            "--scenario",
            "national-fy2019",
            "--sizes",
            "10000",
            "100000",
            "1000000",
            "1670148",
            "10000000",
            "--csv",
            str(scale_csv),
        )

    summary_csv = args.csv or HERE / f"summary{suffix}.csv"
    summary: list[dict[str, str]] = []
    for row in _rows(port_csv):
        if row["tool"] != "borderflow":
            summary.append(
                {
                    "benchmark": f"metered port, {int(row['arrivals']):,} arrivals",
                    "figure": f"{row['tool']} time ÷ borderflow time (> 1: borderflow faster)",
                    "value": f"{float(row['ratio_to_borderflow']):.2f}×",
                    "target": "≥ 100× at 1M",
                    "note": row["measured_or_extrapolated"],
                }
            )
    for row in _rows(flee_csv):
        if row["tool"] == "borderflow":
            summary.append(
                {
                    "benchmark": f"Flee workload, {row['scenario']} (hasten {row['hasten']})",
                    "figure": "agent-days/s ÷ Flee 3.1's",
                    "value": f"{float(row['speed_vs_flee']):.1f}×",
                    "target": "≥ 100×, ARD no worse than Flee's",
                    "note": f"ARD {float(row['ard_median']):.3f}",
                }
            )
    scale = _rows(scale_csv)
    for row in scale:
        per_change = float(row["seconds"]) / float(row["changes"]) * 1e6
        beyond = float(row.get("us_per_change_beyond_fixed") or "nan")
        marginal = float(row.get("us_per_change_marginal") or "nan")
        summary.append(
            {
                "benchmark": f"national-fy2019 scaled, {int(row['people']):,} people",
                "figure": "seconds (median) / µs per change (beyond the fixed cost of a run; "
                "marginal) / bytes per person / peak MiB",
                "value": f"{float(row['seconds']):.1f} / {per_change:.2f} ({beyond:.3f}; "
                f"{marginal:.3f}) / {row['bytes_per_person']} / {float(row['peak_mib']):.0f}",
                "target": "≤ 5 s and < 1 GiB at real scale; flat per change; ≤ 100 B/person",
                "note": "",
            }
        )

    for row in _rows(ensemble_csv):
        overhead = row["ray_overhead"]
        summary.append(
            {
                "benchmark": f"ensemble of {row['runs']} runs, {row['backend']}, "
                f"{row['workers']} worker(s)",
                "figure": "runs/s (speed-up vs local with 1 worker; Ray: local ÷ Ray runs/s)",
                "value": f"{float(row['runs_per_second']):.2f} "
                f"({float(row['speedup_vs_local_1']):.2f}×"
                + (f"; {float(overhead):.2f}×)" if overhead else ")"),
                "target": "the same bands on every backend and worker count",
                "note": "bands identical" if row["same_bands"] == "True" else "BANDS DIFFER",
            }
        )

    table = Table(title="borderflow benchmark suite (ratios measured side by side in this run)")
    for column in ("benchmark", "figure", "value", "target", "note"):
        table.add_column(column, overflow="fold")
    for row in summary:
        table.add_row(*(row[c] for c in ("benchmark", "figure", "value", "target", "note")))
    Console(width=160).print(table)
    with summary_csv.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(summary[0]))
        writer.writeheader()
        writer.writerows(summary)


if __name__ == "__main__":
    main()
