"""The states a person can be in and the transitions between them.

Every person is in exactly one :class:`State` on every day. A :class:`Transition`
names why a person changed state or place; *events* (``violence_incident``,
``referred_for_prosecution``, ``asylum_barred``) are counted in the flow table
but leave the person where they were.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

import numpy as np

#: Nationalities a person can have (ISO 3166 alpha-3; OTH for every other).
NATIONALITIES: tuple[str, ...] = ("HND", "GTM", "SLV", "NIC", "MEX", "OTH")
#: Household roles, in the order of :class:`Household`'s codes.
HOUSEHOLD_ROLES: tuple[str, ...] = (
    "single_adult",
    "family_adult",
    "family_child",
    "unaccompanied_child",
)
#: Kinds of household, as its lead's role makes it: a family whatever member leads it.
HOUSEHOLD_KINDS: tuple[str, ...] = ("single_adult", "family", "unaccompanied_child")
#: The kind (an index into :data:`HOUSEHOLD_KINDS`) of a household led by each role.
HOUSEHOLD_KIND_OF_ROLE: tuple[int, ...] = (0, 1, 1, 2)
PLACE_KINDS: tuple[str, ...] = ("origin", "town", "border_city", "port_of_entry", "us_sector")
MODES: tuple[str, ...] = ("walk", "bus", "train")

__all__ = [
    "HOUSEHOLD_KINDS",
    "HOUSEHOLD_KIND_OF_ROLE",
    "HOUSEHOLD_ROLES",
    "NATIONALITIES",
    "OUTSIDE",
    "Household",
    "State",
    "Transition",
    "state_table",
    "transition_table",
]


class Coded(IntEnum):
    """A code written in result files, with its label: the lower-case name."""

    @property
    def label(self) -> str:
        """The name used in scenario files and result tables."""
        return self.name.lower()


class State(Coded):
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
    IN_CUSTODY = 8
    PROSECUTION = 9
    AWAITING_CREDIBLE_FEAR = 10
    DETAINED = 11
    RELEASED_PENDING_HEARING = 12
    MPP_WAITING = 13
    AWAITING_REMOVAL = 14
    REMOVED = 15
    ASYLUM_GRANTED = 16
    OTHER_RELIEF = 17
    ORDERED_REMOVED_IN_ABSENTIA = 18
    VOLUNTARY_DEPARTURE = 19
    HHS_CUSTODY = 20
    FAMILY_DETENTION = 21
    WAITING_AWAY = 22


#: A pseudo-state for the source of people entering the system (departures).
OUTSIDE = -1

STATE_DOCS: dict[State, str] = {
    State.TRANSIT: "travelling on the route network (place = last place reached)",
    State.WAITING_SHELTERED: "on a port's waitlist, with a shelter bed (place = the port)",
    State.WAITING_UNSHELTERED: "on a port's waitlist, without a bed (place = the port)",
    State.DEPORTED_BY_MEXICO: "detained and sent home by Mexico; some set out again later",
    State.REFUGE_IN_MEXICO: "accepted refugee status or a humanitarian visa in Mexico",
    State.SETTLED_IN_MEXICO: "stopped trying and stayed in Mexico",
    State.RETURNED_HOME: (
        "gave up and went home, or a Mexican child returned at the border "
        "(place = home country's origin city)"
    ),
    State.EVADED: "crossed between ports and was not apprehended (place = U.S. sector)",
    State.IN_CUSTODY: "in CBP custody after a port admission or an apprehension, being processed",
    State.PROSECUTION: "held for prosecution for illegal entry",
    State.AWAITING_CREDIBLE_FEAR: "held until an asylum officer's credible-fear interview",
    State.DETAINED: "in ICE detention with a notice to appear, until release",
    State.RELEASED_PENDING_HEARING: "released in the U.S. (parole, bond) with a court case",
    State.MPP_WAITING: "returned to a Mexican border city to await hearings (place = the city)",
    State.AWAITING_REMOVAL: "ordered removed (expedited or by a judge), waiting to be removed",
    State.REMOVED: "removed to the home country",
    State.ASYLUM_GRANTED: "granted asylum by an immigration judge",
    State.OTHER_RELIEF: "granted another form of relief (withholding, cancellation…)",
    State.ORDERED_REMOVED_IN_ABSENTIA: "ordered removed after missing a hearing; not removed",
    State.VOLUNTARY_DEPARTURE: "granted voluntary departure and left",
    State.HHS_CUSTODY: "an unaccompanied child in HHS (ORR) care until released to a sponsor",
    State.FAMILY_DETENTION: (
        "a family member who claimed fear, held in an ICE family residential centre until "
        "released with a notice to appear (at most family_detention_limit_days)"
    ),
    State.WAITING_AWAY: (
        "holds a number on a port's waitlist but waits away from the border city (another "
        "town, a rented room), with no shelter bed and out of its streets (place = the port)"
    ),
}

#: People with a pending court case who can attend its hearings.
AWAITING_HEARING = (State.DETAINED, State.RELEASED_PENDING_HEARING, State.MPP_WAITING)

WAITING = (State.WAITING_SHELTERED, State.WAITING_UNSHELTERED, State.WAITING_AWAY)

# The stages compare and write codes as plain ints (``int(State.DETAINED)`` kept at module
# level): NumPy takes a slower path for an IntEnum member than for an int, a few
# microseconds a call, which adds up over a run's days.


def code_table(codes: tuple[int, ...] | list[int]) -> np.ndarray:
    """A lookup table for :func:`is_in`: ``table[c]`` is whether small code ``c`` is listed."""
    table = np.zeros(256, bool)
    table[np.asarray(codes, np.int64) % 256] = True
    return table


def is_in(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``np.isin(values, codes)`` for int8 codes, by one table lookup instead of a sort."""
    return table[values.view(np.uint8)]


