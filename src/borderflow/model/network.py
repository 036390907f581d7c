"""The route network as arrays: distances, modes, next hops toward each border city."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from borderflow.scenario.schema import Scenario
from borderflow.scenario.vocabulary import MODES, NATIONALITIES

MODE_BIT = {mode: np.uint8(1 << i) for i, mode in enumerate(MODES)}


@dataclass(frozen=True)
class Network:
    """Places and roads of a scenario, indexed by position in ``scenario.places``.

    Attributes:
        ids: place ids.
        kind: place kind per place.
        in_mexico: whether each place is in Mexico.
        km: road distance between neighbours (0 where there is no road).
        modes: bit mask of modes per road (``MODE_BIT``).
        next_hop: ``next_hop[u, d]`` is the neighbour of ``u`` on the shortest road
            to place ``d`` (-1 if unreachable; ``d`` itself at ``d``).
        city_of: for a port, its border city; for a city, itself; else -1.
        sector_of: for a border city (or its ports), the U.S. sector; else -1.
        asylum_port: for a border city, the port where asylum seekers queue; else -1.
        ports: indices of ports of entry; cities: indices of border cities.
        home: per nationality (``NATIONALITIES`` order), the first origin place in
            that country: where Mexico deports people to and where those who give
            up go back to (-1 where none: such people go back to their own origin).
    """

    ids: tuple[str, ...]
    kind: np.ndarray
    in_mexico: np.ndarray
    km: np.ndarray
    modes: np.ndarray
    next_hop: np.ndarray
    city_of: np.ndarray
    sector_of: np.ndarray
    asylum_port: np.ndarray
    ports: np.ndarray
    cities: np.ndarray
    home: np.ndarray

    @property
    def n(self) -> int:
        """Number of places."""
        return len(self.ids)

    @cached_property
    def hops(self) -> np.ndarray:
        """``hops[u, d]``: roads on the way from ``u`` to border city ``d`` (-1: no way)."""
        return next_hop_depths(self.next_hop)

    def index(self, place_id: str) -> int:
        """Position of a place id."""
        return self.ids.index(place_id)

    def home_of(self, nationality: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Each person's home place: their country's home, else their own origin."""
        home = self.home[nationality.astype(np.int64)]
        return np.where(home >= 0, home, origin.astype(np.int64))

    def path(self, origin: int, dest: int) -> list[int]:
        """The shortest road path from ``origin`` to ``dest``."""
        path = [origin]
        while path[-1] != dest:
            step = int(self.next_hop[path[-1], dest])
            # A shortest path passes each place once: a longer one would be a cycle.
            if step < 0 or len(path) > self.n:
                raise ValueError(f"no road from {self.ids[origin]} to {self.ids[dest]}")
            path.append(step)
        return path


def next_hop_depths(next_hop: np.ndarray) -> np.ndarray:
    """Roads on the next-hop way from each place to each destination (-1: no way).

    For each destination ``d`` the next hops form a tree rooted at ``d`` (``d`` is its own
    next hop), and a place's count is its depth in that tree. The depths are found level
    by level from the roots down, all trees at once, touching each (place, destination)
    pair once: following next hops one road at a time for every pair would cost the
    longest way times places², minutes for a chain of a few thousand places. The counts
    are those of the next hops, which follow the shortest road in km, not the fewest
    roads.

    Args:
        next_hop: ``next_hop[u, d]``, the neighbour of ``u`` toward ``d`` (-1: none), as
            in :attr:`Network.next_hop`.

    Returns:
        ``hops[u, d]`` (``int64``), 0 at ``d`` itself when ``d`` is on the roads.
    """
    n = len(next_hop)
    # Pairs are keyed u * n + d. A pair's children are the places whose next hop it is.
    place, dest = np.nonzero((next_hop >= 0) & (next_hop != np.arange(n)[:, None]))
    parent_key = next_hop[place, dest].astype(np.int64) * n + dest
    order = np.argsort(parent_key, kind="stable")
    children = (place * n + dest)[order]
    first = np.zeros(n * n + 1, np.int64)
    np.cumsum(np.bincount(parent_key, minlength=n * n), out=first[1:])
    depth = np.full(n * n, -1, np.int64)
    level = np.flatnonzero(np.diagonal(next_hop) >= 0) * (n + 1)
    roads = 0
    while len(level):
        depth[level] = roads
        start, count = first[level], first[level + 1] - first[level]
        ends = np.cumsum(count)
        # Each pair's run of children, laid end to end.
        at = np.repeat(start - ends + count, count) + np.arange(int(ends[-1]))
        level, roads = children[at], roads + 1
    return depth.reshape(n, n)


