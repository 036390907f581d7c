"""Benchmark 2, Flee's own workload: the mali, burundi and car scenarios, Flee 3.1 vs borderflow.

Each scenario of ``/work/shared/data/flee/conflict_input`` runs with Flee 3.1 itself, driven
through its API as its ``runscripts/run.py`` does (``tests/flee_reference.py``), and with
borderflow's Flee rules (``load_flee`` + ``run_flee``), with the same ``hasten``
(Flee's integer scale-down of populations, capacities and validation data) for both.

Every run is its own subprocess (peak memory is that run's own ``ru_maxrss``). The time is
that of the daily loop (set-up and the day-0 camp populations left out, for both tools;
borderflow's set-up includes loading its compiled day from Numba's on-disk cache);
agent-days are the agents alive at the end of each day, summed. Both tools' camp counts are
scored with Flee's averaged relative difference against the UNHCR validation series, by the
same code (``borderflow.flee.out``) and the same series as borderflow reads them
(see "anything odd" in ``benchmarks/README.md`` for the camps with multi-file series).

    python benchmarks/flee_workload.py                       # mali, burundi, car (hasten 10)
    python benchmarks/flee_workload.py --scenarios mali --reps 5 --flee-reps 2
    python benchmarks/flee_workload.py --scenarios car --hasten-car 1   # Flee ≈ 15–25 min
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # flee_reference: Flee 3.1 driven as run.py does

FLEE_DATA = Path("/work/shared/data/flee")
SCENARIOS = {"mali": "mali2012", "burundi": "burundi2015", "car": "car2013"}
TOOLS = ("flee", "borderflow")


def folders(name: str) -> tuple[Path, Path]:
    """The scenario folder and its validation folder."""
    return FLEE_DATA / "conflict_input" / name, FLEE_DATA / "conflict_validation" / SCENARIOS[name]


def borderflow_scenario(name: str, hasten: int):
    """``load_flee`` on the scenario, with ``optimisations.hasten`` set as Flee's yml would."""
    from borderflow.flee.io import load_flee

    folder, validation = folders(name)
    sc = load_flee(folder, validation)
    optimisations = {**sc.settings.get("optimisations", {}), "hasten": hasten}
    return dataclasses.replace(sc, settings={**sc.settings, "optimisations": optimisations})


def one(tool: str, name: str, hasten: int, seed: int, npz: str) -> None:
    """Run one tool once and print a JSON line (called in a subprocess)."""
    if tool == "flee":
        import flee.flee  # noqa: F401 - imported before the baseline is read

        from flee_reference import run_flee31

        import_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        folder, validation = folders(name)
        names, counts, seconds = run_flee31(folder, validation, seed, hasten)
        agent_days = int(seconds.pop("agent_days"))
    else:
        from borderflow.flee import kernel as flee_kernel  # noqa: F401 - Numba, before the baseline
        from borderflow.flee.run import run_flee

        import_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sc = borderflow_scenario(name, hasten)
        out = run_flee(sc, seed)
        names, counts, seconds = out.location_names, out.counts, dict(out.seconds)
        agent_days = out.agent_days
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    status = Path("/proc/self/status")
    hwm = status.read_text().split("VmHWM:")[1].split()[0] if status.is_file() else "nan"
    np.savez(npz, names=np.array(names), counts=counts)
    info = {"peak_mib": peak_mib, "hwm_mib": float(hwm) / 1024, "import_mib": import_mib}
    info["agent_days"] = agent_days
    print(json.dumps({**info, **seconds}))


def score_runs(name: str, hasten: int, npzs: list[str]) -> None:
    """Score saved runs with Flee's averaged relative difference; print a JSON line.

    Called in a subprocess, so that the parent, whose memory every child's ``ru_maxrss``
    starts from (Linux carries the high-water mark over fork and exec), stays small. The
    validation columns (camp data, the raw UNHCR total) are deterministic: they come from one
    borderflow run of the scenario, whose counts are replaced by the run to score.
    """
    from borderflow.flee.out import averaged_relative_difference, out_table
    from borderflow.flee.run import run_flee

    template = run_flee(borderflow_scenario(name, hasten), seed=0)
    where = {n: i for i, n in enumerate(template.location_names)}

    def score(names: list[str], counts: np.ndarray) -> float:
        if sorted(names) != sorted(where):
            raise SystemExit(f"{name}: the tools list different locations")
        ordered = np.zeros_like(template.counts)
        ordered[:, [where[n] for n in names]] = counts
        table = out_table(dataclasses.replace(template, counts=ordered))
        return averaged_relative_difference(table)

    ards = []
    for npz in npzs:
        with np.load(npz) as res:
            ards.append(score([str(n) for n in res["names"]], res["counts"]))
    print(json.dumps({"days": len(template.dates), "ards": ards}))


