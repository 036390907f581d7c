"""What the dashboard may be asked to run: the request, its validation and its limits.

Nothing here imports Dash, so the rules can be tested (and reused) without the extra.
Every value arriving from a browser passes through :func:`prepare` before any work is
done: the request is parsed by pydantic, the changed scenario is validated by the
scenario layer, and the work it implies is checked against :class:`Limits`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from borderflow._version import __version__
from borderflow.interfaces import api
from borderflow.scenario.bounds import MAX_CAPACITY, MAX_NAME, MAX_SEED
from borderflow.scenario.errors import Problem, ScenarioError
from borderflow.scenario.levers import DASHBOARD_LEVERS as OFFERED_LEVERS
from borderflow.scenario.levers import PER_PLACE_LEVERS
from borderflow.scenario.load import revalidate
from borderflow.scenario.schema import Scenario

#: The levers the dashboard offers, in the order shown: (lever, label, kind of place or None),
#: from the lever table (:data:`borderflow.scenario.levers.LEVERS`).
DASHBOARD_LEVERS: tuple[tuple[str, str, str | None], ...] = tuple(
    (lever.name, lever.dashboard or lever.name, lever.at) for lever in OFFERED_LEVERS
)
LEVER_NAMES: tuple[str, ...] = tuple(name for name, _, _ in DASHBOARD_LEVERS)
if TYPE_CHECKING:
    DashboardLever = str
else:
    # A Literal, so that a lever not offered is refused naming those that are.
    DashboardLever = Literal[LEVER_NAMES]

PlaceId = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=MAX_NAME)]


def _not_a_bool(value: object) -> object:
    """Refuse true and false where a number is expected (lax parsing would read 1 and 0).

    Numbers stay lax otherwise: the browser sends what was typed, as text.
    """
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


#: A number from the browser: a number or its text, never true or false.
NotBool = BeforeValidator(_not_a_bool)


class LeverChange(BaseModel):
    """A dated change: ``lever`` (at ``place``; None: every place) is ``value`` from ``date``.

    No ``date`` means the scenario's first day.

    The change holds from ``date`` to the end of the run: the scenario's own later changes
    of the same lever at the same place are dropped, as an analyst moving a lever expects.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    lever: DashboardLever
    place: PlaceId | None = None
    date: dt.date | None = None
    value: Annotated[float, NotBool, Field(ge=0, le=MAX_CAPACITY, allow_inf_nan=False)]


