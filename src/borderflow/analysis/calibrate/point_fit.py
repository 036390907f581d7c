"""The point fit: one set of values to run with, by Optuna's TPE.

It minimises the distance averaged over a few fixed seeds (common random numbers, so
trials differ only by their parameters), started from the scenario's own values, the
posterior's median and its closest particle, so the point fit is never worse than the
scenario was on those seeds. Trials are asked :data:`FIT_BATCH` at a time and the
sampler is reseeded per batch, so the fit depends on neither the worker count nor an
interruption.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from borderflow.analysis.assumptions import Ranges
from borderflow.analysis.calibrate.distance import FitTargets
from borderflow.analysis.calibrate.simulations import SEED_BASE, Phase, Simulations
from borderflow.analysis.executor import task_seed

#: Trials Optuna proposes at once (fixed, so the fit does not depend on the worker count).
FIT_BATCH = 4


def point_fit(
    simulations: Simulations,
    ranges: Ranges,
    targets: FitTargets,
    trials: int,
    repeats: int,
    starts: Sequence[np.ndarray],
    seed: int,
) -> tuple[np.ndarray, pd.DataFrame]:
    """The best point found in ``trials`` trials, and one row per trial.

    Args:
        simulations: runs the points (their parameters are ``ranges.names``).
        ranges: the search space.
        targets: what the distance is taken over.
        trials: how many trials.
        repeats: the seeds each trial is averaged over.
        starts: points tried first, in order.
        seed: the calibration's seed.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = ranges.names
    space: dict[str, optuna.distributions.BaseDistribution] = {
        n: optuna.distributions.FloatDistribution(float(a), float(b))
        for n, a, b in zip(names, ranges.low, ranges.high, strict=True)
    }
    study = optuna.create_study(direction="minimize")
    for start in starts:
        study.enqueue_trial(dict(zip(names, map(float, start), strict=True)))
    seeds = [task_seed(seed, SEED_BASE["fit"] + r) for r in range(repeats)]
    rows: list[dict[str, Any]] = []
    done = 0
    batch = 0
    while done < trials:
        study.sampler = _sampler(seed, batch, trials)
        asked = [study.ask(space) for _ in range(min(FIT_BATCH, trials - done))]
        points = np.array([[t.params[n] for n in names] for t in asked])
        phase = Phase(
            "fit", f"point fit (Optuna), trials {done + 1}-{done + len(asked)} of {trials}"
        )
        values = simulations.run(
            phase, np.repeat(points, repeats, axis=0), done * repeats, seeds=seeds * len(asked)
        )
        dist = targets.distance(values).reshape(len(asked), repeats)
        for trial, point, d in zip(asked, points, dist.mean(axis=1), strict=True):
            study.tell(trial, float(d))
            rows.append(
                {
                    "trial": trial.number,
                    **dict(zip(names, point, strict=True)),
                    "distance": float(d),
                }
            )
        done += len(asked)
        batch += 1
    best = study.best_trial
    return np.array([best.params[n] for n in names]), pd.DataFrame(rows)


def _sampler(seed: int, batch: int, trials: int) -> Any:
    """Optuna's TPE sampler for one batch of trials.

    Reseeded per batch: a batch's proposals depend on the trials before it and the seed
    only, so a resumed fit proposes what the uninterrupted one would have.
    """
    import optuna

    return optuna.samplers.TPESampler(
        seed=task_seed(seed, SEED_BASE["fit"] + (1 << 20) + batch) % (1 << 32),
        n_startup_trials=max(2, min(10, trials // 3)),
    )
