"""Checks of a whole scenario, once every field is valid on its own, section by section.

Places and routes, the groups that set out, the levers and dated policies, the border's
set-up, the targets and the parameters' names; then the hard bounds of parameters and of
the run's size, and whether every place a group must pass can be reached. They hold
whichever way the scenario was made (a file, ``--set``, the Python API, the dashboard):
:func:`borderflow.scenario.load.revalidate` runs :func:`cross_check` on each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from borderflow.scenario.bounds import (
    MAX_DAYS,
    MAX_PEOPLE,
    MAX_TABLE_BYTES,
    UNIT_BOUNDS,
    parameter_bound,
    table_bytes,
)
from borderflow.scenario.errors import Problem, listed
from borderflow.scenario.levers import PER_PLACE_LEVERS, SCALAR_LEVERS, lever_problem
from borderflow.scenario.parameters import PARAMETER_NAMES
from borderflow.scenario.schema import Caravan, Scenario, Target

#: Kinds of places a group may set out from, stop at or pass: those on the roads.
_ROAD = ("origin", "town", "border_city")


def cross_check(sc: Scenario, label: str) -> list[Problem]:
    """Problems between fields, and against the hard bounds and the routes.

    References to places, dates, lever names and values, the hard bounds of parameters
    and of the run's size, and whether every place a group must pass can be reached along
    the routes (checked last, and only when nothing else is wrong).
    """
    places = _Places(sc, label)
    problems = _place_problems(sc, label, places)
    problems += _group_problems(sc, label, places)
    problems += _lever_problems(sc, label, places)
    problems += _border_problems(sc, label, places)
    problems += _target_problems(sc, label, places)
    problems += _parameter_name_problems(sc, label)
    problems += bound_problems(sc, label)
    if not problems:
        problems += reachability_problems(sc, label)
    return problems


class _Places:
    """The scenario's places by id, to check each reference to one."""

    def __init__(self, sc: Scenario, label: str) -> None:
        self.by_id = {p.id: p for p in sc.places}
        self.label = label

    def need(self, place_id: str, where: str, kinds: Iterable[str] | None = None) -> list[Problem]:
        """A problem if ``place_id`` is not a place, or not one of ``kinds``."""
        place = self.by_id.get(place_id)
        kinds = tuple(kinds) if kinds else None
        if place is None:
            return [Problem(self.label, where, "unknown place; not in places.csv", place_id)]
        if kinds and place.kind not in kinds:
            expected = f"place is a {place.kind}; expected a {' or '.join(kinds)}"
            return [Problem(self.label, where, expected, place_id)]
        return []


# --- places and routes ----------------------------------------------------------------------


def _place_problems(sc: Scenario, label: str, places: _Places) -> list[Problem]:
    """The run's dates, duplicate place ids, each place's parent, and each route's ends."""
    problems: list[Problem] = []
    if sc.end < sc.start:
        problems.append(Problem(label, "end", f"must not be before start ({sc.start})", sc.end))
    if len(places.by_id) != len(sc.places):
        seen: set[str] = set()
        for p in sc.places:
            if p.id in seen:
                problems.append(Problem("places.csv", "id", "duplicate place id", p.id))
            seen.add(p.id)
    parents = {"port_of_entry": "border_city", "border_city": "us_sector"}
    for i, p in enumerate(sc.places, start=1):
        if p.kind in parents:
            where = f"places.csv row {i}, column parent"
            problems += places.need(p.parent or "", where, [parents[p.kind]])
    for i, r in enumerate(sc.routes, start=1):
        problems += places.need(r.from_, f"routes.csv row {i}, column from", _ROAD)
        problems += places.need(r.to, f"routes.csv row {i}, column to", _ROAD)
        if r.from_ == r.to:
            problems.append(
                Problem("routes.csv", f"row {i}", "a route must join two places", r.from_)
            )
    return problems + _duplicate_routes(sc)


def _duplicate_routes(sc: Scenario) -> list[Problem]:
    """A problem for each road given twice (the same two places, in either direction).

    A road is undirected, so a second row would either repeat the first or contradict
    it, and only one of the two could be used; both are refused, naming both rows.
    """
    problems: list[Problem] = []
    first_row: dict[frozenset[str], int] = {}
    for i, r in enumerate(sc.routes, start=1):
        pair = frozenset((r.from_, r.to))
        if pair not in first_row:
            first_row[pair] = i
            continue
        j = first_row[pair]
        other = sc.routes[j - 1]
        same = other.distance_km == r.distance_km and set(other.modes) == set(r.modes)
        how = "repeats it" if same else "with another distance or modes"
        problems.append(
            Problem(
                "routes.csv",
                f"row {i}",
                f"the same road as row {j} ({r.from_}–{r.to}, in either direction), {how}; "
                "give each road once",
            )
        )
    return problems