class RunRequest(BaseModel):
    """A run asked for from the dashboard: a bundled scenario, its scale, seeds and changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = Field(pattern=r"^[a-z0-9_\-]+$", max_length=MAX_NAME)
    # The smallest scale depends on the scenario (it must set out someone): see prepare().
    scale: Annotated[float, NotBool, Field(gt=0, le=1000, allow_inf_nan=False)] = 1.0
    seed: Annotated[int, NotBool, Field(ge=0, le=MAX_SEED)] = 1
    runs: Annotated[int, NotBool, Field(ge=1, le=10_000)] = 1
    changes: tuple[LeverChange, ...] = Field(default=(), max_length=len(LEVER_NAMES) * 4)

    @model_validator(mode="after")
    def _seeds_within_bound(self) -> RunRequest:
        # Runs use the seeds seed, seed + 1, ...: the last must be a seed too.
        if self.seed + self.runs - 1 > MAX_SEED:
            raise ValueError(f"seed + runs - 1 must be at most {MAX_SEED} (each run has a seed)")
        return self

    def baseline(self) -> RunRequest:
        """The same request without the lever changes: the unchanged scenario."""
        return self.model_copy(update={"changes": ()})

    def key(self) -> str:
        """The cache key: everything that decides the answer, and the version computing it."""
        text = json.dumps({"version": __version__, **self.model_dump(mode="json")}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Limits:
    """The most work one request may ask for.

    Attributes:
        people: people the scenario sets out (an estimate made before running).
        days: simulated days.
        runs: runs in one request (the ensemble size; the unchanged scenario is run too).
    """

    people: int = 200_000
    days: int = 400
    runs: int = 10

    ENV: ClassVar[dict[str, str]] = {
        "people": "BORDERFLOW_MAX_PEOPLE",
        "days": "BORDERFLOW_MAX_DAYS",
        "runs": "BORDERFLOW_MAX_RUNS",
    }

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **given: int | None) -> Limits:
        """Limits from explicit values, else the ``BORDERFLOW_MAX_*`` variables, else defaults.

        Raises:
            ValueError: for a limit that is not a positive whole number.
        """
        env = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for name, var in cls.ENV.items():
            raw: object = given.get(name)
            if raw is None:
                raw = env.get(var)
            if raw is None:
                continue
            try:
                value = int(str(raw))
            except ValueError:
                raise ValueError(f"{var}: expected a whole number, got {raw!r}") from None
            if value < 1:
                raise ValueError(f"{var}: expected a number above 0, got {value}")
            values[name] = value
        return cls(**values)


class RefusedError(Exception):
    """A request that will not be run; ``messages`` says why, one line each."""

    def __init__(self, messages: list[str], kind: Literal["invalid", "limit", "busy"]):
        super().__init__("; ".join(messages))
        self.messages = messages
        self.kind = kind


@dataclass(frozen=True)
class Prepared:
    """A request that passed every check, with the scenarios it runs."""

    request: RunRequest
    baseline: Scenario
    changed: Scenario
    people: int
    seeds: tuple[int, ...] = field(default=())


def estimate_people(sc: Scenario) -> int:
    """People a scenario sets out (:meth:`Scenario.expected_people`), as a whole number.

    An expectation, computed before running, so a request can be refused without doing
    the work it asks for.
    """
    return round(sc.expected_people())


def places_of(sc: Scenario, kind: str) -> list[tuple[str, str]]:
    """(id, name) of the scenario's places of one kind, in the order of ``places.csv``."""
    return [(p.id, p.name) for p in sc.places if p.kind == kind]


def current_value(sc: Scenario, lever: str, place: str | None) -> float | bool:
    """A lever's initial value in the scenario (at ``place`` for a per-place lever)."""
    value = getattr(sc.levers, lever)
    if lever in PER_PLACE_LEVERS:
        return value.for_place(place) if place else value.default
    return value


def _key(change: LeverChange) -> str:
    if change.lever in PER_PLACE_LEVERS and change.place:
        return f"{change.lever}.{change.place}"
    return change.lever


def _overrides(change: LeverChange, key: str) -> bool:
    """Whether ``change`` takes over a later policy's ``key`` (the same lever there)."""
    lever, _, place = key.partition(".")
    if lever != change.lever:
        return False
    # A change at every place also overrides later place-specific changes.
    return change.place is None or place in ("", "default", change.place)


def apply_changes(sc: Scenario, changes: tuple[LeverChange, ...]) -> Scenario:
    """The scenario with dated changes, each holding from its date to the end.

    All changes are validated together, since some only make sense together (MPP on
    needs judges for its docket).

    Raises:
        ScenarioError: when the scenario layer rejects them; a problem in a change's
            policy names the change's lever instead of ``policy[i]``.
    """
    data = sc.model_dump(by_alias=True)
    policies = data["policies"]
    for change in changes:
        date = change.date or sc.start
        kept = []
        for pol in policies:
            values = pol["set"]
            if pol["date"] >= date:
                values = {k: v for k, v in values.items() if not _overrides(change, k)}
            if values:
                kept.append({**pol, "set": values})
        policies = kept
    first = len(policies) + 1
    policies += [
        {"date": c.date or sc.start, "set": {_key(c): c.value}, "note": "changed in the dashboard"}
        for c in changes
    ]
    data["policies"] = policies
    try:
        return revalidate(data, origin=f"{sc.name} (dashboard)")
    except ScenarioError as exc:
        renamed = [
            Problem(p.file, _change_named(p.where, first, changes), p.message, p.value)
            for p in exc.problems
        ]
        raise ScenarioError(renamed) from None


