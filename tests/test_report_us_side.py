"""The report's U.S. side: decisions broken down, time to decision, custody, re-crossings.

The tables are derived on small hand-made tables whose answers are counted by hand; then
a bundled scenario's report shows the section and its figures.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import borderflow
from borderflow.report import us_side
from borderflow.report import us_side_figures as figs
from borderflow.report.figures import STAGE_OF_STATE
from borderflow.report.html import FIGURES, SECTIONS, build_report, write_report
from borderflow.results.summary import household_kinds
from borderflow.results.tables import LAWYER_LABELS, STATE_LABELS
from borderflow.scenario.vocabulary import (
    COURT_OUTCOMES,
    DOCKETS,
    HOUSEHOLD_ROLES,
    NATIONALITIES,
    Transition,
)

SPRING = "caravan-2018-spring"
US_SIDE_FIGURES = [fid for fid, sid in FIGURES.items() if sid == "section-us-side"]
NAN = float("nan")
TRANSITIONS = [t.label for t in Transition]


def categorical(values: list[str | None], labels: list[str] | tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical(values, categories=list(labels))


WITH, WITHOUT = "with a lawyer", "without a lawyer"
# (docket, outcome, days, n, nationality, lawyer, household); None: a start-backlog case
DECISIONS = [
    ("regular", "asylum_granted", 100, 3, "HND", WITH, "single_adult"),
    ("regular", "removal_ordered", 200, 1, "GTM", WITHOUT, "family_adult"),
    ("regular", "removed_in_absentia", 50, 2, "HND", WITHOUT, "family_child"),
    ("regular", "hearings_began", 30, 10, "HND", WITH, "single_adult"),  # not a decision
    ("mpp", "removed_in_absentia", 60, 4, "GTM", WITHOUT, "family_adult"),
    ("mpp", "asylum_granted", 90, 1, "SLV", WITH, "family_adult"),
    ("detained", "voluntary_departure", 20, 2, "MEX", WITHOUT, "single_adult"),
    ("detained", "other_relief", 5, 0, "MEX", WITH, "single_adult"),  # nobody
    ("regular", "backlog_decided", 700, 5, None, None, None),
    ("regular", "backlog_decided", 900, 3, None, None, None),
]


@pytest.fixture
def decisions() -> pd.DataFrame:
    """A decisions table as a run labels it (categories, missing for the start backlog)."""
    docket, outcome, days, n, nationality, lawyer, household = zip(*DECISIONS, strict=True)
    return pd.DataFrame(
        {
            "docket": categorical(list(docket), DOCKETS),
            "outcome": categorical(list(outcome), COURT_OUTCOMES),
            "nationality": categorical(list(nationality), NATIONALITIES),
            "lawyer": categorical(list(lawyer), LAWYER_LABELS),
            "household": categorical(list(household), HOUSEHOLD_ROLES),
            "days": np.array(days, np.int64),
            "n": np.array(n, np.int64),
        }
    )


def rows_of(table: pd.DataFrame, *columns: str) -> dict[str, tuple[float, ...]]:
    return {str(g): tuple(float(r[c]) for c in columns) for g, r in table.iterrows()}


def same(got: dict[str, tuple[float, ...]], want: dict[str, tuple[float, ...]]) -> bool:
    """Equal, NaN equal to NaN, in the same order."""
    if list(got) != list(want):
        return False
    return all(
        all(
            (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)
            for a, b in zip(g, w, strict=True)
        )
        for g, w in zip(got.values(), want.values(), strict=True)
    )


def test_decisions_by_docket_count_each_outcome_with_its_rates(decisions) -> None:
    t = us_side.decision_breakdown(decisions, "docket")
    got = rows_of(t, "cases", "decided", "asylum_granted", "removed_in_absentia")
    assert got == {
        "regular": (6, 6, 3, 2),
        "mpp": (5, 5, 1, 4),
        "detained": (2, 2, 0, 0),
        "start backlog": (8, 0, 0, 0),
    }
    rates = rows_of(t, "grant_rate", "in_absentia_share")
    assert same(
        rates,
        {
            "regular": (0.5, 1 / 3),
            "mpp": (0.2, 0.8),
            "detained": (0.0, 0.0),
            "start backlog": (NAN, NAN),
        },
    )
    assert t.loc["start backlog", "backlog_decided"] == 8
    assert t.loc["detained", "voluntary_departure"] == 2
    assert "hearings_began" not in t


def test_decisions_by_nationality_representation_and_household(decisions) -> None:
    rates = ("cases", "grant_rate", "in_absentia_share")
    nationality = rows_of(us_side.decision_breakdown(decisions, "nationality"), *rates)
    assert same(
        nationality,
        {
            "HND": (5, 0.6, 0.4),
            "GTM": (5, 0.0, 0.8),
            "SLV": (1, 1.0, 0.0),
            "MEX": (2, 0.0, 0.0),
            "start backlog": (8, NAN, NAN),
        },
    )
    lawyer = rows_of(us_side.decision_breakdown(decisions, "representation"), *rates)
    assert same(
        lawyer,
        {
            "without a lawyer": (9, 0.0, 6 / 9),
            "with a lawyer": (4, 1.0, 0.0),
            "start backlog": (8, NAN, NAN),
        },
    )
    household = rows_of(us_side.decision_breakdown(decisions, "household"), *rates)
    assert same(
        household,
        {
            "single_adult": (5, 0.6, 0.0),
            "family_adult": (6, 1 / 6, 4 / 6),
            "family_child": (2, 0.0, 1.0),
            "start backlog": (8, NAN, NAN),
        },
    )


def test_time_to_decision_per_docket_with_the_start_backlog_apart(decisions) -> None:
    times = us_side.decision_times(decisions)
    regular = times[times["docket"] == "regular"]
    assert regular["days"].tolist() == [50, 100, 200]
    assert regular["share"].tolist() == pytest.approx([2 / 6, 5 / 6, 1.0])
    assert times["docket"].unique().tolist() == ["regular", "mpp", "detained", "start backlog"]
    stats = us_side.decision_time_stats(decisions)
    assert rows_of(stats, "n", "mean_days", "median_days", "p90_days") == {
        "regular": (6, 100.0, 100.0, 200.0),
        "mpp": (5, 66.0, 60.0, 90.0),
        "detained": (2, 20.0, 20.0, 20.0),
        "start backlog": (8, 775.0, 700.0, 900.0),
    }


def test_the_decision_figures_draw_the_shares_and_mark_median_and_mean(decisions) -> None:
    fig = figs.decisions_by_group(decisions)
    granted = [t for t in fig.data if t.name == "asylum granted"]
    # one bar trace a panel: docket, nationality, representation, household
    assert len(granted) == 4
    docket = granted[0]
    assert list(docket.y) == ["regular (6)", "mpp (5)", "detained (2)", "start backlog (8)"]
    assert list(docket.x) == pytest.approx([0.5, 0.2, 0.0, 0.0])
    ecdf = figs.decision_times_per_docket(decisions)
    marks = [t for t in ecdf.data if t.mode == "markers"]
    assert list(marks[0].x) == [100.0, 100.0]  # regular: median, mean
    assert list(marks[0].y) == pytest.approx([5 / 6, 5 / 6])
    assert list(marks[1].x) == [60.0, 66.0] and list(marks[1].y) == pytest.approx([0.8, 0.8])


# ---------------------------------------------------------------- custody and re-crossings


@pytest.fixture
def scenario() -> borderflow.Scenario:
    sc = borderflow.load_scenario(SPRING)
    sc = sc.with_levers(
        detention_beds=10, interior_detained=4, hhs_beds=2, family_beds=3, cbp_holding_capacity=5
    )
    return sc.with_policy(sc.start + dt.timedelta(days=1), detention_beds=9)


def daily_of(sc: borderflow.Scenario, rows: list[tuple[int, str, str, int]]) -> pd.DataFrame:
    day, place, state, n = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "date": pd.to_datetime([sc.start + dt.timedelta(days=d) for d in day]),
            "place": categorical(list(place), [p.id for p in sc.places]),
            "state": categorical(list(state), STATE_LABELS),
            "group": "g",
            "n": np.array(n, np.int64),
        }
    )


def flows_of(sc: borderflow.Scenario, rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    date, transition, from_state, n = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(list(date)),
            "transition": categorical(list(transition), TRANSITIONS),
            "from_state": categorical(list(from_state), STATE_LABELS),
            "n": np.array(n, np.int64),
        }
    )


def test_custody_against_its_beds_day_by_day(scenario) -> None:
    sc = scenario
    sector, port, city = "san_diego_sector", "san_ysidro", "tijuana"
    daily = daily_of(
        sc,
        [
            (0, sector, "detained", 3),
            (0, sector, "awaiting_credible_fear", 2),
            (0, sector, "hhs_custody", 1),
            (0, sector, "in_custody", 4),
            (0, port, "in_custody", 50),  # the ports' holding is not Border Patrol's
            (0, sector, "family_detention", 3),
            (1, sector, "detained", 5),
            (1, sector, "hhs_custody", 2),
            (1, "el_paso_sector", "in_custody", 6),
            (1, sector, "in_custody", 1),
            (2, sector, "detained", 1),
            (2, sector, "prosecution", 7),  # held by the Marshals: no custody of these
            (2, city, "waiting_sheltered", 9),
        ],
    )
    held = us_side.custody_occupancy(daily, sc)
    assert len(held) == sc.n_days
    ice, hhs, family, cbp = (k.label for k in us_side.CUSTODY)
    assert list(held.columns) == [ice, hhs, family, cbp]
    # ICE detention: detained + awaiting an interview + 4 arrested in the interior
    assert held[ice].tolist()[:4] == [9, 9, 5, 4]
    assert held[hhs].tolist()[:3] == [1, 2, 0] and held[family].tolist()[:2] == [3, 0]
    assert held[cbp].tolist()[:3] == [4, 7, 0]
    beds = us_side.custody_beds(sc)
    assert beds[ice].tolist()[:3] == [10, 9, 9]
    assert beds[hhs].iloc[0] == 2 and beds[family].iloc[0] == 3 and beds[cbp].iloc[0] == 5
    table = us_side.custody_table(daily, sc)
    assert table["peak"].to_dict() == {ice: 9, hhs: 2, family: 3, cbp: 7}
    # all beds taken: ICE day 1 (9 of 9); HHS day 1 (2 of 2); family day 0; holding day 1
    assert table["days_full"].to_dict() == {ice: 1, hhs: 1, family: 1, cbp: 1}
    assert (table.loc[ice, "beds_min"], table.loc[ice, "beds_max"]) == (9, 10)
    assert table.loc[ice, "person_days"] == 9 + 9 + 5 + 4 * (sc.n_days - 3)
    assert table.loc[cbp, "mean"] == pytest.approx(11 / sc.n_days)
    unbounded = us_side.custody_table(daily, borderflow.load_scenario(SPRING))
    assert unbounded[["beds_min", "beds_max"]].loc[[family, cbp]].isna().all().all()
    start = pd.Timestamp(sc.start)
    flows = flows_of(
        sc,
        [
            (start + pd.Timedelta(days=1), "released_no_bed", "in_custody", 2),
            (start + pd.Timedelta(days=3), "released_no_bed", "prosecution", 1),
            (start, "waiting_for_hhs_bed", "in_custody", 1),
            (start + pd.Timedelta(days=1), "held_over_capacity", "in_custody", 2),
            (start + pd.Timedelta(days=1), "released_from_holding", "in_custody", 3),
            (start, "apprehended", "transit", 6),
        ],
    )
    no_bed = us_side.custody_no_bed(flows, sc)
    assert no_bed["released for lack of a bed"].tolist()[:4] == [0, 2, 0, 1]
    assert no_bed.sum().to_dict() == {
        "released for lack of a bed": 3,
        "child-days waiting in CBP for a bed": 1,
        "person-days held above capacity": 2,
        "family members released from holding (holding full, or no family bed)": 3,
        "person-days held past the time limit": 0,
    }
    fig = figs.custody_against_beds(daily, flows, sc)
    assert [a.text for a in fig.layout.annotations] == [ice, hhs, family, cbp]
    drawn = [list(t.y)[:3] for t in fig.data if t.name == "beds"]
    assert drawn == [[10, 9, 9], [2, 2, 2], [3, 3, 3], [5, 5, 5]]
    bars = [t.name for t in fig.data if t.type == "bar"]
    assert bars == [
        "released for lack of a bed (a day)",
        "child-days waiting in CBP for a bed (a day)",
        "person-days held above capacity (a day)",
        "family members released from holding (holding full, or no family bed) (a day)",
    ]


def test_people_and_households_side_by_side() -> None:
    households = pd.DataFrame(
        {
            "group": "g",
            "kind": categorical(
                ["single_adult", "family", "family", "unaccompanied_child", "family"],
                ["single_adult", "family", "unaccompanied_child"],
            ),
            "size": [1, 3, 2, 1, 3],
            "state": categorical(
                [
                    "detained",
                    "family_detention",
                    "released_pending_hearing",
                    "hhs_custody",
                    "removed",
                ],
                STATE_LABELS,
            ),
            "households": [4, 2, 5, 1, 1],
            "people": [4, 6, 10, 1, 3],
        }
    )
    kinds = household_kinds(households)
    assert kinds.to_dict(orient="index") == {
        "single_adult": {"households": 4, "people": 4, "mean_size": 1.0},
        "family": {"households": 8, "people": 19, "mean_size": 19 / 8},
        "unaccompanied_child": {"households": 1, "people": 1, "mean_size": 1.0},
    }
    at_end = us_side.households_at_end(households, STAGE_OF_STATE)
    assert at_end.to_dict(orient="index") == {
        "in U.S. custody": {"households": 1, "people": 1},
        "in ICE detention": {"households": 6, "people": 10},
        "released, awaiting a hearing": {"households": 5, "people": 10},
        "went home or removed": {"households": 1, "people": 3},
    }
    fig = figs.people_and_households(households)
    assert [(t.name, list(t.y)) for t in fig.data][:2] == [
        ("people", [4, 19, 1]),
        ("households", [4, 8, 1]),
    ]


def test_recrossings_by_month_from_the_flows_and_the_event_log(scenario) -> None:
    sc = scenario  # 2018-03-25 to 2018-06-30
    flows = flows_of(
        sc,
        [
            ("2018-04-03", "set_out_again", "removed", 2),
            ("2018-04-20", "set_out_again", "deported_by_mexico", 1),
            ("2018-05-02", "set_out_again", "deported_by_mexico", 3),
            ("2018-05-02", "apprehended", "transit", 9),
        ],
    )
    table = us_side.recrossings_by_month(flows, None, sc.start, sc.end)
    months = pd.to_datetime(["2018-03-01", "2018-04-01", "2018-05-01", "2018-06-01"])
    assert list(table.index) == list(months)
    assert table.to_dict(orient="list") == {
        "set out again, removed by the U.S.": [0, 2, 0, 0],
        "set out again, deported by Mexico": [0, 1, 3, 0],
    }
    # person, date, transition, from_state
    log = [
        (7, "2018-04-03", "set_out_again", "removed"),
        (7, "2018-04-25", "apprehended", "transit"),
        (7, "2018-05-10", "apprehended", "transit"),  # caught twice: counted twice
        (8, "2018-04-01", "apprehended", "transit"),  # before setting out again
        (8, "2018-04-03", "set_out_again", "removed"),
        (9, "2018-04-20", "set_out_again", "deported_by_mexico"),
        (9, "2018-06-02", "apprehended", "transit"),
        (10, "2018-05-05", "apprehended", "transit"),  # never sent back
    ]
    person, date, transition, from_state = zip(*log, strict=True)
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(list(date)),
            "person": np.array(person, np.int64),
            "transition": categorical(list(transition), TRANSITIONS),
            "from_state": categorical(list(from_state), STATE_LABELS),
        }
    )
    table = us_side.recrossings_by_month(flows, events, sc.start, sc.end)
    assert table["apprehended after setting out again, removed by the U.S."].tolist() == [
        0,
        1,
        1,
        0,
    ]
    assert table["apprehended after setting out again, deported by Mexico"].tolist() == [
        0,
        0,
        0,
        1,
    ]
    fig = figs.recrossings_by_month(flows, events, sc)
    assert fig.data[0].name == "set out again, removed by the U.S. (2)"


# ---------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory):
    sc = borderflow.load_scenario("national-fy2019").scaled(0.004)
    res = borderflow.run(sc, seed=1, events=True)
    folder = res.write(tmp_path_factory.mktemp("us-side") / "national")
    return res, folder, write_report(res, folder).path.read_text(encoding="utf-8")


def test_the_report_has_a_us_side_section_with_its_figures_and_tables(national) -> None:
    res, folder, text = national
    sections = list(SECTIONS)
    assert sections.index("section-us-side") == sections.index("section-us") + 1
    section = text.split('id="section-us-side"', 1)[1].split("<section", 1)[0]
    assert set(US_SIDE_FIGURES) == {
        "fig-us-decisions",
        "fig-us-decision-times",
        "fig-us-custody",
        "fig-us-recrossings",
        "fig-us-households",
    }
    for fid in US_SIDE_FIGURES:
        assert f'id="{fid}"' in section and f'getElementById("{fid}")' in section
    # the tables below the figures: each breakdown, each docket, each kind of custody
    for words in ("by docket", "by nationality", "by representation", "by household role"):
        assert f"<td>{words}</td>" in section
    assert "<td>start backlog</td>" in section and "<td>ICE detention</td>" in section
    by_docket = us_side.decision_breakdown(res.decisions, "docket")
    decided = res.decisions[res.decisions["outcome"] != "hearings_began"]
    assert by_docket["cases"].sum() == decided["n"].sum()
    # the run kept its event log: the report rebuilt from the folder reads it back the same
    assert (folder / "events.parquet").is_file()
    assert build_report(folder) == text
