"""What a report is drawn from: :class:`ReportInput`, a run's tables or an ensemble's bands.

:func:`borderflow.report.html.report_input` makes one from a run, a results folder or an
ensemble; the report's sections and figures, and the comparison page, read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from borderflow.scenario.schema import Scenario


@dataclass
class ReportInput:
    """What a report is drawn from: a run's tables, or an ensemble's bands.

    Attributes:
        scenario: the scenario run.
        kind: ``"run"`` or ``"ensemble"``.
        tables: a run's tables (``daily``, ``flows``, ``waits``, ``decisions``, ``courts``);
            for an ensemble its ``folder`` and its runs' ``shards``.
        indicators: dotted indicator -> value (a run) or -> band row (an ensemble).
        targets: the targets table (with ``sim_p05``/``sim_p95`` for an ensemble).
        seed: the run's (or ensemble's) seed.
        runs: how many runs (1 for a run).
        extra: anything else the source carries (an ensemble's manifest).
    """

    scenario: Scenario
    kind: str
    tables: dict[str, Any]
    indicators: dict[str, Any]
    targets: pd.DataFrame
    seed: int | None = None
    runs: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
