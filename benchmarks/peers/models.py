"""One deliberately tiny foreign-fighter model, written three ways for a fair timing.

Warning first: this is *not* ffcast's model. It is the smallest model both an agent-based
framework and a stock-and-flow engine express naturally, so the comparison measures the
execution style (one Python object per person vs one binomial draw per stock), not the
model's detail. Do not quote it as ffcast's speed: see ``benchmarks/run.py`` for that.

The model (every implementation follows exactly this order each month ``m``):

1. arrivals: ``arrivals[m]`` people enter ``in_theatre`` (fixed, the same in every draw;
   ``people`` in total spread evenly over ``months``);
2. exits: each person in ``in_theatre`` (arrivals included) dies with probability
   ``DEATH = 0.01`` -> ``killed``, else returns home with probability ``RETURN = 0.02`` ->
   ``returned`` (so P(return) = 0.99 x 0.02 overall; both states are absorbing);
3. record: the month's stocks ``(in_theatre, killed, returned)``.

Every implementation returns ``(draws, months, 3)`` int64 stocks. Expected ``killed`` at the
end is the same for all three; the draws themselves differ (different random streams).
"""

from __future__ import annotations

import numpy as np

DEATH = 0.01  # per month
RETURN = 0.02  # per month, among those who did not die
IN_THEATRE, KILLED, RETURNED = 0, 1, 2


def arrivals(people: int, months: int) -> np.ndarray:
    """``people`` arrivals spread as evenly as integers allow over ``months``."""
    edges = people * np.arange(months + 1) // months
    return np.diff(edges).astype(np.int64)


def expected_stocks(people: int, months: int) -> np.ndarray:
    """Deterministic mean stocks ``(months, 3)`` (for checking the implementations)."""
    a = arrivals(people, months)
    out = np.zeros((months, 3))
    s = np.zeros(3)
    for m in range(months):
        s[IN_THEATRE] += a[m]
        dead = s[IN_THEATRE] * DEATH
        back = (s[IN_THEATRE] - dead) * RETURN
        s += (-dead - back, dead, back)
        out[m] = s
    return out


def run_numpy(people: int, months: int, draws: int, seed: int = 0) -> np.ndarray:
    """ffcast's approach in NumPy: one binomial draw per stock, vectorised over draws."""
    rng = np.random.default_rng(seed)
    a = arrivals(people, months)
    out = np.empty((draws, months, 3), dtype=np.int64)
    theatre = np.zeros(draws, dtype=np.int64)
    killed = np.zeros(draws, dtype=np.int64)
    returned = np.zeros(draws, dtype=np.int64)
    for m in range(months):
        theatre += a[m]
        dead = rng.binomial(theatre, DEATH)
        back = rng.binomial(theatre - dead, RETURN)
        theatre -= dead + back
        killed += dead
        returned += back
        out[:, m] = np.stack([theatre, killed, returned], axis=1)
    return out


def run_numba(people: int, months: int, draws: int, seed: int = 0) -> np.ndarray:
    """ffcast's own numba kernels: counter-based uniforms and one-uniform exact binomials."""
    return _numba_kernel(people, months, draws, seed, arrivals(people, months))


# Built lazily so that importing this file needs neither numba compilation nor ffcast.
def _make_numba_kernel():
    from numba import njit

    from ffcast.engine.rng import stream_key, uniform
    from ffcast.engine.sampling import binomial

    @njit(cache=True)
    def kernel(people: int, months: int, draws: int, seed: int,
               arr: np.ndarray) -> np.ndarray:
        out = np.empty((draws, months, 3), dtype=np.int64)
        for d in range(draws):
            key = stream_key(seed, d, 0)
            theatre = 0
            killed = 0
            returned = 0
            for m in range(months):
                theatre += arr[m]
                dead = binomial(theatre, DEATH, uniform(key, m, 0, 0))
                back = binomial(theatre - dead, RETURN, uniform(key, m, 0, 1))
                theatre -= dead + back
                killed += dead
                returned += back
                out[d, m, 0] = theatre
                out[d, m, 1] = killed
                out[d, m, 2] = returned
        return out

    return kernel


_KERNEL = None


def _numba_kernel(people: int, months: int, draws: int, seed: int,
                  arr: np.ndarray) -> np.ndarray:
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = _make_numba_kernel()
    return _KERNEL(people, months, draws, seed, arr)


def run_mesa(people: int, months: int, draws: int, seed: int = 0) -> np.ndarray:
    """Mesa 3.3: one agent per person, one model instance per draw.

    Agents that died or returned stay in the model (as in a typical Mesa model that keeps
    its population for data collection) but return at once from ``step``; stocks are kept as
    model-level counters updated on each transition, so recording costs nothing extra.
    """
    import mesa

    class Fighter(mesa.Agent):
        def __init__(self, model: mesa.Model) -> None:
            super().__init__(model)
            self.state = IN_THEATRE

        def step(self) -> None:
            if self.state != IN_THEATRE:
                return
            u = self.model.random.random()
            if u < DEATH:
                self.state = KILLED
            elif self.model.random.random() < RETURN:
                self.state = RETURNED
            else:
                return
            self.model.counts[IN_THEATRE] -= 1
            self.model.counts[self.state] += 1

    class ForeignFighters(mesa.Model):
        def __init__(self, arr: np.ndarray, seed: int) -> None:
            super().__init__(seed=seed)
            self.arrivals = arr
            self.month = 0
            self.counts = [0, 0, 0]

        def step(self) -> None:
            for _ in range(int(self.arrivals[self.month])):
                Fighter(self)
            self.counts[IN_THEATRE] += int(self.arrivals[self.month])
            self.agents.do("step")
            self.month += 1

    a = arrivals(people, months)
    out = np.empty((draws, months, 3), dtype=np.int64)
    for d in range(draws):
        model = ForeignFighters(a, seed=seed * 100_003 + d)
        for m in range(months):
            model.step()
            out[d, m] = model.counts
    return out
