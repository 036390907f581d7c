"""The lever table: each lever written once; all that knows the levers is derived from it."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from borderflow.interfaces.web.requests import DASHBOARD_LEVERS, RefusedError, parse_request
from borderflow.scenario.bounds import (
    CAPACITY,
    MAX_CAPACITY,
    UNLIMITED,
    UNLIMITED_WORD,
    is_unlimited,
    shown_capacity,
)
from borderflow.scenario.levers import (
    LEVER_BOUNDS,
    LEVERS,
    PER_PLACE_LEVERS,
    SCALAR_LEVERS,
    SCALED_LEVERS,
    LeverSchedule,
    build_schedule,
    lever_rows,
    lever_table,
)
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import Levers, PerPlace, Scenario

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_scenario_model_has_a_field_per_lever_in_the_table_order() -> None:
    assert list(Levers.model_fields) == [lever.name for lever in LEVERS]
    defaults = Levers()
    for lever in LEVERS:
        value = getattr(defaults, lever.name)
        if lever.at is None:
            assert value == lever.default
            assert isinstance(value, bool) == (lever.kind == "switch")
        else:
            assert isinstance(value, PerPlace) and value.default == lever.default


def test_the_default_levers_are_written_as_before() -> None:
    # A scenario's digest (Scenario.fingerprint) is its JSON: it moves only when a lever is
    # added on purpose (the U.S. side's beds and holding, the courts' priority share, and
    # each city's violence_risk).
    assert Levers().model_dump_json(by_alias=True) == (
        '{"quota":{"default":"unlimited"},"beds":{"default":0.0},"p_apprehend":{"default":0.75},'
        '"mpp":{"default":0.0},"violence_risk":{"default":1.0},"mexico_enforcement":1.0,"mexico_southern_enforcement":1.0,'
        '"mexico_refuge_offer":1.0,'
        '"p_prosecute":0.0,"asylum_ban":false,"cbp_holding_capacity":"unlimited",'
        '"cf_interviews_per_day":"unlimited","p_credible_fear_pass":0.89,'
        '"detention_beds":"unlimited","interior_detained":0.0,"family_beds":"unlimited",'
        '"hhs_beds":13000.0,"judges":442.0,"mpp_judges":0.0,"detained_judges":0.0,'
        '"priority_share":0.0,"removals_per_day":"unlimited","p_set_out_after_removal":0.0,'
        '"p_lawyer":0.3}'
    )


def test_derived_lists_cover_every_lever_once() -> None:
    names = [lever.name for lever in LEVERS]
    assert len(set(names)) == len(names)
    assert [*PER_PLACE_LEVERS, *SCALAR_LEVERS] == [n for n in names if n in PER_PLACE_LEVERS] + [
        n for n in names if n not in PER_PLACE_LEVERS
    ]
    assert set(LEVER_BOUNDS) == set(names)
    # Scaling multiplies the capacities, and only them (probabilities and multipliers stay).
    assert {n for n, bound in LEVER_BOUNDS.items() if bound is CAPACITY} == SCALED_LEVERS


def test_the_dashboard_offers_the_levers_marked_in_the_table_in_their_order() -> None:
    assert [name for name, _, _ in DASHBOARD_LEVERS] == [
        "quota",
        "beds",
        "mexico_enforcement",
        "p_apprehend",
        "mpp",
        "mpp_judges",
        "judges",
        "detention_beds",
    ]
    assert all(kind == PER_PLACE_LEVERS.get(name) for name, _, kind in DASHBOARD_LEVERS)
    with pytest.raises(RefusedError) as info:
        parse_request({"scenario": "x", "changes": [{"lever": "p_lawyer", "value": 1}]})
    (message,) = info.value.messages
    assert "change of p_lawyer.lever" in message and "'detention_beds'" in message


def test_the_readme_lists_every_lever_as_the_table_does() -> None:
    """The README's table is :func:`lever_table`; paste its rows there after a change."""
    readme = README.read_text(encoding="utf-8").splitlines()
    assert [line for line in lever_table().splitlines() if line not in readme] == []


def test_params_lists_every_lever() -> None:
    rows = {name: (per, unit, default) for name, per, unit, default, _ in lever_rows()}
    assert list(rows) == [lever.name for lever in LEVERS]
    assert rows["quota"] == ("port of entry", "admissions a day", UNLIMITED_WORD)
    assert rows["judges"] == ("—", "judges", "442")
    assert rows["asylum_ban"][2] == "false"


def test_a_schedule_holds_every_lever_as_an_attribute(tiny: Callable[..., Scenario]) -> None:
    body = "[levers]\nquota = { san_ysidro = 40 }\n"
    sc = tiny(body + "[[policy]]\ndate = 2020-02-01\nset = { judges = 5 }\n")
    schedule = build_schedule(sc)
    for lever in LEVERS:
        shape = (sc.n_days,) if lever.at is None else (sc.n_days, len(sc.places))
        assert getattr(schedule, lever.name).shape == shape
    assert schedule.asylum_ban.dtype == bool
    assert schedule.quota[0, [p.id for p in sc.places].index("san_ysidro")] == 40
    assert schedule.detention_beds.max() == UNLIMITED
    assert schedule.judges[sc.day_of(sc.policies[0].date)] == 5
    assert schedule.changed == {sc.day_of(sc.policies[0].date): {"judges"}}
    with pytest.raises(AttributeError):
        schedule.quota = np.zeros(1)
    with pytest.raises(ValueError, match="every lever"):
        LeverSchedule({"quota": np.zeros(1)}, {})


def test_a_scenario_with_its_generated_levers_survives_pickling() -> None:
    sc = load_scenario("caravan-2018-fall")
    again = pickle.loads(pickle.dumps(sc))
    assert again == sc and again.fingerprint() == sc.fingerprint()


@pytest.mark.parametrize(
    ("value", "unlimited", "shown"),
    [
        (math.inf, True, UNLIMITED_WORD),
        (float(UNLIMITED), True, UNLIMITED_WORD),
        (MAX_CAPACITY, False, "1,000,000,000"),  # the largest finite capacity is a number
        (40.0, False, "40"),
        (0.5, False, "0.5"),
    ],
)
def test_unlimited_is_one_value_shown_one_way(value: float, unlimited: bool, shown: str) -> None:
    assert is_unlimited(value) is unlimited
    assert shown_capacity(value) == shown
