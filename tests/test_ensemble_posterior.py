"""Ensembles that draw the fitted parameters from a calibration's posterior (``posterior=``).

The world: people appear at Tijuana (30 a day, Poisson, for 15 days) and join San
Ysidro's list at once; the port admits 20 a day. The list at the end (the target
``list``) and the people who left the list (the indicator
``waits_per_port.san_ysidro.left_list``) both depend on ``p_renege``, which is fitted.
A run takes about 10 ms, so these tests run whole ensembles and calibrations.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import borderflow
import calibration_cases
from borderflow.analysis import ensemble as ens
from borderflow.analysis.executor import task_seed
from borderflow.analysis.posterior import PosteriorError, load_posterior
from borderflow.engine.run import run as run_engine
from borderflow.interfaces.cli import app
from borderflow.results.indicators import flatten
from borderflow.results.results import Results
from borderflow.scenario.load import load_scenario
from borderflow.scenario.schema import Scenario
from conftest import write_scenario

NAME = "posterior-world"
#: The known-truth world's dates and network, under a name of its own.
HEAD = calibration_cases.HEAD.replace('"known-truth"', f'"{NAME}"').replace(
    "Targets made from known assumption values", "A metered port whose reneging is fitted"
)
BODY = """
[levers]
quota = {{ default = 20 }}
beds = {{ default = 0 }}

[parameters]
p_join_waitlist = {{ value = 1.0, low = 1.0, high = 1.0, reason = "everyone queues" }}
p_renege = {{ value = 0.02, low = 0.005, high = 0.1, reason = "to be fitted" }}

[background]
daily = {{ OTH = 30 }}
origins = {{ OTH = "tijuana" }}
destinations = {{ tijuana = 1.0 }}

[[target]]
id = "list"
role = "fit"
fitted = "p_renege"
quantity = "people on San Ysidro's list at the end"
date = 2020-01-15
measure = "stock"
places = ["san_ysidro"]
states = ["waiting_unsheltered"]
reported = {reported:.1f}
low = {low:.2f}
high = {high:.2f}
source = "synthetic"
note = "made by the test"
"""
#: The quantity predicted: people who left the list (never fitted).
LEFT = "waits_per_port.san_ysidro.left_list"

cli = CliRunner()


def world(folder: Path, observed: float = 120.0) -> Scenario:
    """The scenario, its one target reporting ``observed`` people on the list (±5%)."""
    body = BODY.format(reported=observed, low=0.95 * observed, high=1.05 * observed)
    return load_scenario(write_scenario(folder, body, head=HEAD))


def calibration_folder(
    folder: Path,
    particles: dict[str, list[float]],
    weights: list[float],
    scenario: str = NAME,
) -> Path:
    """A calibration folder as `borderflow calibrate` writes it, holding what an ensemble reads."""
    folder.mkdir(parents=True, exist_ok=True)
    fitted = {name: float(np.average(v, weights=weights)) for name, v in particles.items()}
    (folder / "fitted.json").write_text(json.dumps({"scenario": scenario, "parameters": fitted}))
    table = pd.DataFrame(particles).assign(weight=weights, distance=0.5)
    table.to_parquet(folder / "posterior.parquet")
    return folder


@pytest.fixture(scope="module")
def sc(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def spread(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A posterior of five particles with unequal weights across p_renege's range."""
    return calibration_folder(
        tmp_path_factory.mktemp("spread") / "cal",
        {"p_renege": [0.01, 0.03, 0.05, 0.07, 0.09]},
        [0.1, 0.3, 0.2, 0.3, 0.1],
    )


def band(res: ens.EnsembleResults, indicator: str = LEFT) -> tuple[float, float]:
    row = res.indicators.set_index("indicator").loc[indicator]
    return float(row["p05"]), float(row["p95"])


# ------------------------------------------------------------------ the draws


