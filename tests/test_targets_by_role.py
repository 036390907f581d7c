"""Targets: every one a fit or a check, points or series of the public record, counted apart.

A tiny world runs from 1 January to 31 March 2019; people appear at Tijuana and queue at
San Ysidro, whose port admits a fixed number a day, so the admissions of each month are
known exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow import data
from borderflow.engine.run import run as run_engine
from borderflow.interfaces.cli import app
from borderflow.results.results import Results
from borderflow.results.targets import role_scores, scoreline, series_errors
from borderflow.scenario.errors import ScenarioError
from conftest import head_for, write_scenario

HEAD = head_for(90, dt.date(2019, 1, 1))

#: Everyone queues at once; the port admits 30 a day: admissions are 30 × days in a month.
BODY = """
[levers]
quota = { default = 30 }
beds = { default = 0 }

[parameters]
p_join_waitlist = { value = 1.0, low = 1.0, high = 1.0, reason = "everyone queues" }
p_renege = { value = 0.0, low = 0.0, high = 0.1, reason = "nobody leaves the list" }

[background]
daily = { OTH = 100 }
origins = { OTH = "tijuana" }
destinations = { tijuana = 1.0 }
arrivals = "constant"
"""

#: Monthly admissions as a check against a real series (its level does not matter here).
SERIES_CHECK = """
[[target]]
id = "monthly"
role = "check"
quantity = "admissions by month, against Border Patrol's monthly apprehensions"
measure = "flow"
transitions = ["admitted_at_port"]
series = { name = "usbp_sw_monthly", breakdown = "total", from = 2019-01-31, to = 2019-03-31 }
tolerance = 0.2
source = "usbp_sw_monthly"
"""

#: A point target whose figure set the quota.
POINT_FIT = """
[[target]]
id = "per-day"
role = "fit"
fitted = "quota (30 a day)"
quantity = "admissions a day in February"
date = 2019-02-28
date_from = 2019-02-01
measure = "flow_per_day"
transitions = ["admitted_at_port"]
reported = 30
low = 27
high = 33
source = "made up"
"""


def scenario(tmp_path: Path, targets: str):
    from borderflow.scenario.load import load_scenario

    return load_scenario(write_scenario(tmp_path, BODY + targets, head=HEAD))


def problems(tmp_path: Path, targets: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario(tmp_path, targets)
    return str(caught.value)


def test_a_series_target_is_one_figure_a_row_of_the_series(tmp_path: Path) -> None:
    sc = scenario(tmp_path, SERIES_CHECK)
    (target,) = sc.targets
    record = data.series("usbp_sw_monthly", breakdown="total").set_index("date")["value"]
    assert [p.key for p in target.points] == [
        "monthly@2019-01-31",
        "monthly@2019-02-28",
        "monthly@2019-03-31",
    ]
    february = target.points[1]
    assert february.date_from == dt.date(2019, 2, 1)
    assert february.reported == record["2019-02-28"]
    assert (february.low, february.high) == pytest.approx(
        (0.8 * february.reported, 1.2 * february.reported)
    )


def test_a_scaled_scenario_scales_a_series_counts_but_not_its_shares(tmp_path: Path) -> None:
    sc = scenario(tmp_path, SERIES_CHECK)
    small = sc.scaled(0.1)
    (before,), (after,) = sc.targets, small.targets
    assert [p.reported * 0.1 for p in before.points] == pytest.approx(
        [p.reported for p in after.points]
    )
    share = SERIES_CHECK.replace('measure = "flow"', 'measure = "share"\ngroups = ["background"]')
    shares = scenario(tmp_path / "share", share)
    assert shares.scaled(0.1).targets[0].points == shares.targets[0].points


def test_a_series_target_is_written_back_as_a_series(tmp_path: Path) -> None:
    from borderflow.scenario.load import load_scenario
    from borderflow.scenario.write import write_scenario as write_back

    sc = scenario(tmp_path, SERIES_CHECK + POINT_FIT).scaled(0.5)
    again = load_scenario(write_back(sc, tmp_path / "again"))
    assert again.targets == sc.targets and again.fingerprint() == sc.fingerprint()
    assert 'series = { name = "usbp_sw_monthly"' in (tmp_path / "again/scenario.toml").read_text()


def test_each_row_compares_the_flow_within_its_month(tmp_path: Path) -> None:
    sc = scenario(tmp_path, SERIES_CHECK + POINT_FIT)
    table = Results(run_engine(sc, 1)).targets
    monthly = table[table["id"] == "monthly"].set_index("key")
    # The list never empties (100 arrive a day, 30 leave), so the port admits 30 every day.
    assert monthly["simulated"].tolist() == [31 * 30, 28 * 30, 31 * 30]
    assert monthly["role"].unique().tolist() == ["check"]
    per_day = table.set_index("key").loc["per-day"]
    assert per_day["simulated"] == 30 and per_day["inside"] and per_day["role"] == "fit"
    assert per_day["fitted"] == "quota (30 a day)"
    reported = monthly["reported"].to_numpy()
    np.testing.assert_allclose(monthly["error"], (monthly["simulated"] - reported) / reported)


def test_fit_and_check_are_counted_apart_never_merged(tmp_path: Path) -> None:
    sc = scenario(tmp_path, SERIES_CHECK + POINT_FIT)
    res = Results(run_engine(sc, 1))
    scores = role_scores(res.targets)
    assert (scores["fit"].inside, scores["fit"].figures) == (1, 1)
    assert (scores["check"].inside, scores["check"].figures) == (0, 3)
    line = scoreline(res.targets)
    assert line.startswith("checks: 0 of 3 inside, median error") and "fits: 1 of 1" in line
    assert res.summary_dict["targets"]["fit"] == {"inside": 1, "figures": 1, "median_error": 0.0}
    assert res.summary_dict["targets"]["check"]["figures"] == 3


def test_series_errors_are_the_median_absolute_and_the_mean_signed_error() -> None:
    table = pd.DataFrame(
        {
            "id": ["s", "s", "s", "p"],
            "role": ["check", "check", "check", "fit"],
            "quantity": ["q"] * 4,
            "simulated": [110.0, 80.0, 100.0, 5.0],
            "reported": [100.0, 100.0, 100.0, 0.0],
            "low": [90.0, 90.0, 90.0, 0.0],
            "high": [110.0, 110.0, 110.0, 1.0],
        }
    )
    errors = series_errors(table).set_index("id")
    assert errors.loc["s", "figures"] == 3 and errors.loc["s", "inside"] == 2
    assert errors.loc["s", "median_error"] == pytest.approx(0.1)
    assert errors.loc["s", "bias"] == pytest.approx((0.1 - 0.2 + 0.0) / 3)
    # Nothing reported: no relative error, but the figure is still counted (outside).
    assert np.isnan(errors.loc["p", "median_error"]) and errors.loc["p", "inside"] == 0


def test_a_share_is_the_groups_flow_over_every_groups(tmp_path: Path) -> None:
    body = (
        BODY
        + """
