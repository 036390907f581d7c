"""Every sourced figure points at a fact that exists in the shared data."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from borderflow.interfaces.api import load_scenario, scenarios

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FACT_ID = re.compile(r"\b([FPO]\d{2})\b")


def _known_ids() -> set[str]:
    ids: set[str] = set()
    for name in ("seed_facts.csv", "parameters.csv", "observations.csv"):
        with (SHARED / name).open(encoding="utf-8") as handle:
            ids |= {row["id"] for row in csv.DictReader(handle)}
    return ids


@pytest.fixture(scope="module")
def known() -> set[str]:
    if not SHARED.is_dir():
        pytest.skip("the shared data folder is not beside the repository")
    return _known_ids()


@pytest.mark.parametrize("name", scenarios())
def test_cited_fact_ids_exist(name: str, known: set[str]) -> None:
    sc = load_scenario(name)
    cited: list[str] = []
    for p in sc.parameters.values():
        cited += FACT_ID.findall(p.source or "") + FACT_ID.findall(p.reason or "")
    for t in sc.targets:
        cited += FACT_ID.findall(t.source)
    for pol in sc.policies:
        cited += FACT_ID.findall(pol.source or "")
    assert cited, "a bundled scenario cites its facts"
    assert sorted(set(cited) - known) == []


@pytest.mark.parametrize("name", scenarios())
def test_every_assumption_has_a_reason_and_a_range(name: str) -> None:
    for pname, p in load_scenario(name).parameters.items():
        assert p.low <= p.value <= p.high, pname
        if p.is_assumption:
            assert p.reason and len(p.reason) > 20, pname
