"""The metered port in Ciw: Poisson arrivals, slotted daily admission, reneging.

Time is in days; day ``d`` is ``(d, d + 1)``. Each port is a node of one Ciw network:

* arrivals: ``Exponential(λ)`` inter-arrival times, so a day's arrivals are Poisson(λ);
* admission: a *slotted* service schedule (``ciw.Slotted``) with one slot a day at
  ``t = d + 1`` of size ``Q`` — at each slot up to ``Q`` waiting customers start
  service at once, first come first served: exactly the daily batch admission of
  ``min(Q, L + A)`` in list order. Service lasts a quarter of a day and then the
  customer leaves the network (admitted);
* patience: ``reneging_time_distributions`` with a distribution that, given the
  arrival time ``t``, returns the time to half a day after the ``k``-th slot the person
  was waiting for, ``k`` geometric on {0, 1, …} with ``P(k) = (1 − p)^k p`` (Ciw never
  reneges a customer already in service). So give-ups fall after that day's
  admissions, as in borderflow.

This is the same discrete-day chain ``L' = Binomial(max(L + A − Q, 0), 1 − p)``, not an
approximation of it. (Ciw expresses the daily batch exactly through slotted service;
no continuous-time stand-in is needed.)
"""

from __future__ import annotations

import math
import random

import ciw
import numpy as np


class DailyPatience(ciw.dists.Distribution):
    """Time from arrival to giving up: half a day after the k-th daily admission round."""

    def __init__(self, p: float) -> None:
        self.log_stay = math.log1p(-p)

    def __repr__(self) -> str:
        return "DailyPatience"

    def sample(self, t=None, ind=None):
        rounds = math.floor(math.log(1.0 - random.random()) / self.log_stay)
        return math.ceil(t) - t + rounds + 0.5


def simulate(
    ports: int, days: int, lam: float, quota: int, p: float, seed: int, horizon: int | None = None
) -> dict:
    """Run ``ports`` ports (nodes) for ``days`` days; arrays of shape (ports, days).

    ``horizon`` (≤ ``days``) stops the run early — to time a slow run on part of its days.
    """
    horizon = days if horizon is None else horizon
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam) for _ in range(ports)],
        service_distributions=[ciw.dists.Deterministic(value=0.25) for _ in range(ports)],
        number_of_servers=[ciw.Slotted(slots=[1.0], slot_sizes=[quota]) for _ in range(ports)],
        routing=[[0.0] * ports for _ in range(ports)],
        reneging_time_distributions=[DailyPatience(p) for _ in range(ports)],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon + 0.6)
    out = {name: np.zeros((ports, days), np.int64) for name in ("admitted", "gave_up", "wait_sum")}
    for r in sim.get_all_records():
        if r.record_type == "service":
            day = round(r.service_start_date) - 1
            if day < horizon:
                out["admitted"][r.node - 1, day] += 1
                out["wait_sum"][r.node - 1, day] += day - math.floor(r.arrival_date)
        elif r.record_type == "renege":
            day = math.floor(r.exit_date) - 1
            if day < horizon:
                out["gave_up"][r.node - 1, day] += 1
    return out