def test_same_seed_same_draws_and_same_bytes_with_one_or_two_workers(sc, spread, tmp_path):
    a = ens.ensemble(sc, 6, seed=3, out=tmp_path / "a", posterior=spread, workers=1)
    b = ens.ensemble(sc, 6, seed=3, out=tmp_path / "b", posterior=spread, workers=2)
    posterior = load_posterior(spread)
    expected = [posterior.draw(3, i) for i in range(6)]
    assert a.parameters is not None and b.parameters is not None
    pd.testing.assert_frame_equal(a.parameters, b.parameters, check_exact=True)
    assert a.parameters.columns.tolist() == ["run", "seed", "particle", "p_renege"]
    assert a.parameters["run"].tolist() == list(range(6))
    assert a.parameters["seed"].tolist() == [task_seed(3, i) for i in range(6)]
    assert a.parameters["particle"].tolist() == [d.particle for d in expected]
    assert a.parameters["p_renege"].tolist() == [d.values[0] for d in expected]
    assert a.parameters["particle"].nunique() > 1, "six runs drew more than one particle"
    for i in range(6):
        name = ens.shard_name(i)
        shard_a, shard_b = a.folder / "shards" / name, b.folder / "shards" / name
        assert shard_a.read_bytes() == shard_b.read_bytes(), name
        meta = ens.read_shard_meta(shard_a)
        assert (meta["particle"], meta["parameters"]) == (
            expected[i].particle,
            {"p_renege": expected[i].values[0]},
        )
    for name in ("daily.parquet", "indicators.csv", "targets.csv", "parameters.csv"):
        assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes(), name
    # Another seed draws other particles; the draw never depends on the run's own seed stream.
    other = [posterior.draw(4, i).particle for i in range(40)]
    assert other != [posterior.draw(3, i).particle for i in range(40)]


def test_all_the_weight_on_one_particle_gives_its_values_in_every_run(sc, tmp_path):
    cal = calibration_folder(tmp_path / "cal", {"p_renege": [0.01, 0.08, 0.03]}, [0, 1, 0])
    res = ens.ensemble(sc, 5, seed=1, posterior=cal)
    assert res.parameters is not None
    assert res.parameters["particle"].tolist() == [1] * 5
    assert res.parameters["p_renege"].tolist() == [0.08] * 5
    # The runs ran with it: the bands are those of the scenario set to 0.08, same seeds.
    at = ens.ensemble(sc.with_parameters(p_renege=0.08), 5, seed=1)
    pd.testing.assert_frame_equal(res.indicators, at.indicators, check_exact=True)
    pd.testing.assert_frame_equal(res.daily, at.daily, check_exact=True)


def test_draws_follow_the_weights(tmp_path):
    cal = calibration_folder(tmp_path / "cal", {"p_renege": [0.02, 0.06]}, [0.25, 0.75])
    posterior = load_posterior(cal)
    n = 400
    first = sum(posterior.draw(11, i).particle == 0 for i in range(n))
    # Binomial(400, 0.25): sd = sqrt(400 × 0.25 × 0.75) ≈ 8.7 draws; allow four sd.
    assert abs(first - 0.25 * n) <= 4 * math.sqrt(n * 0.25 * 0.75), first


def test_posterior_bands_are_wider_than_seed_only_bands_where_the_parameter_matters(
    sc, spread, tmp_path
):
    seed_only = ens.ensemble(sc.with_parameters(p_renege=0.05), 30, seed=2)
    with_posterior = ens.ensemble(sc, 30, seed=2, posterior=spread)
    low, high = band(seed_only)
    p_low, p_high = band(with_posterior)
    assert p_high - p_low > 2 * (high - low), ((low, high), (p_low, p_high))
    assert seed_only.bands == "seed" and with_posterior.bands == "parameters and seed"
    assert "vary the seed only" in seed_only.bands_sentence
    assert seed_only.parameters is None


