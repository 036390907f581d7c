"""The headline indicators are defined once, and "inside" means one thing everywhere.

The command line, the report and the dashboard take their indicators' labels and formats
from one table (``results/indicators.py``), and count a target as inside when the
simulated value (a run's, or the median of an ensemble's runs) lies in the reported
range (``results/targets.inside``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from borderflow.engine.run import run as run_engine
from borderflow.interfaces import api
from borderflow.interfaces.cli import app
from borderflow.interfaces.cli.common import console
from borderflow.interfaces.cli.show import show_targets
from borderflow.interfaces.web.jobs import INDICATORS as DASHBOARD
from borderflow.interfaces.web.jobs import indicators as dashboard_values
from borderflow.report import target_figures as target_figs
from borderflow.report.html import report_input
from borderflow.results.indicators import (
    INDICATORS,
    PLACE,
    flatten,
    formatted,
    has_us_side,
    key_indicators,
    shown,
    significant,
    target_format,
)
from borderflow.results.results import Results
from borderflow.results.targets import inside, inside_count
from conftest import single_port_body

#: A role's count as the command prints it, as the targets figure's title gives it, and
#: as the report's heading of the role says it.
PRINTED = re.compile(r"^(Checks|Fits) \(.*?\): (\d+) of (\d+) inside", re.MULTILINE)
SCORED = re.compile(r"(checks|fits): (\d+) of (\d+) inside")
HEADED = re.compile(r"(Checks|Fits) — [^:<]*: (\d+) of (\d+) inside")


def test_each_indicator_is_written_once() -> None:
    names = [i.name for i in INDICATORS]
    paths = [i.path for i in INDICATORS if i.path is not None]
    assert len(set(names)) == len(names) and all("." not in n for n in names)
    assert len(set(paths)) == len(paths)
    assert len({i.label for i in INDICATORS}) == len(INDICATORS)
    for i in INDICATORS:
        assert (i.path is None) != (i.compute is None), i.name
        assert (PLACE in i.label) == (i.path is not None and PLACE in i.path), i.name
        assert i.views, i.name


def test_every_path_is_in_a_runs_summary() -> None:
    res = api.run(api.load_scenario("remain-in-mexico-2019").scaled(0.02), 1)
    flat = flatten(res.summary_dict)
    for i in INDICATORS:
        if i.pattern is not None:
            assert any(i.pattern.match(name) for name in flat), i.path


def test_the_dashboard_reads_the_same_table(tiny) -> None:
    assert DASHBOARD == tuple((i.name, i.label) for i in shown("dashboard"))
    res = Results(run_engine(tiny(single_port_body()), 1))
    values = dashboard_values(res)
    assert list(values) == [key for key, _ in DASHBOARD]
    summary = res.summary_dict
    assert values["people_entered"] == summary["people_entered"]
    assert values["court_backlog_final"] == summary["us_processing"]["court_backlog_final"]
    assert values["waitlist_peak"] == sum(summary["waitlist_peak_per_port"].values())


def test_labels_are_the_same_wherever_shown() -> None:
    # One label per indicator: the run's table and the report's name it alike.
    names = ["people_entered", "us_processing.in_custody_peak", "arrivals_per_border_city.x"]
    run = dict(key_indicators(names, {"x": "Tijuana"}, "run"))
    report = dict(key_indicators(names, {"x": "Tijuana"}, "report"))
    assert run == report
    assert run["people_entered"] == "people who set out"
    assert run["us_processing.in_custody_peak"] == "in U.S. custody (peak)"
    assert run["arrivals_per_border_city.x"] == "arrivals at Tijuana"


def test_flatten_gives_dotted_numeric_leaves_without_the_seed() -> None:
    summary = {"seed": 3, "a": 1, "b": {"c": 2.5, "d": {"e": 4}}, "s": "x", "t": True, "f": {}}
    assert flatten(summary) == {"a": 1.0, "b.c": 2.5, "b.d.e": 4.0}


def test_the_us_side_is_one_question(tiny) -> None:
    assert not has_us_side({"people_entered": 10.0, "us_processing.mpp_returned": 0.0})
    assert has_us_side({"us_processing.court_backlog_peak": 3.0})
    res = Results(run_engine(tiny(single_port_body()), 1))
    assert has_us_side(flatten(res.summary_dict)) == (
        res.summary_dict["us_processing"]["court_backlog_peak"] > 0
    )


@pytest.mark.parametrize("value", [0.44, 0.029, 0.0012, 3.5e-6, -0.004, 0.5, 0.05])
def test_a_rate_is_never_printed_as_zero(value: float) -> None:
    text = formatted(value, "rate")
    assert float(text.replace(",", "")) != 0
    assert math.isclose(float(text.replace(",", "")), value, rel_tol=0.01)


def test_numbers_are_written_by_their_format() -> None:
    assert formatted(1234.0) == "1,234" and formatted(None) == "–" and formatted(math.nan) == "–"
    assert formatted(12.34, "days") == "12.3"
    assert significant(0.0) == "0" and significant(1234.5) == "1,234"
    assert target_format("flow_per_person") == target_format("flow_per_day") == "rate"
    assert target_format("share") == "rate"  # 0.35 is not "0"
    assert target_format("stock") == "count"


def test_a_rate_target_is_printed_with_its_digits() -> None:
    targets = pd.DataFrame(
        {
            "key": ["F42"],
            "id": ["F42"],
            "role": ["check"],
            "fitted": [""],
            "quantity": ["violence incidents per returnee"],
            "date": ["2019-09-30"],
            "measure": ["flow_per_person"],
            "simulated": [0.446],
            "reported": [0.44],
            "low": [0.29],
            "high": [0.6],
            "inside": [True],
            "error": [0.446 / 0.44 - 1],
            "source": ["F42"],
        }
    )
    with console.capture() as out:
        show_targets(SimpleNamespace(targets=targets))  # type: ignore[arg-type]
    text = out.get()
    assert "0.446" in text and "0.44" in text and "0.29–0.6" in text
    assert "Checks (used for nothing but this comparison): 1 of 1 inside" in text


def test_inside_is_the_value_in_the_reported_range() -> None:
    assert inside(5.0, 1.0, 10.0) and not inside(11.0, 1.0, 10.0)
    assert not inside(math.nan, 1.0, 10.0)
    col = inside(pd.Series([0.5, 5.0, 10.0, math.nan]), 1.0, 10.0)
    assert col.tolist() == [False, True, True, False]
    assert inside_count(col) == "2 of 4 inside"


def test_the_ensemble_command_and_its_report_count_the_same_targets_inside(
    tmp_path: Path,
) -> None:
    # With few runs the 5–95% band is narrow, so "the reported value in the band" and
    # "the median in the reported range" disagree: only the second is "inside".
    out = tmp_path / "ens"
    args = ["ensemble", "caravan-2018-spring", "--runs", "3", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # Each role is counted on its own, checks first, the same on every surface.
    printed = PRINTED.findall(result.output)
    assert [role for role, *_ in printed] == ["Checks", "Fits"]
    targets = report_input(out).targets
    counted = [
        (str(int(targets.loc[targets["role"] == role, "inside"].sum())), str(n))
        for role, n in targets["role"].value_counts().reindex(["check", "fit"]).items()
    ]
    assert [tuple(n) for _, *n in printed] == counted
    title = target_figs.targets_figure(targets).layout.title.text
    assert [tuple(n) for _, *n in SCORED.findall(title)] == counted
    text = (out / "report.html").read_text()
    assert [tuple(n) for _, *n in HEADED.findall(text)] == counted
    # never one count over fits and checks together
    merged = re.compile(rf"\b\d+ of {len(targets)} inside")
    for surface in (result.output, title, text):
        assert not merged.search(surface)
    assert "people who set out" in result.output
