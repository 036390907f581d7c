"""Shared fixtures: tiny scenarios written to a temporary folder."""

from __future__ import annotations

import datetime as dt
import signal
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from borderflow.engine.run import RunOutput
from borderflow.model.records import Flows, Stocks
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import Scenario
from borderflow.scenario.vocabulary import WAITING, State, Transition

#: A line: Tegucigalpa (HND) -> Tapachula (MEX) -> Culiacán (MEX) -> Tijuana (border) with
#: a port, a sector, plus a second border city (Mexicali) so destinations can split.
PLACES = """\
id,name,country,latitude,longitude,kind,parent,population
home,Home,HND,14.1,-87.2,origin,,
south,South,MEX,14.9,-92.3,town,,
middle,Middle,MEX,24.8,-107.4,town,,
tijuana,Tijuana,MEX,32.5,-117.0,border_city,san_diego_sector,
mexicali,Mexicali,MEX,32.6,-115.5,border_city,el_centro_sector,
san_ysidro,San Ysidro,USA,32.54,-117.03,port_of_entry,tijuana,
calexico,Calexico,USA,32.67,-115.5,port_of_entry,mexicali,
san_diego_sector,San Diego sector,USA,32.7,-117.1,us_sector,,
el_centro_sector,El Centro sector,USA,32.8,-115.6,us_sector,,
"""

ROUTES = """\
from,to,distance_km,modes
home,south,480,walk
south,middle,960,walk;bus
middle,tijuana,960,walk;bus;train
middle,mexicali,800,walk;bus
tijuana,mexicali,180,walk;bus
"""

BASE_TOML = """\
name = "tiny"
title = "A tiny test scenario"
start = 2020-01-01
end = 2020-03-31
places = "places.csv"
routes = "routes.csv"
"""


#: A stock target: people waiting without a bed at San Ysidro on 1 March.
WAITING_TARGET = """
[[target]]
id = "waiting"
role = "check"
quantity = "people waiting at Tijuana"
date = 2020-03-01
measure = "stock"
places = ["san_ysidro"]
states = ["waiting_unsheltered"]
reported = 100
low = 50
high = 200
source = "made up"
"""

#: A valid scenario using most sections, so mutations and hostile values reach most validators.
FULL_BODY = (
    """\
description = "fuzzing base"

[levers]
quota = { default = 20, san_ysidro = 30 }
beds = { tijuana = 50, mexicali = 10 }
p_apprehend = { default = 0.7, tijuana = 0.8 }
mexico_enforcement = 1.5
mexico_refuge_offer = 1.0
p_prosecute = 0.1
asylum_ban = false

[[policy]]
date = 2020-02-01
set = { "quota.san_ysidro" = 40, mexico_enforcement = 2.0, asylum_ban = true }
note = "a change"

[parameters]
p_renege = 0.02
walk_km_per_day = { value = 50, low = 40, high = 60 }

[[caravan]]
name = "spring"
origin = "home"
depart = 2020-01-05
size = 100
nationality = { HND = 0.8, GTM = 0.2 }
household = { single_adult = 0.6, family_adult = 0.4 }
destinations = { tijuana = 0.7, mexicali = 0.3 }
stops = { middle = 2 }
joiners = [{ date = 2020-01-10, n = 20 }]

[background]
daily = { HND = 3.0, MEX = 1.0 }
origins = { HND = "home", MEX = "south" }
destinations = { tijuana = 1.0 }
arrivals = "poisson"
seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[border]
asylum_port = { tijuana = "san_ysidro" }

"""
    + WAITING_TARGET
)


def head_for(n_days: int, start: dt.date = dt.date(2020, 1, 1)) -> str:
    """The TOML head above, with a run of ``n_days`` days from ``start``."""
    end = start + dt.timedelta(days=n_days - 1)
    head = BASE_TOML.replace("start = 2020-01-01", f"start = {start}")
    return head.replace("end = 2020-03-31", f"end = {end}")


