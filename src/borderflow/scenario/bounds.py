"""Hard bounds on every number a scenario holds, written once.

A scenario file, ``--set``, the Python API and the dashboard all reach a run through
the same validation (:mod:`borderflow.scenario.schema` and
:func:`borderflow.scenario.checks.cross_check`), which takes its limits from here. The
bounds are what the model can compute with, whatever a scenario declares: a parameter
keeps its hard interval even when a scenario widens its plausible range ``[low, high]``,
and that range must lie inside it too.

Sizes are bounded so that a run's memory stays within a few gigabytes: the people it
sets out (a run of 10,000,000 peaks at about 3.3 GiB, ``benchmarks/scale_national.csv``)
and the tables laid out by day, place, road and group.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import SupportsIndex

#: How a scenario writes a capacity without a limit (``inf`` reads the same).
UNLIMITED_WORD = "unlimited"
#: The count the model uses for an unlimited capacity: more than any run reaches, and
#: small enough that the products the model forms from capacities stay inside int64.
#: A scenario holds such a capacity as ``inf``; :func:`is_unlimited` knows both, and
#: :func:`shown_capacity` writes either as :data:`UNLIMITED_WORD`.
UNLIMITED = 2**40
#: Largest finite capacity (admissions, beds, judges, interviews or removals a day).
MAX_CAPACITY = 1e9
#: Largest multiplier (levers on hazards, parameters marked ``multiplier``, seasonality).
MAX_MULTIPLIER = 1_000.0
#: Largest relative weight in a mix of nationalities, households or destinations.
MAX_WEIGHT = 1e9

#: People a run may set out: caravans, joiners, waitlists and the expected background.
MAX_PEOPLE = 20_000_000
#: Background departures a day, per nationality.
MAX_DAILY = 100_000
#: Court cases pending when a run starts (not simulated people, but drawn in bulk).
MAX_BACKLOG = 20_000_000
#: Days in a run, both ends included (100 years).
MAX_DAYS = 36_525
#: Places in the network: it is held as places × places tables, and a trip's hops are
#: counted in 16 bits (a trip passes each place at most twice, with a redraw).
MAX_PLACES = 4_000
#: Rows of the routes table.
MAX_ROUTES = 50_000
#: Caravans in a scenario (each is a group in every place × state table).
MAX_CARAVANS = 200
#: Streams of the background flow (each is a group, like a caravan).
MAX_STREAMS = 50
#: Joiner entries of one caravan.
MAX_JOINERS = 1_000
#: Places a caravan is routed ``via``.
MAX_VIA = 100
#: Dated policy changes.
MAX_POLICIES = 5_000
#: Targets (each is matched against the run's tables after it).
MAX_TARGETS = 500
#: Memory of the run's tables laid out by day, place, road and group, in bytes.
MAX_TABLE_BYTES = 2_000_000_000
#: Largest factor of ``Scenario.scaled``: every scaled number stays finite, so that a
#: number scaled past its own bound is refused by that bound, naming its field.
MAX_SCALE = 1e6
#: Lengths of texts, in characters. A scenario's name also names its results folder.
MAX_NAME = 64
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_TEXT = 2_000
#: Longest distance of a route, in km (half the Earth's circumference).
MAX_DISTANCE_KM = 20_000.0
#: Largest seed of a run, an ensemble, a calibration or a sensitivity analysis. NumPy's
#: ``SeedSequence`` takes any whole number from 0, but a seed is written in results as a
#: signed 64-bit integer (Parquet, JSON read back by NumPy), and the seeds an ensemble
#: spawns from its own are drawn from the same interval (63 bits).
MAX_SEED = 2**63 - 1


def shown(number: float) -> str:
    """``number`` as a limit is written in messages and docs: 1,000,000 or 0.99."""
    if math.isfinite(number) and float(number).is_integer() and abs(number) < 1e16:
        return f"{int(number):,}"
    return f"{number:g}"


@dataclass(frozen=True)
class Bound:
    """A closed or half-open interval a number must lie in, and what it protects.

    Attributes:
        low: smallest value (excluded when ``low_open``).
        high: largest value (excluded when ``high_open``).
        what: what the number is, for messages ("a probability").
        low_open: whether ``low`` itself is refused.
        high_open: whether ``high`` itself is refused.
        unlimited: whether ``inf`` (written ``"unlimited"``) is also accepted.
    """

    low: float
    high: float
    what: str
    low_open: bool = False
    high_open: bool = False
    unlimited: bool = False

    def __str__(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        interval = f"{left}{shown(self.low)}, {shown(self.high)}{right}"
        return f'{interval} or "{UNLIMITED_WORD}"' if self.unlimited else interval

    def problem(self, value: float) -> str | None:
        """Why ``value`` is refused, naming the limit; None if it lies inside.

        ``value`` may be an int of any size (compared exactly, never made a float).
        """
        if self.unlimited and value == math.inf:
            return None
        if isinstance(value, float) and not math.isfinite(value):
            finite = (
                f'a finite number or "{UNLIMITED_WORD}"' if self.unlimited else "a finite number"
            )
            return f"expected {finite} ({self.what}, {self})"
        if value < self.low or (self.low_open and value == self.low):
            if self.low_open:
                verb = f"must be greater than {shown(self.low)}"
            elif self.low == 0:
                verb = "must not be negative"
            else:
                verb = f"must be at least {shown(self.low)}"
            return f"{verb} ({self.what}, {self})"
        if value > self.high or (self.high_open and value == self.high):
            verb = "less than" if self.high_open else "at most"
            return f"must be {verb} {shown(self.high)} ({self.what}, {self})"
        return None


PROBABILITY = Bound(0.0, 1.0, "a probability or share")
CAPACITY = Bound(0.0, MAX_CAPACITY, "a capacity", unlimited=True)
MULTIPLIER = Bound(0.0, MAX_MULTIPLIER, "a multiplier")
WEIGHT = Bound(0.0, MAX_WEIGHT, "a relative weight")
DISTANCE = Bound(0.0, MAX_DISTANCE_KM, "a distance in km", low_open=True)
PEOPLE = Bound(0, MAX_PEOPLE, "people in a run")
DAILY = Bound(0, MAX_DAILY, "departures a day")
BACKLOG = Bound(0, MAX_BACKLOG, "cases pending")
DAYS = Bound(0, MAX_DAYS, "days (100 years at most)")
POPULATION = Bound(0, 1e10, "people living in a place")

#: Hard interval of a model parameter by its ``unit`` (the column of parameters.csv).
UNIT_BOUNDS: dict[str, Bound] = {
    **{
        unit: Bound(0.0, 1.0, "a share")
        for unit in ("share", "share of days", "share of legs", "share of cases")
    },
    "share of non-grants": Bound(0.0, 1.0, "a share"),
    **{
        unit: Bound(0.0, 1.0, "a daily probability")
        for unit in ("per day", "per day in Mexico", "per person-day")
    },
    # Trips divide distances by speeds; a floor keeps a hop's days (and the rest days
    # drawn for it) finite and small enough to draw.
    "km/day": Bound(0.1, 5_000.0, "a speed in km a day"),
    "km": Bound(0.0, MAX_DISTANCE_KM, "a distance in km"),
    # Drawn as whole days, at least one; a mean beyond a century never ends in a run.
    "days (mean)": Bound(1.0, float(MAX_DAYS), "a mean time in days"),
    # A time limit, in whole days (rounded): 0 is no time at all.
    "days": Bound(0.0, float(MAX_DAYS), "a time limit in days"),
    "multiplier": MULTIPLIER,
    "per month": Bound(0.0, 10.0, "a rate per month"),
    # An exponent on a ratio of hazards or odds: 0 turns the link off.
    "elasticity": Bound(0.0, 10.0, "an elasticity (an exponent, 0 for none)"),
    "cases per judge-day": Bound(0.0, 100.0, "cases a judge completes a day", low_open=True),
    # A case ends with its last hearing, so it has one at least.
    "hearings (mean)": Bound(1.0, 100.0, "hearings a case has on average"),
}

#: Parameters whose interval is narrower than their unit's, where the model needs it.
PARAMETER_BOUNDS: dict[str, Bound] = {
    # A trip adds p / (1 - p) rest days per travel day: p = 1 divides by zero, and p
    # near 1 asks for more rest days than a draw can give.
    "p_rest_day": Bound(0.0, 0.99, "a share of rest days (p / (1 - p) per travel day)"),
    # The grant rate without a lawyer is the reported one divided by
    # share × factor + 1 - share, which is 0 when the factor is 0 and all have lawyers.
    "lawyer_grant_factor": Bound(0.0, MAX_MULTIPLIER, "a multiplier", low_open=True),
}


def parameter_bound(name: str, unit: str) -> Bound | None:
    """The hard interval of parameter ``name`` measured in ``unit``; None for an unknown unit."""
    if name in PARAMETER_BOUNDS:
        return PARAMETER_BOUNDS[name]
    return UNIT_BOUNDS.get(unit)


def as_unlimited(value: object) -> object:
    """``"unlimited"`` (any case, spaces around) as ``inf``; any other value unchanged."""
    if isinstance(value, str) and value.strip().lower() == UNLIMITED_WORD:
        return math.inf
    return value


def kind_of(value: object) -> str:
    """What ``value`` is, for a message saying it is not the number expected."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


