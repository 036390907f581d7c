"""Result tables: the run's arrays turned into labelled DataFrames.

These are the contract later stages and tools build on:

* ``daily``: one row per (date, place, state, group) with the number of people
  at the end of that day (cells with nobody are left out);
* ``flows``: one row per (date, place, to_place, transition, from_state,
  to_state, group) with the number of people (``from_state`` is ``outside`` for
  people entering);
* ``waits``: finished waits per port: (port, outcome, waited_days, n), outcome
  ``admitted`` or ``left_list``;
* ``households``: households per (group, kind, size, state at the end), with their
  people: a household is counted once, its people each;
* ``mexico``: Mexico's detentions, returns and refuge by month, beside its published
  figures (:mod:`borderflow.results.mexico`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from borderflow.engine.run import RunOutput
from borderflow.scenario.vocabulary import (
    COURT_OUTCOMES,
    DOCKETS,
    HOUSEHOLD_KIND_OF_ROLE,
    HOUSEHOLD_KINDS,
    HOUSEHOLD_ROLES,
    NATIONALITIES,
    WAIT_OUTCOMES,
    State,
    Transition,
)

STATE_LABELS = ["outside"] + [s.label for s in State]  # code -1 → "outside"
TRANSITION_LABELS = {t.value: t.label for t in Transition}
#: The decisions table's ``lawyer`` column, by code (0 without, 1 with; -1: missing).
LAWYER_LABELS = ("without a lawyer", "with a lawyer")


def _dates(start: dt.date, days: np.ndarray) -> pd.Series:
    # Milliseconds: the unit Parquet stores, so tables read back unchanged.
    return pd.Series(
        (np.datetime64(start, "D") + days.astype("timedelta64[D]")).astype("datetime64[ms]")
    )


def _categorical(codes: np.ndarray, labels: list[str] | tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=list(labels))


def _transition_labels() -> list[str]:
    return [TRANSITION_LABELS.get(i, f"t{i}") for i in range(max(TRANSITION_LABELS) + 1)]


def daily_table(out: RunOutput) -> pd.DataFrame:
    """End-of-day stocks."""
    s = out.stocks
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, s.day),
            "place": _categorical(s.place, out.place_ids),
            "state": _categorical(s.state + 1, STATE_LABELS),
            "group": _categorical(s.group, out.group_names),
            "n": s.n,
        }
    )


def flow_table(out: RunOutput) -> pd.DataFrame:
    """Daily flows."""
    f = out.flows
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, f.day),
            "place": _categorical(f.place, out.place_ids),
            "to_place": _categorical(f.to_place, out.place_ids),
            "transition": _categorical(f.transition, _transition_labels()),
            "from_state": _categorical(f.from_state + 1, STATE_LABELS),
            "to_state": _categorical(f.to_state + 1, STATE_LABELS),
            "group": _categorical(f.group, out.group_names),
            "n": f.n,
        }
    )


def wait_table(out: RunOutput) -> pd.DataFrame:
    """Finished waits per port."""
    w = out.waits
    return pd.DataFrame(
        {
            "port": _categorical(w.port, out.place_ids),
            "outcome": _categorical(w.outcome, WAIT_OUTCOMES),
            "waited_days": w.waited_days,
            "n": w.n,
        }
    )


def household_table(out: RunOutput) -> pd.DataFrame:
    """Households per group, kind (its lead's role makes it), size and state at the end.

    A household's state is its lead's, which its followers share.
    """
    people = out.people
    leads = np.flatnonzero(people["lead"] < 0)
    size = people["followers"][leads].astype(np.int64) + 1
    kind = np.asarray(HOUSEHOLD_KIND_OF_ROLE, np.int64)[people["household"][leads]]
    frame = pd.DataFrame(
        {
            "group": _categorical(people["group"][leads], out.group_names),
            "kind": _categorical(kind, HOUSEHOLD_KINDS),
            "size": size,
            "state": _categorical(people["state"][leads].astype(np.int64) + 1, STATE_LABELS),
            "people": size,
        }
    )
    counted = frame.groupby(["group", "kind", "size", "state"], observed=True)
    table = counted.agg(households=("people", "size"), people=("people", "sum"))
    return table.reset_index()


def decision_table(out: RunOutput) -> pd.DataFrame:
    """Court durations per docket, outcome and person (nationality, lawyer, household).

    ``days`` runs from custody to the decision, or, for ``hearings_began``, from
    the filing of the case to the start of its hearings. ``nationality``, ``lawyer``
    (``with a lawyer`` or ``without a lawyer``) and ``household`` are labels, missing for
    the cases of people not simulated (the start backlog's, other receipts').
    """
    d = out.decisions
    return pd.DataFrame(
        {
            "docket": _categorical(d.docket, DOCKETS),
            "outcome": _categorical(d.outcome, COURT_OUTCOMES),
            "nationality": _categorical(d.nationality, NATIONALITIES),
            "lawyer": _categorical(d.lawyer, LAWYER_LABELS),
            "household": _categorical(d.household, HOUSEHOLD_ROLES),
            "days": d.days,
            "n": d.n,
        }
    )


def court_table(out: RunOutput) -> pd.DataFrame:
    """Each docket's backlog at the end of each day."""
    c = out.courts
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, c.day),
            "docket": _categorical(c.docket, DOCKETS),
            "waiting": c.waiting,
            "in_hearings": c.in_hearings,
            "pending_from_start": c.pending_from_start,
            "backlog": c.backlog,
        }
    )


def event_table(out: RunOutput) -> pd.DataFrame | None:
    """The per-person event log, if it was kept."""
    if out.events is None:
        return None
    e = out.events
    return pd.DataFrame(
        {
            "date": _dates(out.scenario.start, e.day),
            "person": e.person,
            "transition": _categorical(e.transition, _transition_labels()),
            "place": _categorical(e.place, out.place_ids),
            "to_place": _categorical(e.to_place, out.place_ids),
            "from_state": _categorical(e.from_state + 1, STATE_LABELS),
            "to_state": _categorical(e.to_state + 1, STATE_LABELS),
        }
    )
