"""Mexico's enforcement: the southern border's lever, and detentions by month as an output.

The lever is checked for direction on the tiny network (people set out in ``home``, in
Honduras, and enter Mexico at ``south``, its southern border); the monthly table against
flows counted by hand and against a run's per-person event log.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import borderflow
from borderflow.engine.run import RunOutput, run
from borderflow.model.network import build_network
from borderflow.model.transit import southern_border
from borderflow.results.mexico import COLUMNS, mexico_table, record_scale, southern_places
from borderflow.results.results import Results, read_folder
from borderflow.results.tables import STATE_LABELS
from borderflow.scenario.levers import LEVER_BY_NAME
from borderflow.scenario.parameters import Parameters
from borderflow.scenario.vocabulary import Transition
from conftest import head_for, policy

SEEDS = (1, 2, 3)
TRANSITIONS = [t.label for t in Transition]


def flow_body(levers: str = "", policies: str = "", extra: str = "") -> str:
    """Hondurans set out from home for Tijuana, 20 a day; Mexico detains 1% a day."""
    return f"""
    [levers]
    {levers}

    [parameters]
    p_detain_mexico = 0.01

    [background]
    daily = {{ HND = 20 }}
    origins = {{ HND = "home" }}
    destinations = {{ tijuana = 1.0 }}
    {policies}
    {extra}
    """


def detained_at(outs: list[RunOutput], place: str, from_day: int = 0) -> int:
    """People detained by Mexico at ``place`` (the place they were leaving), all seeds."""
    total = 0
    for o in outs:
        f = o.flows
        rows = (
            (f.transition == Transition.DEPORTED_BY_MEXICO)
            & (f.place == o.place_ids.index(place))
            & (f.day >= from_day)
        )
        total += int(f.n[rows].sum())
    return total


# ---------------------------------------------------------------- the lever


def test_the_lever_is_a_scalar_multiplier_that_changes_nothing_by_default() -> None:
    lever = LEVER_BY_NAME["mexico_southern_enforcement"]
    assert (lever.at, lever.kind, lever.default) == (None, "multiplier", 1.0)
    assert "southern border" in lever.meaning


def test_the_southern_border_is_where_the_roads_from_guatemala_enter_mexico(tiny) -> None:
    sc = borderflow.load_scenario("national-fy2019")
    national = build_network(sc)
    reach = Parameters.of(sc).southern_border_km
    assert reach == 100.0

    def south(reach: float) -> set[str]:
        return {national.ids[i] for i in np.flatnonzero(southern_border(national, reach))}

    # Tecún Umán -> Ciudad Hidalgo (-> Tapachula 38 km -> Huixtla 78 km; Escuintla at 111 km
    # is beyond the default reach, southern_border_km 100) and El Ceibo -> Tenosique
    # (Villahermosa 210 km away).
    assert south(reach) == {"ciudad_hidalgo", "tapachula", "huixtla", "tenosique"}
    assert south(0.0) == {"ciudad_hidalgo", "tenosique"}  # the entry places alone
    assert "escuintla" in south(120.0)
    # The tiny network: home (Honduras) -> south (Mexico) -> middle, 960 km on.
    assert southern_places(tiny(flow_body(), head=head_for(30))) == ["south"]


def test_a_stronger_southern_border_detains_more_there_and_not_elsewhere(tiny) -> None:
    """The Guard at the southern border: more detained at the entry, none more beyond it."""
    weak, strong = (
        tiny(flow_body(levers=f"mexico_southern_enforcement = {m}"), head=head_for(120))
        for m in (1.0, 5.0)
    )
    weak_runs = [run(weak, seed=s) for s in SEEDS]
    strong_runs = [run(strong, seed=s) for s in SEEDS]

    assert detained_at(weak_runs, "south") > 0
    assert detained_at(strong_runs, "south") > 2 * detained_at(weak_runs, "south")
    # Beyond the southern border the hazard is as it was; fewer get that far.
    assert detained_at(strong_runs, "middle") <= detained_at(weak_runs, "middle")
    assert detained_at(strong_runs, "middle") > 0


def test_the_southern_lever_raised_on_a_date_changes_nothing_before_it(tiny) -> None:
    """Dated (a road lever: everyone on the road is redrawn on its day)."""
    raised_on = dt.date(2020, 2, 15)
    before, after = (
        tiny(flow_body(policies=extra), head=head_for(90))
        for extra in ("", policy(raised_on, "mexico_southern_enforcement = 5.0"))
    )
    day = after.day_of(raised_on)
    base_runs = [run(before, seed=s) for s in SEEDS]
    raised_runs = [run(after, seed=s) for s in SEEDS]
    for b, r in zip(base_runs, raised_runs, strict=True):
        assert b.flows[b.flows.day < day] == r.flows[r.flows.day < day]
    assert detained_at(raised_runs, "south", day) > 2 * detained_at(base_runs, "south", day)


def test_the_national_deal_steps_up_both_levers_on_its_day() -> None:
    sc = borderflow.load_scenario("national-fy2019")
    deal = [p for p in sc.policies if p.date == dt.date(2019, 6, 7)]
    assert len(deal) == 1
    assert deal[0].set["mexico_enforcement"] == 2.5
    assert deal[0].set["mexico_southern_enforcement"] == 3.0
    assert sc.levers.mexico_southern_enforcement == 1.0


# ---------------------------------------------------------------- the monthly table

#: A series target on INM's returns, so that a scaled scenario scales the published figures.
INM_TARGET = """
[[target]]
id = "inm"
role = "check"
quantity = "returned by Mexico, by month"
measure = "flow"
transitions = ["deported_by_mexico"]
series = { name = "mx_inm_returned_monthly", from = 2019-06-30, to = 2019-06-30 }
tolerance = 0.2
source = "mx_inm_returned_monthly"
"""


@pytest.fixture
def summer(tiny) -> borderflow.Scenario:
    """The tiny network from 20 May to 10 July 2019, with a target on INM's returns."""
    return tiny(flow_body(extra=INM_TARGET), head=head_for(52, dt.date(2019, 5, 20)))


