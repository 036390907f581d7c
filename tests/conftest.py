"""Shared fixtures: tiny scenarios written to a temporary folder."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from borderflow.engine.run import RunOutput
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import Scenario
from borderflow.scenario.vocabulary import State

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


def single_port_body(
    arrivals: str = "poisson", per_day: float = 10.0, quota: int = 8, p_renege: float = 0.05
) -> str:
    """A single metered port: people appear at Tijuana and join the list at once."""
    return f"""
    [levers]
    quota = {{ default = {quota} }}
    beds = {{ default = 0 }}

    [parameters]
    p_join_waitlist = 1.0
    p_renege = {{ value = {p_renege}, low = 0.0, high = 1.0 }}

    [background]
    arrivals = "{arrivals}"
    daily = {{ OTH = {per_day} }}
    origins = {{ OTH = "tijuana" }}
    destinations = {{ tijuana = 1.0 }}
    """


def dense_stocks(out: RunOutput) -> np.ndarray:
    """``stock[day, place, state, group]`` from the stocks rows."""
    n = out.scenario.n_days, len(out.place_ids), len(State), max(len(out.group_names), 1)
    stock = np.zeros(n, np.int64)
    if len(out.stocks):
        d, p, s, g, k = out.stocks.T
        np.add.at(stock, (d, p, s, g), k)
    return stock


def dense_changes(out: RunOutput) -> np.ndarray:
    """The day's change of each stock cell, from the flows rows alone."""
    n = out.scenario.n_days, len(out.place_ids), len(State), max(len(out.group_names), 1)
    change = np.zeros(n, np.int64)
    if len(out.flows):
        d, place, to_place, _, from_s, to_s, g, k = out.flows.T
        np.add.at(change, (d, to_place, to_s, g), k)
        left = from_s >= 0
        np.subtract.at(change, (d[left], place[left], from_s[left], g[left]), k[left])
    return change


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
