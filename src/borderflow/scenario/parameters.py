"""The model's parameters as typed attributes: ``pars.p_renege``, not ``p["p_renege"]``.

:class:`Parameters` declares every parameter the model reads, one field each, in the order
of the bundled ``parameters.csv``. The table and the class must name the same parameters:
reading the table refuses a row the class does not declare and a field without a row
(:func:`borderflow.scenario.load.read_parameter_table`), so a misspelt name fails when a
scenario is loaded, naming the file and the row, never in the middle of a run.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from borderflow.scenario.vocabulary import NATIONALITIES

if TYPE_CHECKING:
    from borderflow.scenario.schema import Scenario


@dataclass(frozen=True, slots=True)
class Parameters:
    """Every model parameter's value for one scenario (the table's, or the scenario's own).

    Prefixes say the unit: ``p_`` a probability or share (a daily one for a hazard),
    ``dur_`` a mean duration in days, ``share_`` a share; the others name theirs
    (``_km_per_day``, ``_factor``: a multiplier). Each parameter's source or reason, range
    and unit are in ``parameters.csv`` (``borderflow params`` prints them).
    """

    # Trips: speeds, rest days and rides.
    walk_km_per_day: float
    bus_km_per_day: float
    train_km_per_day: float
    p_rest_day: float
    p_take_bus: float
    p_take_train: float
    # In Mexico: detention, refuge, giving up, settling, setting out again.
    p_detain_mexico: float
    caravan_detention_factor: float
    p_refuge_mexico: float
    p_refuge_at_entry: float
    p_give_up_transit: float
    p_settle_transit: float
    p_set_out_again: float
    dur_before_setting_out_again: float
    southern_border_km: float
    # At the border: waitlists, reneging, violence.
    p_join_waitlist: float
    p_renege: float
    share_renege_cross: float
    share_renege_settle: float
    p_present_at_port: float
    p_wait_elsewhere: float
    p_miss_call: float
    p_miss_call_away: float
    p_humanitarian_visa: float
    renege_unsheltered_factor: float
    violence_renege_elasticity: float
    violence_join_elasticity: float
    ban_join_factor: float
    deterrence_elasticity: float
    wait_aversion_per_month: float
    p_violence_sheltered: float
    p_violence_unsheltered: float
    # U.S. custody, prosecution, credible fear, detention.
    dur_custody_days: float
    dur_prosecution_days: float
    p_claim_fear_apprehended: float
    p_claim_fear_mexican: float
    p_release_family: float
    # Households: how many adults a family unit travels with.
    p_family_two_adults: float
    dur_detention_days: float
    # Border Patrol holding's time limit; ICE's family residential centres.
    cbp_time_limit_days: float
    p_release_over_capacity: float
    dur_family_detention_days: float
    family_detention_limit_days: float
    # Unaccompanied children: TVPRA screening of Mexican children, HHS care.
    p_uac_mexico_returned: float
    dur_hhs_care_days: float
    # Courts: capacity, hearings, absence, lawyers, decisions.
    completions_per_judge_day: float
    p_judge_attrition: float
    case_active_days: float
    case_active_days_detained: float
    hearings_per_case: float
    p_absentia_released: float
    p_absentia_mpp: float
    p_lawyer_mpp: float
    lawyer_absentia_factor: float
    lawyer_grant_factor: float
    p_deny_hnd: float
    p_deny_gtm: float
    p_deny_slv: float
    p_deny_mex: float
    p_deny_nic: float
    p_deny_oth: float
    mpp_grant_factor: float
    p_mpp_terminated: float
    share_other_relief: float
    share_voluntary_departure: float
    # Remain in Mexico: leaving the wait, violence; the lawyers of the reference years.
    p_mpp_give_up: float
    p_mpp_settle: float
    p_mpp_cross: float
    p_violence_mpp: float
    p_lawyer_reference: float
    # Caravans: a household lingering at a stop after its wave has left.
    p_caravan_linger: float

    @classmethod
    def of(cls, scenario: Scenario) -> Parameters:
        """The scenario's parameter values (a validated scenario has every one).

        Raises:
            KeyError: for a parameter the scenario lacks (only a scenario built around
                the checks can).
        """
        values = scenario.parameters
        return cls(**{name: float(values[name].value) for name in PARAMETER_NAMES})

    def p_deny(self, nationality: str) -> float:
        """The share of asylum cases denied for ``nationality`` (a code, e.g. ``"HND"``).

        Raises:
            ValueError: for a code not in :data:`~borderflow.scenario.vocabulary.NATIONALITIES`.
        """
        if nationality not in NATIONALITIES:
            raise ValueError(
                f"unknown nationality {nationality!r}; expected one of {NATIONALITIES}"
            )
        value: float = getattr(self, f"p_deny_{nationality.lower()}")
        return value


#: Every parameter the model reads, in the order of the class.
PARAMETER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Parameters))


__all__ = ["PARAMETER_NAMES", "Parameters"]