# --- the groups that set out ----------------------------------------------------------------


def _group_problems(sc: Scenario, label: str, places: _Places) -> list[Problem]:
    """Caravans and the background flow: their places, dates and names."""
    problems: list[Problem] = []
    groups: list[tuple[str, Any]] = [(f"caravan[{i}]", c) for i, c in enumerate(sc.caravans, 1)]
    if sc.background is not None:
        groups.append(("background", sc.background))
    for where, g in groups:
        for dest in g.destinations:
            problems += places.need(dest, f"{where}.destinations", ["border_city"])
    for i, c in enumerate(sc.caravans, start=1):
        problems += _caravan_problems(sc, label, places, f"caravan[{i}]", c)
    if len({c.name for c in sc.caravans}) != len(sc.caravans):
        problems.append(Problem(label, "caravan.name", "caravan names must be unique"))
    if sc.background is not None:
        caravans = {c.name: i for i, c in enumerate(sc.caravans, start=1)}
        for name in sc.background.streams:
            if name in caravans:
                problems.append(
                    Problem(
                        label,
                        f"background.streams.{name}",
                        f"a stream's name is its group's name: caravan[{caravans[name]}] "
                        "is named so too; rename one",
                        name,
                    )
                )
    return problems + _background_problems(sc, label, places)


def _caravan_problems(
    sc: Scenario, label: str, places: _Places, where: str, c: Caravan
) -> list[Problem]:
    """A caravan's places on the road, its departure and its joiners' dates."""
    problems = places.need(c.origin, f"{where}.origin", _ROAD)
    for stop in c.stops:
        problems += places.need(stop, f"{where}.stops", _ROAD)
    for via in c.via:
        problems += places.need(via, f"{where}.via", _ROAD)
    for field in ("walks_from", "rides_from"):
        if getattr(c, field) is not None:
            problems += places.need(getattr(c, field), f"{where}.{field}", _ROAD)
    if not sc.start <= c.depart <= sc.end:
        problems.append(Problem(label, f"{where}.depart", _outside(sc), c.depart))
    for j, joiner in enumerate(c.joiners, start=1):
        if not c.depart <= joiner.date <= sc.end:
            problems.append(
                Problem(
                    label,
                    f"{where}.joiners[{j}].date",
                    f"must lie between the caravan's departure ({c.depart}) and the end ({sc.end})",
                    joiner.date,
                )
            )
    return problems


def _background_problems(sc: Scenario, label: str, places: _Places) -> list[Problem]:
    """The background flow's origins and the dates it starts and ends."""
    bg = sc.background
    if bg is None:
        return []
    problems: list[Problem] = []
    for nat, origin in bg.origins.items():
        problems += places.need(origin, f"background.origins.{nat}", _ROAD)
    for field in ("start", "end"):
        when = getattr(bg, field)
        if when is not None and not sc.start <= when <= sc.end:
            problems.append(Problem(label, f"background.{field}", _outside(sc), when))
    if bg.start is not None and bg.end is not None and bg.start > bg.end:
        problems.append(
            Problem(
                label,
                "background.start",
                f"must not be after background.end ({bg.end}): nobody would set out",
                bg.start,
            )
        )
    return problems


# --- levers and dated policies --------------------------------------------------------------


def _lever_problems(sc: Scenario, label: str, places: _Places) -> list[Problem]:
    """The initial levers' places and values, the dated policies, and MPP's judges."""
    problems: list[Problem] = []
    for lever, kind in PER_PLACE_LEVERS.items():
        per_place = getattr(sc.levers, lever)
        # model_extra, not overrides(): the values are not validated yet (may be text).
        for pid, value in (per_place.model_extra or {}).items():
            problems += places.need(pid, f"levers.{lever}.{pid}", [kind])
            problems += _lever_value(lever, value, label, f"levers.{lever}.{pid}")
        problems += _lever_value(lever, per_place.default, label, f"levers.{lever}.default")
    for i, policy in enumerate(sc.policies, start=1):
        where = f"policy[{i}]"
        if not sc.start <= policy.date <= sc.end:
            problems.append(Problem(label, f"{where}.date", _outside(sc), policy.date))
        for key, value in policy.set.items():
            problems += _policy_change_problems(label, places, f"{where}.set.{key}", key, value)
    return problems + _mpp_judge_problems(sc, label)


