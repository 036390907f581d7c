"""Flee's ``out.csv`` and its validation figure, from a Flee-rules run.

``out.csv`` has the columns Flee 3.1's ``runscripts/run.py`` prints: ``Day,Date``, then
``<camp> sim,<camp> data,<camp> error`` per camp, then ``Total error,refugees in camps
(UNHCR),total refugees (simulation),raw UNHCR refugee count,refugees in camps
(simulation),refugee_debt``. ``<camp> error`` is ``|sim/data - 1|`` (0 where data is 0) and
``Total error`` is ``Σ|sim - data| / raw UNHCR total``, both rounded to 4 digits as Flee's
``analysis`` module does; on days whose raw total is 0 Flee writes zeros for the totals.

The averaged relative difference is the figure of Flee's
``extract-validation-results.py`` (and FabFlee ``validate_flee``):
``mean_t Σ_camps |sim - data| / max(1, refugees in camps (UNHCR))``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from borderflow._version import __version__
from borderflow.flee.run import FleeOutput
from borderflow.results import store

ROUND_NDIGITS = 4
OUT_FILE = "out.csv"
SUMMARY_FILE = "summary.json"
#: The results folder of a run with Flee's rules.
FLEE_RUN = store.Kind("flee-run", frozenset({OUT_FILE, SUMMARY_FILE}), signature=OUT_FILE)
TAIL = [
    "Total error",
    "refugees in camps (UNHCR)",
    "total refugees (simulation)",
    "raw UNHCR refugee count",
    "refugees in camps (simulation)",
    "refugee_debt",
]


def out_table(out: FleeOutput) -> pd.DataFrame:
    """Flee's ``out.csv`` as a table, one row per day."""
    sim = out.counts[:, out.camp_index]
    data = out.camp_data
    rel = np.zeros(sim.shape)
    has = data >= 0.00001
    rel[has] = np.round(np.abs(sim[has] / data[has] - 1.0), ROUND_NDIGITS)
    absolute = np.round(np.abs(sim - data).astype(np.float64), ROUND_NDIGITS)
    columns: dict[str, object] = {
        "Day": np.arange(len(out.dates)),
        "Date": [d.isoformat() for d in out.dates],
    }
    for k, name in enumerate(out.camp_names):
        columns[f"{name} sim"] = sim[:, k]
        columns[f"{name} data"] = data[:, k]
        columns[f"{name} error"] = rel[:, k]
    raw = out.refugees_raw
    positive = raw > 0
    in_camps_sim = sim.sum(axis=1)
    total_error = np.zeros(len(raw))
    total_error[positive] = absolute.sum(axis=1)[positive] / raw[positive]
    columns["Total error"] = total_error
    columns["refugees in camps (UNHCR)"] = np.where(positive, data.sum(axis=1), 0)
    columns["total refugees (simulation)"] = out.agents
    columns["raw UNHCR refugee count"] = np.where(positive, raw, 0)
    columns["refugees in camps (simulation)"] = in_camps_sim
    columns["refugee_debt"] = np.where(positive, out.refugee_debt, 0)
    return pd.DataFrame(columns)


def averaged_relative_difference(table: pd.DataFrame) -> float:
    """Flee's validation figure from an ``out.csv`` table (see the module docstring)."""
    names = [c[: -len(" sim")] for c in table.columns if c.endswith(" sim")]
    if not names or table.empty:
        return float("nan")
    sim = table[[f"{n} sim" for n in names]].to_numpy(np.float64)
    data = table[[f"{n} data" for n in names]].to_numpy(np.float64)
    unhcr = table["refugees in camps (UNHCR)"].to_numpy(np.float64)
    return float(np.mean(np.abs(sim - data).sum(axis=1) / np.maximum(unhcr, 1.0)))


def summary(out: FleeOutput, table: pd.DataFrame | None = None) -> dict[str, object]:
    """The run's headline figures (the averaged relative difference first)."""
    table = out_table(out) if table is None else table
    loop = out.seconds.get("loop", 0.0)
    return {
        "averaged_relative_difference": averaged_relative_difference(table),
        "scenario": str(out.scenario.folder),
        "seed": out.seed,
        "days": len(out.dates),
        "camps": len(out.camp_names),
        "agents_at_end": int(out.agents[-1]) if len(out.agents) else 0,
        "in_camps_at_end": int(table["refugees in camps (simulation)"].iloc[-1])
        if len(table)
        else 0,
        "agent_days": out.agent_days,
        "seconds": out.seconds,
        "agent_days_per_second": out.agent_days / loop if loop > 0 else None,
        "unplaced_agents": int(out.unplaced.sum()),
    }


def write_out(out: FleeOutput, folder: str | Path) -> dict[str, object]:
    """Write ``out.csv`` and ``summary.json`` to ``folder`` atomically; return the summary.

    ``folder`` may be new, empty, or an earlier Flee-rules run's results, which are
    replaced; anything else is refused (:func:`borderflow.results.store.claim_output`).
    """
    table = out_table(out)
    figures = summary(out, table)

    def write(tmp: Path) -> None:
        store.write_csv(tmp / OUT_FILE, table)
        store.write_json(tmp / SUMMARY_FILE, figures)

    about = {"borderflow": __version__, "scenario": figures["scenario"], "seed": out.seed}
    store.write_atomically(folder, write, FLEE_RUN, about)
    return figures
