"""Particle states kept packed in memory: only the counts that are not zero.

Warning first: this is storage, not model. A posterior's particle states are the engine's
whole state of every particle at its origin, ``(particles, engine rows, N_STATE)``: for
1,000 particles of the 2016-12 posterior 216 rows x 166 slots, 143 MB of int32 of which
about 4% are not zero (most slots are the plot queue, empty for most origins and months).
A run reads them a chunk of draws at a time, so they are held as one compressed sparse row
per particle (:class:`PackedCounts`, ~12 MB) and each chunk gets its particles' dense rows
back, exactly (:meth:`PackedSnapshot.take` returns an ordinary
:class:`~ffcast.engine.simulate.Snapshot`; a property test checks the round trip).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ffcast.engine.simulate import Recording, Snapshot

#: Particles packed at a time when reading a dense array block by block.
PACK_BLOCK = 50


@dataclass(frozen=True)
class PackedCounts:
    """A 3-D integer array ``(n, rows, slots)`` as one sparse row per leading index:
    ``indptr`` (n + 1,) int64, ``index`` (nnz,) int32 positions in the flattened
    ``rows x slots``, ``values`` (nnz,) of the array's dtype."""

    shape: tuple[int, int, int]
    indptr: np.ndarray
    index: np.ndarray
    values: np.ndarray

    @classmethod
    def pack(cls, dense: np.ndarray) -> PackedCounts:
        """Pack a dense ``(n, rows, slots)`` integer array."""
        dense = np.asarray(dense)
        return cls.from_blocks(dense.shape, (dense[lo:lo + PACK_BLOCK]
                                             for lo in range(0, dense.shape[0], PACK_BLOCK)),
                               dense.dtype)

    @classmethod
    def from_blocks(cls, shape: tuple[int, ...], blocks: Iterable[np.ndarray],
                    dtype: np.dtype | type | None = None) -> PackedCounts:
        """Pack the consecutive blocks of leading rows of an array of ``shape`` and
        ``dtype`` (default: the blocks'), read one block at a time, so the dense array is
        never whole in memory."""
        if len(shape) != 3:
            raise ValueError(f"PackedCounts: a 3-D array, not shape {tuple(shape)}")
        n, width = int(shape[0]), int(shape[1]) * int(shape[2])
        if width >= 2**31:
            raise ValueError("PackedCounts: more than 2**31 cells per particle")
        counts, index, values = [], [], []
        seen = 0
        for block in blocks:
            flat = np.asarray(block).reshape(len(block), width)
            dtype = flat.dtype if dtype is None else dtype
            if flat.dtype.kind not in "iu":
                raise ValueError(f"PackedCounts: integer counts, not {flat.dtype}")
            r, c = np.nonzero(flat)
            counts.append(np.bincount(r, minlength=len(flat)))
            index.append(c.astype(np.int32))
            values.append(flat[r, c].astype(dtype, copy=False))
            seen += len(flat)
        if seen != n:
            raise ValueError(f"PackedCounts: the blocks hold {seen} rows, the shape says {n}")
        dtype = np.dtype(dtype if dtype is not None else np.int64)
        if dtype.kind not in "iu":
            raise ValueError(f"PackedCounts: integer counts, not {dtype}")
        indptr = np.zeros(n + 1, dtype=np.int64)
        if n:
            np.cumsum(np.concatenate(counts), out=indptr[1:])
        return cls((n, int(shape[1]), int(shape[2])), indptr,
                   np.concatenate(index) if index else np.zeros(0, np.int32),
                   np.concatenate(values) if values else np.zeros(0, dtype))

    @classmethod
    def concat(cls, parts: list[PackedCounts]) -> PackedCounts:
        """The parts one after the other along the leading axis (same rows x slots)."""
        if not parts:
            raise ValueError("PackedCounts.concat: nothing to join")
        inner = {p.shape[1:] for p in parts}
        if len(inner) != 1:
            raise ValueError(f"PackedCounts.concat: parts of different shapes {sorted(inner)}")
        offsets = np.cumsum([0] + [int(p.indptr[-1]) for p in parts])
        tails = [p.indptr[1:] + off for p, off in zip(parts, offsets[:-1], strict=True)]
        indptr = np.concatenate([np.zeros(1, dtype=np.int64), *tails])
        return cls((sum(len(p) for p in parts), *parts[0].shape[1:]), indptr,
                   np.concatenate([p.index for p in parts]),
                   np.concatenate([p.values for p in parts]))

    def check(self) -> PackedCounts:
        """Itself, once its parts are proved consistent (a file can be corrupt); raises
        ValueError naming the first inconsistency."""
        n, width = self.shape[0], self.shape[1] * self.shape[2]
        ptr, index, values = self.indptr, self.index, self.values
        if ptr.ndim != 1 or index.ndim != 1 or values.ndim != 1:
            raise ValueError("packed states: indptr, index and values must be 1-D")
        if ptr.dtype.kind not in "iu" or index.dtype.kind not in "iu" or \
                values.dtype.kind not in "iu":
            raise ValueError("packed states: integer indptr, index and values")
        if len(ptr) != n + 1 or (n + 1 and ptr[0] != 0):
            raise ValueError(f"packed states: {len(ptr)} pointers for {n} particles")
        if np.any(np.diff(ptr) < 0) or int(ptr[-1]) != len(values) or len(index) != len(values):
            raise ValueError("packed states: the pointers do not delimit the values")
        if index.size and (index.min() < 0 or index.max() >= width):
            raise ValueError(f"packed states: a position outside the {width} cells")
        if values.size and values.min() < 0:
            raise ValueError("packed states: a negative count")
        return self

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    @property
    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.index.nbytes + self.values.nbytes)

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, which: np.ndarray, dtype: np.dtype | type | None = None) -> np.ndarray:
        """The dense ``(len(which), rows, slots)`` array of leading indices ``which`` (any
        order, repeats allowed), of ``dtype`` (default: the packed values')."""
        which = np.asarray(which, dtype=np.int64).reshape(-1)
        n = self.shape[0]
        if which.size and (which.min() < -n or which.max() >= n):
            raise IndexError(f"PackedCounts: index out of range for {n} rows")
        which = np.where(which < 0, which + n, which)
        width = self.shape[1] * self.shape[2]
        out = np.zeros((which.size, width), dtype=dtype or self.values.dtype)
        starts = self.indptr[which]
        lens = self.indptr[which + 1] - starts
        total = int(lens.sum())
        if total:
            owner = np.repeat(np.arange(which.size), lens)
            first = np.cumsum(lens) - lens
            src = np.repeat(starts - first, lens) + np.arange(total)
            out[owner, self.index[src]] = self.values[src]
        return out.reshape(which.size, self.shape[1], self.shape[2])

    def dense(self, dtype: np.dtype | type | None = None) -> np.ndarray:
        """The whole array, dense."""
        return self.rows(np.arange(self.shape[0]), dtype)


