"""PRIM peeling on synthetic data with a planted box."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast.errors import FFCastError
from ffcast.experiments import peel, prim

PLANTED = np.array([[0.2, 0.5], [0.6, 0.9]])


def _planted(n: int, seed: int, dims: int = 2) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(seed).uniform(size=(n, dims))
    y = np.all((x[:, :2] >= PLANTED[:, 0]) & (x[:, :2] <= PLANTED[:, 1]), axis=1)
    return x, y


@pytest.mark.parametrize("dims", [2, 4])
def test_prim_recovers_a_planted_box(dims: int) -> None:
    x, y = _planted(3000, seed=1, dims=dims)
    box, trajectory = prim(x, y, bounds=np.array([[0.0, 1.0]] * dims))
    assert np.abs(box.limits[:2] - PLANTED).max() < 0.1
    assert box.density > 0.9 and box.coverage > 0.8
    assert set(box.restricted()) == {"x1", "x2"}  # the noise dimensions stay free
    assert trajectory[0].coverage == 1 and trajectory[0].mass == 1


def test_trajectory_trades_coverage_for_density() -> None:
    x, y = _planted(2000, seed=2)
    trajectory = peel(x, y)
    cov = [b.coverage for b in trajectory]
    mass = [b.mass for b in trajectory]
    assert all(np.diff(cov) <= 1e-12) and all(np.diff(mass) < 0)
    assert trajectory[-1].mass >= 0.05
    assert max(b.density for b in trajectory) == 1.0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), alpha=st.floats(0.02, 0.3))
def test_box_statistics_are_consistent(seed: int, alpha: float) -> None:
    x, y = _planted(300, seed=seed)
    if not y.any():
        return
    for b in peel(x, y, alpha=alpha):
        inside = np.all((x >= b.limits[:, 0]) & (x <= b.limits[:, 1]), axis=1)
        assert b.mass == pytest.approx(inside.mean())
        assert b.cases == int(y[inside].sum())
        assert b.coverage == pytest.approx(y[inside].sum() / y.sum())


def test_bad_input_is_one_clear_error() -> None:
    x, y = _planted(100, seed=3)
    with pytest.raises(FFCastError, match="no sample point"):
        prim(x, np.zeros(100, bool))
    with pytest.raises(FFCastError, match="alpha"):
        prim(x, y, alpha=0.7)
    with pytest.raises(FFCastError, match=r"\(n, k\)"):
        prim(x, y[:10])
