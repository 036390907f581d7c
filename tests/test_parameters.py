"""Typed parameters: one attribute each, and a table that names exactly those."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from borderflow.scenario import load
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.load import PARAMETERS_FILE, read_parameter_table, revalidate
from borderflow.scenario.parameters import PARAMETER_NAMES, Parameters
from borderflow.scenario.schema import Scenario
from borderflow.scenario.vocabulary import NATIONALITIES
from conftest import write_scenario


def table_rows() -> list[str]:
    return PARAMETERS_FILE.read_text(encoding="utf-8").splitlines(keepends=True)


def test_the_class_declares_the_bundled_table_in_its_order() -> None:
    with PARAMETERS_FILE.open(encoding="utf-8") as handle:
        assert tuple(row["name"] for row in csv.DictReader(handle)) == PARAMETER_NAMES


def test_pars_are_the_scenarios_values_as_attributes(tiny: Callable[..., Scenario]) -> None:
    sc = tiny("[parameters]\np_renege = 0.03\n")
    pars = sc.pars
    assert pars.p_renege == 0.03
    assert all(getattr(pars, name) == sc.param(name) for name in PARAMETER_NAMES)
    assert pars == Parameters.of(sc)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pars.p_renege = 0.5  # type: ignore[misc]


def test_the_deny_share_by_nationality(tiny: Callable[..., Scenario]) -> None:
    pars = tiny().pars
    assert [pars.p_deny(nat) for nat in NATIONALITIES] == [
        getattr(pars, f"p_deny_{nat.lower()}") for nat in NATIONALITIES
    ]
    with pytest.raises(ValueError, match="unknown nationality 'XYZ'"):
        pars.p_deny("XYZ")


def write_table(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "parameters.csv"
    path.write_text("".join(rows), encoding="utf-8")
    return path


def test_a_row_the_model_does_not_read_fails_naming_file_and_row(tmp_path: Path) -> None:
    rows = table_rows()
    path = write_table(tmp_path, [*rows, "p_renig,0.02,0.002,0.05,per day,,a typo\n"])
    _, problems = read_parameter_table(path)
    (p,) = problems
    assert p.file.endswith("parameters.csv")
    assert p.where == f"row {len(rows)} (p_renig)" and p.value == "p_renig"
    assert "unknown parameter" in p.message and "Parameters" in p.message


def test_a_parameter_without_a_row_fails_naming_it(tmp_path: Path) -> None:
    rows = [row for row in table_rows() if not row.startswith("p_renege,")]
    _, problems = read_parameter_table(write_table(tmp_path, rows))
    (p,) = problems
    assert p.file.endswith("parameters.csv") and p.where == "name"
    assert "'p_renege'" in p.message and "no row" in p.message


def test_a_table_out_of_step_fails_at_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_table(tmp_path / "table", [*table_rows(), "p_new,1,0,1,share,,a new one\n"])
    monkeypatch.setattr(load, "PARAMETERS_FILE", path)
    with pytest.raises(ScenarioError) as info:
        load.load_scenario(write_scenario(tmp_path / "sc"))
    new_row = f"row {len(table_rows())} (p_new)"  # the row after the bundled table's last
    assert any(new_row in p.where for p in info.value.problems), str(info.value)


def test_a_scenario_built_without_a_parameter_is_refused(tiny: Callable[..., Scenario]) -> None:
    data = tiny().model_dump(by_alias=True)
    del data["parameters"]["p_renege"]
    with pytest.raises(ScenarioError) as info:
        revalidate(data, origin="api")
    (p,) = info.value.problems
    assert p.where == "parameters" and "missing parameter(s) 'p_renege'" in p.message
