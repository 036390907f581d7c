"""The metered port in SimPy: one process per person, patience as a timeout race.

Time is in days. Day ``d`` is the interval ``(d, d + 1)``: people arrive in it as a
Poisson process of rate ``λ`` (so a day's arrivals are Poisson(λ)) and join the end of
the port's list (a ``simpy.Store``, FIFO). At ``t = d + 1`` the port's metering process
admits up to ``Q`` people in list order — the end of day ``d``. Each person's
patience is a number of admission rounds ``k`` on {0, 1, …} with ``P(k) = (1 − p)^k p``;
they give up half a day after the ``k``-th round they were on the list for, unless
admitted first — after that day's admissions, as in borderflow. So the list at the end
of a day follows ``L' = Binomial(max(L + A − Q, 0), 1 − p)``, the same chain.

Several ports run side by side in one environment (independent processes).
"""

from __future__ import annotations

import math
import random

import numpy as np
import simpy


class Port:
    """One port: its list, its counters per day."""

    def __init__(self, env: simpy.Environment, days: int, quota: int) -> None:
        self.env = env
        self.quota = quota
        self.waitlist = simpy.Store(env)
        self.admitted = np.zeros(days, np.int64)
        self.gave_up = np.zeros(days, np.int64)
        self.wait_sum = np.zeros(days, np.int64)


class Person:
    """A person on a list: when they arrived and the event that admits them."""

    __slots__ = ("admit", "day")

    def __init__(self, env: simpy.Environment, day: int) -> None:
        self.day = day
        self.admit = env.event()


def person(env: simpy.Environment, port: Port, patience_log: float):
    """Join the list; wait for admission or give up when patience runs out."""
    me = Person(env, int(env.now))
    yield port.waitlist.put(me)
    rounds = math.floor(math.log(1.0 - random.random()) / patience_log)  # geometric on {0,…}
    give_up = env.timeout(math.ceil(env.now) - env.now + rounds + 0.5)
    yield me.admit | give_up
    if not me.admit.triggered:
        port.waitlist.items.remove(me)
        port.gave_up[int(env.now) - 1] += 1


def source(env: simpy.Environment, port: Port, lam: float, days: int, patience_log: float):
    """Poisson arrivals of rate ``lam`` a day until the end of the last day."""
    while True:
        yield env.timeout(random.expovariate(lam))
        if env.now >= days:
            return
        env.process(person(env, port, patience_log))


def metering(env: simpy.Environment, port: Port, days: int):
    """At the end of each day admit up to the quota, in list order."""
    for day in range(days):
        yield env.timeout(day + 1 - env.now)
        for _ in range(min(port.quota, len(port.waitlist.items))):
            who = yield port.waitlist.get()
            who.admit.succeed()
            port.admitted[day] += 1
            port.wait_sum[day] += day - who.day


def simulate(ports: int, days: int, lam: float, quota: int, p: float, seed: int) -> dict:
    """Run ``ports`` independent ports for ``days`` days; arrays of shape (ports, days)."""
    random.seed(seed)
    env = simpy.Environment()
    patience_log = math.log1p(-p)
    all_ports = [Port(env, days, quota) for _ in range(ports)]
    for port in all_ports:
        env.process(source(env, port, lam, days, patience_log))
        env.process(metering(env, port, days))
    env.run(until=days + 0.75)
    return {
        name: np.stack([getattr(port, name) for port in all_ports])
        for name in ("admitted", "gave_up", "wait_sum")
    }
