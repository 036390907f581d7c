"""Screening: which assumptions move the targets enough to be worth fitting.

Each assumption is set to the low and then the high end of its range, the others kept at
the scenario's values, all at one seed. An assumption is fitted when it moves some fitted
target by at least :data:`SCREEN_THRESHOLD` of its scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderflow.analysis.calibrate.distance import MISSING_SCALES, FitTargets
from borderflow.analysis.calibrate.simulations import SEED_BASE, Phase, Simulations
from borderflow.analysis.executor import task_seed
from borderflow.scenario.schema import Scenario

#: A parameter is fitted by default if moving it across its range moves some target by at
#: least this many scales (at a fixed seed).
SCREEN_THRESHOLD = 0.1


def screen(simulations: Simulations, sc: Scenario, targets: FitTargets) -> pd.DataFrame:
    """One row per assumption of ``simulations.names``, the most effective first.

    Columns: ``parameter``, ``effect`` (the largest move of a fitted target, in scales),
    ``fitted`` (the effect reaches :data:`SCREEN_THRESHOLD`) and ``most_moved_target``.
    """
    names = list(simulations.names)
    base = np.array([sc.parameters[n].value for n in names])
    points = [base]
    for i, name in enumerate(names):
        for end in (sc.parameters[name].low, sc.parameters[name].high):
            point = base.copy()
            point[i] = end
            points.append(point)
    seed = task_seed(simulations.seed, SEED_BASE["screen"])
    phase = Phase("screen", "screening the assumptions")
    values = simulations.run(phase, np.array(points), 0, seeds=[seed] * len(points))
    fit = targets.used
    low, high = values[1::2][:, fit], values[2::2][:, fit]
    moved = np.nan_to_num(np.abs(high - low) / targets.scales[fit], nan=MISSING_SCALES)
    effect = moved.max(axis=1) if moved.shape[1] else np.zeros(len(names))
    keys = [p.key for t in sc.targets for p in t.points]
    fitted_ids = [k for k, f in zip(keys, fit, strict=True) if f]
    return pd.DataFrame(
        {
            "parameter": names,
            "effect": effect,
            "fitted": effect >= SCREEN_THRESHOLD,
            "most_moved_target": [fitted_ids[int(row.argmax())] for row in moved]
            if moved.shape[1]
            else [""] * len(names),
        }
    ).sort_values("effect", ascending=False, kind="stable", ignore_index=True)