_POLICY = re.compile(r"policy\[(\d+)\]")


def _change_named(where: str, first: int, changes: Sequence[LeverChange]) -> str:
    """``where`` with a change's policy named as the change: ``change of quota.tijuana``.

    The policy's ``set.<lever key>`` is the change itself, so it is not repeated:
    ``policy[4].set.quota.tijuana`` becomes ``change of quota.tijuana`` and
    ``policy[4].date`` becomes ``change of quota.tijuana.date``.
    """
    match = _POLICY.match(where)
    if match is None:
        return where
    index = int(match.group(1)) - first
    if not 0 <= index < len(changes):
        return where  # one of the scenario's own policies
    key = _key(changes[index])
    rest = where[match.end() :]
    for own in (f".set.{key}", ".set"):
        if rest == own or rest.startswith(own + "."):
            rest = rest[len(own) :]
            break
    return f"change of {key}{rest}"


def apply_change(sc: Scenario, change: LeverChange) -> Scenario:
    """The scenario with one dated change (see :func:`apply_changes`).

    Raises:
        ScenarioError: when the scenario layer rejects the change (place, date, value).
    """
    return apply_changes(sc, (change,))


def _pydantic_messages(exc: ValidationError, raw: dict[str, Any]) -> list[str]:
    """One line per invalid field, a lever change named by its lever, not its index."""
    changes = raw.get("changes")
    out = []
    for err in exc.errors():
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "changes" and isinstance(loc[1], int):
            lever = None
            if isinstance(changes, list) and loc[1] < len(changes):
                item = changes[loc[1]]
                lever = item.get("lever") if isinstance(item, dict) else None
            name = f"change of {lever}" if isinstance(lever, str) else f"change {loc[1] + 1}"
            loc = [name, *loc[2:]]
        where = ".".join(str(x) for x in loc) or "request"
        message = str(err["msg"]).removeprefix("Value error, ")
        # A problem of the whole request would show all of it: its fields are named instead.
        got = f" (got {err.get('input')!r})" if loc else ""
        out.append(f"{where}: {message}{got}")
    return out


def parse_request(raw: object) -> RunRequest:
    """Parse a request as sent by a browser.

    Raises:
        RefusedError: for anything but a JSON object (a dict), or listing every invalid field.
    """
    if not isinstance(raw, dict):
        got = "null" if raw is None else type(raw).__name__
        raise RefusedError([f"request: expected a JSON object of fields, not {got}"], "invalid")
    try:
        return RunRequest.model_validate(raw)
    except ValidationError as exc:
        raise RefusedError(_pydantic_messages(exc, raw), "invalid") from None