@dataclass
class PackedSnapshot:
    """A :class:`~ffcast.engine.simulate.Snapshot` whose ``state`` is packed
    (:class:`PackedCounts`); the other arrays (a few MB) stay dense. :meth:`take` gives the
    ordinary snapshot of some particles (their state widened to int64, as the engine reads
    it); the ``state`` property is the whole dense array (for writing files and tests)."""

    month: int
    countries: tuple[str, ...]
    packed: PackedCounts
    ring: np.ndarray
    month_flows: np.ndarray
    total_flows: np.ndarray
    month_expected: np.ndarray
    total_expected: np.ndarray
    month_groups: np.ndarray
    total_groups: np.ndarray

    ARRAYS = Snapshot.ARRAYS
    _DENSE = tuple(a for a in Snapshot.ARRAYS if a != "state")

    @classmethod
    def of(cls, snap: Snapshot | PackedSnapshot) -> PackedSnapshot:
        """``snap`` packed (itself when it already is)."""
        if isinstance(snap, PackedSnapshot):
            return snap
        return cls(snap.month, snap.countries, PackedCounts.pack(snap.state),
                   **{a: getattr(snap, a) for a in cls._DENSE})

    @classmethod
    def concat(cls, parts: list[PackedSnapshot]) -> PackedSnapshot:
        """The snapshots of consecutive sets of particles as one (same month and countries)."""
        if not parts or {(p.month, p.countries) for p in parts} != {(parts[0].month,
                                                                    parts[0].countries)}:
            raise ValueError("PackedSnapshot.concat: snapshots of one month and countries")
        return cls(parts[0].month, parts[0].countries,
                   PackedCounts.concat([p.packed for p in parts]),
                   **{a: np.concatenate([getattr(p, a) for p in parts]) for a in cls._DENSE})

    def __len__(self) -> int:
        return len(self.packed)

    @property
    def state(self) -> np.ndarray:
        return self.packed.dense()

    def take(self, index: np.ndarray) -> Snapshot:
        """The (dense) snapshot of a subset or resampling of the particles."""
        index = np.asarray(index, dtype=np.int64)
        return Snapshot(self.month, self.countries, self.packed.rows(index, np.int64),
                        **{a: getattr(self, a)[index] for a in self._DENSE})

    def resumes(self, record: Recording) -> bool:
        """See :meth:`Snapshot.resumes`."""
        return Snapshot.resumes(self, record)  # type: ignore[arg-type]
