"""The fast reduction of engine chunks gives exactly the reduction of their results Datasets
(so the report and dashboard's fast path cannot drift from the contract's definitions)."""

from __future__ import annotations

import dataclasses

import numpy as np

from ffcast import results
from ffcast.engine import prepare, run_chunk
from ffcast.report.reduce import Reduction, RunMeta, _meta_from_prep

SEED = 8


def test_add_chunk_equals_add_of_the_results_dataset() -> None:
    prep = prepare("insurgency", start="2014-01", end="2021-06")
    focus = ("FRA", "TUN")
    chunks = [run_chunk(prep, SEED, np.arange(i, min(i + 4, 9))) for i in (0, 4, 8)]
    datasets = [results.to_dataset(prep, ch, SEED) for ch in chunks]
    meta = RunMeta.from_dataset(datasets[0], focus, "simulated", "prior")
    fast_meta = _meta_from_prep(prep, SEED, focus, "simulated", "prior")
    for field in dataclasses.fields(RunMeta):
        a, b = getattr(meta, field.name), getattr(fast_meta, field.name)
        assert a.equals(b) if field.name == "months" else a == b, field.name
    slow, fast = Reduction.empty(meta, 9), Reduction.empty(meta, 9)
    for ds, ch in zip(datasets, chunks, strict=True):
        slow.add(ds)
        fast.add_chunk(ch)
    for field in dataclasses.fields(Reduction):
        a, b = getattr(slow.finish(), field.name), getattr(fast.finish(), field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
