"""HHS (ORR) custody of unaccompanied children: a bed, care, then release to a sponsor.

Under the TVPRA of 2008 (8 U.S.C. 1232(b)(3)) an unaccompanied child from a
non-contiguous country (and a Mexican child not returned at the screening, see
:mod:`borderflow.model.processing`) is transferred from CBP custody to HHS, whose Office
of Refugee Resettlement cares for the child until a sponsor (usually a relative) takes
them, and the child's case goes on in full removal proceedings before a judge
(1232(a)(5)(D)), on the regular, non-detained docket.

HHS has ``hhs_beds`` beds (a stock lever, rounded to whole beds). A child handed over
when no bed is free stays in CBP custody (``in_custody``), waiting for one, first come
first served; each such child-day is counted (``waiting_for_hhs_bed``). A stay lasts
``dur_hhs_care_days`` on average (whole days, geometric).
"""

from __future__ import annotations

import numpy as np

from borderflow.model.agenda import Agenda
from borderflow.model.rng import waiting_days
from borderflow.model.stage import Stage
from borderflow.model.world import World, change, note
from borderflow.scenario.levers import stock_counts
from borderflow.scenario.vocabulary import DocketKind, Event, State, Transition

# Plain ints for array comparisons and writes (see borderflow.scenario.vocabulary).
IN_CUSTODY, HHS_CUSTODY = int(State.IN_CUSTODY), int(State.HHS_CUSTODY)
HHS_RELEASE = int(Event.HHS_RELEASE)
REGULAR = int(DocketKind.REGULAR)


class Hhs(Stage):
    """HHS care of unaccompanied children: releases to sponsors, then transfers to free beds.

    In order: children whose care ends today are released to a sponsor with a notice to
    appear on the regular docket (freeing their beds first); children handed over by
    custody join the line for a bed; the line takes the free beds in order, and those
    still without one wait another day in CBP custody (each counted).
    """

    name = "hhs"
    takes = ("into_hhs",)
    gives = ("cases",)

    def init(self, world: World) -> None:
        """The care agenda, the line for a bed and the beds of each day."""
        self.agenda = Agenda(world.people, world.n_days, (HHS_RELEASE,))
        #: Children waiting in CBP custody for a bed, in the order they were handed over.
        self.line = np.empty(0, np.int64)
        self.beds = stock_counts(world.levers.hhs_beds)
        self.in_care = 0

    def step(self, world: World, day: int) -> None:
        """Releases to sponsors, then transfers into the beds free, in order."""
        self.release_to_sponsors(world, day)
        handed = [batch.people for batch in world.handoffs.into_hhs.drain()]
        if handed:
            self.line = np.concatenate([self.line, *handed])
        if len(self.line):
            self.transfer(world, day)

    def release_to_sponsors(self, world: World, day: int) -> None:
        """Children whose care ends today go to a sponsor, with a case on the regular docket."""
        idx = self.agenda.due(day)
        if len(idx) == 0:
            return
        idx = idx[world.people.state[idx] == HHS_CUSTODY]
        change(world, idx, Transition.RELEASED_TO_SPONSOR, State.RELEASED_PENDING_HEARING)
        self.in_care -= len(idx)
        world.handoffs.cases.put(idx, docket=REGULAR, p_lawyer=float(world.levers.p_lawyer[day]))

    def transfer(self, world: World, day: int) -> None:
        """The first children in line take the free beds; the others wait in CBP custody."""
        line = self.line[world.people.state[self.line] == IN_CUSTODY]
        free = max(int(self.beds[day]) - self.in_care, 0)
        idx, self.line = line[:free], line[free:]
        if len(idx):
            change(world, idx, Transition.TRANSFERRED_TO_HHS, State.HHS_CUSTODY)
            self.in_care += len(idx)
            stay = waiting_days(
                world.rng["hhs"], 1.0 / max(world.pars.dur_hhs_care_days, 1.0), len(idx)
            )
            self.agenda.schedule(idx, day + stay, HHS_RELEASE)
        # A child-day held in CBP custody waiting for a bed, for each child left in line.
        note(world, self.line, Transition.WAITING_FOR_HHS_BED)