IS_WAITING = code_table(WAITING)
IS_AWAITING_HEARING = code_table(AWAITING_HEARING)


class Transition(Coded):
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
    HELD_FOR_PROSECUTION = 18
    BACK_TO_CUSTODY = 19
    RETURNED_TO_MEXICO = 20
    TO_CREDIBLE_FEAR = 21
    CREDIBLE_FEAR_PASSED = 22
    CREDIBLE_FEAR_FAILED = 23
    EXPEDITED_REMOVAL = 24
    DETAINED = 25
    RELEASED = 26
    RELEASED_NO_BED = 27
    CASE_FILED = 28
    ASYLUM_GRANTED = 29
    OTHER_RELIEF = 30
    REMOVAL_ORDERED = 31
    REMOVED_IN_ABSENTIA = 32
    VOLUNTARY_DEPARTURE = 33
    REMOVED = 34
    HEARING = 35
    TRANSFERRED_TO_HHS = 36
    RELEASED_TO_SPONSOR = 37
    CHILD_RETURNED_TO_MEXICO = 38
    WAITING_FOR_HHS_BED = 39
    CASE_TERMINATED = 40
    RELEASED_FROM_HOLDING = 41
    HELD_PAST_TIME_LIMIT = 42
    HELD_OVER_CAPACITY = 43
    NUMBER_MISSED = 44
    PRESENTED_AT_PORT = 45
    HUMANITARIAN_VISA = 46


#: Transitions that are counted but change neither state nor place.
EVENTS = frozenset(
    {
        Transition.VIOLENCE_INCIDENT,
        Transition.REFERRED_FOR_PROSECUTION,
        Transition.ASYLUM_BARRED,
        Transition.CROSS_BETWEEN_PORTS,
        Transition.REACH_BORDER_CITY,
        Transition.CREDIBLE_FEAR_PASSED,
        Transition.CASE_FILED,
        Transition.HEARING,
        Transition.WAITING_FOR_HHS_BED,
        Transition.CASE_TERMINATED,
        Transition.HELD_PAST_TIME_LIMIT,
        Transition.HELD_OVER_CAPACITY,
        Transition.NUMBER_MISSED,
        Transition.HUMANITARIAN_VISA,
    }
)