def build_network(sc: Scenario) -> Network:
    """Index the scenario's places and roads and compute shortest-path next hops."""
    ids = tuple(p.id for p in sc.places)
    pos = {pid: i for i, pid in enumerate(ids)}
    kind = np.array([p.kind for p in sc.places])
    km, modes = _roads(sc, pos)
    city_of, sector_of, asylum_port = _border_places(sc, pos)
    return Network(
        ids=ids,
        kind=kind,
        in_mexico=np.array([p.country == "MEX" for p in sc.places]),
        km=km,
        modes=modes,
        next_hop=_next_hops(km, kind),
        city_of=city_of,
        sector_of=sector_of,
        asylum_port=asylum_port,
        ports=np.flatnonzero(kind == "port_of_entry"),
        cities=np.flatnonzero(kind == "border_city"),
        home=np.array(
            [
                next(
                    (i for i, p in enumerate(sc.places) if p.kind == "origin" and p.country == nat),
                    -1,
                )
                for nat in NATIONALITIES
            ],
            np.int64,
        ),
    )


def _roads(sc: Scenario, pos: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Kilometres and mode bits between every pair of places (0: no road)."""
    n = len(pos)
    km = np.zeros((n, n))
    modes = np.zeros((n, n), np.uint8)
    for r in sc.routes:
        a, b = pos[r.from_], pos[r.to]
        mask = np.uint8(sum(int(MODE_BIT[m]) for m in r.modes) | int(MODE_BIT["walk"]))
        km[a, b] = km[b, a] = r.distance_km
        modes[a, b] = modes[b, a] = mask
    return km, modes


def _next_hops(km: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """``next_hop[u, d]``: the next place from ``u`` on a shortest road to ``d`` (-1: none)."""
    n = len(kind)
    on_roads = np.flatnonzero(np.isin(kind, ["origin", "town", "border_city"]))
    next_hop = np.full((n, n), -1, np.int16)
    if len(on_roads):
        _, pred = dijkstra(
            csr_matrix(km), directed=False, indices=on_roads, return_predecessors=True
        )
        # The tree rooted at d: the predecessor of u is u's next hop toward d.
        next_hop[:, on_roads] = np.where(pred >= 0, pred, -1).T
        next_hop[on_roads, on_roads] = on_roads
    return next_hop


def _border_places(sc: Scenario, pos: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each place's border city, its U.S. sector, and each city's asylum port (-1: none)."""
    n = len(pos)
    city_of = np.full(n, -1, np.int32)
    sector_of = np.full(n, -1, np.int32)
    asylum_port = np.full(n, -1, np.int32)
    for i, p in enumerate(sc.places):
        if p.kind == "border_city":
            city_of[i] = i
            sector_of[i] = pos[p.parent] if p.parent else -1
    for i, p in enumerate(sc.places):
        if p.kind == "port_of_entry" and p.parent:
            city = pos[p.parent]
            city_of[i] = city
            sector_of[i] = sector_of[city]
            if asylum_port[city] < 0:
                asylum_port[city] = i
    for city_id, port_id in sc.border.asylum_port.items():
        asylum_port[pos[city_id]] = pos[port_id]
    return city_of, sector_of, asylum_port
