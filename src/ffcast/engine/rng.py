"""Counter-based random numbers: one named stream per decision, derived from (seed, draw).

Warning first: every random number in the engine is a pure function of
``(seed, draw, stream, month, country code, slot)``. Nothing depends on how draws are
chunked, on the number of threads, processes or Dask workers, or on which other countries
are in the run, and two scenarios run with the same seed see the same uniforms for the same
decision (common random numbers), so they differ only by what the policy changed. Do not
replace this with a stateful generator.

How a uniform is made (one hash per uniform): a stream's key (per seed, draw and stream)
is mixed once with the (month, country) counter into a *cell*; the uniforms of that cell
are ``mix64(cell + slot * golden)``, SplitMix64's own output sequence started at the cell.
The engine hashes a cell once per stream and country-month and then one hash per uniform it
actually needs (the previous scheme hashed twice per uniform). The mixer is SplitMix64's
finaliser (Steele, Lea & Flood 2014), a bijection on 64-bit integers with full avalanche;
uniforms use the top 53 bits, so they lie in (0, 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S40 = np.uint64(40)
_S16 = np.uint64(16)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53

# Named streams, one per decision. Adding a stream never changes the numbers of the others.
STREAMS: dict[str, int] = {
    "params": 1,
    "arrivals": 2,
    "theatre_exits": 3,
    "relocation_theatre": 4,
    "insurgent": 5,
    "detained": 6,
    "joined_other": 7,
    "relocated": 8,
    "dispatched": 9,
    "home_arrivals": 10,
    "home_pipeline": 11,
    "plots": 12,
    "interdiction": 13,
    "attack_lag": 14,
    "severity": 15,
    "prison_radicalisation": 16,
    "collapse": 17,
    "travellers": 18,
    "posterior": 19,
    "observation_noise": 20,
    "country_effects": 21,
    "reporting": 22,
    "persistence": 23,  # the persistence baseline (ffcast.backtest.baselines)
    "births": 24,  # minors born in theatre (engine)
}
N_STREAMS = max(STREAMS.values()) + 1


@njit(cache=True, inline="always", error_model="numpy")
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective 64-bit hash."""
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, error_model="numpy")
def stream_key(seed: int, draw: int, stream: int) -> np.uint64:
    """The key of one named stream of one ensemble draw."""
    k = mix64(np.uint64(seed) ^ np.uint64(0x5EED))
    k = mix64(k ^ np.uint64(draw))
    return mix64(k ^ (np.uint64(stream) * np.uint64(0x100000001B3)))


@njit(cache=True, inline="always", error_model="numpy")
def cell(key: np.uint64, month: int, country: int) -> np.uint64:
    """The cell of a stream at counter (month, country code): one hash, shared by its slots.

    The counter packs ``month << 40 ^ country << 16``; country codes stay below 2**48 (see
    :func:`country_code`), so no two (month, country) pairs share a counter.
    """
    c = (np.uint64(month) << _S40) ^ (np.uint64(country) << _S16)
    return mix64(key ^ c)


@njit(cache=True, inline="always", error_model="numpy")
def at(c: np.uint64, slot: int) -> float:
    """The uniform in (0, 1) at ``slot`` of a cell: one hash."""
    z = mix64(c + np.uint64(slot) * _GOLDEN)
    return (np.float64(z >> _S11) + 0.5) * _INV53


@njit(cache=True, inline="always", error_model="numpy")
def uniform(key: np.uint64, month: int, country: int, slot: int) -> float:
    """A uniform in (0, 1) at counter (month, country code, slot) of a stream."""
    return at(cell(key, month, country), slot)


def country_code(iso3: str) -> int:
    """A stable integer for an ISO3-like code (so CRN do not depend on country order)."""
    code = 0
    for ch in iso3.upper()[:7]:
        code = code * 64 + (ord(ch) - 31)
    return code


def uniforms(seed: int, draws: np.ndarray, stream: str, slots: np.ndarray) -> np.ndarray:
    """Uniforms (len(draws), len(slots)) at the given slots of a per-draw stream (month 0)."""
    return _uniform_block(int(seed), np.asarray(draws, dtype=np.int64), STREAMS[stream],
                          np.asarray(slots, dtype=np.int64))


def stream_keys(seed: int, draws: np.ndarray) -> np.ndarray:
    """Keys (len(draws), max stream id + 1) of every named stream of every draw."""
    return _keys(int(seed), np.asarray(draws, dtype=np.int64), N_STREAMS)


@njit(cache=True, error_model="numpy")
def _uniform_block(seed: int, draws: np.ndarray, stream: int, slots: np.ndarray) -> np.ndarray:
    out = np.empty((draws.shape[0], slots.shape[0]))
    for i in range(draws.shape[0]):
        c = cell(stream_key(seed, draws[i], stream), 0, 0)
        for j in range(slots.shape[0]):
            out[i, j] = at(c, slots[j])
    return out


@njit(cache=True, error_model="numpy")
def _keys(seed: int, draws: np.ndarray, n_streams: int) -> np.ndarray:
    out = np.empty((draws.shape[0], n_streams), dtype=np.uint64)
    for i in range(draws.shape[0]):
        for s in range(n_streams):
            out[i, s] = stream_key(seed, draws[i], s)
    return out
