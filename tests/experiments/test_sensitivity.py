"""The SALib wrapper against functions whose indices are known (Ishigami, a toy screen)."""

from __future__ import annotations

import numpy as np
import pytest

from ffcast.errors import FFCastError
from ffcast.experiments import analyse_function
from ffcast.experiments.sensitivity import ishigami, ishigami_indices

PI3 = np.array([[-np.pi, np.pi]] * 3)


def test_ishigami_analytic_values_are_the_published_ones() -> None:
    ref = ishigami_indices()
    assert ref["S1"].to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=1e-3)
    assert ref["ST"].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=1e-3)


def test_sobol_wrapper_recovers_ishigami_indices_with_intervals() -> None:
    res = analyse_function("sobol", ishigami, ["x1", "x2", "x3"], PI3, samples=2048, seed=7)
    ref = ishigami_indices()
    assert res.evaluations == 2048 * 5
    assert res.table["S1"].to_numpy() == pytest.approx(ref["S1"].to_numpy(), abs=0.05)
    assert res.table["ST"].to_numpy() == pytest.approx(ref["ST"].to_numpy(), abs=0.05)
    conf = res.table[["S1_conf", "ST_conf"]].to_numpy()
    assert np.all(conf > 0) and np.all(conf < 0.1)
    # The analytic values lie within (a generous multiple of) the reported intervals.
    for col in ("S1", "ST"):
        err = np.abs(res.table[col] - ref[col]).to_numpy()
        assert np.all(err <= 3 * res.table[f"{col}_conf"].to_numpy() + 0.01)


def test_morris_ranks_the_dominant_input_first() -> None:
    def toy(x: np.ndarray) -> np.ndarray:
        return 10 * x[:, 2] + x[:, 0] + 0.1 * x[:, 1] ** 2

    names = ["a", "b", "dominant", "inert"]
    res = analyse_function("morris", toy, names, np.array([[0.0, 1.0]] * 4), samples=20,
                           seed=1)
    ranked = res.table["mu_star"].sort_values(ascending=False).index.tolist()
    assert ranked[0] == "dominant"
    assert ranked[-1] == "inert" and res.table.loc["inert", "mu_star"] == 0
    assert res.table.loc["dominant", "mu_star"] == pytest.approx(10, rel=1e-6)


def test_same_seed_same_indices_and_unknown_method_suggests() -> None:
    a = analyse_function("sobol", ishigami, ["x1", "x2", "x3"], PI3, samples=64, seed=3)
    b = analyse_function("sobol", ishigami, ["x1", "x2", "x3"], PI3, samples=64, seed=3)
    assert a.table.equals(b.table)
    with pytest.raises(FFCastError, match="did you mean 'sobol'"):
        analyse_function("sobl", ishigami, ["x1", "x2", "x3"], PI3, samples=64)