TRANSITION_DOCS: dict[Transition, str] = {
    Transition.DEPART: "a person sets out from an origin (enters the system)",
    Transition.JOIN_CARAVAN: "a person joins a caravan on the road (enters the system)",
    Transition.MOVE: "reached the next place on the route",
    Transition.ARRIVE_BORDER: "reached the destination border city and joined a port's waitlist",
    Transition.GET_BED: "an unsheltered waiting person got a shelter bed",
    Transition.DEPORTED_BY_MEXICO: "detained in Mexico and sent home",
    Transition.SET_OUT_AGAIN: "a person deported by Mexico or removed by the U.S. sets out again",
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
    Transition.HELD_FOR_PROSECUTION: "an adult referred for prosecution is held for it",
    Transition.BACK_TO_CUSTODY: "back in custody after prosecution",
    Transition.RETURNED_TO_MEXICO: "returned to a Mexican border city under MPP",
    Transition.TO_CREDIBLE_FEAR: "claimed fear: held for a credible-fear interview",
    Transition.CREDIBLE_FEAR_PASSED: "an asylum officer found a credible fear",
    Transition.CREDIBLE_FEAR_FAILED: "no credible fear found: ordered removed",
    Transition.EXPEDITED_REMOVAL: "no fear claim: ordered removed without a hearing",
    Transition.DETAINED: "a person with a notice to appear took a detention bed",
    Transition.RELEASED: "released from detention at the end of the stay",
    Transition.RELEASED_NO_BED: "released with a notice to appear because no bed was free",
    Transition.CASE_FILED: "a notice to appear opened a court case",
    Transition.ASYLUM_GRANTED: "an immigration judge granted asylum",
    Transition.OTHER_RELIEF: "an immigration judge granted other relief",
    Transition.REMOVAL_ORDERED: "an immigration judge ordered removal on the merits",
    Transition.REMOVED_IN_ABSENTIA: "ordered removed after missing a hearing",
    Transition.VOLUNTARY_DEPARTURE: "granted voluntary departure",
    Transition.REMOVED: "removed to the home country (removal capacity permitting)",
    Transition.HEARING: "hearings held in decided cases (counted at the decision)",
    Transition.TRANSFERRED_TO_HHS: "an unaccompanied child moved from CBP custody to an HHS bed",
    Transition.RELEASED_TO_SPONSOR: "an unaccompanied child released to a sponsor, with a case",
    Transition.CHILD_RETURNED_TO_MEXICO: (
        "an unaccompanied Mexican child screened and returned home at once (voluntary return)"
    ),
    Transition.WAITING_FOR_HHS_BED: (
        "an unaccompanied child held in CBP custody a day waiting for an HHS bed (a child-day)"
    ),
    Transition.CASE_TERMINATED: (
        "an immigration judge terminated an MPP case without a removal order; the person "
        "stays where they are, with no case"
    ),
    Transition.RELEASED_FROM_HOLDING: (
        "a family released by Border Patrol straight from its holding with a notice to appear: "
        "the holding was over capacity, or no family residential centre bed was free"
    ),
    Transition.HELD_PAST_TIME_LIMIT: (
        "a person held a day in Border Patrol holding past its 72-hour time limit (a person-day)"
    ),
    Transition.HELD_OVER_CAPACITY: (
        "a person held a day in Border Patrol holding above its capacity (a person-day)"
    ),
    Transition.NUMBER_MISSED: (
        "a waiting person was not there when their number was called: they lost their place "
        "and signed up again at the end of the list"
    ),
    Transition.PRESENTED_AT_PORT: (
        "presented at a port without a place on a list (an inadmissible who is not held to "
        "metering): into CBP custody the same day"
    ),
    Transition.HUMANITARIAN_VISA: (
        "a person waiting on a port's list took a Mexican humanitarian visa (leave to stay "
        "and work in Mexico) and kept their place on the list"
    ),
}


def state_table() -> str:
    """The states as a Markdown table (the README's, checked against this by the tests)."""
    rows = [f"| `{s.label}` | {STATE_DOCS[s]} |" for s in State]
    return "\n".join(["| state | meaning |", "|---|---|", *rows])