#: Simulations one command may ask for: an ensemble's runs, a calibration's budget. Each
#: is planned before any runs (its seed, its shard), so the count must fit in memory.
MAX_RUNS = 100_000
#: Base samples of a sensitivity analysis (Sobol runs n × (assumptions + 2) simulations).
MAX_SAMPLES = 2**14
#: Processes or Ray tasks running at once; and times a failing run is tried again.
MAX_WORKERS = 1_024
MAX_RETRIES = 100


def count_problem(value: object, low: int, high: int) -> str | None:
    """Why ``value`` is not a whole number in [``low``, ``high``]; None if it is."""
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        return f"expected a whole number from {shown(low)} to {shown(high)}, not {kind_of(value)}"
    if not low <= operator.index(value) <= high:
        return f"must be a whole number from {shown(low)} to {shown(high)}, not {value}"
    return None


def seed_problem(seed: object) -> str | None:
    """Why ``seed`` cannot seed a run (naming the interval); None if it can.

    A seed is a whole number (never true or false, text or a float; a NumPy integer is
    fine) in [0, MAX_SEED].
    """
    interval = f"[0, {MAX_SEED}]"
    if isinstance(seed, bool) or not isinstance(seed, SupportsIndex):
        return f"expected a whole number in {interval}, not {kind_of(seed)}"
    whole = operator.index(seed)
    if not 0 <= whole <= MAX_SEED:
        # A huge int is not written out: Python refuses to print one of 4,300 digits.
        got = str(whole) if whole.bit_length() <= 128 else "a larger number"
        return f"must lie in {interval} (2**63 - 1 at most), not {got}"
    return None


