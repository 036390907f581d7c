"""The report's section on Mexico's enforcement: detentions by month against INM's.

The figure is drawn from a small hand-made monthly table; then the national scenario's
report shows the section with its figure and table (also rebuilt from a folder written
before the table existed), and a run where Mexico detains nobody says so instead.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

import borderflow
from borderflow.report.html import FIGURES, SECTIONS, build_report, write_report
from borderflow.report.mexico_section import (
    FIGURE,
    MEXICO_TABLES,
    NO_MEXICO,
    lever_changes,
    mexico_figure,
)
from borderflow.report.tables import load_results
from borderflow.results.mexico import COLUMNS
from conftest import head_for

NAN = float("nan")


def section(text: str, sid: str = "section-mexico") -> str:
    return text.split(f'id="{sid}"', 1)[1].split("<section", 1)[0]


@pytest.fixture(scope="module")
def national() -> borderflow.Scenario:
    return borderflow.load_scenario("national-fy2019")


def test_the_figure_draws_the_run_against_inm_and_marks_the_deal(national) -> None:
    months = pd.to_datetime(["2019-05-01", "2019-06-01", "2019-07-01"])
    monthly = pd.DataFrame(
        {
            "month": months.astype("datetime64[ms]"),
            "days": [31, 30, 31],
            "detained": [100, 250, 300],
            "detained_southern_border": [10, 60, 90],
            "returned": [100, 250, 300],
            "refuge": [40, 30, 20],
            "inm_returned": [16507.0, 21912.0, 18168.0],
            "inm_presented": [23679.0, 29153.0, 18758.0],
            "comar_applications": [NAN, NAN, 8613.0],
        }
    )
    assert tuple(monthly.columns) == COLUMNS
    fig = mexico_figure(monthly, national)
    traces = {t.name: t for t in fig.data}
    assert list(traces["detained, simulated (650)"].y) == [100, 250, 300]
    south = next(t for n, t in traces.items() if n.startswith("of them at the southern border"))
    assert "Ciudad Hidalgo" in south.name and list(south.y) == [10, 60, 90]
    assert list(traces["INM: returned to their countries"].y) == [16507, 21912, 18168]
    assert list(traces["INM: presented (detained; events)"].y) == [23679, 29153, 18758]
    assert list(traces["COMAR: asylum applicants"].y)[2] == 8613
    # the June 2019 deal marked, with what it changed
    assert lever_changes(national) == [
        (dt.date(2019, 6, 7), "mexico_enforcement ×2.5, mexico_southern_enforcement ×3")
    ]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert lines and {s.x0 for s in lines} == {"2019-06-07"}
    assert any(
        a.text.startswith("2019-06-07: mexico_enforcement ×2.5") for a in fig.layout.annotations
    )


def test_the_figure_says_so_when_mexico_detains_nobody(national) -> None:
    monthly = pd.DataFrame({c: [0] for c in COLUMNS})
    fig = mexico_figure(monthly, national)
    assert not fig.data
    assert fig.layout.annotations[0].text == NO_MEXICO


@pytest.fixture(scope="module")
def report(national, tmp_path_factory: pytest.TempPathFactory):
    res = borderflow.run(national.scaled(0.004), seed=1)
    folder = res.write(tmp_path_factory.mktemp("mexico") / "national")
    return res, folder, write_report(res, folder).path.read_text(encoding="utf-8")


def test_the_national_report_has_the_section_with_its_figure_and_table(report) -> None:
    res, _, text = report
    assert FIGURES[FIGURE] == "section-mexico"
    sections = list(SECTIONS)
    assert sections.index("section-mexico") == sections.index("section-map") + 1
    body = section(text)
    assert f'id="{FIGURE}"' in body and f'getElementById("{FIGURE}")' in body
    assert "mexico_southern_enforcement" in body  # the note, and the dated change marked
    # the table under the figure: a row a month, the run's counts beside INM's
    header = re.findall(r"<th>(.*?)</th>", body.split("<table", 1)[1].split("</thead>", 1)[0])
    assert header[:5] == [
        "month",
        "days simulated",
        "detained (simulated)",
        "at the southern border",
        "INM returned",
    ]
    t = res.mexico
    june = t[t["month"] == pd.Timestamp("2019-06-01")].iloc[0]
    row = body.split("<td>Jun 2019</td>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells[:4] == [
        "30",
        f"{int(june['detained']):,}",
        f"{int(june['detained_southern_border']):,}",
        f"{int(june['inm_returned']):,}",
    ]
    assert MEXICO_TABLES[FIGURE]  # printed below the figure in a run's report


def test_a_folder_without_the_table_gives_the_same_section(report) -> None:
    """Results written before mexico.parquet existed: the section is worked out from flows."""
    _, folder, text = report
    tables = load_results(folder)
    assert "mexico" in tables
    older = {k: v for k, v in tables.items() if k != "mexico"}
    assert section(build_report(older)) == section(text)


def test_a_run_where_mexico_detains_nobody_says_so(tiny) -> None:
    sc = tiny(
        """
        [background]
        daily = { HND = 5 }
        origins = { HND = "tijuana" }
        destinations = { tijuana = 1.0 }
        """,
        head=head_for(30),
    )
    res = borderflow.run(sc, seed=1)
    assert res.summary_dict["deported_by_mexico"] == 0
    assert not np.any(res.mexico["detained"])
    body = section(build_report(res))
    assert NO_MEXICO in body and f'id="{FIGURE}"' not in body
