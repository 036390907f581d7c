"""A calibration's posterior as an ensemble draws from it: parameter uncertainty in the bands.

An ensemble with a posterior (``ensemble(..., posterior=CAL)``) runs each member with the
fitted parameters of one ABC-SMC particle, drawn with probability proportional to its
weight, so its bands carry the uncertainty about those parameters as well as the seed's.
Run ``i`` of an ensemble with seed ``s`` draws its particle with a generator seeded by
``SeedSequence(s, spawn_key=(i, 1))``, a child of run ``i``'s own stream that the
simulation never uses: the draw depends on ``s`` and ``i`` alone, whatever the workers.

:func:`load_posterior` reads a calibration folder (``fitted.json`` and
``posterior.parquet``) or takes a :class:`~borderflow.analysis.calibrate.Calibration`;
:meth:`Posterior.check` refuses a scenario the calibration does not fit. Every problem is
a :class:`PosteriorError` naming the calibration, the file and what was expected.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from borderflow.analysis.calibrate.result import FILES, Calibration
from borderflow.scenario.schema import Scenario

#: The second element of the spawn key of run ``i``'s particle stream, ``(i, PARTICLE_STREAM)``.
PARTICLE_STREAM = 1
#: How far (as a share of its range) a particle may lie outside a range: float round-off.
RANGE_SLACK = 1e-9
#: What a calibration folder holds that an ensemble reads.
NEEDED = f"{FILES['fitted']} and {FILES['posterior']}"


class PosteriorError(ValueError):
    """A posterior that cannot be drawn from for this scenario: the message says why."""


@dataclass(frozen=True)
class Draw:
    """The parameters one run of an ensemble takes from the posterior.

    Attributes:
        particle: the row of the posterior drawn (0-based).
        names: the fitted parameters.
        values: their values in that particle.
    """

    particle: int
    names: tuple[str, ...]
    values: tuple[float, ...]

    def as_dict(self) -> dict[str, float]:
        """``{parameter: value}``, as kept in the shard's metadata."""
        return dict(zip(self.names, self.values, strict=True))


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of fitted parameter values (the last ABC-SMC population).

    Attributes:
        label: how to name it in a sentence: ``calibration FOLDER`` (the folder as given),
            or ``the calibration of SCENARIO (seed S)`` for one held in memory.
        folder: the calibration folder (``None`` for a calibration held in memory).
        scenario: the name of the scenario the calibration fitted (``fitted.json``).
        names: the fitted parameters, one column of ``values`` each.
        values: particle × parameter.
        weights: each particle's weight as stored (not necessarily summing to 1).
    """

    label: str
    folder: Path | None
    scenario: str
    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    @property
    def particles(self) -> int:
        """How many particles the sample holds."""
        return len(self.weights)

    @property
    def fingerprint(self) -> str:
        """A digest of the parameter names, the particles' values and their weights."""
        digest = hashlib.sha256(json.dumps(list(self.names)).encode("utf-8"))
        digest.update(np.ascontiguousarray(self.values, dtype="<f8").tobytes())
        digest.update(np.ascontiguousarray(self.weights, dtype="<f8").tobytes())
        return digest.hexdigest()[:16]

    def spec(self) -> dict[str, Any]:
        """What an ensemble records of its posterior (``ensemble.json`` and the manifest)."""
        return {
            "calibration": None if self.folder is None else os.path.abspath(self.folder),
            "label": self.label,
            "scenario": self.scenario,
            "parameters": list(self.names),
            "particles": self.particles,
            "fingerprint": self.fingerprint,
        }

    def _in(self, key: str) -> str:
        """`` (in FOLDER/FILE)``, naming the file that says it; nothing when held in memory."""
        return "" if self.folder is None else f" (in {self.folder / FILES[key]})"

    def check(self, scenario: Scenario) -> None:
        """Refuse a scenario this calibration does not fit.

        The scenario must be the one calibrated (or its calibrated copy), have each fitted
        parameter with a range, and every particle must lie in those ranges.

        Raises:
            PosteriorError: naming the calibration, the file and what was expected.
        """
        calibrated = f"{self.scenario}-calibrated"[:80]
        if scenario.name not in (self.scenario, calibrated):
            raise PosteriorError(
                f"{self.label} does not fit scenario {scenario.name}: it was fitted to "
                f"scenario {self.scenario}{self._in('fitted')}; expected a calibration of "
                f"{scenario.name} (or run the ensemble on {self.scenario} or its calibrated "
                "copy)"
            )
        missing = [n for n in self.names if n not in scenario.parameters]
        if missing:
            raise PosteriorError(
                f"{self.label} fitted parameter(s) {', '.join(missing)}"
                f"{self._in('posterior')}, which scenario {scenario.name} does not have; "
                f"expected parameters of {scenario.name} with a range"
            )
        for j, name in enumerate(self.names):
            p = scenario.parameters[name]
            if not p.high > p.low:
                raise PosteriorError(
                    f"{self.label} fitted {name}{self._in('posterior')}, but scenario "
                    f"{scenario.name} fixes it at {p.value} (low = high); "
                    "expected a parameter with a range"
                )
            slack = RANGE_SLACK * (p.high - p.low)
            column = self.values[:, j]
            outside = np.flatnonzero((column < p.low - slack) | (column > p.high + slack))
            if len(outside):
                k = int(outside[0])
                raise PosteriorError(
                    f"{self.label}: particle {k}{self._in('posterior')} has "
                    f"{name} = {column[k]:.6g}, "
                    f"outside its range [{p.low:.6g}, {p.high:.6g}] in scenario "
                    f"{scenario.name} ({len(outside)} particle(s) outside); expected every "
                    "particle inside the ranges (was the range changed after calibrating?)"
                )

    def draw(self, seed: int, index: int) -> Draw:
        """The particle run ``index`` of an ensemble with ``seed`` takes (weight-proportional)."""
        rng = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(index, PARTICLE_STREAM))
        )
        cdf = np.cumsum(self.weights)
        k = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
        # rng.random() < 1, but its product with the total may round up to it.
        k = min(k, int(np.flatnonzero(self.weights > 0)[-1]))
        return Draw(k, self.names, tuple(float(v) for v in self.values[k]))


