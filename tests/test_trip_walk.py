"""Planned trips: the compiled walk and the NumPy walk give identical runs; trips add up."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import borderflow
from borderflow.engine.run import run as run_engine
from borderflow.interfaces.cli import app
from borderflow.model import kernels, trip_walk
from borderflow.model.queues import expand
from borderflow.model.world import TRANSIT_HAZARDS, Event


def test_event_codes_match_the_agenda() -> None:
    assert (trip_walk.ARRIVE, trip_walk.REFUGE) == (int(Event.ARRIVE), int(Event.REFUGE))
    assert list(trip_walk.HAZARDS) == [int(k) for k in TRANSIT_HAZARDS]


def test_expand_lists_each_run() -> None:
    got = expand(np.array([5, 0, 10, 3]), np.array([2, 0, 3, 1]))
    assert got.tolist() == [5, 6, 10, 11, 12, 3]
    assert expand(np.array([4]), np.array([0])).tolist() == []


@pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="Numba is not installed")
def test_compiled_and_numpy_walks_give_identical_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Road levers change on dated policies in this scenario, so redraws are covered too.
    sc = borderflow.load_scenario("national-fy2019").scaled(0.01)
    outputs = {}
    for kernel in ("numba", "numpy"):
        monkeypatch.setenv("BORDERFLOW_KERNEL", kernel)
        assert trip_walk.use_numba() == (kernel == "numba")
        outputs[kernel] = run_engine(sc, 3, check=True)
    a, b = outputs["numba"], outputs["numpy"]
    assert a.n_changes == b.n_changes
    assert np.array_equal(a.flows, b.flows)
    assert np.array_equal(a.stocks, b.stocks)
    for name in a.people:
        assert np.array_equal(a.people[name], b.people[name]), name


def test_hop_uniforms_are_uniform_and_independent_of_each_other() -> None:
    from scipy import stats

    rows = np.arange(200_000)
    u = trip_walk.hop_uniforms(np.uint64(2024), rows)
    assert u.shape == (len(rows), 2)
    assert (u >= 0).all() and (u < 1).all()
    assert np.array_equal(u, trip_walk.hop_uniforms(np.uint64(2024), rows))
    # Each column, and both together, uniform; neighbours and the two draws of a hop
    # uncorrelated; another key gives other draws.
    for sample in (u[:, 0], u[:, 1], u.ravel()):
        assert stats.kstest(sample, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.01
    other = trip_walk.hop_uniforms(np.uint64(2025), rows)
    assert abs(np.corrcoef(u.ravel(), other.ravel())[0, 1]) < 0.01
    # A row's draws do not depend on which other rows are asked for.
    assert np.array_equal(trip_walk.hop_uniforms(np.uint64(2024), rows[[7, 3]]), u[[7, 3]])


def test_an_unknown_kernel_is_an_error_not_the_other_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BORDERFLOW_KERNEL", "NUMPY")
    with pytest.raises(ValueError, match="expected numba or numpy"):
        kernels.use_numba()
    result = CliRunner().invoke(app, ["run", "caravan-2018-spring", "--no-report"])
    assert result.exit_code == 2
    assert "BORDERFLOW_KERNEL='NUMPY': expected numba or numpy" in result.output
