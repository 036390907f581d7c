"""Checks of a whole scenario: parameters and run size against the hard bounds, and routes.

Called by :func:`borderflow.scenario.load.cross_check` once every field is valid on its
own, so that each holds whichever way the scenario was made (a file, ``--set``, the
Python API, the dashboard).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from borderflow.scenario.bounds import (
    MAX_DAYS,
    MAX_PEOPLE,
    MAX_TABLE_BYTES,
    UNIT_BOUNDS,
    parameter_bound,
    table_bytes,
)
from borderflow.scenario.errors import Problem
from borderflow.scenario.schema import Caravan, Scenario

#: Kinds of places on the roads (the others hang off border cities).
ON_ROADS = ("origin", "town", "border_city")


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
    groups = len(sc.caravans) + (sc.background is not None) + bool(sc.border.initial_waitlist)
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
    sources = {
        "caravan": sum(c.size + sum(j.n for j in c.joiners) for c in sc.caravans),
        "border.initial_waitlist": sum(sc.border.initial_waitlist.values()),
        "background.daily": sc.expected_people()
        - sum(c.size + sum(j.n for j in c.joiners) for c in sc.caravans)
        - sum(sc.border.initial_waitlist.values()),
    }
    return max(sources, key=lambda k: sources[k])


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
            ("background.daily", nat, bg.origins[nat], bg.destinations)
            for nat, daily in bg.daily.items()
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
    neighbours: dict[str, list[str]] = {p.id: [] for p in sc.places if p.kind in ON_ROADS}
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


__all__ = ["bound_problems", "reachability_problems"]