def is_unlimited(value: float) -> bool:
    """Whether a capacity has no limit: ``inf`` as a scenario holds it, or :data:`UNLIMITED`.

    Any finite capacity a scenario may hold is at most :data:`MAX_CAPACITY`, far below.
    """
    return bool(value >= UNLIMITED)


def shown_capacity(value: float, number: Callable[[float], str] = shown) -> str:
    """A capacity for a table or a figure: :data:`UNLIMITED_WORD` if it has no limit.

    Args:
        value: the capacity (``inf`` or :data:`UNLIMITED` for none).
        number: how a finite value is written (default: :func:`shown`).
    """
    return UNLIMITED_WORD if is_unlimited(value) else number(value)


def table_bytes(n_days: int, n_places: int, n_routes: int, n_groups: int) -> int:
    """Memory of a run's dense tables, in bytes, roughly (see :data:`MAX_TABLE_BYTES`).

    The network's places × places tables (distances, next hops, hop counts, road ids,
    rest-day odds; about 72 bytes a cell), the per-place levers by day (4 levers of
    8 bytes), the moves booked ahead by day, road (both directions of a route) and group
    (4 bytes), and the people counted by place, state and group (168 bytes).
    """
    network = 72 * n_places * n_places
    levers = 32 * n_days * n_places
    booked = 4 * n_days * 2 * n_routes * n_groups
    cells = 168 * n_places * n_groups
    return network + levers + booked + cells


__all__ = [
    "CAPACITY",
    "MAX_CAPACITY",
    "MAX_SEED",
    "PARAMETER_BOUNDS",
    "PROBABILITY",
    "UNIT_BOUNDS",
    "UNLIMITED",
    "UNLIMITED_WORD",
    "Bound",
    "as_unlimited",
    "is_unlimited",
    "kind_of",
    "parameter_bound",
    "seed_problem",
    "shown",
    "shown_capacity",
    "table_bytes",
]