def test_the_manifest_and_the_folder_say_which_kind_of_band(sc, spread, tmp_path):
    res = ens.ensemble(sc, 2, seed=1, out=tmp_path / "e", posterior=spread)
    manifest = json.loads((tmp_path / "e" / "manifest.json").read_text())
    assert manifest["bands"] == "parameters and seed"
    assert manifest["posterior"]["calibration"] == str(spread)
    assert manifest["posterior"]["parameters"] == ["p_renege"]
    assert "parameters.csv" in manifest["files"]
    sentence = res.bands_sentence
    assert sentence == (
        f"Bands: 5–95% over 2 runs that draw the fitted parameters (p_renege) from "
        f"calibration {spread}'s posterior and vary the seed."
    )
    back = borderflow.read_ensemble(tmp_path / "e")
    assert back.bands == "parameters and seed" and back.bands_sentence == sentence
    pd.testing.assert_frame_equal(back.parameters, res.parameters)
    plain = ens.ensemble(sc, 2, seed=1, out=tmp_path / "plain")
    assert plain.manifest["bands"] == "seed" and plain.manifest["posterior"] is None
    assert not (tmp_path / "plain" / "parameters.csv").exists()
    assert plain.bands_sentence == "Bands: 5–95% over 2 runs that vary the seed only."


def test_a_calibration_object_is_a_posterior_too(sc, tmp_path):
    cal = borderflow.calibrate(sc, budget=40, seed=2, params=["p_renege"], population=10)
    cal.write(tmp_path / "cal")
    from_object = ens.ensemble(sc, 3, seed=1, posterior=cal)
    from_folder = ens.ensemble(sc, 3, seed=1, posterior=tmp_path / "cal")
    pd.testing.assert_frame_equal(from_object.parameters, from_folder.parameters)
    assert (
        from_object.manifest["posterior"]["fingerprint"]
        == (from_folder.manifest["posterior"]["fingerprint"])
    )
    assert f"the calibration of {NAME} (seed 2)'s posterior" in from_object.bands_sentence
    # The calibrated copy of the scenario takes its calibration's posterior as well.
    ens.ensemble(cal.scenario, 1, seed=1, posterior=cal)


# ------------------------------------------------------------------ refusals


def refused(sc: Scenario, posterior: object, out: Path, *words: str) -> str:
    with pytest.raises(PosteriorError) as caught:
        ens.ensemble(sc, 2, seed=1, out=out, posterior=posterior)
    message = str(caught.value)
    for word in words:
        assert word in message, (word, message)
    assert not out.exists(), "nothing is written before the posterior is checked"
    return message


def test_a_calibration_of_another_scenario_is_refused(sc, tmp_path):
    cal = calibration_folder(tmp_path / "cal", {"p_renege": [0.02]}, [1.0], scenario="other")
    refused(
        sc,
        cal,
        tmp_path / "e",
        str(cal / "fitted.json"),
        "fitted to scenario other",
        f"expected a calibration of {NAME}",
    )
    unknown = calibration_folder(tmp_path / "cal2", {"p_nothing": [0.5]}, [1.0])
    refused(sc, unknown, tmp_path / "e", str(unknown / "posterior.parquet"), "p_nothing")
    fixed = calibration_folder(tmp_path / "cal3", {"p_join_waitlist": [1.0]}, [1.0])
    refused(sc, fixed, tmp_path / "e", "p_join_waitlist", "low = high")


