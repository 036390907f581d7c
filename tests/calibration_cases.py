"""A scenario whose targets come from known assumption values, for calibration and sensitivity.

People appear at Tijuana (1,000 a day for 15 days) and join San Ysidro's list at once; the
port admits 800 a day and there are no shelter beds. By construction:

* ``list`` (people waiting at the end) depends on ``p_renege`` alone;
* ``violence`` (incidents) on ``p_violence_unsheltered`` times the unsheltered person-days,
  so on both;
* ``left`` (people who left the list and went home or settled) on ``p_renege`` and
  ``share_renege_cross``, which is not fitted (its default is the truth);
* ``crossings`` (crossings between ports, held out) on ``p_renege`` and
  ``share_renege_cross``.

No other assumption has any effect on them: people start at the border (no transit) and
nothing reaches the U.S. stages before the targets are counted except through these. The
choices at the port that would (presenting without a list, waiting away, missed calls,
visas, patience without a bed, deterrence) are held still at values that change nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from borderflow.engine.run import run as run_engine
from borderflow.results.results import Results
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import Scenario
from conftest import still_lines, write_scenario

HEAD = """\
name = "known-truth"
title = "Targets made from known assumption values"
start = 2020-01-01
end = 2020-01-15
places = "places.csv"
routes = "routes.csv"
"""

BODY = """
[levers]
quota = { default = 800 }
beds = { default = 0 }

[parameters]
p_join_waitlist = { value = 1.0, low = 1.0, high = 1.0, reason = "everyone queues" }
p_renege = { value = 0.02, low = 0.005, high = 0.1, reason = "to be fitted" }
{still}

[background]
daily = { OTH = 1000 }
origins = { OTH = "tijuana" }
destinations = { tijuana = 1.0 }
""".replace("{still}", still_lines())

TARGET = """
[[target]]
id = "{id}"
role = "{role}"
{fitted}quantity = "{id}"
date = 2020-01-15
measure = "{measure}"
{what}
reported = {reported!r}
low = {low!r}
high = {high!r}
source = "synthetic: mean of 10 runs at the true values"
"""

TARGETS = {
    "list": ('measure = "stock"', 'places = ["san_ysidro"]\nstates = ["waiting_unsheltered"]'),
    "violence": ('measure = "flow"', 'transitions = ["violence_incident"]'),
    "left": ('measure = "flow"', 'transitions = ["give_up", "settle"]'),
    "crossings": ('measure = "flow"', 'transitions = ["cross_between_ports"]'),
}
TRUTH = {"p_renege": 0.03, "p_violence_unsheltered": 0.01}
FITTED = ["p_renege", "p_violence_unsheltered"]


def _targets(values: dict[str, float], held_out: tuple[str, ...]) -> str:
    text = ""
    for tid, (measure, what) in TARGETS.items():
        v = values.get(tid, 1.0)
        text += TARGET.format(
            id=tid,
            measure=measure.split('"')[1],
            what=what,
            reported=float(v),
            low=float(v) * 0.95,
            high=float(v) * 1.05,
            role="check" if tid in held_out else "fit",
            fitted="" if tid in held_out else 'fitted = "p_renege and p_violence_unsheltered"\n',
        )
    return text


def known_truth(
    folder: Path, held_out: tuple[str, ...] = ("crossings",), shift: dict[str, float] | None = None
) -> Scenario:
    """The scenario with targets reported as the mean of 10 runs at :data:`TRUTH`.

    The ``held_out`` targets are checks (never fitted to); the others are fits.

    ``shift`` multiplies some reported values (to show they do not matter when held out).
    """
    draft = load_scenario(write_scenario(folder / "draft", BODY + _targets({}, ()), head=HEAD))
    at_truth = draft.with_parameters(**TRUTH)
    runs = np.array(
        [Results(run_engine(at_truth, 1000 + i)).targets["simulated"] for i in range(10)]
    )
    values = dict(zip(TARGETS, runs.mean(axis=0), strict=True))
    for tid, factor in (shift or {}).items():
        values[tid] *= factor
    return load_scenario(write_scenario(folder, BODY + _targets(values, held_out), head=HEAD))