def prepare(raw: object, limits: Limits) -> Prepared:
    """Check a request completely, before any run: fields, scenario, then the limits.

    Raises:
        RefusedError: ``kind="invalid"`` for a bad field or a scenario the scenario layer
            rejects; ``kind="limit"`` for work above ``limits``.
    """
    request = raw if isinstance(raw, RunRequest) else parse_request(raw)
    names = api.scenarios()
    if request.scenario not in names:
        raise RefusedError(
            [f"scenario: unknown scenario {request.scenario!r}; expected one of {names}"],
            "invalid",
        )
    if request.runs > limits.runs:
        # Checked before loading anything: the cheapest refusal first.
        raise RefusedError(
            [f"{request.runs} runs asked for; this server allows at most {limits.runs}."],
            "limit",
        )
    try:
        base = api.load_scenario(request.scenario)
        if request.scale != 1:
            _check_scale(base, request.scale)
            base = base.scaled(request.scale)
            _check_scale(base, 1.0, request.scale)
    except (ScenarioError, ValueError) as exc:
        raise RefusedError([str(exc)], "invalid") from None
    messages = []
    if base.n_days > limits.days:
        messages.append(
            f"{base.n_days:,} days asked for; this server allows at most {limits.days:,}."
        )
    people = estimate_people(base)
    if people > limits.people:
        messages.append(
            f"about {people:,} people asked for; this server allows at most "
            f"{limits.people:,} (a smaller scale keeps the run within the limit)."
        )
    if messages:
        raise RefusedError(messages, "limit")
    # The same question with or without the first day spelled out: one cache key.
    request = request.model_copy(
        update={"changes": tuple(_dated(c, base.start) for c in request.changes)}
    )
    problems = [
        f"{c.lever}: a single value for the whole border, not per place"
        for c in request.changes
        if c.lever not in PER_PLACE_LEVERS and c.place is not None
    ]
    problems += _changed_twice(request.changes)
    if problems:
        raise RefusedError(problems, "invalid")
    try:
        changed = apply_changes(base, request.changes) if request.changes else base
    except ScenarioError as exc:
        raise RefusedError(
            [f"{p.where}: {p.message}{_got(p.value)}" for p in exc.problems], "invalid"
        ) from None
    seeds = tuple(range(request.seed, request.seed + request.runs))
    return Prepared(request, base, changed, people, seeds)


def _check_scale(sc: Scenario, factor: float, asked: float | None = None) -> None:
    """Raise unless ``sc`` scaled by ``factor`` sets out one person at least.

    The smallest scale is the scenario's own (one over the people it sets out), not a
    fixed number: a fixed floor would be too small for a caravan of a thousand people and
    needlessly large for the whole border's million. A scale that sets out no one runs
    an empty border, a result that looks like an answer and is not.
    """
    people = sc.expected_people() * factor
    if people >= 1:
        return
    asked = factor if asked is None else asked
    full = sc.expected_people() * factor / asked
    smallest = f"; the smallest scale for this scenario is about {1 / full:.2g}" if full else ""
    raise RefusedError(
        [f"scale: {asked:g} sets out no one (about {people:.2g} people){smallest}"], "invalid"
    )


def _changed_twice(changes: Sequence[LeverChange]) -> list[str]:
    """A problem for each lever changed twice at the same place on the same date."""
    seen: set[tuple[str, dt.date | None]] = set()
    problems = []
    for change in changes:
        key = (_key(change), change.date)
        if key in seen:
            problems.append(f"change of {key[0]}: changed twice on {change.date}; give one value")
        seen.add(key)
    return problems


def _dated(change: LeverChange, start: dt.date) -> LeverChange:
    return change if change.date else change.model_copy(update={"date": start})


def _got(value: object) -> str:
    if value is None:
        return ""
    shown = value.isoformat() if isinstance(value, dt.date) else value
    return f" (got {shown!r})"


def bind_address(host: str) -> str:
    """The address to listen on: an IPv6 address written as in a URL (``[::1]``) unbracketed.

    The loopback check and the server both use this, so what is checked is what is bound.
    """
    if host.startswith("[") and host.endswith("]"):
        inner = host[1:-1]
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            return host  # not an IPv6 address in brackets: left as written, refused later
        return inner
    return host


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    address = bind_address(host)
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool) -> str | None:
    """Refuse a non-loopback address unless allowed; return the warning to print, if any.

    Raises:
        PermissionError: for a non-loopback ``host`` without ``allow_remote``.
    """
    if is_loopback(host):
        return None
    if not allow_remote:
        raise PermissionError(
            f"refusing to listen on {host}: the dashboard runs simulations for whoever "
            "reaches it. Use --allow-remote to listen beyond this machine."
        )
    return (
        f"WARNING: listening on {host}: anyone who can reach this address can run "
        "simulations here (within the limits). There is no authentication."
    )
