"""Fit a scenario's assumptions to its observed targets.

Two questions, two methods:

* **Which values are consistent with the targets, and how sure are we?** A posterior
  sample by ABC-SMC (:mod:`.abc_smc`), uniform prior on each assumption's declared range.
* **Which single set of values to run with?** A point fit by Optuna's TPE
  (:mod:`.point_fit`), started from the scenario's own values, the posterior's median and
  its closest particle, so it is never worse than the scenario was on its seeds.

Unless the assumptions to fit are named, screening (:mod:`.screening`) chooses those that
move a target. Both methods measure a run by its distance to the targets
(:mod:`.distance`). Every simulation is a task of the
:class:`~borderflow.analysis.executor.Executor` with a seed spawned from the calibration's
seed and the simulation's phase and number, and proposals are drawn from generators
seeded by (seed, generation, batch), so a calibration gives the same result with any
number of workers, on either backend. Each finished simulation is appended to
``simulations.jsonl`` in a work folder beside the output (:mod:`.work`); ``resume``
replays the calibration, reading what is stored instead of running it again.
:func:`calibrate` (:mod:`.run`) puts the phases together; :class:`Calibration`
(:mod:`.result`) is what it returns and writes.
"""

from borderflow.analysis.calibrate.distance import (
    MISSING_SCALES,
    distance,
    target_scales,
    weighted_quantile,
)
from borderflow.analysis.calibrate.errors import CalibrationError
from borderflow.analysis.calibrate.result import CALIBRATION, FILES, Calibration
from borderflow.analysis.calibrate.run import calibrate
from borderflow.analysis.calibrate.simulations import Progress, SimulationStore
from borderflow.analysis.calibrate.work import WORK_CONFIG, work_folder

__all__ = [
    "CALIBRATION",
    "FILES",
    "MISSING_SCALES",
    "WORK_CONFIG",
    "Calibration",
    "CalibrationError",
    "Progress",
    "SimulationStore",
    "calibrate",
    "distance",
    "target_scales",
    "weighted_quantile",
    "work_folder",
]
