"""Background streams (a group each) and seasonality estimated from the public record."""

from __future__ import annotations

import datetime as dt
from statistics import mean

import pytest

from borderflow import data
from borderflow.results.targets import check_names
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import SeasonalityEstimate
from borderflow.scenario.seasonality import estimate_seasonality
from borderflow.scenario.write import to_toml, write_scenario

FAMILIES = "Family Unit Individuals"
FY2014_15 = (dt.date(2013, 10, 31), dt.date(2015, 9, 30))


def _value(rows: object, year: int, month: int) -> float:
    dates = rows["date"].dt  # type: ignore[index]
    chosen = rows[(dates.year == year) & (dates.month == month)]  # type: ignore[index]
    assert len(chosen) == 1
    return float(chosen["value"].iloc[0])


def _share(rows: object, fiscal_year: int, month: int) -> float:
    """12 x a month's share of its fiscal year's total, worked out from the series."""
    months = [(fiscal_year - 1, m) for m in (10, 11, 12)] + [(fiscal_year, m) for m in range(1, 10)]
    total = sum(_value(rows, y, m) for y, m in months)
    year = fiscal_year - 1 if month >= 10 else fiscal_year
    return 12 * _value(rows, year, month) / total


def test_seasonality_is_each_months_share_of_its_fiscal_year_averaged_and_led() -> None:
    rows = data.series("usbp_sw_monthly", breakdown=FAMILIES)
    got = estimate_seasonality("usbp_sw_monthly", *FY2014_15, breakdown=FAMILIES, lead_months=1)
    assert len(got) == 12
    # Departures in January take February's apprehensions (a month's lead), averaged over
    # FY2014 and FY2015; December's take January's (the same fiscal year's).
    assert got[0] == pytest.approx(mean([_share(rows, 2014, 2), _share(rows, 2015, 2)]))
    assert got[11] == pytest.approx(mean([_share(rows, 2014, 1), _share(rows, 2015, 1)]))
    # September's take October's: the start of the same fiscal year.
    assert got[8] == pytest.approx(mean([_share(rows, 2014, 10), _share(rows, 2015, 10)]))
    assert sum(got) == pytest.approx(12)


def test_only_complete_fiscal_years_count_and_the_lead_shifts_the_months() -> None:
    whole = estimate_seasonality("usbp_sw_monthly", *FY2014_15, breakdown=FAMILIES)
    ragged = estimate_seasonality(
        "usbp_sw_monthly", dt.date(2013, 7, 31), dt.date(2016, 2, 29), breakdown=FAMILIES
    )
    assert ragged == pytest.approx(whole)
    led = estimate_seasonality("usbp_sw_monthly", *FY2014_15, breakdown=FAMILIES, lead_months=2)
    assert led == pytest.approx([whole[(m + 2) % 12] for m in range(12)])


BACKGROUND = """
[background]
arrivals = "constant"
origins = { HND = "home", MEX = "south" }
destinations = { tijuana = 1.0 }
"""

ESTIMATE = (
    '{ series = "usbp_sw_monthly", breakdown = "Family Unit Individuals", '
    "from = 2013-10-31, to = 2015-09-30, lead_months = 1 }"
)

STREAMS = (
    BACKGROUND
    + f"""
[background.streams.families]
daily = {{ HND = 2.0, MEX = 1.0 }}
household = {{ family_adult = 0.45, family_child = 0.55 }}
seasonality = {ESTIMATE}
source = "made up"

[background.streams.single_adults]
daily = {{ MEX = 4.0 }}
"""
)


def test_a_series_seasonality_is_estimated_and_written_back_as_a_series(tiny, tmp_path) -> None:
    sc = tiny(STREAMS)
    bg = sc.background
    assert bg is not None and bg.group_names == ("families", "single_adults")
    families, adults = bg.groups
    assert isinstance(families.seasonality, SeasonalityEstimate)
    assert families.multipliers == estimate_seasonality(
        "usbp_sw_monthly", *FY2014_15, breakdown=FAMILIES, lead_months=1
    )
    assert adults.multipliers == (1.0,) * 12 and adults.household == {"single_adult": 1.0}
    text = to_toml(sc)
    assert 'seasonality = { series = "usbp_sw_monthly"' in text
    assert "from = 2013-10-31, to = 2015-09-30, lead_months = 1 }" in text
    again = load_scenario(write_scenario(sc, tmp_path / "again"))
    assert again == sc