def transition_table() -> str:
    """The transitions and events as a Markdown table, in code order, each with its kind."""
    rows = [
        f"| `{t.label}` | {'event' if t in EVENTS else 'transition'} | {TRANSITION_DOCS[t]} |"
        for t in Transition
    ]
    return "\n".join(["| transition | kind | meaning |", "|---|---|---|", *rows])


class Household(Coded):
    """Household role carried per person."""

    SINGLE_ADULT = 0
    FAMILY_ADULT = 1
    FAMILY_CHILD = 2
    UNACCOMPANIED_CHILD = 3


class WaitOutcome(Coded):
    """How a wait on a port's list ended: the ``outcome`` code of the waits table."""

    ADMITTED = 0
    LEFT_LIST = 1


class DocketKind(Coded):
    """An immigration-court docket: the ``docket`` code of the decisions and courts tables."""

    REGULAR = 0
    MPP = 1
    DETAINED = 2


#: Labels of the wait outcomes and dockets, by code (the categories of their columns).
WAIT_OUTCOMES: tuple[str, ...] = tuple(o.label for o in WaitOutcome)
DOCKETS: tuple[str, ...] = tuple(d.label for d in DocketKind)


class CourtOutcome(Coded):
    """How a court case ended, or that hearings began: the ``outcome`` of the decisions table."""

    ASYLUM_GRANTED = 0
    OTHER_RELIEF = 1
    REMOVAL_ORDERED = 2
    REMOVED_IN_ABSENTIA = 3
    VOLUNTARY_DEPARTURE = 4
    HEARINGS_BEGAN = 5
    BACKLOG_DECIDED = 6
    TERMINATED = 7


#: Labels of the court outcomes, by code (the categories of the decisions table's column).
COURT_OUTCOMES: tuple[str, ...] = tuple(o.label for o in CourtOutcome)


class Event(IntEnum):
    """Kinds of personal events kept on the agendas (``people.next_kind``)."""

    ARRIVE = 1
    DETAIN = 2
    REFUGE = 3
    GIVE_UP = 4
    SETTLE = 5
    RENEGE = 6
    SET_OUT_AGAIN = 7
    CUSTODY_DONE = 8
    PROSECUTION_DONE = 9
    RELEASE = 10
    MPP_GIVE_UP = 11
    MPP_SETTLE = 12
    MPP_CROSS = 13
    HHS_RELEASE = 14
    VISA = 15


#: The hazards of the road, in the order of their rate rows.
TRANSIT_HAZARDS = (Event.DETAIN, Event.REFUGE, Event.GIVE_UP, Event.SETTLE)
#: The hazards of waiting in Mexico under MPP, in the order of their rates.
MPP_HAZARDS = (Event.MPP_GIVE_UP, Event.MPP_SETTLE, Event.MPP_CROSS)


class Flag(IntFlag):
    """Facts about a person's path, one bit each of ``people.flags`` (a result column)."""

    IRREGULAR_ENTRY = 1
    ASYLUM_BARRED = 2
    PROSECUTED = 4
    PROSECUTION_DONE = 8
    LAWYER = 16
    MPP = 32
    HAS_CASE = 64
    DETAINED_DOCKET = 128


#: The code of Mexican nationality: Mexico neither deports its own nor offers them refuge.
MEXICAN = NATIONALITIES.index("MEX")

# The flags as uint8, for writes into ``people.flags``: NumPy takes an IntFlag member
# for an int64 and refuses to cast the result back in place.
FLAG_IRREGULAR_ENTRY = np.uint8(Flag.IRREGULAR_ENTRY)
FLAG_ASYLUM_BARRED = np.uint8(Flag.ASYLUM_BARRED)
FLAG_PROSECUTED = np.uint8(Flag.PROSECUTED)
FLAG_PROSECUTION_DONE = np.uint8(Flag.PROSECUTION_DONE)
FLAG_LAWYER = np.uint8(Flag.LAWYER)
FLAG_MPP = np.uint8(Flag.MPP)
FLAG_HAS_CASE = np.uint8(Flag.HAS_CASE)
FLAG_DETAINED_DOCKET = np.uint8(Flag.DETAINED_DOCKET)
