"""Result tables: the run's arrays turned into labelled DataFrames.

These are the contract later stages and tools build on:

* ``daily``: one row per (date, place, state, group) with the number of people
  at the end of that day (cells with nobody are left out);
* ``flows``: one row per (date, place, to_place, transition, from_state,
  to_state, group) with the number of people (``from_state`` is ``outside`` for
  people entering);
* ``waits``: finished waits per port: (port, outcome, waited_days, n), outcome
  ``admitted`` or ``left_list``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from borderflow.engine.run import RunOutput
from borderflow.model.courts import OUTCOMES
from borderflow.scenario.vocabulary import State, Transition

STATE_LABELS = ["outside"] + [s.label for s in State]  # code -1 → "outside"
TRANSITION_LABELS = {t.value: t.label for t in Transition}
WAIT_OUTCOMES = ["admitted", "left_list"]
DOCKETS = ["regular", "mpp"]


def _dates(start: dt.date, days: np.ndarray) -> pd.Series:
    # Milliseconds: the unit Parquet stores, so tables read back unchanged.
    return pd.Series(
        (np.datetime64(start, "D") + days.astype("timedelta64[D]")).astype("datetime64[ms]")
    )


def _categorical(codes: np.ndarray, labels: list[str] | tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=list(labels))


def daily_table(out: RunOutput) -> pd.DataFrame:
    """End-of-day stocks."""
    s = out.stocks
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, s[:, 0]),
            "place": _categorical(s[:, 1], out.place_ids),
            "state": _categorical(s[:, 2] + 1, STATE_LABELS),
            "group": _categorical(s[:, 3], out.group_names),
            "n": s[:, 4],
        }
    )


def flow_table(out: RunOutput) -> pd.DataFrame:
    """Daily flows."""
    f = out.flows
    labels = [TRANSITION_LABELS.get(i, f"t{i}") for i in range(max(TRANSITION_LABELS) + 1)]
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, f[:, 0]),
            "place": _categorical(f[:, 1], out.place_ids),
            "to_place": _categorical(f[:, 2], out.place_ids),
            "transition": _categorical(f[:, 3], labels),
            "from_state": _categorical(f[:, 4] + 1, STATE_LABELS),
            "to_state": _categorical(f[:, 5] + 1, STATE_LABELS),
            "group": _categorical(f[:, 6], out.group_names),
            "n": f[:, 7],
        }
    )


def wait_table(out: RunOutput) -> pd.DataFrame:
    """Finished waits per port."""
    w = out.waits
    return pd.DataFrame(
        {
            "port": _categorical(w[:, 0], out.place_ids),
            "outcome": _categorical(w[:, 1], WAIT_OUTCOMES),
            "waited_days": w[:, 2],
            "n": w[:, 3],
        }
    )


def decision_table(out: RunOutput) -> pd.DataFrame:
    """Court durations per docket and outcome.

    ``days`` runs from custody to the decision, or, for ``hearings_began``, from
    the filing of the case to the start of its hearings.
    """
    d = out.decisions
    return pd.DataFrame(
        {
            "docket": _categorical(d[:, 0], DOCKETS),
            "outcome": _categorical(d[:, 1], OUTCOMES),
            "days": d[:, 2],
            "n": d[:, 3],
        }
    )


def court_table(out: RunOutput) -> pd.DataFrame:
    """Each docket's backlog at the end of each day."""
    c = out.courts
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, c[:, 0]),
            "docket": _categorical(c[:, 1], DOCKETS),
            "waiting": c[:, 2],
            "in_hearings": c[:, 3],
            "pending_from_start": c[:, 4],
            "backlog": c[:, 2] + c[:, 3] + c[:, 4],
        }
    )


def event_table(out: RunOutput) -> pd.DataFrame | None:
    """The per-person event log, if it was kept."""
    if out.events is None:
        return None
    e = out.events
    labels = [TRANSITION_LABELS.get(i, f"t{i}") for i in range(max(TRANSITION_LABELS) + 1)]
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, e[:, 0]),
            "person": e[:, 1],
            "transition": _categorical(e[:, 2], labels),
            "place": _categorical(e[:, 3], out.place_ids),
            "to_place": _categorical(e[:, 4], out.place_ids),
            "from_state": _categorical(e[:, 5] + 1, STATE_LABELS),
            "to_state": _categorical(e[:, 6] + 1, STATE_LABELS),
        }
    )