def _policy_change_problems(
    label: str, places: _Places, where: str, key: str, value: object
) -> list[Problem]:
    """A policy's change of one lever (``key`` as written, dotted for a place)."""
    lever, dot, pid = key.partition(".")
    if lever in PER_PLACE_LEVERS and dot and not pid:
        return [Problem(label, where, no_place(lever))]
    if lever in PER_PLACE_LEVERS:
        problems = []
        if pid and pid != "default":
            problems += places.need(pid, where, [PER_PLACE_LEVERS[lever]])
        return problems + _lever_value(lever, value, label, where)
    if lever in SCALAR_LEVERS and not dot:
        return _lever_value(lever, value, label, where)
    expected = [f"{k}.<place>" for k in PER_PLACE_LEVERS] + list(SCALAR_LEVERS)
    return [Problem(label, where, "unknown lever; expected one of " + ", ".join(expected))]


def _mpp_judge_problems(sc: Scenario, label: str) -> list[Problem]:
    """MPP on somewhere, ever, needs judges for its docket, some time."""
    levers = sc.levers
    mpp_values = [levers.mpp.default, *(levers.mpp.model_extra or {}).values()]
    mpp_on = any(isinstance(v, int | float) and v > 0 for v in mpp_values) or any(
        k.partition(".")[0] == "mpp" and isinstance(v, int | float) and v > 0
        for pol in sc.policies
        for k, v in pol.set.items()
    )
    mpp_judged = levers.mpp_judges > 0 or any(
        "mpp_judges" in pol.set and pol.set["mpp_judges"] > 0 for pol in sc.policies
    )
    if mpp_on and not mpp_judged:
        return [
            Problem(
                label,
                "levers.mpp_judges",
                "MPP is on somewhere but no judge ever hears MPP cases; set mpp_judges > 0",
            )
        ]
    return []


def _lever_value(lever: str, value: object, label: str, where: str) -> list[Problem]:
    problem = lever_problem(lever, value)
    return [Problem(label, where, problem, value)] if problem else []


def no_place(lever: str) -> str:
    """What a per-place lever written with a dot and no place should say instead."""
    return f"no place after the dot: {lever} for every place, or {lever}.<place> for one"


# --- the border's set-up, the targets, the parameters' names --------------------------------


def _border_problems(sc: Scenario, label: str, places: _Places) -> list[Problem]:
    """Where each city's asylum seekers queue, and the ports of the initial waitlists."""
    problems: list[Problem] = []
    for city, port in sc.border.asylum_port.items():
        where = f"border.asylum_port.{city}"
        problems += places.need(city, where, ["border_city"])
        problems += places.need(port, where, ["port_of_entry"])
        if port in places.by_id and places.by_id[port].parent != city:
            problems.append(Problem(label, where, "the port does not serve this city", port))
    for port in sc.border.initial_waitlist:
        problems += places.need(port, f"border.initial_waitlist.{port}", ["port_of_entry"])
    return problems


def _target_problems(sc: Scenario, label: str, places: _Places) -> list[Problem]:
    """Each target's id (unique), places and dates (within the run)."""
    problems: list[Problem] = []
    first_with_id: dict[str, int] = {}
    for i, t in enumerate(sc.targets, start=1):
        if t.id in first_with_id:
            problems.append(
                Problem(
                    label,
                    f"target[{i}].id",
                    f"duplicate target id (target[{first_with_id[t.id]}] has it); "
                    "ids must be unique",
                    t.id,
                )
            )
        first_with_id.setdefault(t.id, i)
        for pid in t.places:
            problems += places.need(pid, f"target[{i}].places")
        problems += _target_date_problems(sc, label, i, t)
    return problems