[[caravan]]
name = "small"
origin = "tijuana"
depart = 2019-01-01
size = 300
destinations = { tijuana = 1.0 }
nationality = { HND = 1.0 }
p_join_waitlist = 1.0

[[target]]
id = "share"
role = "check"
quantity = "the caravan's share of the people reaching Tijuana on the first day"
date = 2019-01-01
date_from = 2019-01-01
measure = "share"
transitions = ["reach_border_city"]
groups = ["small"]
reported = 0.75
low = 0.7
high = 0.8
source = "made up"
"""
    )
    from borderflow.scenario.load import load_scenario

    sc = load_scenario(write_scenario(tmp_path, body, head=HEAD))
    res = Results(run_engine(sc, 1))
    flows = res.flows
    first = flows[(flows["date"] == "2019-01-01") & (flows["transition"] == "reach_border_city")]
    expected = first.loc[first["group"] == "small", "n"].sum() / first["n"].sum()
    # 300 caravan members and the day's 100 background arrivals.
    assert expected == 300 / 400
    assert res.targets.set_index("id").loc["share", "simulated"] == expected


def test_every_target_needs_a_role(tmp_path: Path) -> None:
    text = POINT_FIT.replace('role = "fit"\nfitted = "quota (30 a day)"\n', "")
    assert "target[1].role: missing required field" in problems(tmp_path, text)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('fitted = "quota (30 a day)"\n', "", "a fit target must say what its figure set"),
        ('role = "fit"', 'role = "check"', "a check target fits nothing"),
        ('role = "fit"', 'held_out = true\nrole = "fit"', "'held_out' is now 'role'"),
        ("reported = 30\n", "", "a target needs 'reported'"),
        ("low = 27\n", "tolerance = 0.1\nlow = 27\n", "'tolerance' is for series targets"),
    ],
)
def test_a_point_target_says_what_is_wrong(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert message in problems(tmp_path, POINT_FIT.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("tolerance = 0.2\n", "", "a series target needs 'tolerance'"),
        ("tolerance = 0.2\n", "tolerance = 0.2\nreported = 5\n", "remove 'reported'"),
        ('name = "usbp_sw_monthly"', 'name = "usbp_monthly"', "no series 'usbp_monthly'"),
        ('breakdown = "total"', 'breakdown = "Families"', "Family Unit Individuals"),
        ("from = 2019-01-31", "from = 2020-01-31", "is before 'from'"),
        ("to = 2019-03-31", "to = 2019-05-31", "target[1].series: must lie within the run"),
        ("from = 2019-01-31", "from = 2018-12-31", "target[1].series: must lie within the run"),
    ],
)
def test_a_series_target_says_what_is_wrong(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    found = problems(tmp_path, SERIES_CHECK.replace(old, new, 1))
    assert message in found and "scenario.toml" in found, found


def test_a_row_whose_month_begins_before_the_run_is_refused(tmp_path: Path) -> None:
    from borderflow.scenario.load import load_scenario

    late_start = head_for(75, dt.date(2019, 1, 15))
    with pytest.raises(ScenarioError, match="covers a month from 2019-01-01, before the run"):
        load_scenario(write_scenario(tmp_path, BODY + SERIES_CHECK, head=late_start))


def test_the_cli_prints_checks_and_fits_in_tables_of_their_own(tmp_path: Path) -> None:
    path = write_scenario(tmp_path / "sc", BODY + SERIES_CHECK + POINT_FIT, head=HEAD)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Checks (used for nothing but this comparison): 0 of 3 inside" in result.output
    assert "Fits (their figures set or fitted the scenario" in result.output
    assert "1 of 1 inside" in result.output and "4 inside" not in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["targets"]) == {"fit", "check"} and "targets_inside" not in summary
    written = pd.read_csv(out / "targets.csv")
    assert written["key"].tolist() == [
        "monthly@2019-01-31",
        "monthly@2019-02-28",
        "monthly@2019-03-31",
        "per-day",
    ]


PENDING = """
[[target]]
id = "pending"
role = "check"
quantity = "cases pending at the end of February on the regular docket"
date = 2019-02-28
measure = "pending_cases"
dockets = ["regular"]
reported = 100
low = 90
high = 110
source = "made up"

[[target]]
id = "median"
role = "check"
quantity = "median days to a decision"
date = 2019-02-28
measure = "median_days_to_decision"
reported = 100
low = 90
high = 110
source = "made up"
"""


def test_pending_cases_are_a_dockets_backlog_at_the_date(tmp_path: Path) -> None:
    from borderflow.results.targets import simulated_values

    sc = scenario(tmp_path, PENDING)
    days = pd.to_datetime(["2019-02-27", "2019-02-28", "2019-02-28"])
    courts = pd.DataFrame(
        {"date": days, "docket": ["regular", "regular", "mpp"], "backlog": [7, 40, 5]}
    )
    empty = pd.DataFrame(columns=["date", "state", "place", "group", "n"])
    assert simulated_values(sc.targets[0], empty, empty, sc, None, courts) == [40.0]
    # A scaled scenario scales the count, never the days.
    small = sc.scaled(0.1)
    assert small.targets[0].points[0].reported == pytest.approx(10)
    assert small.targets[1].points[0].reported == 100