def load_posterior(source: str | Path | Calibration | Posterior) -> Posterior:
    """A posterior from a calibration folder, a :class:`Calibration` or a :class:`Posterior`.

    Raises:
        PosteriorError: the folder is not a calibration's, or its ``fitted.json`` or
            ``posterior.parquet`` is missing or damaged (the message names the file).
    """
    if isinstance(source, Posterior):
        return source
    if isinstance(source, Calibration):
        seed = source.settings.get("seed")
        label = f"the calibration of {source.original.name}"
        label += f" (seed {seed})" if seed is not None else ""
        return _checked(label, None, source.original.name, source.parameters, source.posterior)
    folder = Path(source)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is a file, not a folder"
        raise PosteriorError(
            f"calibration {folder} {what}; expected the folder `borderflow calibrate` "
            f"writes, with {NEEDED}"
        )
    scenario, names = _read_fitted(folder)
    label = f"calibration {folder}"
    return _checked(label, folder, scenario, names, _read_particles(folder))


def _read_fitted(folder: Path) -> tuple[str, list[str]]:
    """The calibrated scenario's name and the fitted parameters from ``fitted.json``."""
    path = folder / FILES["fitted"]
    expected = (
        'expected the JSON object a calibration writes, with "scenario" (the name of the '
        'scenario fitted) and "parameters" (the fitted value of each parameter)'
    )
    if not path.is_file():
        raise PosteriorError(
            f"{folder} is not a calibration folder: {path} is missing; expected the folder "
            f"`borderflow calibrate` writes, with {NEEDED}"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PosteriorError(f"{path} cannot be read ({_why(exc)}); {expected}") from None
    if not isinstance(data, dict):
        raise PosteriorError(f"{path} holds no JSON object; {expected}")
    scenario, parameters = data.get("scenario"), data.get("parameters")
    if not isinstance(scenario, str) or not scenario:
        raise PosteriorError(f"{path} lacks the scenario's name; {expected}")
    if (
        not isinstance(parameters, dict)
        or not parameters
        or not all(isinstance(v, int | float) for v in parameters.values())
    ):
        raise PosteriorError(f"{path} lacks the fitted parameters; {expected}")
    return scenario, [str(n) for n in parameters]


def _read_particles(folder: Path) -> pd.DataFrame:
    """The particles of ``posterior.parquet``."""
    path = folder / FILES["posterior"]
    if not path.is_file():
        raise PosteriorError(
            f"calibration {folder} has no posterior: {path} is missing; expected the "
            "posterior.parquet a calibration writes (a row per particle: each fitted "
            "parameter, weight, distance)"
        )
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise PosteriorError(
            f"{path} cannot be read as Parquet ({_why(exc)}); expected the posterior.parquet "
            "a calibration writes (a row per particle: each fitted parameter, weight, distance)"
        ) from None


def _why(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _checked(
    label: str, folder: Path | None, scenario: str, names: list[str], table: pd.DataFrame
) -> Posterior:
    """The posterior from its table, after checking the columns, values and weights."""
    where = (
        f"the posterior table of {label}" if folder is None else str(folder / FILES["posterior"])
    )
    expected = (
        f"expected a row per particle with a column for each fitted parameter "
        f"({', '.join(names)}) and a weight"
    )
    missing = [c for c in (*names, "weight") if c not in table.columns]
    if missing:
        raise PosteriorError(f"{where} lacks the column(s) {', '.join(missing)}; {expected}")
    if table.empty:
        raise PosteriorError(f"{where} holds no particle; {expected}")
    try:
        values = table[list(names)].to_numpy(dtype=float)
        weights = table["weight"].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise PosteriorError(
            f"{where} holds values that are not numbers ({exc}); {expected}"
        ) from None
    if not np.isfinite(values).all():
        raise PosteriorError(f"{where} holds missing or infinite parameter values; {expected}")
    total = float(weights.sum()) if np.isfinite(weights).all() else math.nan
    if not (weights >= 0).all() or not total > 0 or not math.isfinite(total):
        raise PosteriorError(
            f"{where}: the weights are not all non-negative numbers with a positive sum; {expected}"
        )
    return Posterior(label, folder, scenario, tuple(names), values, weights)
