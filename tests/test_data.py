"""The public record shipped as data: every value readable, sourced and graded; bad files named."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderflow import data
from borderflow.interfaces.cli import app

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "series"


@pytest.fixture
def shipped_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped series that a test may damage, read in place of the real ones."""
    copy = tmp_path / "series"
    shutil.copytree(data.folder(), copy)  # type: ignore[arg-type]
    monkeypatch.setattr(data, "folder", lambda: copy)
    data.catalogue.cache_clear()
    data.table.cache_clear()
    yield copy
    data.catalogue.cache_clear()
    data.table.cache_clear()


def test_every_value_of_the_record_is_shipped_with_its_source_and_grade() -> None:
    table = data.table()
    assert len(table) == 1251  # the shared record's 1,234, INM's returns (11), Tijuana's list (6)
    assert (table["source"] != "").all()
    assert set(table["file"]) == set(data.catalogue()["file"])
    assert table["grade"].str.match(r"^[ABC]").all()


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared record is not beside this checkout")
def test_the_shipped_files_are_the_record_as_published() -> None:
    for path in sorted(SHARED.glob("*.csv")):
        shipped = data.folder().joinpath(path.name).read_text(encoding="utf-8")
        assert shipped == path.read_text(encoding="utf-8"), path.name


def test_a_series_is_a_tidy_table_oldest_first_and_can_be_narrowed() -> None:
    families = data.series("usbp_sw_monthly", breakdown="Family Unit Individuals")
    assert families["date"].is_monotonic_increasing
    assert len(families) == 84  # October 2012 to September 2019
    assert set(families["breakdown"]) == {"Family Unit Individuals"}
    may_2019 = families.set_index("date").loc["2019-05-31"]
    assert may_2019["value"] == 84490
    assert may_2019["grade"].startswith("A")
    every = data.series("usbp_sw_monthly")
    assert set(every["breakdown"]) == {
        "total",
        "Family Unit Individuals",
        "Single Adults",
        "Unaccompanied Children",
    }


def test_an_unknown_series_place_or_breakdown_names_what_exists() -> None:
    with pytest.raises(data.SeriesError, match=r"no series 'usbp_monthly'.*'usbp_sw_monthly'"):
        data.series("usbp_monthly")
    with pytest.raises(data.SeriesError, match=r"no place 'Tijuana'.*Southwest Land Border"):
        data.series("usbp_sw_monthly", place="Tijuana")
    with pytest.raises(data.SeriesError, match=r"no breakdown 'adults'.*Single Adults"):
        data.series("usbp_sw_monthly", breakdown="adults")


def test_a_dated_event_may_have_no_count() -> None:
    event = data.series("caravan_event")
    assert event["unit"].tolist() == ["event"] and event["value"].isna().all()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda text: text.replace(",84490,", ",lots,"), r"line \d+, value: .*'lots'"),
        (lambda text: text.replace("2019-05-31", "2019-05-32", 1), r"line \d+, date: .*2019-05-32"),
        (lambda text: text.replace(",84490,", ",-5,"), r"line \d+, value: .*'-5'"),
        (lambda text: text.replace("series,date", "name,date", 1), r"line 1: expected the header"),
        (lambda text: text + "usbp_sw_monthly,2019-10-31\n", r"line \d+: expected 8 fields"),
    ],
    ids=["not a number", "not a date", "negative", "header", "short row"],
)
def test_a_malformed_series_file_is_named_with_its_line(shipped_copy: Path, damage, words) -> None:
    path = shipped_copy / "usbp_sw_border_monthly.csv"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(data.SeriesError, match=r"^series/usbp_sw_border_monthly\.csv, " + words):
        data.table()


def test_a_missing_series_file_is_named(shipped_copy: Path) -> None:
    (shipped_copy / "ice_detention.csv").unlink()
    with pytest.raises(data.SeriesError, match=r"series/ice_detention\.csv: no such series file"):
        data.table()


def test_borderflow_data_lists_the_series_and_shows_one() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["data"])
    assert listed.exit_code == 0, listed.output
    assert "usbp_sw_monthly" in listed.output and "mpp_new_court_cases_monthly" in listed.output
    shown = runner.invoke(app, ["data", "usbp_sw_monthly", "--breakdown", "Single Adults"])
    assert shown.exit_code == 0, shown.output
    assert "84 values" in shown.output and "2019-05-31" in shown.output
    wrong = runner.invoke(app, ["data", "usbp_monthly"])
    assert wrong.exit_code == 2 and "no series 'usbp_monthly'" in wrong.output