def test_a_value_outside_its_range_never_runs(sc, tmp_path):
    cal = calibration_folder(tmp_path / "cal", {"p_renege": [0.02, 0.5]}, [0.5, 0.5])
    refused(sc, cal, tmp_path / "e", str(cal / "posterior.parquet"), "particle 1", "[0.005, 0.1]")


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda cal: (cal / "posterior.parquet").unlink(), ["posterior.parquet is missing"]),
        (
            lambda cal: (cal / "posterior.parquet").write_bytes(b"not parquet"),
            ["posterior.parquet cannot be read as Parquet"],
        ),
        (lambda cal: (cal / "fitted.json").unlink(), ["fitted.json is missing"]),
        (
            lambda cal: (cal / "fitted.json").write_text("{half"),
            ["fitted.json cannot be read", "expected the JSON object"],
        ),
        (
            lambda cal: (cal / "fitted.json").write_text('{"scenario": "x"}'),
            ["lacks the fitted parameters"],
        ),
        (
            lambda cal: pd.DataFrame({"p_renege": [0.02]}).to_parquet(cal / "posterior.parquet"),
            ["lacks the column(s) weight"],
        ),
        (
            lambda cal: pd.DataFrame({"p_renege": [0.02], "weight": [-1.0]}).to_parquet(
                cal / "posterior.parquet"
            ),
            ["weights are not all non-negative"],
        ),
    ],
)
def test_a_missing_or_damaged_file_is_named(sc, tmp_path, damage, words):
    cal = calibration_folder(tmp_path / "cal", {"p_renege": [0.02]}, [1.0])
    damage(cal)
    refused(sc, cal, tmp_path / "e", str(cal), *words)


def test_a_folder_that_is_no_calibration_is_named(sc, tmp_path):
    refused(sc, tmp_path / "nowhere", tmp_path / "e", "nowhere does not exist", "fitted.json")
    (tmp_path / "empty").mkdir()
    refused(sc, tmp_path / "empty", tmp_path / "e", "is not a calibration folder")


def test_resuming_with_another_posterior_or_none_is_refused(sc, spread, tmp_path):
    out = tmp_path / "e"
    ens.ensemble(sc, 2, seed=1, out=out, posterior=spread)
    other = calibration_folder(tmp_path / "other", {"p_renege": [0.01, 0.09]}, [0.5, 0.5])
    with pytest.raises(ValueError, match="another scenario or seed") as caught:
        ens.ensemble(sc, 3, seed=1, out=out, resume=True, posterior=other)
    assert f"from calibration {spread}'s posterior" in str(caught.value)
    assert f"not from calibration {other}'s posterior" in str(caught.value)
    with pytest.raises(ValueError, match="none was asked for") as caught:
        ens.ensemble(sc, 3, seed=1, out=out, resume=True)
    assert f"--posterior {spread}" in str(caught.value)
    # The same particles in another folder are the same posterior: the run goes on.
    moved = calibration_folder(
        tmp_path / "moved", {"p_renege": [0.01, 0.03, 0.05, 0.07, 0.09]}, [0.1, 0.3, 0.2, 0.3, 0.1]
    )
    res = ens.ensemble(sc, 3, seed=1, out=out, resume=True, posterior=moved)
    assert res.manifest["runs_this_session"] == 1 and len(res.parameters) == 3
    plain = tmp_path / "plain"
    ens.ensemble(sc, 1, seed=1, out=plain)
    with pytest.raises(ValueError, match="it varies the seed only"):
        ens.ensemble(sc, 2, seed=1, out=plain, resume=True, posterior=spread)


