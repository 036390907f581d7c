"""The decisions table names each decided person: nationality, lawyer, household role."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from borderflow.engine.run import run
from borderflow.results.results import Results, read_folder
from borderflow.results.tables import LAWYER_LABELS
from borderflow.scenario.vocabulary import COURT_OUTCOMES, HOUSEHOLD_ROLES, NATIONALITIES
from conftest import head_for

#: Single adults and families; half returned to Tijuana under MPP, whose cases are all
#: terminated, the other families released with a case; 300 cases pending at the start.
BODY = """
[levers]
judges = 8
mpp = { tijuana = 0.5 }
mpp_judges = 4
p_lawyer = 0.5

[parameters]
p_join_waitlist = 1.0
p_release_family = 1.0
case_active_days = { value = 10, low = 1, high = 400 }
p_mpp_terminated = { value = 1.0, low = 0.0, high = 1.0 }

[background]
daily = { HND = 6.0, GTM = 4.0 }
origins = { HND = "tijuana", GTM = "tijuana" }
destinations = { tijuana = 1.0 }
household = { single_adult = 1.0, family_adult = 1.0 }

[courts]
initial_backlog = 300
initial_backlog_source = "assumed"
hiring = { 2020-02-01 = 2 }
"""


def test_the_written_decisions_table_labels_the_person_and_leaves_anonymous_cases_blank(
    tiny, tmp_path
):
    sc = tiny(BODY, head=head_for(90, dt.date(2020, 1, 1)))
    results = Results(run(sc, seed=4))
    d = results.decisions
    assert list(d.columns) == [
        "docket",
        "outcome",
        "nationality",
        "lawyer",
        "household",
        "days",
        "n",
    ]
    for column, labels in (
        ("outcome", COURT_OUTCOMES),
        ("nationality", NATIONALITIES),
        ("lawyer", LAWYER_LABELS),
        ("household", HOUSEHOLD_ROLES),
    ):
        assert list(d[column].cat.categories) == list(labels)
    anonymous = d["outcome"] == "backlog_decided"
    assert anonymous.any()
    assert d.loc[anonymous, ["nationality", "lawyer", "household"]].isna().all().all()
    people = d[~anonymous]
    assert people[["nationality", "lawyer", "household"]].notna().all().all()
    assert set(people["nationality"].astype(str)) == {"HND", "GTM"}
    assert set(people["lawyer"].astype(str)) == set(LAWYER_LABELS)
    # Every finished MPP case was terminated, of single adults and of family adults alike.
    mpp = people[(people["docket"] == "mpp") & (people["outcome"] != "hearings_began")]
    assert set(mpp["outcome"].astype(str)) == {"terminated"}
    assert set(mpp["household"].astype(str)) == {"single_adult", "family_adult"}
    assert results.summary_dict["us_processing"]["time_to_decision"]["n"] > 0

    back = read_folder(results.write(tmp_path / "out"))["decisions"]
    pd.testing.assert_frame_equal(back, d, check_categorical=True)
