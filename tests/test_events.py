"""The per-person event log and the violence counts agree with the tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

import borderflow


def test_event_log_replays_to_the_final_states() -> None:
    res = borderflow.run("caravan-2018-fall", seed=4, events=True)
    ev = res.events
    assert ev is not None and len(ev) > 0
    first = ev.groupby("person", observed=True).head(1)
    assert (first["from_state"] == "outside").all()
    assert first["person"].nunique() == res.summary_dict["people_entered"]
    changes = ev[(ev["from_state"] != ev["to_state"]) | (ev["place"] != ev["to_place"])]
    last = changes.groupby("person", observed=True).tail(1).set_index("person").sort_index()
    people = res.output.people
    final_state = pd.Series(people["state"][last.index.to_numpy()]).map(
        lambda code: borderflow.results.tables.STATE_LABELS[code + 1]
    )
    assert (last["to_state"].astype(str).to_numpy() == final_state.to_numpy()).all()
    # Every logged transition is in the flow table with the same count.
    logged = ev.groupby("transition", observed=True).size()
    flows = res.flows.groupby("transition", observed=True)["n"].sum()
    for name, count in logged.items():
        assert flows[name] == count, name


def test_violence_rates_match_the_parameters(tiny) -> None:
    """Incidents per person-day match the sheltered and unsheltered daily rates."""
    sc = tiny("""
    [levers]
    quota = { default = 5 }
    beds = { default = 150 }

    [parameters]
    p_join_waitlist = 1.0
    p_violence_sheltered = 0.004
    p_violence_unsheltered = 0.016

    [background]
    daily = { OTH = 30 }
    origins = { OTH = "tijuana" }
    destinations = { tijuana = 1.0 }
    """)
    res = borderflow.run(sc, seed=2)
    d, f = res.daily, res.flows
    for state, p in (("waiting_sheltered", 0.004), ("waiting_unsheltered", 0.016)):
        exposure = int(d.loc[d["state"] == state, "n"].sum())
        hits = int(
            f.loc[(f["transition"] == "violence_incident") & (f["from_state"] == state), "n"].sum()
        )
        assert exposure > 5_000
        se = np.sqrt(exposure * p * (1 - p))
        assert abs(hits - exposure * p) < 4 * se, (state, hits, exposure * p)
