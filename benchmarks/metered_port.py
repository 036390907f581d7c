"""Benchmark 1, the metered port: borderflow against SimPy and Ciw on the same model.

One metered port (as in ``tests/conftest.py``'s ``single_port_body``): Poisson arrivals
of ``λ`` a day join the end of a FIFO list; each day the port admits up to ``Q`` in list
order; then each person still waiting gives up with probability ``p``. The sizes are
total arrivals, run as many such ports side by side (10k arrivals per port: 1 port ×
10k, 10 × 10k, 100 × 10k). borderflow runs a generated scenario with one border city
and port per port, all fed from one gate town 1 m away (so people reach their city and
join its list the day they set out); the peers are ``benchmarks/peers/simpy_port.py`` and
``benchmarks/peers/ciw_port.py``.

Every run is its own subprocess (peak memory is that run's own ``ru_maxrss``). Before
any time is compared, the three tools' admissions/day, give-ups/day and mean wait of
those admitted must agree with each other and with the exact Markov chain
(``borderflow.analysis.theory``) within 4 standard errors (batch means over days after
a warm-up). Slow Ciw runs (above ``--ciw-full-max`` arrivals) simulate only the first
``--ciw-fraction`` of the days and their time is scaled up: marked "extrapolated".

    python benchmarks/metered_port.py                      # 10k, 100k, 1M arrivals
    python benchmarks/metered_port.py --sizes 10000 100000 --reps 5
    python benchmarks/metered_port.py --sizes 10000 1000000 --tools borderflow --stages
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from borderflow.analysis.theory import steady_state as exact_port
from peers.memory import peak_mib as peak_memory_mib

LAM, QUOTA, P_RENEGE = 10.0, 8, 0.15  # the theory tests' "long queue" port
PER_PORT = 10_000  # arrivals per port
WARM_UP, BATCH = 100, 50  # days dropped at the start; days per batch (≈ 17 and 8 relaxations)
TOOLS = ("borderflow", "simpy", "ciw")
OUTPUTS = ("admissions", "give_ups", "mean_wait")

HEAD = """\
name = "metered-ports"
title = "{ports} metered ports side by side"
start = 2000-01-01
end = {end}
places = "places.csv"
routes = "routes.csv"

[levers]
quota = {{ default = {quota} }}
beds = {{ default = 0 }}

[parameters]
p_join_waitlist = 1.0
p_renege = {{ value = {p}, low = 0.0, high = 1.0 }}
share_renege_cross = {{ value = 0.0, low = 0.0, high = 1.0 }}
share_renege_settle = {{ value = 1.0, low = 0.0, high = 1.0 }}
p_rest_day = {{ value = 0.0, low = 0.0, high = 0.99 }}
p_detain_mexico = {{ value = 0.0, low = 0.0, high = 1.0 }}
p_refuge_mexico = 0.0
p_refuge_at_entry = 0.0
p_give_up_transit = 0.0
p_settle_transit = 0.0
# The peers' queue: everyone waits at the port, answers when called, and is as patient
# without a bed as with one.
p_wait_elsewhere = {{ value = 0.0, low = 0.0, high = 0.0 }}
p_miss_call = {{ value = 0.0, low = 0.0, high = 0.0 }}
renege_unsheltered_factor = {{ value = 1.0, low = 1.0, high = 1.0 }}

