"""Flee 3.1's movement rules, agent by agent in a compiled loop.

Agents are arrays (where they are, the link they travel, how far along it, their planned
route); one call of :meth:`FleeModel.step` is one Flee day, in Flee's order:
``AddNewConflictZones``, ``spawn_daily_displaced``, ``enact_border_closures``, then
``Ecosystem.evolve`` (location scores, a move decision for every agent not on a link, then
travel along links with further hops on the same day while the day's distance allows).
The day's schedule, spawning and scores are NumPy here; the movement itself is one loop
over the agents in Flee's order (:mod:`borderflow.flee.kernel`, compiled with Numba,
or the same code uncompiled with ``BORDERFLOW_KERNEL=numpy``: identical results).

Route choice follows Flee's ``selectRoute``: every loop-free path of up to ``awareness_level``
non-marker hops (markers are passed through and not counted) is weighted
``((weight_softening + score(end)) / (softening + km)^distance_power × capMultiplier(end))
^weight_power`` and one is drawn with probability ∝ weight (uniformly if all are zero). The
paths from each location are enumerated once per state of the open links (a closure rebuilds
them) and held as a table; their weights before the capacity multiplier are worked out once
a day (the scores change daily), and an agent choosing weighs its location's paths with the
capacity multipliers of the counts at that moment, as 3.1 does.

Note: Flee 3.1's code looks ``awareness_level`` hops ahead (1 = neighbours only), not
``awareness_level + 1``: borderflow does what the code does.

Where borderflow departs from Flee 3.1, on purpose:

* **Link closures close the link, both ways.** In 3.1 a ``link`` closure usually does
  nothing (``_remove_link_1way`` compares names with ``is not``), and
  ``remove_link(twoway=True)`` closes only the reverse direction. Here a ``link`` closure
  closes name1→name2 and name2→name1, and reopens both at its end.
* ``forced_redirection = 1`` makes one link each way (3.1 makes two, doubling its weight);
  the flag itself is not used by Flee's movement rules, nor here.
* ``awareness_level: 0`` picks a uniformly random open link (3.1 returns a link *index* as a
  route, which matches no link, so its agents never move).
* Random numbers: the same rules, drawn differently (so a seed gives other runs than 3.1's,
  with the same distribution). Where 3.1 draws a ``random()`` for every agent not on a
  link every day, borderflow draws at each location how many agents stay before the next
  one moves (a geometric variate, counted down in agent order), and draws the walking coin
  only on links with a ``walk_probability``; see :mod:`borderflow.flee.kernel`.
  A day's new agents are created location by location (3.1 appends them in the random
  order of its draws); the order of agents matters only at camps near capacity.
* Multi-file validation series are summed after interpolation (3.1's ``AddCSVTables`` holds
  values in steps); this changes only the ``data`` columns of such camps.
* ``spawn_mode: poisson`` draws Poisson numbers (it crashes in 3.1); ``deactivation_probability``
  (with ``camps_are_sicks``) is read as a number (3.1 compares the CSV string with a float).
* Agents are spawned only where the spawn weights are positive; if there is none on a day
  with new arrivals, they are not spawned (3.1 stops with an assertion) and counted in
  :attr:`FleeModel.unplaced`.

Everything else follows 3.1, quirks included: a conflict zone starts when its conflicts.csv
value rises above 1e-6 (with that intensity) and ends when it drops to 0 only if the day
before was exactly 1; ``conflict_date > 0`` rows start as towns; an agent on a link that is
closed while it travels returns to the link's start when it would have arrived (even if the
link has reopened meanwhile); a planned route is dropped if its final camp is more than
half-full by the capacity multiplier or its next link has closed; camps are soft capacities;
agents decide and travel one after another in the order they were created, each seeing the
counts (and so the capacity multipliers) left by those before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from borderflow.flee.io import FleeScenario
from borderflow.flee.settings import MOVE_DEFAULTS, SPAWN_DEFAULTS

CONFLICT_ON = 0.000001
#: Most routes the route tables may hold (they grow with the awareness level).
MAX_PATHS = 5_000_000


@dataclass(frozen=True)
class Rules:
    """The move and spawn settings of a scenario, Flee defaults filled in."""

    move: dict[str, Any]
    spawn: dict[str, Any]
    hasten: int

    @classmethod
    def of(cls, sc: FleeScenario) -> Rules:
        """Resolve the settings of ``sc``."""
        move = dict(MOVE_DEFAULTS)
        move.update(sc.settings.get("move_rules", {}))
        spawn = dict(SPAWN_DEFAULTS)
        spawn.update(sc.settings.get("spawn_rules", {}))
        if "camps_are_sinks" in spawn:
            spawn["camps_are_sicks"] = spawn["camps_are_sinks"]
        hasten = int(sc.settings.get("optimisations", {}).get("hasten", 1) or 1)
        return cls(move, spawn, max(hasten, 1))

    def f(self, key: str) -> float:
        """A numeric move rule."""
        return float(self.move[key])


def _day_series(
    points: list[tuple[dt.date, float]], start: dt.date, days: int, hasten: int
) -> np.ndarray:
    """Flee's ``DataTable.get_field`` for days ``0..days-1``: scaled, interpolated, truncated."""
    out = np.zeros(days, np.int64)
    if not points:
        return out
    offsets = np.array([(d - start).days for d, _ in points], np.float64)
    values = np.array([v for _, v in points], np.float64) / hasten
    for t in range(days):
        if t <= offsets[0]:
            out[t] = int(values[0])
            continue
        later = np.flatnonzero(t < offsets)
        if later.size == 0:
            out[t] = int(values[-1])
            continue
        i = int(later[0])
        frac = (t - offsets[i - 1]) / (offsets[i] - offsets[i - 1])
        out[t] = int(values[i - 1] + frac * (values[i] - values[i - 1]))
    return out