def write_scenario(
    folder: Path, body: str = "", places: str = PLACES, routes: str = ROUTES, head: str = BASE_TOML
) -> Path:
    """Write a scenario folder (TOML + CSVs) and return the TOML path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "places.csv").write_text(places)
    (folder / "routes.csv").write_text(routes)
    path = folder / "scenario.toml"
    path.write_text(head + textwrap.dedent(body))
    return path


@pytest.fixture
def tiny(tmp_path: Path):
    """``tiny(body) -> Scenario``: a scenario on the tiny network with extra TOML ``body``."""
    counter = iter(range(10_000))

    def make(body: str = "", **kwargs: Any) -> Scenario:
        return load_scenario(write_scenario(tmp_path / f"s{next(counter)}", body, **kwargs))

    return make


#: The choices at a port held still, at values that change nothing: nobody presents without
#: a list, waits away from the city, misses a call or takes a visa, and patience, signing up
#: and the ways out of a list answer neither beds, danger, the asylum ban, apprehension nor
#: the lists' length. Stories of those links set them.
STILL = {
    "p_present_at_port": 0.0,
    "p_wait_elsewhere": 0.0,
    "p_miss_call": 0.0,
    "p_miss_call_away": 0.0,
    "p_humanitarian_visa": 0.0,
    "renege_unsheltered_factor": 1.0,
    "violence_renege_elasticity": 0.0,
    "violence_join_elasticity": 0.0,
    "ban_join_factor": 1.0,
    "deterrence_elasticity": 0.0,
    "wait_aversion_per_month": 0.0,
}


def still_lines(indent: str = "", **values: float) -> str:
    """Parameter lines for :data:`STILL` (or ``values``), each range narrowed to its value."""
    rows = {**STILL, **values}
    return "\n".join(
        f"{indent}{k} = {{ value = {v}, low = {v}, high = {v} }}" for k, v in rows.items()
    )


def single_port_body(
    arrivals: str = "poisson", per_day: float = 10.0, quota: int = 8, p_renege: float = 0.05
) -> str:
    """A single metered port: people appear at Tijuana and join the list at once.

    A plain queue: the choices at the port are held still (:data:`STILL`), the queue
    theory's assumptions.
    """
    return f"""
    [levers]
    quota = {{ default = {quota} }}
    beds = {{ default = 0 }}

    [parameters]
    p_join_waitlist = 1.0
    p_renege = {{ value = {p_renege}, low = 0.0, high = 1.0 }}
{still_lines("    ")}

    [background]
    arrivals = "{arrivals}"
    daily = {{ OTH = {per_day} }}
    origins = {{ OTH = "tijuana" }}
    destinations = {{ tijuana = 1.0 }}
    """


def list_length(out: RunOutput, port: str = "san_ysidro") -> np.ndarray:
    """People on ``port``'s list (waiting in its city) at the end of each day."""
    return daily_stock(out, *WAITING, places=[out.place_ids.index(port)])


# --- reading a run's tables ------------------------------------------------------------------


def per_day(rows: Flows | Stocks, n_days: int) -> np.ndarray:
    """People per day in ``rows``: flows made, or end-of-day stocks."""
    return np.bincount(rows.day, weights=rows.n, minlength=n_days)


def daily_flow(
    out: RunOutput,
    *transitions: Transition,
    from_states: tuple[State, ...] | None = None,
    to_place: str | None = None,
) -> np.ndarray:
    """People making any of ``transitions`` each day (optionally from ``from_states`` only,
    or into ``to_place`` only)."""
    f = out.flows
    rows = np.isin(f.transition, transitions)
    if from_states is not None:
        rows &= np.isin(f.from_state, from_states)
    if to_place is not None:
        rows &= f.to_place == out.place_ids.index(to_place)
    return per_day(f[rows], out.scenario.n_days)


def daily_stock(out: RunOutput, *states: State, places: list[int] | None = None) -> np.ndarray:
    """People in any of ``states`` at the end of each day (optionally at ``places`` only)."""
    s = out.stocks
    rows = np.isin(s.state, states)
    if places is not None:
        rows &= np.isin(s.place, places)
    return per_day(s[rows], out.scenario.n_days)


def dense_stocks(out: RunOutput) -> np.ndarray:
    """``stock[day, place, state, group]`` from the stocks rows."""
    n = out.scenario.n_days, len(out.place_ids), len(State), max(len(out.group_names), 1)
    stock = np.zeros(n, np.int64)
    s = out.stocks
    np.add.at(stock, (s.day, s.place, s.state, s.group), s.n)
    return stock


def dense_changes(out: RunOutput) -> np.ndarray:
    """The day's change of each stock cell, from the flows rows alone."""
    n = out.scenario.n_days, len(out.place_ids), len(State), max(len(out.group_names), 1)
    change = np.zeros(n, np.int64)
    f = out.flows
    np.add.at(change, (f.day, f.to_place, f.to_state, f.group), f.n)
    left = f[f.from_state >= 0]
    np.subtract.at(change, (left.day, left.place, left.from_state, left.group), left.n)
    return change


def assert_same_tables(a: RunOutput, b: RunOutput, *names: str) -> None:
    """The tables ``names`` of two runs are equal, column by column."""
    for name in names:
        for column in getattr(a, name).columns():
            np.testing.assert_array_equal(
                getattr(getattr(a, name), column),
                getattr(getattr(b, name), column),
                err_msg=f"{name}.{column}",
            )


def policy(date: dt.date, setting: str) -> str:
    """A dated lever change, as TOML."""
    return f"""
    [[policy]]
    date = {date}
    set = {{ {setting} }}
    """


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many hostile inputs the session tried, and how each ended."""
    from hostile import TRIED, summary_line

    if TRIED:
        terminalreporter.write_sep("-", "hostile inputs")
        terminalreporter.write_line(summary_line())


def interruptible() -> None:
    """In a child process: Ctrl-C (SIGINT) back to its default, whoever started the tests.

    A shell starting a job in the background ignores SIGINT in it, and children inherit
    that, so a test sending SIGINT to a child would find it carry on to the end.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
