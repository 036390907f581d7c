"""The order of one simulated day, as data: the stages, and the hand-offs between them.

Each stage runs once a day, in this order; ``borderflow plan`` prints it. A stage
acts only on its own state and the people it owns now, and passes people on by
hand-offs (:class:`~borderflow.model.stage.Handoffs`), which the taking stage drains
at its next step, in the order they were put. Within a stage, decisions are drawn
from the start-of-stage state and then applied, so the order below is the whole
story of "what happens first".
"""

from __future__ import annotations

import textwrap

from borderflow.model.border import Border, Violence
from borderflow.model.courts import Courts
from borderflow.model.crossing import Crossing
from borderflow.model.departures import Departures
from borderflow.model.hhs import Hhs
from borderflow.model.mpp import MppWaiting
from borderflow.model.processing import Custody
from borderflow.model.removal import Removals
from borderflow.model.stage import Handoffs, Stage
from borderflow.model.transit import Transit

DAY: tuple[type[Stage], ...] = (
    Departures,
    Transit,
    Border,
    MppWaiting,
    Crossing,
    Custody,
    Hhs,
    Courts,
    Removals,
    Violence,
)


def describe() -> str:
    """The day's stages, each with what it does, takes and gives; then the hand-offs."""
    lines: list[str] = []
    for i, stage in enumerate(DAY, start=1):
        doc = " ".join((stage.__doc__ or "").split())
        lines.append(textwrap.fill(f"{i}. {stage.name}: {doc}", 88, subsequent_indent="   "))
        if stage.takes or stage.gives:
            lines.append(
                f"   takes: {', '.join(stage.takes) or '-'}; gives: {', '.join(stage.gives) or '-'}"
            )
    lines += ["", "Hand-offs (giver -> taker: what it carries):"]
    for name, giver, taker, doc in Handoffs.described():
        lines.append(f"- {name} ({giver} -> {taker}): {doc}")
    return "\n".join(lines)