def _corrected(
    points: list[tuple[dt.date, float]], dates: list[dt.date]
) -> list[tuple[dt.date, float]]:
    """Flee's level-1 registration corrections: scale the values before each date."""
    values = [v for _, v in points]
    for date in dates:
        for i, (d, _) in enumerate(points):
            if d == date and i > 0 and values[i - 1] != 0:
                ratio = values[i] / values[i - 1]
                values[:i] = [v * ratio for v in values[:i]]
    return [(d, v) for (d, _), v in zip(points, values, strict=True)]


class FleeModel:
    """A Flee scenario's locations, links, schedule and agents, stepped one day at a time.

    Attributes:
        names: location names, in ``locations.csv`` order (the location ids).
        camps: ids of the locations that are camps at the start (Flee's ``get_camp_names``).
        counts: agents at each location (not on a link), kept up to date.
        spawned: agents created so far.
    """

    where: np.ndarray
    travelling: np.ndarray
    on_link: np.ndarray
    epoch: np.ndarray
    route_len: np.ndarray
    hop: np.ndarray
    first_hop: np.ndarray
    recent: np.ndarray
    active: np.ndarray
    score: np.ndarray
    route: np.ndarray
    path_start: np.ndarray
    path_nodes: np.ndarray
    path_len: np.ndarray
    path_end: np.ndarray
    path_dist: np.ndarray
    path_ptr: np.ndarray
    _scratch: np.ndarray

    def __init__(self, sc: FleeScenario):
        # Imported here, not at the top: it loads Numba, slow to import, which a
        # borderflow run without Flee scenarios never needs.
        from borderflow.flee import kernel as flee_kernel

        self._day = flee_kernel.day_kernel()
        self._seed_state = flee_kernel.seed_state
        self.sc = sc
        self.rules = r = Rules.of(sc)
        self.length = sc.length
        locs = sc.locations
        n = len(locs)
        self.names = [loc.name for loc in locs]
        self.index = {name: i for i, name in enumerate(self.names)}
        home = locs[0].country or "unknown"
        countries = [loc.country or "unknown" for loc in locs]
        self.country_names = sorted(set(countries))
        self.country = np.array([self.country_names.index(c) for c in countries], np.int32)
        self.foreign = np.array([c != home for c in countries])
        self.is_camp = np.zeros(n, bool)
        self.is_idp = np.zeros(n, bool)
        self.is_town = np.zeros(n, bool)
        self.is_marker = np.zeros(n, bool)
        self.conflict = np.full(n, -1.0)
        self.time_of_conflict = np.full(n, -1, np.int64)
        self.movechance = np.zeros(n)
        self.pop = np.zeros(n, np.int64)
        self.capacity = np.full(n, -1, np.int64)
        for i, loc in enumerate(locs):
            t = loc.location_type.lower()
            size = int(loc.population) // r.hasten
            if "conflict" in t and loc.conflict_date > 0:
                t = "town"
            if "camp" in t:
                self.is_camp[i] = True
                self.capacity[i] = size
                self.movechance[i] = r.f("camp_movechance")
                if "idp" in t:
                    self.is_idp[i] = True
                    self.movechance[i] = r.f("idpcamp_movechance")
                continue
            self.pop[i] = size
            if "conflict" in t:
                self.movechance[i] = r.f("conflict_movechance")
                self.conflict[i] = float(loc.attributes.get("conflict_intensity", 1.0) or 1.0)
            elif "forward" in t:
                self.movechance[i] = 1.0
            elif "marker" in t:
                self.movechance[i] = 1.0
                self.is_marker[i] = True
            else:
                self.is_town[i] = True
                self.movechance[i] = r.f("default_movechance")
            if self.movechance[i] < 0.005:
                self.is_camp[i], self.is_town[i] = True, False
        self.camps = np.flatnonzero(self.is_camp)
        self._links(sc)
        self._schedule(sc)
        self._validation(sc)
        # agents
        self.spawned = 0
        self.unplaced = 0
        self.refugee_debt = 0
        self.refugees_raw = 0
        self.counts = np.zeros(n, np.int64)
        self._cap = 0
        self._grow(1024)
        self.n = 0
        # Load (or compile) the day's kernel now, as part of the set-up, not on day 0: a
        # day with no agents moves no one and draws nothing from the streams.
        self._build_paths()
        self.score = np.ones(n)
        self._move(0, np.ones(6, np.int64), self.movechance.copy())

    # ----------------------------------------------------------------- set-up

    def _links(self, sc: FleeScenario) -> None:
        src, dst, dist, speed, walk = [], [], [], [], []
        default_speed = self.rules.f("max_move_speed")
        for route in sc.routes:
            a, b = self.index[route.name1], self.index[route.name2]
            s = float(route.attributes.get("max_move_speed") or default_speed)
            w = float(route.attributes.get("walk_probability") or 0.0)
            for x, y in ((a, b), (b, a)):
                src.append(x)
                dst.append(y)
                dist.append(float(route.distance))
                speed.append(s)
                walk.append(w)
        self.link_src = np.array(src, np.int64)
        self.link_dst = np.array(dst, np.int64)
        self.link_dist = np.array(dist, np.float64)
        self.link_speed = np.array(speed, np.float64)
        self.link_walk = np.array(walk, np.float64)
        self.link_open = np.ones(len(src), bool)
        self.link_epoch = np.zeros(len(src), np.int64)  # closures so far, per link
        # Each location's links, lowest id first: the kernel takes the first one to the
        # next place on a route (a duplicate route adds a link it never takes).
        self.out_link = np.argsort(self.link_src, kind="stable").astype(np.int64)
        self.out_ptr = np.searchsorted(self.link_src[self.out_link], np.arange(len(self.names) + 1))
        self._paths_built = False

    def _schedule(self, sc: FleeScenario) -> None:
        cols = [(self.index[c], j) for j, c in enumerate(sc.conflict_names) if c in self.index]
        table = np.array(sc.conflict_intensity, np.float64).reshape(len(sc.conflict_intensity), -1)
        self.conflict_cols = np.array([i for i, _ in cols], np.int64)
        self.conflict_table = table[:, [j for _, j in cols]] if cols else np.zeros((len(table), 0))
        self.closures = sc.closures

    def _validation(self, sc: FleeScenario) -> None:
        series = sc.validation
        by_camp: dict[str, list[dt.date]] = {}
        for name, date in sc.corrections:
            by_camp.setdefault(name, []).append(date)
        d, h = sc.length, self.rules.hasten
        self.data_total = _day_series(series.get("total", []), sc.start_date, d, h)
        self.data_camp = np.zeros((d, len(self.camps)), np.int64)
        self.has_data = np.zeros(len(self.camps), bool)
        for k, c in enumerate(self.camps):
            name = self.names[c]
            if name in series:
                self.has_data[k] = True
                points = _corrected(series[name], by_camp.get(name, []))
                self.data_camp[:, k] = _day_series(points, sc.start_date, d, h)

    def _grow(self, need: int) -> None:
        cap = max(need, 2 * self._cap, 1024)
        old = self.where if self._cap else None
        fields = {
            "where": np.int64,
            "travelling": bool,
            "on_link": np.float64,
            "epoch": np.int64,
            "route_len": np.int64,
            "hop": np.int64,
            "first_hop": bool,
            "recent": np.float64,
            "active": bool,
        }
        for name, dtype in fields.items():
            buf = np.zeros(cap, dtype)
            if old is not None:
                buf[: self._cap] = getattr(self, name)[: self._cap]
            setattr(self, name, buf)
        width = self.route.shape[1] if old is not None else 1
        route = np.full((cap, width), -1, np.int64)
        if old is not None:
            route[: self._cap] = self.route[: self._cap]
        self.route = route
        self._cap = cap

    def _widen_routes(self, width: int) -> None:
        if width > self.route.shape[1]:
            route = np.full((self._cap, width), -1, np.int64)
            route[:, : self.route.shape[1]] = self.route
            self.route = route

    def add_agents(self, location: int, number: int) -> None:
        """Create ``number`` agents at ``location`` (Flee's ``addAgent``)."""
        if number <= 0:
            return
        if self.n + number > self._cap:
            self._grow(self.n + number)
        s = slice(self.n, self.n + number)
        self.where[s] = location
        self.travelling[s] = False
        self.route_len[s] = 0
        self.first_hop[s] = True
        self.recent[s] = 0.0
        self.active[s] = True
        self.n += number
        self.spawned += number
        self.counts[location] += number
        if self.rules.spawn["take_from_population"] and self.conflict[location] > 0:
            self.pop[location] = max(self.pop[location] - number, 0)

    # ----------------------------------------------------------------- routes

    def _build_paths(self) -> None:
        """Flee's ``calculateLinkWeight`` recursion, as a table of paths per location."""
        n = len(self.names)
        level = int(self.rules.move["awareness_level"])
        out_links: list[list[int]] = [[] for _ in range(n)]
        for link in np.flatnonzero(self.link_open).tolist():
            out_links[int(self.link_src[link])].append(link)
        starts: list[int] = []
        nodes: list[list[int]] = []
        dists: list[float] = []
        marker = self.is_marker

        def walk(origin: int, first: int) -> None:
            # Flee's recursion, depth first in link order, with a stack of its calls
            # (pushed in reverse, so they run in order): no depth limit to reach.
            todo: list[tuple[list[int], int, float, int]] = [([origin], first, 0.0, 1)]
            while todo:  # one pass per path; their number is checked
                visited, lid, prior, step = todo.pop()
                end = int(self.link_dst[lid])
                km = prior + float(self.link_dist[lid])
                if not marker[end]:
                    starts.append(origin)
                    nodes.append([*visited[1:], end])
                    dists.append(km)
                    if len(nodes) > MAX_PATHS:
                        raise ValueError(
                            f"more than {MAX_PATHS:,} routes within awareness level {level}: "
                            "lower the awareness level or join fewer locations"
                        )
                else:
                    step -= 1
                if level > step:
                    here = [*visited, end]
                    for nxt in reversed(out_links[end]):
                        if int(self.link_dst[nxt]) not in visited:
                            todo.append((here, nxt, km, step + 1))

        for s in range(n):
            if level <= 0:
                for link in out_links[s]:
                    starts.append(s)
                    nodes.append([int(self.link_dst[link])])
                    dists.append(float(self.link_dist[link]))
                continue
            for link in out_links[s]:
                walk(s, link)
        longest = max((len(p) for p in nodes), default=1)
        table = np.full((len(nodes), longest), -1, np.int64)
        for i, p in enumerate(nodes):
            table[i, : len(p)] = p
        self.path_start = np.array(starts, np.int64)
        self.path_nodes = table
        self.path_len = np.array([len(p) for p in nodes], np.int64)
        self.path_end = table[np.arange(len(nodes)), self.path_len - 1] if nodes else self.path_len
        self.path_dist = np.array(dists, np.float64)
        self.path_ptr = np.searchsorted(self.path_start, np.arange(n + 1))
        self._widen_routes(longest)
        segments = np.diff(self.path_ptr)
        self._scratch = np.zeros(max(int(segments.max(initial=0)), 1))
        self._paths_built = True

    def _path_base(self) -> np.ndarray:
        """Each path's weight before its end's capacity multiplier (from today's scores)."""
        r = self.rules
        if int(r.move["awareness_level"]) <= 0:
            return np.ones(len(self.path_start))
        base = (r.f("weight_softening") + self.score[self.path_end]) / (
            r.f("softening") + self.path_dist
        ) ** r.f("distance_power")
        return np.asarray(base, np.float64)

    # ----------------------------------------------------------------- events

    def _conflicts(self, t: int) -> bool:
        """Flee's ``AddNewConflictZones`` for day ``t``; whether anything changed."""
        if t >= len(self.conflict_table):
            return False
        now = self.conflict_table[t]
        before = self.conflict_table[t - 1] if t > 0 else None
        r = self.rules
        changed = False
        for j, loc in enumerate(self.conflict_cols):
            if now[j] > CONFLICT_ON and (before is None or before[j] < CONFLICT_ON):
                self.movechance[loc] = r.f("conflict_movechance")
                self.conflict[loc] = now[j]
                self.is_town[loc] = False
                self.time_of_conflict[loc] = t
                changed = True
            if now[j] < CONFLICT_ON and before is not None and before[j] == 1:
                self.movechance[loc] = r.f("default_movechance")
                self.conflict[loc] = -1.0
                self.is_town[loc] = True
                changed = True
        return changed

    def _set_links(self, mask: np.ndarray, open_: bool) -> None:
        mask = mask & (self.link_open != open_)
        if not mask.any():
            return
        if not open_:
            self.link_epoch[mask] += 1
        self.link_open[mask] = open_
        self._paths_built = False

    def _closures(self, t: int) -> None:
        """Flee's ``enact_border_closures`` for day ``t`` (link closures fixed, see above)."""
        r = self.rules
        for c in self.closures:
            for when, open_ in ((c.start, False), (c.end, True)):
                if t != when:
                    continue
                if c.closure_type == "country":
                    if c.name1 in self.country_names and c.name2 in self.country_names:
                        a = self.country_names.index(c.name1)
                        b = self.country_names.index(c.name2)
                        cs, cd = self.country[self.link_src], self.country[self.link_dst]
                        self._set_links(((cs == a) & (cd == b)) | ((cs == b) & (cd == a)), open_)
                elif c.closure_type == "location" and c.name1 in self.index:
                    i = self.index[c.name1]
                    self._set_links((self.link_src == i) | (self.link_dst == i), open_)
                elif c.closure_type == "link" and c.name1 in self.index and c.name2 in self.index:
                    a, b = self.index[c.name1], self.index[c.name2]
                    s, d = self.link_src, self.link_dst
                    self._set_links(((s == a) & (d == b)) | ((s == b) & (d == a)), open_)
                elif c.closure_type in ("camp", "idpcamp") and c.name1 in self.index:
                    i = self.index[c.name1]
                    idp = c.closure_type == "idpcamp"
                    self.conflict[i] = -1.0
                    self.is_marker[i] = False
                    if open_:
                        self.is_camp[i], self.is_town[i], self.is_idp[i] = True, False, idp
                        self.movechance[i] = r.f("idpcamp_movechance" if idp else "camp_movechance")
                    else:
                        self.is_camp[i], self.is_town[i], self.is_idp[i] = False, True, False
                        self.movechance[i] = r.f("default_movechance")

    def _decay(self, time: int) -> np.ndarray:
        decay = self.rules.spawn["conflict_spawn_decay"]
        if not decay:
            return np.ones(len(self.names))
        steps = np.asarray([float(x) for x in decay])
        bucket = np.minimum((time - self.time_of_conflict) // 30, len(steps) - 1)
        return np.asarray(steps[np.maximum(bucket, 0)])

    def _spawn(self, t: int, weights_time: int, rng: np.random.Generator) -> int:
        """Flee's ``spawn_daily_displaced``: how many agents were created."""
        spawn = self.rules.spawn
        driven = spawn["conflict_driven_spawning"]
        at = self.conflict > 0
        if driven is not None:
            mode = str(driven.get("spawn_mode", "constant")).lower()
            rate = float(
                driven.get("displaced_per_conflict_day", 0.01 if mode == "pop_ratio" else 500)
            )
            made = 0
            for i in np.flatnonzero(at):
                if mode == "pop_ratio":
                    k = int(rate * self.pop[i] * self.conflict[i])
                elif mode == "poisson":
                    k = int(rng.poisson(rate * self.conflict[i]))
                else:
                    k = int(int(rate) * self.conflict[i])
                self.add_agents(int(i), k)
                made += k
            return made
        diff = int(self.data_total[t] - (self.data_total[t - 1] if t > 0 else 0))
        new = diff - self.refugee_debt
        self.refugees_raw += diff
        if spawn["insert_day0"] and t == 0:
            new = 0
        if new < 0:
            self.refugee_debt, new = -new, 0
        elif self.refugee_debt > 0:
            self.refugee_debt = 0
        if new == 0:
            return 0
        w = np.where(at, self.pop * np.where(at, self.conflict, 0.0), 0.0)
        w = w * self._decay(weights_time)
        if w.sum() <= 0:
            self.unplaced += new
            return 0
        per = rng.multinomial(new, w / w.sum())
        for i in np.flatnonzero(per):
            self.add_agents(int(i), int(per[i]))
        return new

    def insert_day0(self) -> None:
        """Flee's ``add_initial_refugees``: each camp's day-0 validation count, placed there."""
        if not self.rules.spawn["insert_day0"]:
            return
        for k, c in enumerate(self.camps):
            if self.has_data[k]:
                self.add_agents(int(c), int(self.data_camp[0, k]))

    def step(self, t: int, streams: Any) -> None:
        """One Flee day ``t``; ``streams[name]`` gives the named random generators."""
        changed = self._conflicts(t)
        self._spawn(t, t if changed or t == 0 else t - 1, streams["spawn"])
        self._closures(t)
        if not self._paths_built:
            self._build_paths()
        r = self.rules
        # scores (Flee's updateLocationScore)
        score = np.ones(len(self.names))
        score = np.where(self.foreign, score * r.f("foreign_weight"), score)
        score = np.where(self.is_camp, score * r.f("camp_weight"), score)
        at = self.conflict > 0
        power = np.where(at, self._decay(t) * self.conflict, 0.0)
        self.score = np.where(at, score * r.f("conflict_weight") ** power, score)
        factor = r.f("movechance_pop_scale_factor")
        if factor:
            size = np.maximum(self.pop, self.capacity).astype(np.float64)
            chance = self.movechance * (size / r.f("movechance_pop_base")) ** factor
        else:
            chance = self.movechance.copy()
        self._move(self.n, self._seed_state(streams["move"]), chance)
        if self.rules.spawn["camps_are_sicks"]:
            self._deactivate(streams["move"])

    def _move(self, n: int, state: np.ndarray, chance: np.ndarray) -> None:
        """The day's movement of agents ``0..n-1`` (the kernel), from random ``state``."""
        r = self.rules
        self._day(
            n, state,
            self.where, self.travelling, self.on_link, self.epoch, self.route, self.route_len,
            self.hop, self.first_hop, self.recent, self.active,
            self.counts, chance, self.is_town, self.is_camp, self.capacity,
            r.f("capacity_buffer"),
            self.path_ptr, self.path_nodes, self.path_len, self.path_end, self._path_base(),
            int(r.move["awareness_level"]) > 0, r.f("weight_power"), self._scratch,
            self.out_ptr, self.out_link, self.link_src, self.link_dst, self.link_dist,
            self.link_speed, self.link_walk, self.link_open, self.link_epoch,
            r.f("max_walk_speed"), bool(r.move["start_on_foot"]),
            bool(r.move["avoid_short_stints"]), r.f("max_move_speed"),
        )  # fmt: skip

    def _deactivate(self, rng: np.random.Generator) -> None:
        prob = np.array(
            [
                float(loc.attributes.get("deactivation_probability") or 0.0)
                for loc in self.sc.locations
            ]
        )
        n = self.n
        cand = np.flatnonzero(self.active[:n] & ~self.travelling[:n])
        loc = self.where[cand]
        cand = cand[self.is_camp[loc]]
        gone = rng.random(cand.size) < prob[self.where[cand]]
        self.active[cand[gone]] = False