def spread(values: list[float], fmt: str) -> str:
    """``median (min–max)``, or the value alone for one repetition."""
    med = format(statistics.median(values), fmt)
    if len(values) == 1:
        return med
    return f"{med} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--reps", type=int, default=3, help="borderflow repetitions")
    parser.add_argument("--flee-reps", type=int, default=1, help="Flee 3.1 repetitions")
    parser.add_argument("--hasten", type=int, default=1, help="Flee's hasten, for both tools")
    parser.add_argument(
        "--hasten-car", type=int, default=10, help="hasten for car (Flee takes 15–25 min at 1)"
    )
    parser.add_argument("--csv", type=Path, default=Path("benchmarks/flee_workload.csv"))
    parser.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--score", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tool, name, hasten, seed, npz = args.one
        one(tool, name, int(hasten), int(seed), npz)
        return
    if args.score:
        name, hasten, *npzs = args.score
        score_runs(name, int(hasten), npzs)
        return

    console = Console(width=200)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.scenarios:
            hasten = args.hasten_car if name == "car" else args.hasten
            scenario_rows = []
            for tool in TOOLS:
                reps = args.flee_reps if tool == "flee" else args.reps
                runs = []
                for rep in range(reps):
                    npz = str(Path(tmp) / f"{name}-{tool}-{rep}.npz")
                    cmd = [sys.executable, __file__, "--one", tool, name, str(hasten)]
                    cmd += [str(rep + 1), npz]
                    console.print(f"[dim]{name} (hasten {hasten}) {tool} rep {rep + 1}/{reps}")
                    t0 = time.perf_counter()
                    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
                    if done.returncode:
                        console.print(done.stderr[-3000:])
                        raise SystemExit(f"{tool} on {name} failed")
                    info = json.loads(done.stdout.strip().splitlines()[-1])
                    info["npz"] = npz
                    console.print(
                        f"[dim]  loop {info['loop']:.1f} s (process {time.perf_counter() - t0:.1f}"
                        f" s), {info['agent_days']:,} agent-days, peak {info['peak_mib']:.0f} MiB"
                    )
                    if abs(info["peak_mib"] - info["hwm_mib"]) > 2:
                        console.print(
                            f"[red]  ru_maxrss {info['peak_mib']:.0f} MiB ≠ VmHWM "
                            f"{info['hwm_mib']:.0f} MiB: the parent's memory leaks into it"
                        )
                    runs.append(info)
                loops = [r["loop"] for r in runs]
                median_s = statistics.median(loops)
                agent_days = [r["agent_days"] for r in runs]
                rows.append(
                    {
                        "scenario": name,
                        "validation": SCENARIOS[name],
                        "hasten": hasten,
                        "days": None,
                        "tool": tool,
                        "reps": reps,
                        "loops": loops,
                        "median_s": median_s,
                        "min_s": min(loops),
                        "max_s": max(loops),
                        "setup_s": statistics.median(r["setup"] for r in runs),
                        "agent_days": statistics.median(agent_days),
                        "agent_days_min": min(agent_days),
                        "agent_days_max": max(agent_days),
                        "agent_days_per_s": statistics.median(agent_days) / median_s,
                        "peak_mib": max(r["peak_mib"] for r in runs),
                        "import_mib": statistics.median(r["import_mib"] for r in runs),
                        "run_mib": max(r["peak_mib"] - r["import_mib"] for r in runs),
                        "runs": runs,
                    }
                )
                scenario_rows.append(rows[-1])
            npzs = [r["npz"] for row in scenario_rows for r in row["runs"]]
            cmd = [sys.executable, __file__, "--score", name, str(hasten), *npzs]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                console.print(done.stderr[-3000:])
                raise SystemExit(f"scoring {name} failed")
            scored = json.loads(done.stdout.strip().splitlines()[-1])
            ards = iter(scored["ards"])
            for row in scenario_rows:
                row["days"] = scored["days"]
                row["ards"] = [next(ards) for _ in row["runs"]]
                console.print(f"[dim]{name} {row['tool']}: ARD {row['ards']}")
    by = {(r["scenario"], r["tool"]): r for r in rows}
    for r in rows:
        flee = by.get((r["scenario"], "flee"))
        r["speed_vs_flee"] = r["agent_days_per_s"] / flee["agent_days_per_s"] if flee else None

    title = (
        "Flee's own workload: daily-loop wall time, median (min–max) over reps, one process "
        "per run; ARD = averaged relative difference vs UNHCR"
    )
    table = Table(title=title)
    for col in (
        "scenario",
        "days",
        "agent-days",
        "reps Flee/bf",
        "Flee s",
        "borderflow s",
        "Flee agent-days/s",
        "borderflow agent-days/s",
        "bf ÷ Flee",
        "Flee MiB",
        "bf MiB",
        "Flee ARD",
        "borderflow ARD",
    ):
        table.add_column(col, justify="right")
    for name in args.scenarios:
        f, b = by[(name, "flee")], by[(name, "borderflow")]
        label = name if f["hasten"] == 1 else f"{name} [bold](hasten {f['hasten']})[/bold]"
        table.add_row(
            label,
            str(f["days"]),
            f"{b['agent_days']:,.0f}"
            + ("" if f["agent_days"] == b["agent_days"] else f" (Flee {f['agent_days']:,.0f})"),
            f"{f['reps']}/{b['reps']}",
            spread(f["loops"], ".1f"),
            spread(b["loops"], ".2f"),
            f"{f['agent_days_per_s']:,.0f}",
            f"{b['agent_days_per_s']:,.0f}",
            f"{b['speed_vs_flee']:.1f}×",
            f"{f['peak_mib']:.0f} (+{f['run_mib']:.0f})",
            f"{b['peak_mib']:.0f} (+{b['run_mib']:.0f})",
            spread(f["ards"], ".3f"),
            spread(b["ards"], ".3f"),
        )
    console.print(table)
    console.print(
        "agent-days: agents alive at the end of each day, summed. MiB: peak ru_maxrss of the "
        "run's process (+ its rise above the level after imports)."
    )

    args.csv.parent.mkdir(parents=True, exist_ok=True)
    fields = [
        "scenario",
        "validation",
        "hasten",
        "days",
        "tool",
        "reps",
        "median_s",
        "min_s",
        "max_s",
        "setup_s",
        "agent_days",
        "agent_days_per_s",
        "speed_vs_flee",
        "peak_mib",
        "import_mib",
        "run_mib",
        "ard_median",
        "ard_min",
        "ard_max",
        "date",
    ]
    today = dt.date.today().isoformat()
    with args.csv.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {
                    "scenario": r["scenario"],
                    "validation": r["validation"],
                    "hasten": r["hasten"],
                    "days": r["days"],
                    "tool": r["tool"],
                    "reps": r["reps"],
                    "median_s": f"{r['median_s']:.4f}",
                    "min_s": f"{r['min_s']:.4f}",
                    "max_s": f"{r['max_s']:.4f}",
                    "setup_s": f"{r['setup_s']:.4f}",
                    "agent_days": f"{r['agent_days']:.0f}",
                    "agent_days_per_s": f"{r['agent_days_per_s']:.0f}",
                    "speed_vs_flee": f"{r['speed_vs_flee']:.3f}" if r["speed_vs_flee"] else "",
                    "peak_mib": f"{r['peak_mib']:.1f}",
                    "import_mib": f"{r['import_mib']:.1f}",
                    "run_mib": f"{r['run_mib']:.1f}",
                    "ard_median": f"{statistics.median(r['ards']):.5f}",
                    "ard_min": f"{min(r['ards']):.5f}",
                    "ard_max": f"{max(r['ards']):.5f}",
                    "date": today,
                }
            )


if __name__ == "__main__":
    main()
