"""The result of a calibration: :class:`Calibration`, its tables and its folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from borderflow._version import __version__
from borderflow.analysis.calibrate.distance import Band, weighted_quantile
from borderflow.analysis.calibrate.work import SIMULATIONS
from borderflow.results import store
from borderflow.results.targets import inside, series_errors, target_frame
from borderflow.scenario.load import revalidate
from borderflow.scenario.schema import Scenario
from borderflow.scenario.write import write_scenario

#: The files of a calibration's folder (``scenario`` is the calibrated scenario's folder).
FILES = {
    "fitted": "fitted.json",
    "estimates": "estimates.csv",
    "fit": "fit.csv",
    "fit_by_target": "fit_by_target.csv",
    "posterior": "posterior.parquet",
    "posterior_csv": "posterior.csv",
    "generations": "generations.csv",
    "trials": "trials.csv",
    "screening": "screening.csv",
    "scenario": "scenario",
    "simulations": SIMULATIONS,
}
#: A calibration's folder.
CALIBRATION = store.Kind(
    "calibration",
    frozenset(FILES.values()),
    signature=FILES["fitted"],
    folders={FILES["scenario"]: r"scenario\.toml|places\.csv|routes\.csv"},
)


@dataclass
class Calibration:
    """What a calibration found.

    Attributes:
        scenario: the calibrated scenario (the point fit's values, ranges kept).
        original: the scenario as it was.
        parameters: the names of the fitted assumptions.
        fitted: the point fit, by name.
        estimates: one row per fitted assumption: range, value before, point fit, posterior
            mean, sd and 5/50/95% quantiles.
        posterior: the last ABC-SMC population: one row per particle, the parameter values,
            its weight and its distance (a weighted sample of the posterior).
        fit: one row per target: reported, range, scale, whether held out, and the
            simulated 5/50/95% band before, after (at the point fit, same seeds) and under
            the posterior (the particles' own runs), with the scaled errors of the medians.
        generations: ABC-SMC's generations: tolerance, simulations, acceptance rate, ESS.
        trials: the point fit's Optuna trials.
        screening: per assumption, how far moving it across its range moves the targets
            (in scales), when the parameters were chosen by screening.
        simulations: simulations run (or read back when resumed), all stages.
        settings: what the calibration was asked (seed, budget, population, ...).
    """

    scenario: Scenario
    original: Scenario
    parameters: list[str]
    fitted: dict[str, float]
    estimates: pd.DataFrame
    posterior: pd.DataFrame
    fit: pd.DataFrame
    generations: pd.DataFrame
    trials: pd.DataFrame
    screening: pd.DataFrame | None
    simulations: int
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def in_sample_error(self) -> float:
        """Mean scaled error of the calibrated medians over the targets used in the fit."""
        rows = self.fit[~self.fit["held_out"]]
        return float(rows["error_after"].mean()) if len(rows) else float("nan")

    @property
    def out_of_sample_error(self) -> float:
        """Mean scaled error of the calibrated medians over the held-out targets."""
        rows = self.fit[self.fit["held_out"]]
        return float(rows["error_after"].mean()) if len(rows) else float("nan")

    @property
    def series(self) -> pd.DataFrame:
        """Per target, after the fit: role, whether fitted to, figures inside, errors.

        The errors of the ``check`` targets (and of fit targets held out) are out of
        sample: nothing was fitted to them.
        """
        table = series_errors(self.fit, "after_median")
        fitted_to = ~self.fit.groupby("id", sort=False)["held_out"].all()
        table.insert(2, "fitted_to", table["id"].map(fitted_to).astype(bool))
        return table

    def summary(self) -> dict[str, Any]:
        """The fitted values and the errors, as written to ``fitted.json``."""
        ids = self.fit.drop_duplicates("id")
        fitted_to = ~self.fit.groupby("id", sort=False)["held_out"].all()
        return {
            "scenario": self.original.name,
            "parameters": self.fitted,
            "targets_fitted": [i for i in ids["id"] if fitted_to[i]],
            "targets_held_out": [
                i
                for i, r in zip(ids["id"], ids["role"], strict=True)
                if not fitted_to[i] and r == "fit"
            ],
            "targets_checked": ids.loc[ids["role"] == "check", "id"].tolist(),
            # JSON has no NaN: no target of that kind is null.
            "in_sample_error": _or_none(self.in_sample_error),
            "out_of_sample_error": _or_none(self.out_of_sample_error),
            "simulations": self.simulations,
            "method": "ABC-SMC posterior (uniform prior on each range); Optuna TPE point fit",
            **self.settings,
        }

    def write(self, folder: str | Path, extra: Callable[[Path], None] | None = None) -> Path:
        """Write every table and the calibrated scenario to ``folder`` atomically.

        ``folder`` may be new, empty, or an earlier calibration, which is replaced;
        anything else is refused (:func:`borderflow.results.store.claim_output`).
        ``extra(tmp)`` may add more of the files in :data:`FILES`.
        """

        def fill(tmp: Path) -> None:
            store.write_json(tmp / FILES["fitted"], self.summary())
            store.write_csv(tmp / FILES["estimates"], self.estimates)
            store.write_csv(tmp / FILES["fit"], self.fit)
            store.write_csv(tmp / FILES["fit_by_target"], self.series)
            store.write_parquet(tmp / FILES["posterior"], self.posterior)
            store.write_csv(tmp / FILES["posterior_csv"], self.posterior)
            store.write_csv(tmp / FILES["generations"], self.generations)
            store.write_csv(tmp / FILES["trials"], self.trials)
            if self.screening is not None:
                store.write_csv(tmp / FILES["screening"], self.screening)
            write_scenario(self.scenario, tmp / FILES["scenario"])
            if extra is not None:
                extra(tmp)

        about = {
            "borderflow": __version__,
            "scenario": self.original.name,
            "seed": self.settings.get("seed"),
        }
        return store.write_atomically(folder, fill, CALIBRATION, about)


def _or_none(value: float) -> float | None:
    return value if np.isfinite(value) else None


def estimates_table(
    sc: Scenario,
    names: Sequence[str],
    point: np.ndarray,
    particles: np.ndarray,
    weights: np.ndarray,
) -> pd.DataFrame:
    """One row per fitted assumption: its range, value before, point fit and posterior."""
    rows = []
    for j, name in enumerate(names):
        p = sc.parameters[name]
        column = particles[:, j]
        mean = float(weights @ column)
        rows.append(
            {
                "parameter": name,
                "unit": p.unit,
                "low": p.low,
                "high": p.high,
                "value_before": p.value,
                "fitted": float(point[j]),
                "posterior_mean": mean,
                "posterior_sd": float(np.sqrt(weights @ (column - mean) ** 2)),
                "posterior_q05": weighted_quantile(column, weights, 0.05),
                "posterior_median": weighted_quantile(column, weights, 0.5),
                "posterior_q95": weighted_quantile(column, weights, 0.95),
            }
        )
    return pd.DataFrame(rows)


def fit_table(
    sc: Scenario,
    held: np.ndarray,
    scales: np.ndarray,
    before: Band,
    after: Band,
    posterior: Band,
) -> pd.DataFrame:
    """One row a target's figure: its role, reported, range, scale, the bands and errors.

    ``held_out`` marks the figures the fit did not use: every ``check`` target's, and
    those of ``fit`` targets held out when asked. Their errors are out of sample.
    """
    frame = target_frame(sc)
    reported = frame["reported"].to_numpy(float)
    table = pd.DataFrame(
        {
            "key": frame["key"],
            "id": frame["id"],
            "role": frame["role"],
            "quantity": frame["quantity"],
            "date": frame["date"],
            "held_out": held,
            "reported": reported,
            "low": frame["low"],
            "high": frame["high"],
            "scale": scales,
            **before.columns("before"),
            **after.columns("after"),
            **posterior.columns("posterior"),
        }
    )
    table["error_before"] = np.abs(table["before_median"] - reported) / scales
    table["error_after"] = np.abs(table["after_median"] - reported) / scales
    table["inside_after"] = inside(table["after_median"], table["low"], table["high"])
    # The ensemble's name for the other question: is the reported value in the band?
    table["reported_in_90_after"] = (table["after_q05"] <= reported) & (
        reported <= table["after_q95"]
    )
    return table


def calibrated_scenario(
    sc: Scenario,
    fitted: dict[str, float],
    estimates: pd.DataFrame,
    fitted_ids: list[str],
    seed: int,
) -> Scenario:
    """``sc`` with the point fit's values, each parameter's reason saying how it was fitted."""
    data = sc.model_dump(by_alias=True)
    by_name = estimates.set_index("parameter")
    for name, value in fitted.items():
        row = by_name.loc[name]
        entry = data["parameters"][name]
        was = entry.get("reason") or ""
        entry["value"] = value
        entry["reason"] = (
            f"calibrated (borderflow calibrate, seed {seed}) to targets "
            f"{', '.join(fitted_ids)}: posterior median {row['posterior_median']:.4g}, "
            f"90% interval [{row['posterior_q05']:.4g}, {row['posterior_q95']:.4g}]; "
            f"was {row['value_before']:.4g}: {was}"
        )
    data["name"] = f"{sc.name}-calibrated"[:80]
    data["title"] = f"{sc.title} (calibrated)"
    return revalidate(data, origin=f"{sc.name} (calibrated)")