def _target_date_problems(sc: Scenario, label: str, i: int, t: Target) -> list[Problem]:
    """A target's dates, or its series' rows, within the run (a flow's first day too)."""
    where = f"target[{i}].series" if t.series is not None else f"target[{i}].date"
    for point in t.points:
        if not sc.start <= point.date <= sc.end:
            return [Problem(label, where, _outside(sc), point.date)]
        if point.date_from is not None and not sc.start <= point.date_from <= point.date:
            if t.series is not None:
                message = (
                    f"the row of {point.date} covers a {t.series.period} from "
                    f"{point.date_from}, before the run starts ({sc.start})"
                )
                return [Problem(label, where, message, point.date)]
            message = f"must lie between {sc.start} and the target's date"
            return [Problem(label, f"target[{i}].date_from", message, point.date_from)]
    return []


def _parameter_name_problems(sc: Scenario, label: str) -> list[Problem]:
    """Parameters the model reads that the scenario lacks, and names it does not read.

    A scenario read from files always has exactly the model's; one built from data (the
    Python API) is held to the same, so that no run stops halfway for a missing name.
    """
    missing = [name for name in PARAMETER_NAMES if name not in sc.parameters]
    unknown = [name for name in sc.parameters if name not in PARAMETER_NAMES]
    problems = []
    if missing:
        message = f"missing parameter(s) {listed(missing)}; the model reads every one"
        problems.append(Problem(label, "parameters", message))
    problems += [
        Problem(
            label, f"parameters.{name}", "unknown parameter; see `borderflow params` for the list"
        )
        for name in unknown
    ]
    return problems


def _outside(sc: Scenario) -> str:
    return f"must lie within the run, {sc.start} to {sc.end}"


# --- hard bounds -----------------------------------------------------------------------------


def bound_problems(sc: Scenario, label: str) -> list[Problem]:
    """Parameters outside their hard bounds, and a run too long or too large to hold."""
    return _parameter_problems(sc, label) + _size_problems(sc, label)


def _parameter_problems(sc: Scenario, label: str) -> list[Problem]:
    problems = []
    for name, par in sc.parameters.items():
        where = f"parameters.{name}"
        bound = parameter_bound(name, par.unit)
        if bound is None:
            known = ", ".join(repr(u) for u in sorted(UNIT_BOUNDS))
            problems.append(
                Problem(label, f"{where}.unit", f"unknown unit; expected one of {known}", par.unit)
            )
            continue
        for field in ("value", "low", "high"):
            number = getattr(par, field)
            problem = bound.problem(number)
            if problem and field != "value":
                problem += "; a range may be widened only within these bounds"
            if problem:
                problems.append(Problem(label, f"{where}.{field}", problem, number))
    return problems


def _size_problems(sc: Scenario, label: str) -> list[Problem]:
    if sc.end < sc.start:
        return []  # reported by the cross-check
    if sc.n_days > MAX_DAYS:
        message = (
            f"the run lasts {sc.n_days:,} days, from {sc.start} to {sc.end}; "
            f"at most {MAX_DAYS:,} (100 years)"
        )
        return [Problem(label, "end", message, sc.end)]
    problems = []
    people = sc.expected_people()
    if people > MAX_PEOPLE:
        problems.append(
            Problem(
                label,
                _most_people_from(sc),
                f"the run would set out about {people:,.0f} people; "
                f"at most {MAX_PEOPLE:,} in a run",
            )
        )
    background = len(sc.background.groups) if sc.background is not None else 0
    groups = len(sc.caravans) + background + bool(sc.border.initial_waitlist)
    need = table_bytes(sc.n_days, len(sc.places), len(sc.routes), max(groups, 1))
    if need > MAX_TABLE_BYTES:
        problems.append(
            Problem(
                label,
                "scenario",
                f"the run's tables by day, place, road and group would take about "
                f"{need / 1e9:,.1f} GB ({sc.n_days:,} days, {len(sc.places):,} places, "
                f"{len(sc.routes):,} routes, {groups:,} groups); at most "
                f"{MAX_TABLE_BYTES / 1e9:g} GB: a shorter run, or fewer places, routes or "
                "caravans",
            )
        )
    return problems


def _most_people_from(sc: Scenario) -> str:
    """The field that sets out the most people, to name in a problem about their number."""
    streams = sc.background is not None and bool(sc.background.streams)
    sources = {
        "caravan": sum(c.size + sum(j.n for j in c.joiners) for c in sc.caravans),
        "border.initial_waitlist": sum(sc.border.initial_waitlist.values()),
        "background.streams" if streams else "background.daily": sc.expected_people()
        - sum(c.size + sum(j.n for j in c.joiners) for c in sc.caravans)
        - sum(sc.border.initial_waitlist.values()),
    }
    return max(sources, key=lambda k: sources[k])


