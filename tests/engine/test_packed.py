"""Particle states packed in memory (issue 21): what a chunk unpacks is exactly what was
stored, whatever the particles asked for, their order, repeats, or how the array was read.

Class of defect: a run that starts a draw from another particle's state, or from a state
with a count lost or moved to another slot, would finish with wrong numbers and no error.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ffcast.engine import Snapshot
from ffcast.engine.packed import PackedCounts, PackedSnapshot


def _sparse_arrays() -> st.SearchStrategy[np.ndarray]:
    shapes = st.tuples(st.integers(0, 9), st.integers(1, 5), st.integers(1, 7))
    return shapes.flatmap(lambda s: hnp.arrays(
        st.sampled_from([np.int32, np.int64]), s,
        elements=st.one_of(st.just(0), st.just(0), st.integers(-3, 2**31 - 1))))


@settings(max_examples=150, deadline=None)
@given(dense=_sparse_arrays(), data=st.data())
def test_unpacking_any_particles_gives_their_stored_counts(dense, data):
    packed = PackedCounts.pack(dense)
    assert packed.shape == dense.shape and packed.dtype == dense.dtype
    assert packed.values.size == np.count_nonzero(dense)
    np.testing.assert_array_equal(packed.dense(), dense)
    if len(dense):
        which = np.array(data.draw(st.lists(st.integers(-len(dense), len(dense) - 1),
                                            max_size=20)), dtype=np.int64)
        got = packed.rows(which, np.int64)
        assert got.dtype == np.int64 and got.shape == (len(which), *dense.shape[1:])
        np.testing.assert_array_equal(got, dense[which].astype(np.int64))


@settings(max_examples=60, deadline=None)
@given(dense=_sparse_arrays(), block=st.integers(1, 4), cut=st.integers(0, 9))
def test_packing_by_blocks_and_joining_parts_change_nothing(dense, block, cut):
    whole = PackedCounts.pack(dense)
    blocks = PackedCounts.from_blocks(dense.shape, (dense[lo:lo + block]
                                                    for lo in range(0, len(dense), block)))
    cut = min(cut, len(dense))
    joined = PackedCounts.concat([PackedCounts.pack(dense[:cut]),
                                  PackedCounts.pack(dense[cut:])])
    for other in (blocks, joined):
        assert other.shape == whole.shape
        for a in ("indptr", "index", "values"):
            np.testing.assert_array_equal(getattr(other, a), getattr(whole, a), err_msg=a)


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="3-D"):
        PackedCounts.from_blocks((2, 3), [np.zeros((2, 3), dtype=np.int32)])
    with pytest.raises(ValueError, match="integer"):
        PackedCounts.pack(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="blocks hold 1 rows"):
        PackedCounts.from_blocks((2, 3, 4), [np.zeros((1, 3, 4), dtype=np.int32)])
    with pytest.raises(IndexError):
        PackedCounts.pack(np.zeros((2, 3, 4), dtype=np.int32)).rows(np.array([2]))
    with pytest.raises(ValueError, match="different shapes"):
        PackedCounts.concat([PackedCounts.pack(np.zeros((1, 2, 2), dtype=np.int32)),
                             PackedCounts.pack(np.zeros((1, 2, 3), dtype=np.int32))])


def _snapshot(rng: np.random.Generator, n: int, month: int = 5) -> Snapshot:
    c, rows = 2, 6
    state = rng.integers(0, 4, size=(n, rows, 11)) * (rng.random((n, rows, 11)) < 0.2)
    return Snapshot(month, ("AAA", "BBB"), state.astype(np.int64), rng.random((n, 4, 3)),
                    rng.integers(0, 9, (n, c, 5)), rng.integers(0, 9, (n, c, 5)),
                    rng.random((n, 4)), rng.random((n, 4)),
                    rng.integers(0, 9, (n, c, 3, 2)), rng.integers(0, 9, (n, c, 3, 2)))


def test_a_packed_snapshot_takes_exactly_what_the_dense_one_does():
    rng = np.random.default_rng(0)
    snap = _snapshot(rng, 12)
    packed = PackedSnapshot.of(snap)
    assert PackedSnapshot.of(packed) is packed and len(packed) == 12
    pick = rng.integers(0, 12, 30)
    a, b = packed.take(pick), snap.take(pick)
    assert isinstance(a, Snapshot) and (a.month, a.countries) == (b.month, b.countries)
    for name in Snapshot.ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        np.testing.assert_array_equal(getattr(packed, name), getattr(snap, name), err_msg=name)
    assert a.state.dtype == np.int64
    joined = PackedSnapshot.concat([PackedSnapshot.of(snap.take(np.arange(5))),
                                    PackedSnapshot.of(snap.take(np.arange(5, 12)))])
    for name in Snapshot.ARRAYS:
        np.testing.assert_array_equal(getattr(joined, name), getattr(snap, name), err_msg=name)
    with pytest.raises(ValueError, match="one month"):
        PackedSnapshot.concat([packed, PackedSnapshot.of(_snapshot(rng, 2, month=6))])
