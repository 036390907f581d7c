"""The results of the bundled scenarios and of a Flee scenario, held while the code is rebuilt.

Every result file of the four bundled scenarios and of Flee's mali, at two seeds each, is
reduced to a digest of its contents (a Parquet table as its rows, JSON with sorted keys,
CSV as written; not the file's bytes, since a Parquet file also names the library that
wrote it), and the digests are kept in ``data/result_digests.json``. A change that should
not alter behaviour leaves every digest as it was. A change meant to alter results records
them again (``python tests/test_unchanged.py``) and its commit says why.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from borderflow.flee.out import write_out
from borderflow.interfaces import api
from borderflow.results.store import MANIFEST

DIGESTS = Path(__file__).parent / "data" / "result_digests.json"
FLEE = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"
SCENARIOS = ("caravan-2018-spring", "caravan-2018-fall", "remain-in-mexico-2019", "national-fy2019")
SEEDS = (1, 2)


#: What a summary records of where and how fast it ran, not of what it found.
CIRCUMSTANCES = ("scenario", "seconds", "agent_days_per_second")


def digest_of(path: Path) -> str:
    """A digest of a result file's contents, independent of the library that wrote it."""
    if path.suffix == ".parquet":
        text = pd.read_parquet(path).to_csv(index=False).encode()
    elif path.suffix == ".json":
        data = json.loads(path.read_text())
        if path.name == "summary.json" and "agent_days" in data:  # a Flee run's summary
            data = {k: v for k, v in data.items() if k not in CIRCUMSTANCES}
        text = json.dumps(data, sort_keys=True).encode()
    else:
        text = path.read_bytes()
    return hashlib.sha256(text).hexdigest()[:20]


def digests_of(folder: Path) -> dict[str, str]:
    """Each result file's digest; the manifest, which names the version, is left out."""
    return {p.name: digest_of(p) for p in sorted(folder.iterdir()) if p.name != MANIFEST}


def results_of(case: str, seed: int, folder: Path) -> dict[str, str]:
    """Run one case into ``folder`` and digest what it wrote."""
    if case == "flee-mali":
        sc = api.load_flee(
            FLEE / "conflict_input" / "mali", FLEE / "conflict_validation" / "mali2012"
        )
        write_out(api.run_flee_rules(sc, seed), folder)
    else:
        api.run(api.load_scenario(case), seed).write(folder)
    return digests_of(folder)


CASES = [(case, seed) for case in (*SCENARIOS, "flee-mali") for seed in SEEDS]


@pytest.mark.parametrize(("case", "seed"), CASES, ids=[f"{c}-seed{s}" for c, s in CASES])
def test_results_are_unchanged(case: str, seed: int, tmp_path: Path) -> None:
    if case == "flee-mali" and not FLEE.is_dir():
        pytest.skip("the shared Flee scenarios are not beside this checkout")
    recorded = json.loads(DIGESTS.read_text())[f"{case}-seed{seed}"]
    assert results_of(case, seed, tmp_path / "out") == recorded


#: The fall caravan's event log at seed 1, each person's events in their order (rows sorted
#: by person, stably). Recorded when stages became objects (the stories were those of commit
#: f9d073c); re-recorded when unaccompanied children took their own legal track (HHS custody),
#: which changes the stories of the caravan's children, and when a lawyer came to change how
#: often a person misses a hearing (lawyer_absentia_factor), which changes who is ordered
#: removed in absentia; and when people came to travel as households (a family's members
#: live its lead's story), with family residential centres, Border Patrol's holding limit,
#: removal orders holding ICE beds and MPP cases ending in termination; and when the
#: scenario came to show the court order that stopped the asylum ban (19 Nov 2018) and
#: MPP's start at Tijuana (29 Jan 2019); and when Tijuana's list came to be fed by people
#: who are not caravan members, some holders came to wait away and miss their numbers,
#: visas came to be taken by people who keep their place, patience came to answer beds and
#: danger, and caravan households came to linger behind their wave.
PERSON_STORIES = "4db6db75e663f80bca93"


def test_every_persons_story_in_the_event_log_is_unchanged() -> None:
    res = api.run(api.load_scenario("caravan-2018-fall"), 1, events=True)
    assert res.events is not None
    stories = res.events.sort_values("person", kind="stable").to_csv(index=False)
    assert hashlib.sha256(stories.encode()).hexdigest()[:20] == PERSON_STORIES


def record() -> None:
    """Run every case and write its digests to ``data/result_digests.json``."""
    import tempfile

    digests = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case, seed in CASES:
            digests[f"{case}-seed{seed}"] = results_of(case, seed, Path(tmp) / f"{case}-{seed}")
    DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    record()