# --- reachability along the routes -----------------------------------------------------------


def reachability_problems(sc: Scenario, label: str) -> list[Problem]:
    """Every place a group must pass that no route leads to from where it sets out.

    Routes run both ways, so a caravan can follow origin → via → … → destination when all
    of them lie in one connected part of the network: its origin's. The same holds for its
    planned stops and where it starts walking or riding, for the background flow's
    destinations from each origin, and for the place where people deported by Mexico set
    out again (their country's first origin place).
    """
    part = _connected_parts(sc)
    problems = []
    for i, c in enumerate(sc.caravans, start=1):
        for field, place in _waypoints(c):
            if part.get(place) != part.get(c.origin):
                problems.append(
                    Problem(
                        label,
                        f"caravan[{i}].{field}",
                        f"no route from {c.origin} (the caravan's origin) to this place",
                        place,
                    )
                )
    if sc.background is not None:
        for nationality, origin in sc.background.origins.items():
            for dest in sc.background.destinations:
                if part.get(dest) != part.get(origin):
                    problems.append(
                        Problem(
                            label,
                            "background.destinations",
                            f"no route from {origin} (the origin of {nationality}) to this city",
                            dest,
                        )
                    )
    if sc.param("p_set_out_again") > 0:
        problems += _setting_out_again(sc, label, part)
    return problems


def _waypoints(c: Caravan) -> Iterator[tuple[str, str]]:
    """``(field, place)`` for every place a caravan passes or heads for."""
    for place in c.via:
        yield "via", place
    for place in c.stops:
        yield "stops", place
    for field in ("walks_from", "rides_from"):
        place = getattr(c, field)
        if place is not None:
            yield field, place
    for place in c.destinations:
        yield "destinations", place


def _setting_out_again(sc: Scenario, label: str, part: Mapping[str, int]) -> list[Problem]:
    """People deported by Mexico set out again from home: it must lead to their cities.

    Home is their country's first origin place. Where it lies in the same part of the
    network as the origin they first left, the origin's check covers it.
    """
    homes: dict[str, str] = {}
    for p in sc.places:
        if p.kind == "origin" and p.country not in homes:
            homes[p.country] = p.id
    # (field, nationality, where those people first set out, their destinations)
    leaving: list[tuple[str, str, str, dict[str, float]]] = [
        (f"caravan[{i}].nationality", nat, c.origin, c.destinations)
        for i, c in enumerate(sc.caravans, start=1)
        for nat, weight in c.nationality.items()
        if weight > 0
    ]
    if sc.background is not None:
        bg = sc.background
        leaving += [
            (group.field, nat, bg.origins[nat], bg.destinations)
            for group in bg.groups
            for nat, daily in group.daily.items()
            if daily > 0
        ]
    problems = []
    for field, nationality, origin, destinations in leaving:
        home = homes.get(nationality)
        # Mexico deports no Mexicans; a nationality without a home goes back to its origin.
        if nationality == "MEX" or home is None or part.get(home) == part.get(origin):
            continue
        for dest in destinations:
            if part.get(dest) != part.get(home):
                problems.append(
                    Problem(
                        label,
                        f"{field}.{nationality}",
                        f"people deported by Mexico set out again from {home}, the first "
                        f"origin place in {nationality}, and no route leads from there to {dest}",
                        home,
                    )
                )
    return problems


def _connected_parts(sc: Scenario) -> dict[str, int]:
    """A number per place on the roads, the same for places joined by routes."""
    neighbours: dict[str, list[str]] = {p.id: [] for p in sc.places if p.kind in _ROAD}
    for r in sc.routes:
        neighbours.setdefault(r.from_, []).append(r.to)
        neighbours.setdefault(r.to, []).append(r.from_)
    part: dict[str, int] = {}
    for start in neighbours:
        if start in part:
            continue
        number = len(part)  # unused by earlier parts, which hold fewer places
        part[start] = number
        todo = [start]
        while todo:  # each place is pushed once: at most one pass per place
            for nxt in neighbours[todo.pop()]:
                if nxt not in part:
                    part[nxt] = number
                    todo.append(nxt)
    return part


__all__ = ["bound_problems", "cross_check", "no_place", "reachability_problems"]
