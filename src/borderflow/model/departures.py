"""Departures: people setting out alone, and those already waiting when the run starts."""

from __future__ import annotations

import datetime as dt

import numpy as np

from borderflow.model.agenda import Agenda
from borderflow.model.stage import Stage
from borderflow.model.world import ALREADY_WAITING, World, change, enter, expected_wait_months
from borderflow.scenario.vocabulary import NATIONALITIES, Event, State, Transition

SET_OUT_AGAIN = int(Event.SET_OUT_AGAIN)


class Departures(Stage):
    """People set out alone: deported people whose wait is over, and background departures.

    Background departures set out by nationality; on the first day, the people already
    on port lists are put in place. People deported by Mexico or removed by the U.S. come
    from ``deported`` with the day each sets out again, from home.
    """

    name = "departures"
    takes = ("deported",)
    gives = ("setting_out", "onto_waitlist")

    def init(self, world: World) -> None:
        """The agenda of people deported by Mexico who will set out again.

        Also each background group with its index among the world's groups.
        """
        self.deported_agenda = Agenda(world.people, world.n_days, (SET_OUT_AGAIN,))
        bg = world.scenario.background
        names = [grp.name for grp in world.groups]
        self.background_groups = [] if bg is None else [(names.index(g.name), g) for g in bg.groups]

    def step(self, world: World, day: int) -> None:
        """Set people out for one day."""
        for batch in world.handoffs.deported.drain():
            self.deported_agenda.schedule(batch.people, batch["day"], SET_OUT_AGAIN)
        if day == 0:
            self.already_waiting(world)
        self.set_out_again(world, day)
        self.background(world, day)

    def background(self, world: World, day: int) -> None:
        """Today's background departures, by group and nationality.

        Each group (``background``, or each stream) sets out its own people, who enter
        with its group index.
        """
        bg = world.scenario.background
        if bg is None:
            return
        date = world.scenario.start + dt.timedelta(days=day)
        if (bg.start and date < bg.start) or (bg.end and date > bg.end):
            return
        rng = world.rng["departures"]
        since = day - (world.scenario.day_of(bg.start) if bg.start else 0)
        # The ports' waits, once for every group that weighs them today.
        wait_months = (
            expected_wait_months(world, day) if world.pars.wait_aversion_per_month > 0 else None
        )
        for g, group in self.background_groups:
            season = group.season(date.month)
            counts = np.zeros(len(NATIONALITIES), np.int64)
            origins = np.zeros(len(NATIONALITIES), np.int64)
            for k, nat in enumerate(NATIONALITIES):
                mean = group.daily.get(nat, 0.0) * season
                if mean <= 0:
                    continue
                if bg.arrivals == "poisson":
                    counts[k] = rng.poisson(mean)
                else:  # evenly spread: exactly floor(k * mean) by day k
                    counts[k] = np.floor((since + 1) * mean + 1e-9) - np.floor(since * mean + 1e-9)
                origins[k] = world.net.index(bg.origins[nat])
            n = int(counts.sum())
            if n == 0:
                continue
            nationality = np.repeat(np.arange(len(NATIONALITIES)), counts)
            idx = enter(
                world,
                g,
                n,
                np.repeat(origins, counts),
                day,
                rng,
                nationality=nationality,
                wait_months=wait_months,
            )
            world.handoffs.setting_out.put(idx, clock=float(day))

    def set_out_again(self, world: World, day: int) -> None:
        """People deported by Mexico or removed by the U.S. whose wait is over set out again."""
        people = world.people
        idx = self.deported_agenda.due(day)
        state = people.state[idx]
        back = (state == State.DEPORTED_BY_MEXICO) | (state == State.REMOVED)
        idx = idx[back]
        if len(idx) == 0:
            return
        change(world, idx, Transition.SET_OUT_AGAIN, State.TRANSIT)
        world.handoffs.setting_out.put(idx, clock=float(day))

    def already_waiting(self, world: World) -> None:
        """Put the people already on port lists in their cities (list order kept)."""
        if not world.scenario.border.initial_waitlist:
            return
        g = [grp.name for grp in world.groups].index(ALREADY_WAITING)
        rng = world.rng["departures"]
        for port_id, n in world.scenario.border.initial_waitlist.items():
            port = world.net.index(port_id)
            city = int(world.net.city_of[port])
            idx = enter(world, g, n, city, 0, rng)
            world.people.dest[idx] = city
            world.handoffs.onto_waitlist.put(idx, port=np.full(n, port, np.int64))
