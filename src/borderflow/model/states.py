"""The states a person can be in and the transitions between them.

Every person is in exactly one :class:`State` on every day. A :class:`Transition`
names why a person changed state or place; *events* (``violence_incident``,
``referred_for_prosecution``, ``asylum_barred``) are counted in the flow table
but leave the person where they were.
"""

from __future__ import annotations

from enum import IntEnum

from borderflow.scenario.schema import HOUSEHOLD_ROLES, NATIONALITIES

__all__ = ["HOUSEHOLD_ROLES", "NATIONALITIES", "OUTSIDE", "Household", "State", "Transition"]


class State(IntEnum):
    """Where a person stands in the system.

    The codes are stable: they are written in result files.
    """

    TRANSIT = 0
    WAITING_SHELTERED = 1
    WAITING_UNSHELTERED = 2
    DEPORTED_BY_MEXICO = 3
    REFUGE_IN_MEXICO = 4
    SETTLED_IN_MEXICO = 5
    RETURNED_HOME = 6
    EVADED = 7
    IN_US_PROCESSING = 8

    @property
    def label(self) -> str:
        """The name used in result tables."""
        return self.name.lower()


#: A pseudo-state for the source of people entering the system (departures).
OUTSIDE = -1

STATE_DOCS: dict[State, str] = {
    State.TRANSIT: "travelling on the route network (place = last place reached)",
    State.WAITING_SHELTERED: "on a port's waitlist, with a shelter bed (place = the port)",
    State.WAITING_UNSHELTERED: "on a port's waitlist, without a bed (place = the port)",
    State.DEPORTED_BY_MEXICO: "detained and sent home by Mexico; some set out again later",
    State.REFUGE_IN_MEXICO: "accepted refugee status or a humanitarian visa in Mexico",
    State.SETTLED_IN_MEXICO: "stopped trying and stayed in Mexico",
    State.RETURNED_HOME: "gave up and went home (place = home country's origin city)",
    State.EVADED: "crossed between ports and was not apprehended (place = U.S. sector)",
    State.IN_US_PROCESSING: "in U.S. custody after a port admission or an apprehension",
}

WAITING = (State.WAITING_SHELTERED, State.WAITING_UNSHELTERED)


class Transition(IntEnum):
    """Why a flow happened. Codes are stable: they are written in result files."""

    DEPART = 0
    JOIN_CARAVAN = 1
    MOVE = 2
    ARRIVE_BORDER = 3
    GET_BED = 4
    DEPORTED_BY_MEXICO = 5
    SET_OUT_AGAIN = 6
    REFUGE_IN_MEXICO = 7
    GIVE_UP = 8
    SETTLE = 9
    ADMITTED_AT_PORT = 10
    APPREHENDED = 11
    EVADED = 12
    VIOLENCE_INCIDENT = 13
    REFERRED_FOR_PROSECUTION = 14
    ASYLUM_BARRED = 15
    CROSS_BETWEEN_PORTS = 16
    REACH_BORDER_CITY = 17

    @property
    def label(self) -> str:
        """The name used in result tables."""
        return self.name.lower()


#: Transitions that are counted but change neither state nor place.
EVENTS = frozenset(
    {
        Transition.VIOLENCE_INCIDENT,
        Transition.REFERRED_FOR_PROSECUTION,
        Transition.ASYLUM_BARRED,
        Transition.CROSS_BETWEEN_PORTS,
        Transition.REACH_BORDER_CITY,
    }
)

TRANSITION_DOCS: dict[Transition, str] = {
    Transition.DEPART: "a person sets out from an origin (enters the system)",
    Transition.JOIN_CARAVAN: "a person joins a caravan on the road (enters the system)",
    Transition.MOVE: "reached the next place on the route",
    Transition.ARRIVE_BORDER: "reached the destination border city and joined a port's waitlist",
    Transition.GET_BED: "an unsheltered waiting person got a shelter bed",
    Transition.DEPORTED_BY_MEXICO: "detained in Mexico and sent home",
    Transition.SET_OUT_AGAIN: "a person deported by Mexico sets out again",
    Transition.REFUGE_IN_MEXICO: "asked for and accepted refuge or a humanitarian visa in Mexico",
    Transition.GIVE_UP: "gave up and went home (from transit or from a waitlist)",
    Transition.SETTLE: "settled in Mexico (en route or at the border)",
    Transition.ADMITTED_AT_PORT: "admitted at a port of entry under the daily quota",
    Transition.APPREHENDED: "crossed between ports and was apprehended by Border Patrol",
    Transition.EVADED: "crossed between ports and was not apprehended",
    Transition.VIOLENCE_INCIDENT: "a violent incident against a waiting person",
    Transition.REFERRED_FOR_PROSECUTION: "an apprehended adult referred for prosecution",
    Transition.ASYLUM_BARRED: "apprehended after an irregular entry while the ban is on",
    Transition.CROSS_BETWEEN_PORTS: "a person set out to cross between ports",
    Transition.REACH_BORDER_CITY: "a person reached their destination border city",
}


class Household(IntEnum):
    """Household role carried per person."""

    SINGLE_ADULT = 0
    FAMILY_ADULT = 1
    FAMILY_CHILD = 2
    UNACCOMPANIED_CHILD = 3

    @property
    def label(self) -> str:
        """The name used in scenario files and result tables."""
        return self.name.lower()

    @property
    def is_adult(self) -> bool:
        """Whether this role is an adult."""
        return self in (Household.SINGLE_ADULT, Household.FAMILY_ADULT)