def test_streams_scale_and_count_in_the_expected_people(tiny) -> None:
    sc = tiny(STREAMS)
    half = sc.scaled(0.5)
    assert half.background is not None and sc.background is not None
    for before, after in zip(sc.background.groups, half.background.groups, strict=True):
        assert after.daily == {k: v / 2 for k, v in before.daily.items()}
    january = 31  # the tiny run is January to March 2020
    families, adults = sc.background.groups
    expected = sum(
        sum(g.daily.values()) * (31 * g.season(1) + 29 * g.season(2) + 31 * g.season(3))
        for g in (families, adults)
    )
    assert january and sc.expected_people() == pytest.approx(expected)


def _problems(tiny, body: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        tiny(body)
    return [(p.where, p.message) for p in info.value.problems]


def test_daily_and_streams_together_are_refused(tiny) -> None:
    body = BACKGROUND + "daily = { HND = 1.0 }\n[background.streams.a]\ndaily = { HND = 1.0 }\n"
    [(where, message)] = _problems(tiny, body)
    assert where == "background" and "either 'daily'" in message and "not both" in message
    [(where, message)] = _problems(tiny, BACKGROUND)
    assert where == "background" and "'daily' or in 'streams'" in message


def test_a_stream_may_not_take_a_name_already_taken(tiny) -> None:
    body = BACKGROUND + "[background.streams.background]\ndaily = { HND = 1.0 }\n"
    [(where, message)] = _problems(tiny, body)
    assert where == "background.streams" and "may not be ['background']" in message
    caravan = """
[[caravan]]
name = "adults"
origin = "home"
depart = 2020-01-05
size = 10
destinations = { tijuana = 1.0 }
"""
    body = BACKGROUND + "[background.streams.adults]\ndaily = { HND = 1.0 }\n" + caravan
    [(where, message)] = _problems(tiny, body)
    assert where == "background.streams.adults" and "caravan[1]" in message


@pytest.mark.parametrize(
    ("estimate", "field"),
    [
        ('{ series = "no_such", from = 2013-10-31, to = 2015-09-30 }', "series"),
        (
            '{ series = "usbp_sw_monthly", breakdown = "Families", from = 2013-10-31, '
            "to = 2015-09-30 }",
            "breakdown",
        ),
        (
            '{ series = "usbp_sw_monthly", breakdown = "Single Adults", from = 2013-10-31, '
            "to = 2014-08-31 }",
            "from",
        ),
        ('{ series = "usbp_sw_monthly", from = 2013-10-31, to = 2015-09-30 }', "series"),
        ('{ series = "usbp_sw_fy", from = 2013-10-31, to = 2015-09-30 }', "series"),
        (
            '{ series = "usbp_sw_monthly", breakdown = "total", from = 2013-10-31, '
            "to = 2015-09-30, lead_months = 12 }",
            "lead_months",
        ),
    ],
)
def test_a_seasonality_that_cannot_be_estimated_is_an_error_naming_the_field(
    tiny, estimate: str, field: str
) -> None:
    body = (
        BACKGROUND + f"[background.streams.a]\ndaily = {{ HND = 1.0 }}\nseasonality = {estimate}\n"
    )
    [(where, message)] = _problems(tiny, body)
    assert where.startswith("background.streams.a.seasonality")
    assert field in where or message.startswith(f"{field}:"), (where, message)


def test_stream_names_are_groups_a_target_may_name(tiny) -> None:
    target = """
[[target]]
id = "families"
role = "check"
quantity = "families apprehended"
date = 2020-03-31
measure = "flow"
transitions = ["apprehended"]
groups = ["{group}"]
reported = 10
low = 5
high = 20
source = "made up"
"""
    assert check_names(tiny(STREAMS + target.format(group="families")), "here") == []
    [problem] = check_names(tiny(STREAMS + target.format(group="background")), "here")
    assert problem.where == "target[1].groups"
    assert "'families', 'single_adults'" in problem.message
