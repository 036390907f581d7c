"""Run a Flee scenario with borderflow's Flee rules and keep the daily counts."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from borderflow.flee.io import FleeScenario
from borderflow.flee.rules import FleeModel
from borderflow.model.rng import Streams


@dataclass
class FleeOutput:
    """What a Flee-rules run produced, as plain arrays.

    Attributes:
        counts: agents at each location (not on a link) at the end of each day,
            ``(days, locations)``.
        location_names: the locations, in ``locations.csv`` order (the columns of ``counts``).
        camp_names: the camps at the start (Flee's ``get_camp_names``), in that order.
        camp_index: the columns of ``counts`` holding the camps.
        dates: the date of each day.
        camp_data: each camp's validation count per day, ``(days, camps)`` (0 without a series).
        camp_has_data: whether each camp has a validation series.
        total_data: the interpolated ``total`` validation series per day.
        refugees_raw: Flee's running ``refugees_raw`` (the raw UNHCR total) per day.
        refugee_debt: Flee's ``refugee_debt`` per day.
        agents: agents in the simulation at the end of each day.
        spawned: agents created on each day (day-0 camp populations included on day 0).
        unplaced: new agents that had no conflict zone to start in, per day.
    """

    scenario: FleeScenario
    seed: int
    counts: np.ndarray
    location_names: tuple[str, ...]
    camp_names: tuple[str, ...]
    camp_index: np.ndarray
    dates: tuple[dt.date, ...]
    camp_data: np.ndarray
    camp_has_data: np.ndarray
    total_data: np.ndarray
    refugees_raw: np.ndarray
    refugee_debt: np.ndarray
    agents: np.ndarray
    spawned: np.ndarray
    unplaced: np.ndarray
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def agent_days(self) -> int:
        """Agent-days simulated (agents alive at the end of each day, summed)."""
        return int(self.agents.sum())


def run_flee(
    flee_scenario: FleeScenario,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> FleeOutput:
    """Run ``flee_scenario`` for its ``Length`` days with Flee 3.1's rules."""
    t0 = time.perf_counter()
    model = FleeModel(flee_scenario)
    streams = Streams(seed)
    days = flee_scenario.length
    n_loc = len(model.names)
    counts = np.zeros((days, n_loc), np.int64)
    raw = np.zeros(days, np.int64)
    debt = np.zeros(days, np.int64)
    agents = np.zeros(days, np.int64)
    spawned = np.zeros(days, np.int64)
    unplaced = np.zeros(days, np.int64)
    model.insert_day0()
    t1 = time.perf_counter()
    for t in range(days):
        before, lost = model.spawned, model.unplaced
        model.step(t, streams)
        counts[t] = model.counts
        raw[t] = model.refugees_raw
        debt[t] = model.refugee_debt
        agents[t] = model.n
        spawned[t] = model.spawned - before
        unplaced[t] = model.unplaced - lost
        if progress is not None:
            progress(t + 1, days)
    spawned[0] += int(model.spawned - spawned.sum())  # the day-0 camp populations
    t2 = time.perf_counter()
    return FleeOutput(
        scenario=flee_scenario,
        seed=seed,
        counts=counts,
        location_names=tuple(model.names),
        camp_names=tuple(model.names[c] for c in model.camps),
        camp_index=model.camps.copy(),
        dates=tuple(flee_scenario.start_date + dt.timedelta(days=t) for t in range(days)),
        camp_data=model.data_camp.copy(),
        camp_has_data=model.has_data.copy(),
        total_data=model.data_total.copy(),
        refugees_raw=raw,
        refugee_debt=debt,
        agents=agents,
        spawned=spawned,
        unplaced=unplaced,
        seconds={"setup": t1 - t0, "loop": t2 - t1},
    )