def test_the_command_line_says_which_band_and_refuses_clearly(sc, spread, tmp_path):
    path = tmp_path / "world"
    world(path)
    out = tmp_path / "e"
    args = ["ensemble", str(path / "scenario.toml"), "--runs", "2", "--out", str(out)]
    result = cli.invoke(app, [*args, "--posterior", str(spread)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "draw the fitted parameters (p_renege) from calibration" in text
    assert (out / "parameters.csv").is_file()
    report = (out / "report.html").read_text()
    assert "draw the fitted parameters (p_renege) from calibration" in report

    wrong = calibration_folder(tmp_path / "wrong", {"p_renege": [0.02]}, [1.0], scenario="other")
    bad_out = tmp_path / "bad"
    bad = ["ensemble", str(path / "scenario.toml"), "--runs", "2", "--out", str(bad_out)]
    result = cli.invoke(app, [*bad, "--posterior", str(wrong)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert "fitted to scenario other" in " ".join(result.output.split())
    assert not bad_out.exists()

    plain = ["ensemble", str(path / "scenario.toml"), "--runs", "1", "--out", str(tmp_path / "p")]
    result = cli.invoke(app, plain)
    assert result.exit_code == 0, result.output
    assert "Bands: 5–95% over 1 runs that vary the seed only." in " ".join(result.output.split())


# ------------------------------------------------------------------ coverage

#: Coverage of a 90% band: R repetitions, each a truth, a calibration and two ensembles.
NOMINAL = 0.90


def coverage(
    folder: Path, repetitions: int, runs: int, budget: int, written: bool = True
) -> tuple[float, float]:
    """How often the 90% band of the posterior ensemble, and of the seed-only ensemble at
    the point fit, covers the truth.

    Each repetition draws a true ``p_renege`` from its prior range (a fixed seed),
    simulates the truth with it (one run), reports its list as the observation, calibrates
    to it (ABC-SMC and point fit, ``budget`` simulations), then runs ``runs`` runs with the
    posterior and ``runs`` runs at the point fit, and asks whether each 5–95% band of the
    people who left the list holds the truth's figure (a quantity never fitted). With
    ``written`` the ensemble reads the calibration's folder, else the object.
    """
    base = world(folder / "base")
    prior = base.parameters["p_renege"]
    rng = np.random.default_rng(2024)
    posterior_hits = seed_hits = 0
    for r in range(repetitions):
        truth = base.with_parameters(p_renege=float(rng.uniform(prior.low, prior.high)))
        ran = Results(run_engine(truth, 50_000 + r))
        observed = float(ran.targets["simulated"].iloc[0])
        left = flatten(ran.summary_dict)[LEFT]
        sc = world(folder / f"r{r}", observed)
        cal = borderflow.calibrate(
            sc,
            budget=budget,
            seed=r + 1,
            params=["p_renege"],
            population=20,
            check_runs=2,
            out=folder / f"cal{r}" if written else None,
        )
        posterior = folder / f"cal{r}" if written else cal
        low, high = band(ens.ensemble(sc, runs, seed=r + 1, posterior=posterior))
        posterior_hits += low <= left <= high
        low, high = band(ens.ensemble(cal.scenario, runs, seed=r + 1))
        seed_hits += low <= left <= high
    return posterior_hits / repetitions, seed_hits / repetitions


@pytest.mark.slow
def test_posterior_bands_cover_a_synthetic_truth_at_the_nominal_rate(tmp_path):
    posterior, seed_only = coverage(tmp_path, repetitions=20, runs=40, budget=100)
    # 20 repetitions of a 90% band: the share covered has sd sqrt(0.9 × 0.1 / 20) ≈ 0.067,
    # so 0.75 is over two sd below nominal. A 5–95% band over 40 runs covers a new draw
    # about 86% of the time even from the exact law (order statistics), and ABC's
    # tolerance widens the posterior: anything from 0.75 to 1 is honest. (Measured: 18 of
    # these 20, against 11 for seed-only bands; 84 and 50 of 100 over 100 repetitions.)
    assert 0.75 <= posterior <= 1.0, posterior
    # The seed-only bands at the point fit fail that same test: without the parameters'
    # uncertainty the band is too narrow to be honest.
    assert seed_only < 0.75, seed_only
    assert seed_only < posterior - 0.2, (posterior, seed_only)


def test_posterior_bands_cover_a_synthetic_truth_small(tmp_path):
    posterior, seed_only = coverage(tmp_path, repetitions=5, runs=20, budget=80, written=False)
    # Five repetitions; a 5–95% band over 20 runs covers a new draw about 81% of the time
    # (order statistics), so three misses or more have probability about 5% (0.9% at 0.9).
    assert posterior >= 3 / 5, posterior
    assert seed_only <= posterior, (posterior, seed_only)
