"""Drive Flee 3.1 itself on a scenario folder, as its v3.1 runscripts/run.py does.

Returns the per-day, per-location agent counts so borderflow's Flee rules can be compared
with the original. Flee keeps its settings and spawning totals in globals: they are reset
here, so several runs can share one process. Its chatter on stderr is swallowed.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np


def run_flee31(
    folder: Path, validation: Path, seed: int, hasten: int | None = None
) -> tuple[list[str], np.ndarray, dict[str, float]]:
    """Flee 3.1 on ``folder``: (location names, counts per day × location, timings)."""
    from flee import InputGeography, flee, spawning
    from flee.datamanager import handle_refugee_data, read_period
    from flee.SimulationSettings import SimulationSettings

    folder = Path(folder)
    inputs = folder / "input_csv" if (folder / "input_csv").is_dir() else folder
    candidates = (folder / "simsetting.yml", inputs / "simsetting.yml")
    yml = next((p for p in candidates if p.is_file()), None)
    with tempfile.TemporaryDirectory() as tmp:
        text = yml.read_text() if yml else ""
        if hasten:
            text += f"\noptimisations:\n  hasten: {hasten}\n"
        settings = Path(tmp) / "simsetting.yml"
        settings.write_text(text)
        periods = (inputs / "sim_period.csv", inputs / "conflict_period.csv")
        period = next(p for p in periods if p.is_file())
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002 - Flee draws from the legacy global generator
        sink = io.StringIO()
        cwd = os.getcwd()
        with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
            os.chdir(tmp)  # demographics are looked up in a relative input_csv/
            try:
                setattr(spawning, "__refugees_raw", 0)
                setattr(spawning, "__refugee_debt", 0)
                start_date, length = read_period.read_conflict_period(str(period))
                SimulationSettings.ReadFromYML(str(settings))
                SimulationSettings.ConflictInputFile = str(inputs / "conflicts.csv")
                t0 = time.perf_counter()
                e = flee.Ecosystem()
                ig = InputGeography.InputGeography()
                ig.ReadConflictInputCSV(str(inputs / "conflicts.csv"))
                ig.ReadLocationsFromCSV(str(inputs / "locations.csv"))
                ig.ReadLinksFromCSV(str(inputs / "routes.csv"))
                ig.ReadClosuresFromCSV(str(inputs / "closures.csv"))
                e, lm = ig.StoreInputGeographyInEcosystem(e)
                d = handle_refugee_data.RefugeeTable(
                    csvformat="generic",
                    data_directory=str(validation),
                    start_date=start_date,
                    data_layout="data_layout.csv",
                    population_scaledown_factor=SimulationSettings.optimisations[
                        "PopulationScaleDownFactor"
                    ],
                )
                d.ReadL1Corrections(str(inputs / "registration_corrections.csv"))
                for c in e.get_camp_names():
                    spawning.add_initial_refugees(e, d, lm[c])
                t1 = time.perf_counter()
                counts = np.zeros((length, len(e.locations)), np.int64)
                agent_days = 0
                for t in range(length):
                    ig.AddNewConflictZones(e, t)
                    spawning.spawn_daily_displaced(e, t, d)
                    spawning.refresh_spawn_weights(e)
                    e.enact_border_closures(t)
                    e.evolve()
                    counts[t] = [loc.numAgents for loc in e.locations]
                    agent_days += len(e.agents)
                t2 = time.perf_counter()
            finally:
                os.chdir(cwd)
    seconds = {"setup": t1 - t0, "loop": t2 - t1, "agent_days": float(agent_days)}
    return [loc.name for loc in e.locations], counts, seconds
