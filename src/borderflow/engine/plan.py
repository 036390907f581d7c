"""The order of one simulated day, as data.

Each stage runs once a day, in this order; ``borderflow plan`` prints it.
Within a stage, decisions are drawn from the start-of-stage state and then
applied, so the order below is the whole story of "what happens first".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from borderflow.model import border, courts, crossing, departures, processing, removal, transit
from borderflow.model.world import World


@dataclass(frozen=True)
class Stage:
    """One step of the day."""

    name: str
    run: Callable[[World, int], None]
    doc: str


def _policies(world: World, day: int) -> None:
    changed = world.levers.changed.get(day, set())
    if changed & {"mexico_enforcement", "mexico_refuge_offer"}:
        transit.redraw_hazards(world, day)


DAY: tuple[Stage, ...] = (
    Stage(
        "policies",
        _policies,
        "levers dated today take effect; road hazards are redrawn if a road lever changed",
    ),
    Stage(
        "departures",
        departures.step,
        "deported people set out again; background departures (each lone traveller's trip "
        "planned whole); caravans and joiners",
    ),
    Stage(
        "transit",
        transit.step,
        "trips that end today (a hazard, refuge on entry, the border city), caravan moves "
        "and splits; arrivals at a border city join a waitlist or head to cross",
    ),
    Stage(
        "shelter", border.shelter, "free beds go to unsheltered waiting people, in arrival order"
    ),
    Stage("metering", border.metering, "each port admits up to its quota, in list order"),
    Stage(
        "reneging",
        border.reneging,
        "people whose patience ends leave the list: cross between ports, settle, or go home",
    ),
    Stage(
        "mpp",
        processing.mpp_hazards,
        "people waiting in Mexico under MPP give up, settle, or set out to cross again",
    ),
    Stage(
        "crossing",
        crossing.step,
        "crossings between ports: apprehended (prosecution referral, asylum ban) or evaded",
    ),
    Stage(
        "detention",
        processing.release_from_detention,
        "detention stays that end today: released to await hearings (frees beds first)",
    ),
    Stage(
        "custody",
        processing.custody,
        "processing decisions: prosecution, MPP return, release of families with a notice to "
        "appear, a credible-fear claim, or removal without a hearing",
    ),
    Stage(
        "credible_fear",
        processing.credible_fear,
        "interviews up to the day's capacity, in order: a notice to appear and a detention bed "
        "if one is free (else release), or a removal order",
    ),
    Stage(
        "courts",
        courts.step,
        "decisions on finished cases, then free judge places take the next cases in order",
    ),
    Stage("removals", removal.removals, "removals carried out in order, up to the day's capacity"),
    Stage(
        "violence",
        border.violence,
        "violent incidents among people waiting at ports (by shelter status) and under MPP",
    ),
)


def describe() -> str:
    """The day's order as numbered lines."""
    return "\n".join(f"{i}. {s.name}: {s.doc}" for i, s in enumerate(DAY, start=1))