def flows_of(sc: borderflow.Scenario, rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    """A flows table as a run labels it: (date, place, transition, n)."""
    date, place, transition, n = zip(*rows, strict=True)
    ids = [p.id for p in sc.places]
    return pd.DataFrame(
        {
            "date": pd.to_datetime(list(date)),
            "place": pd.Categorical(list(place), categories=ids),
            "to_place": pd.Categorical(["home"] * len(rows), categories=ids),
            "transition": pd.Categorical(list(transition), categories=TRANSITIONS),
            "from_state": pd.Categorical(["transit"] * len(rows), categories=STATE_LABELS),
            "to_state": pd.Categorical(["deported_by_mexico"] * len(rows), categories=STATE_LABELS),
            "group": "g",
            "n": np.array(n, np.int64),
        }
    )


HAND = [
    ("2019-05-25", "south", "deported_by_mexico", 2),
    ("2019-05-31", "middle", "refuge_in_mexico", 1),
    ("2019-06-01", "middle", "deported_by_mexico", 3),
    ("2019-06-30", "south", "deported_by_mexico", 1),
    ("2019-06-30", "tijuana", "apprehended", 9),  # not Mexico's
    ("2019-07-04", "south", "refuge_in_mexico", 4),
    ("2019-07-04", "middle", "give_up", 5),  # not Mexico's
]


def same(got: list[float], want: list[float]) -> bool:
    return all(
        (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)
        for a, b in zip(got, want, strict=True)
    )


def test_the_monthly_table_counts_detentions_returns_and_refuge_by_hand(summer) -> None:
    t = mexico_table(flows_of(summer, HAND), summer)
    assert tuple(t.columns) == COLUMNS
    assert [f"{m:%Y-%m-%d}" for m in t["month"]] == ["2019-05-01", "2019-06-01", "2019-07-01"]
    assert t["days"].tolist() == [12, 30, 10]  # 20-31 May, June, 1-10 July
    assert t["detained"].tolist() == [2, 4, 0]
    assert t["detained_southern_border"].tolist() == [2, 1, 0]
    assert t["returned"].tolist() == t["detained"].tolist()
    assert t["refuge"].tolist() == [1, 0, 4]
    # INM's and COMAR's published figures beside them (mexico_inm_returns.csv, mexico_inm_comar.csv)
    assert t["inm_returned"].tolist() == [16507, 21912, 18168]
    assert t["inm_presented"].tolist() == [23679, 29153, 18758]
    assert same(t["comar_applications"].tolist(), [math.nan, math.nan, 8613])


def test_a_scaled_scenario_scales_the_published_figures_as_its_targets(summer) -> None:
    half = summer.scaled(0.5)
    assert record_scale(summer) == 1.0 and record_scale(half) == 0.5
    t = mexico_table(flows_of(half, HAND), half)
    assert t["inm_returned"].tolist() == [16507 / 2, 21912 / 2, 18168 / 2]
    assert t["detained"].tolist() == [2, 4, 0]  # the run's counts as they are


def test_the_monthly_table_of_a_run_is_its_event_log_counted_by_month(summer, tmp_path) -> None:
    res = borderflow.run(summer, seed=4, events=True)
    events = res.events
    assert events is not None
    month = events["date"].dt.strftime("%Y-%m")
    south = events["place"].astype(str) == "south"
    detained = events["transition"] == "deported_by_mexico"
    refuge = events["transition"] == "refuge_in_mexico"
    t = res.mexico
    months = t["month"].dt.strftime("%Y-%m")
    count = lambda rows: [int((rows & (month == m)).sum()) for m in months]  # noqa: E731
    assert t["detained"].tolist() == count(detained)
    assert sum(t["detained"]) > 0
    assert t["detained_southern_border"].tolist() == count(detained & south)
    assert t["refuge"].tolist() == count(refuge)
    # written with the run and read back unchanged
    folder = Results(res.output).write(tmp_path / "run")
    assert (folder / "mexico.parquet").is_file()
    pd.testing.assert_frame_equal(read_folder(folder)["mexico"], t)
