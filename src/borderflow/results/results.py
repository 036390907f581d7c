"""The results of one run, as DataFrames, and their files."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from borderflow._version import __version__
from borderflow.engine.run import RunOutput
from borderflow.results import store
from borderflow.results.mexico import mexico_table
from borderflow.results.summary import household_counts, summarise, summary_frame, us_processing
from borderflow.results.tables import (
    court_table,
    daily_table,
    decision_table,
    event_table,
    flow_table,
    household_table,
    wait_table,
)
from borderflow.results.targets import role_scores, target_table

FILES = {
    "daily": "daily.parquet",
    "flows": "flows.parquet",
    "waits": "waits.parquet",
    "decisions": "decisions.parquet",
    "courts": "courts.parquet",
    "households": "households.parquet",
    "mexico": "mexico.parquet",
    "summary": "summary.json",
    "targets": "targets.csv",
    "events": "events.parquet",
    "scenario": "scenario.json",
    "manifest": store.MANIFEST,
}
#: The tables written as Parquet (``events`` only when the run kept the log).
PARQUET_TABLES = (
    "daily",
    "flows",
    "waits",
    "decisions",
    "courts",
    "households",
    "mexico",
    "events",
)
#: A run's results folder, with the report ``borderflow run`` writes into it.
RUN = store.Kind(
    "run",
    frozenset({*FILES.values(), store.REPORT_FILE, store.FIGURES}),
    signature=FILES["flows"],
    folders={store.FIGURES: store.FIGURE_FILES},
)


class Results:
    """One run's tables.

    Attributes:
        daily: end-of-day stocks per (date, place, state, group).
        flows: flows per (date, place, to_place, transition, from_state, to_state, group).
        waits: finished waits per port.
        decisions: court durations (custody to decision; filing to hearings).
        courts: each docket's backlog per day.
        households: households per group, kind, size and state at the end.
        mexico: Mexico's detentions, returns and refuge by month, beside its published
            figures (:mod:`borderflow.results.mexico`).
        summary: headline indicators as rows (``summary_dict`` as a dict).
        targets: each observed target, simulated against reported.
        events: the per-person event log, when asked for.
    """

    def __init__(self, output: RunOutput):
        self.output = output
        self.scenario = output.scenario
        self.seed = output.seed

    @cached_property
    def daily(self) -> pd.DataFrame:
        """End-of-day stocks."""
        return daily_table(self.output)

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Daily flows."""
        return flow_table(self.output)

    @cached_property
    def waits(self) -> pd.DataFrame:
        """Finished waits per port."""
        return wait_table(self.output)

    @cached_property
    def decisions(self) -> pd.DataFrame:
        """Court durations: days from custody to each decision; filing to hearings."""
        return decision_table(self.output)

    @cached_property
    def courts(self) -> pd.DataFrame:
        """Each docket's backlog at the end of each day."""
        return court_table(self.output)

    @cached_property
    def households(self) -> pd.DataFrame:
        """Households per group, kind, size and state at the end, with their people."""
        return household_table(self.output)

    @cached_property
    def mexico(self) -> pd.DataFrame:
        """Mexico's detentions, returns and refuge by month, with its published figures."""
        return mexico_table(self.flows, self.scenario)

    @cached_property
    def events(self) -> pd.DataFrame | None:
        """Per-person event log (``None`` unless the run kept it)."""
        return event_table(self.output)

    @cached_property
    def summary_dict(self) -> dict[str, Any]:
        """Headline indicators."""
        places = self.scenario.places
        city_of_port = {p.id: p.parent for p in places if p.kind == "port_of_entry" and p.parent}
        city_of_port |= {p.id: p.id for p in places if p.kind == "border_city"}
        kinds = {p.id: p.kind for p in places}
        data = summarise(self.scenario, self.daily, self.flows, self.waits, city_of_port, kinds)
        data["us_processing"] = us_processing(self.daily, self.flows, self.decisions, self.courts)
        data["households"] = household_counts(self.households)
        data["seed"] = self.seed
        # Fit and check apart: a fit target inside shows the fit worked, not the model.
        data["targets"] = {
            role: score.as_dict() for role, score in role_scores(self.targets).items()
        }
        data["state_changes"] = self.output.n_changes
        return data

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Headline indicators as rows (indicator, key, value)."""
        return summary_frame(self.summary_dict)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """Observed targets, simulated against reported."""
        return target_table(self.scenario, self.daily, self.flows, self.decisions, self.courts)

    def write(self, folder: str | Path) -> Path:
        """Write every table to ``folder`` atomically; return the folder.

        ``folder`` may be new, empty, or an earlier run's results, which are replaced;
        anything else is refused (:func:`borderflow.results.store.claim_output`).
        """

        def fill(tmp: Path) -> None:
            for key in PARQUET_TABLES:
                table = getattr(self, key)
                if table is not None:
                    store.write_parquet(tmp / FILES[key], table)
            store.write_csv(tmp / FILES["targets"], self.targets)
            store.write_json(tmp / FILES["summary"], self.summary_dict)
            store.write_text(
                tmp / FILES["scenario"], self.scenario.model_dump_json(indent=2, by_alias=True)
            )

        about = {"borderflow": __version__, "scenario": self.scenario.name, "seed": self.seed}
        return store.write_atomically(folder, fill, RUN, about)


def read_folder(folder: str | Path) -> dict[str, Any]:
    """Read a results folder written by :meth:`Results.write` (tables and JSON)."""
    folder = Path(folder)
    store.require_finished(folder, RUN)
    data: dict[str, Any] = {}
    for key in PARQUET_TABLES:
        path = folder / FILES[key]
        if path.exists():
            data[key] = pd.read_parquet(path)
    data["targets"] = pd.read_csv(folder / FILES["targets"])
    data["summary"] = json.loads((folder / FILES["summary"]).read_text())
    data["manifest"] = json.loads((folder / FILES["manifest"]).read_text())
    return data
