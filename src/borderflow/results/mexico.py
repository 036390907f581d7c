"""Mexico's enforcement by month (``mexico.parquet``), beside the figures Mexico published.

The run's detentions, returns and refuge in Mexico, one row a calendar month of the run
(the first and last may be partial: ``days`` says how many of its days were simulated):

* ``detained``: people detained by Mexico on the road (``deported_by_mexico``), on the day
  of their detention; ``detained_southern_border``: those of them detained at Mexico's
  southern border (:func:`borderflow.model.transit.southern_border`, where the
  ``mexico_southern_enforcement`` lever applies);
* ``returned``: people Mexico sent home. The model holds nobody in Mexico's detention:
  every person detained is returned home the same day, so it equals ``detained``;
* ``refuge``: people who asked for and accepted refuge or a humanitarian visa in Mexico
  (``refuge_in_mexico``);
* ``inm_returned``, ``inm_presented``, ``comar_applications``: the published monthly
  figures, where there are any (else missing): foreigners INM returned to their countries
  (``mx_inm_returned_monthly``), foreigners presented to INM, i.e. detained, counted as
  events (``mx_inm_presented_monthly``), and COMAR's asylum applicants
  (``mx_comar_applications_monthly``). In a scaled scenario
  (:meth:`~borderflow.scenario.schema.Scenario.scaled`) they are scaled as its series
  targets are, so that they stay comparable with the run.

INM and COMAR count every foreigner, the run only the people it simulates.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from borderflow import data
from borderflow.model.network import build_network
from borderflow.model.transit import southern_border
from borderflow.scenario.parameters import Parameters
from borderflow.scenario.schema import Scenario

#: The published monthly series shown beside the run's counts: column -> series name.
PUBLISHED: dict[str, str] = {
    "inm_returned": "mx_inm_returned_monthly",
    "inm_presented": "mx_inm_presented_monthly",
    "comar_applications": "mx_comar_applications_monthly",
}
#: The run's counts, by column: the transitions each counts.
COUNTED: dict[str, str] = {
    "detained": "deported_by_mexico",
    "returned": "deported_by_mexico",
    "refuge": "refuge_in_mexico",
}
COLUMNS = (
    "month",
    "days",
    "detained",
    "detained_southern_border",
    "returned",
    "refuge",
    *PUBLISHED,
)


def southern_places(scenario: Scenario) -> list[str]:
    """The ids of the places of Mexico's southern border (where its lever applies)."""
    net = build_network(scenario)
    reach = Parameters.of(scenario).southern_border_km
    return [net.ids[i] for i in np.flatnonzero(southern_border(net, reach))]


def record_scale(scenario: Scenario) -> float:
    """What the published figures are multiplied by to compare with this scenario's run.

    The scale of its series target on INM's returns, else of its first series target
    (a scaled scenario scales them all alike); 1 without any.
    """
    scales = {t.series.name: t.series.scale for t in scenario.targets if t.series is not None}
    return scales.get(PUBLISHED["inm_returned"], next(iter(scales.values()), 1.0))


def months_of(start: dt.date, end: dt.date) -> pd.Series:
    """Days simulated in each calendar month from ``start`` to ``end``, by month's first day."""
    days = pd.date_range(start, end, freq="D")
    first = days.to_period("M").to_timestamp()
    return pd.Series(1, index=first).groupby(level=0).sum()


def published(months: pd.DatetimeIndex, scale: float = 1.0) -> pd.DataFrame:
    """Each published series (:data:`PUBLISHED`) by month (first day), times ``scale``."""
    out = pd.DataFrame(index=months, columns=list(PUBLISHED), dtype=float)
    for column, name in PUBLISHED.items():
        rows = data.series(name)
        month = rows["date"].dt.to_period("M").dt.to_timestamp()
        values = pd.Series(rows["value"].to_numpy(float), index=month.to_numpy())
        out[column] = values.groupby(level=0).sum().reindex(months) * scale
    return out


def _by_month(flows: pd.DataFrame, transition: str, months: pd.Index) -> pd.Series:
    rows = flows[flows["transition"] == transition]
    month = pd.to_datetime(rows["date"]).dt.to_period("M").dt.to_timestamp()
    counted = rows["n"].groupby(month.to_numpy()).sum()
    return counted.reindex(months, fill_value=0).astype(np.int64)


def mexico_table(flows: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Mexico's detentions, returns and refuge by month, with the published figures.

    Args:
        flows: the run's flows table (as :func:`borderflow.results.tables.flow_table`
            gives it, or read back from ``flows.parquet``).
        scenario: the scenario run.

    Returns:
        One row a calendar month of the run, the columns of :data:`COLUMNS` (see the
        module's docstring).
    """
    days = months_of(scenario.start, scenario.end)
    months = pd.DatetimeIndex(days.index)
    detained = _by_month(flows, COUNTED["detained"], months)
    south = flows[flows["place"].astype(str).isin(southern_places(scenario))]
    table = pd.DataFrame(
        {
            "month": months.astype("datetime64[ms]"),
            "days": days.to_numpy(np.int64),
            "detained": detained.to_numpy(),
            "detained_southern_border": _by_month(south, "deported_by_mexico", months).to_numpy(),
            "returned": _by_month(flows, COUNTED["returned"], months).to_numpy(),
            "refuge": _by_month(flows, COUNTED["refuge"], months).to_numpy(),
        }
    )
    figures = published(months, record_scale(scenario))
    for column in PUBLISHED:
        table[column] = figures[column].to_numpy(float)
    return table