[background]
arrivals = "poisson"
daily = {{ OTH = {daily} }}
origins = {{ OTH = "gate" }}
destinations = {{ {destinations} }}
"""


def write_scenario(folder: Path, ports: int, days: int) -> Path:
    """A scenario with ``ports`` border cities, each with one port, fed from one gate town.

    Give-ups settle in Mexico (they leave the model, as in the peers); travel, rest days
    and the hazards of the road are off, so people join their city's list the day they
    set out. The background's Poisson(ports·λ) a day split evenly over the cities gives
    each port independent Poisson(λ) arrivals.
    """
    folder.mkdir(parents=True, exist_ok=True)
    places = ["id,name,country,latitude,longitude,kind,parent,population"]
    places.append("gate,Gate,MEX,30.0,-110.0,town,,")
    routes = ["from,to,distance_km,modes"]
    for k in range(ports):
        lon = -117.0 + 20.0 * k / max(ports, 1)
        places += [
            f"city_{k:03d},City {k},MEX,32.5,{lon:.4f},border_city,sector_{k:03d},",
            f"port_{k:03d},Port {k},USA,32.55,{lon:.4f},port_of_entry,city_{k:03d},",
            f"sector_{k:03d},Sector {k},USA,32.7,{lon:.4f},us_sector,,",
        ]
        routes.append(f"gate,city_{k:03d},0.001,walk")
    (folder / "places.csv").write_text("\n".join(places) + "\n")
    (folder / "routes.csv").write_text("\n".join(routes) + "\n")
    end = dt.date(2000, 1, 1) + dt.timedelta(days=days - 1)
    text = HEAD.format(
        ports=ports,
        end=end.isoformat(),
        quota=QUOTA,
        p=P_RENEGE,
        daily=LAM * ports,
        destinations=", ".join(f"city_{k:03d} = 1.0" for k in range(ports)),
    )
    path = folder / "scenario.toml"
    path.write_text(text)
    return path


def run_borderflow(scenario: str, ports: int, days: int, seed: int) -> tuple[dict, dict]:
    """Run borderflow; per-(port, day) outputs and the seconds per stage."""
    import borderflow
    from borderflow.engine.run import run
    from borderflow.scenario.vocabulary import WAITING, Transition

    sc = borderflow.load_scenario(scenario)
    t0 = time.perf_counter()
    out = run(sc, seed=seed)
    seconds = time.perf_counter() - t0
    ids = out.place_ids
    port_of = np.full(len(ids), -1)
    for k in range(ports):
        port_of[ids.index(f"port_{k:03d}")] = k
        port_of[ids.index(f"city_{k:03d}")] = k
    f = out.flows
    res = {name: np.zeros((ports, days), np.int64) for name in ("admitted", "gave_up", "wait_sum")}
    adm = f[f.transition == Transition.ADMITTED_AT_PORT]
    np.add.at(res["admitted"], (port_of[adm.place], adm.day), adm.n)
    gone = f[(f.transition == Transition.SETTLE) & np.isin(f.from_state, WAITING)]
    np.add.at(res["gave_up"], (port_of[gone.place], gone.day), gone.n)
    # Everyone in custody came through a port (give-ups settle; nobody crosses).
    people = out.people
    inside = people["ti_custody"] >= 0
    day = people["ti_custody"][inside].astype(np.int64)
    wait = day - people["ti_enter"][inside]
    np.add.at(res["wait_sum"], (port_of[people["dest"][inside]], day), wait)
    assert res["admitted"].sum() == inside.sum()
    return res, {"seconds": seconds, "stages": out.seconds}


def one(tool: str, ports: int, days: int, horizon: int, seed: int, scenario: str, npz: str):
    """Run one tool once and print a JSON line (called in a subprocess)."""
    extra: dict = {}
    if tool == "borderflow":
        res, extra = run_borderflow(scenario, ports, days, seed)
        seconds = extra.pop("seconds")
    else:
        from peers import ciw_port, simpy_port

        t0 = time.perf_counter()
        if tool == "simpy":
            res = simpy_port.simulate(ports, days, LAM, QUOTA, P_RENEGE, seed)
        else:
            res = ciw_port.simulate(ports, days, LAM, QUOTA, P_RENEGE, seed, horizon=horizon)
        seconds = time.perf_counter() - t0
    peak_mib = peak_memory_mib()
    np.savez(npz, **res)
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib, **extra}))


BATCHED = ("admitted", "gave_up", "wait_sum")


def batches(res: dict, horizon: int) -> dict[str, np.ndarray]:
    """Per (port, batch) sums of admitted, gave_up, wait_sum over days after the warm-up."""
    n_batches = (horizon - WARM_UP) // BATCH
    stop = WARM_UP + n_batches * BATCH
    sums = {}
    for name in BATCHED:
        x = res[name][:, WARM_UP:stop]
        sums[name] = x.reshape(x.shape[0], n_batches, BATCH).sum(axis=2).ravel().astype(float)
    return sums


def estimate(b: dict[str, np.ndarray]) -> dict:
    """Means and standard errors from batch sums (ratio estimator for the mean wait)."""
    admitted, wsum = b["admitted"], b["wait_sum"]
    k = len(admitted)
    adm, gone = admitted / BATCH, b["gave_up"] / BATCH
    ratio = wsum.sum() / admitted.sum()
    resid = wsum - ratio * admitted
    return {
        "admissions": (adm.mean(), adm.std(ddof=1) / math.sqrt(k)),
        "give_ups": (gone.mean(), gone.std(ddof=1) / math.sqrt(k)),
        "mean_wait": (ratio, math.sqrt((resid**2).sum() * k / (k - 1)) / admitted.sum()),
        "batches": k,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=3, help="repetitions per tool and size")
    parser.add_argument("--reps-large", type=int, default=1, help="repetitions at ≥ 1M")
    parser.add_argument("--ciw-full-max", type=int, default=100_000)
    parser.add_argument("--ciw-fraction", type=float, default=0.2)
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--csv", type=Path, default=Path("benchmarks/metered_port.csv"))
    parser.add_argument(
        "--stages", action="store_true", help="also print borderflow's seconds per stage"
    )
    parser.add_argument("--one", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tool, ports, days, horizon, seed, scenario, npz = args.one
        one(tool, int(ports), int(days), int(horizon), int(seed), scenario, npz)
        return

    console = Console(width=180)
    exact = exact_port(LAM, QUOTA, P_RENEGE)
    console.print(
        f"port: λ={LAM}/day, Q={QUOTA}/day, p={P_RENEGE}/day; exact chain: admissions "
        f"{exact.admissions:.4f}/day, give-ups {exact.give_ups:.4f}/day, mean wait of those "
        f"admitted {exact.mean_wait:.4f} days (relaxation {exact.relaxation_days:.1f} days)"
    )
    days = round(PER_PORT / LAM)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            ports = max(1, size // PER_PORT)
            scenario = write_scenario(Path(tmp) / f"ports-{ports}", ports, days)
            reps = args.reps if size < 1_000_000 else args.reps_large
            for tool in args.tools:
                partial = tool == "ciw" and size > args.ciw_full_max
                horizon = days
                if partial:
                    horizon = max(WARM_UP + 2 * BATCH, int(days * args.ciw_fraction))
                times, peaks, pooled, stages = [], [], [], []
                for rep in range(reps):
                    npz = str(Path(tmp) / f"{tool}-{size}-{rep}.npz")
                    cmd = [sys.executable, __file__, "--one", tool, str(ports), str(days)]
                    cmd += [str(horizon), str(rep + 1), str(scenario), npz]
                    console.print(f"[dim]{tool} {size:,} arrivals ({ports} ports) rep {rep + 1}")
                    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
                    if done.returncode:
                        console.print(done.stderr[-3000:])
                        raise SystemExit(f"{tool} at {size} failed")
                    info = json.loads(done.stdout.strip().splitlines()[-1])
                    times.append(info["seconds"] * days / horizon)
                    peaks.append(info["peak_mib"])
                    stages.append(info.get("stages", {}))
                    with np.load(npz) as res:
                        pooled.append(batches(dict(res), horizon))
                est = estimate({k: np.concatenate([b[k] for b in pooled]) for k in BATCHED})
                port_stages = ("departures", "transit", "border")
                share = (
                    statistics.median(
                        sum(s.get(k, 0.0) for k in port_stages) / sum(s.values()) for s in stages
                    )
                    if tool == "borderflow"
                    else None
                )
                rows.append(
                    {
                        "tool": tool,
                        "arrivals": size,
                        "ports": ports,
                        "days": days,
                        "reps": reps,
                        "times": times,
                        "median_s": statistics.median(times),
                        "min_s": min(times),
                        "max_s": max(times),
                        "peak_mib": max(peaks),
                        "how": f"extrapolated ({horizon} of {days} days run)"
                        if partial
                        else "measured",
                        "port_stage_share": share,
                        "stages": stages,
                        **est,
                    }
                )

    # --- agreement first ---------------------------------------------------------------
    agree = Table(title="Agreement (after a warm-up of 100 days; ± 1 standard error)")
    for col in ("tool", "arrivals", "batches", *OUTPUTS, "worst |z| vs exact"):
        agree.add_column(col, justify="right")
    agree.add_row(
        "exact chain",
        "",
        "",
        f"{exact.admissions:.4f}",
        f"{exact.give_ups:.4f}",
        f"{exact.mean_wait:.4f}",
        "",
    )
    failures = []
    for r in rows:
        z = {o: (r[o][0] - getattr(exact, o)) / r[o][1] for o in OUTPUTS}
        r["worst_z_exact"] = max(abs(v) for v in z.values())
        agree.add_row(
            r["tool"],
            f"{r['arrivals']:,}",
            str(r["batches"]),
            *(f"{r[o][0]:.4f} ± {r[o][1]:.4f}" for o in OUTPUTS),
            f"{r['worst_z_exact']:.2f}",
        )
        failures += [f"{r['tool']} {r['arrivals']} {o}: z={v:.2f} vs exact" for o, v in z.items()]
        failures = [f for f in failures if abs(float(f.split("z=")[1].split()[0])) >= 4]
    by_size: dict[int, dict] = {}
    for r in rows:
        by_size.setdefault(r["arrivals"], {})[r["tool"]] = r
    for size, tools in by_size.items():
        names = list(tools)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                for o in OUTPUTS:
                    (ma, sa), (mb, sb) = tools[a][o], tools[b][o]
                    zz = (ma - mb) / math.hypot(sa, sb)
                    if abs(zz) >= 4:
                        failures.append(f"{a} vs {b} at {size}: {o} z={zz:.2f}")
    console.print(agree)
    if failures:
        raise SystemExit("The tools disagree; no times compared:\n" + "\n".join(failures))
    console.print("[green]All tools agree with each other and with the exact chain (|z| < 4).")

    # --- then times -----------------------------------------------------------------
    title = "Metered port: wall time per run, median (min–max) over reps; one process each"
    table = Table(title=title)
    for col in (
        "arrivals",
        "ports × days",
        "tool",
        "reps",
        "seconds",
        "people/s",
        "× borderflow",
        "peak MiB",
        "measured/extrapolated",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        base = by_size[r["arrivals"]].get("borderflow")
        r["ratio"] = r["median_s"] / base["median_s"] if base else None
        r["people_per_s"] = r["arrivals"] / r["median_s"]
        table.add_row(
            f"{r['arrivals']:,}",
            f"{r['ports']} × {r['days']}",
            r["tool"],
            str(r["reps"]),
            f"{r['median_s']:.2f} ({r['min_s']:.2f}–{r['max_s']:.2f})",
            f"{r['people_per_s']:,.0f}",
            f"{r['ratio']:.1f}×" if r["ratio"] else "",
            f"{r['peak_mib']:.0f}" + (" (partial)" if r["how"] != "measured" else ""),
            r["how"],
        )
    console.print(table)
    flow = [r for r in rows if r["tool"] == "borderflow" and r["stages"] and r["stages"][0]]
    if args.stages and flow:
        per = Table(title="borderflow: seconds per stage, median over reps")
        per.add_column("stage")
        for r in flow:
            per.add_column(f"{r['arrivals']:,}", justify="right")
        for name in flow[0]["stages"][0]:
            per.add_row(
                name, *(f"{statistics.median(s[name] for s in r['stages']):.3f}" for r in flow)
            )
        console.print(per)
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    fields = [
        "tool",
        "arrivals",
        "ports",
        "days",
        "reps",
        "median_s",
        "min_s",
        "max_s",
        "people_per_s",
        "ratio_to_borderflow",
        "peak_mib",
        "measured_or_extrapolated",
        "admissions_per_day",
        "admissions_se",
        "give_ups_per_day",
        "give_ups_se",
        "mean_wait_days",
        "mean_wait_se",
        "worst_z_vs_exact",
        "borderflow_port_stage_share",
        "exact_admissions",
        "exact_give_ups",
        "exact_mean_wait",
        "date",
    ]
    today = dt.date.today().isoformat()
    with args.csv.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {
                    "tool": r["tool"],
                    "arrivals": r["arrivals"],
                    "ports": r["ports"],
                    "days": r["days"],
                    "reps": r["reps"],
                    "median_s": f"{r['median_s']:.4f}",
                    "min_s": f"{r['min_s']:.4f}",
                    "max_s": f"{r['max_s']:.4f}",
                    "people_per_s": f"{r['people_per_s']:.0f}",
                    "ratio_to_borderflow": f"{r['ratio']:.3f}" if r["ratio"] else "",
                    "peak_mib": f"{r['peak_mib']:.1f}",
                    "measured_or_extrapolated": r["how"],
                    "admissions_per_day": f"{r['admissions'][0]:.5f}",
                    "admissions_se": f"{r['admissions'][1]:.5f}",
                    "give_ups_per_day": f"{r['give_ups'][0]:.5f}",
                    "give_ups_se": f"{r['give_ups'][1]:.5f}",
                    "mean_wait_days": f"{r['mean_wait'][0]:.5f}",
                    "mean_wait_se": f"{r['mean_wait'][1]:.5f}",
                    "worst_z_vs_exact": f"{r['worst_z_exact']:.3f}",
                    "borderflow_port_stage_share": f"{r['port_stage_share']:.3f}"
                    if r["port_stage_share"] is not None
                    else "",
                    "exact_admissions": f"{exact.admissions:.5f}",
                    "exact_give_ups": f"{exact.give_ups:.5f}",
                    "exact_mean_wait": f"{exact.mean_wait:.5f}",
                    "date": today,
                }
            )


if __name__ == "__main__":
    main()
