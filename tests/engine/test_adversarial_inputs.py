"""Try to break the engine with absurd inputs, and check the attack model it claims.

Claims under test (engine/attacks.py, simulate.py):

* absurd plot rates cannot hang the kernel: plot lags are one multinomial per country-month
  and severities are grouped, so the work per country-month is bounded; a count that would
  not fit in int32 raises FFCastError naming the variable, never wraps to a negative;
* deaths per attack: none with probability ``attack_zero_deaths``, else a power law >= 12
  with probability ``attack_tail``, else 1..11 uniformly; ``mass_casualty_attacks`` counts
  the attacks with >= 12 deaths;
* plot-to-attack lags are 1 + geometric with mean ``attack_lag``, capped at MAX_LAG - 1.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from numba import njit
from scipy import stats

from ffcast.engine import Recording, attacks, prepare, run_chunk
from ffcast.engine import layout as L
from ffcast.errors import FFCastError
from ffcast.scenario import Scenario

COUNTRIES = ["FRA", "TUN", "BEL"]


def _absurd(**parameters: float) -> Scenario:
    """Past the door: the scenario schema refuses such means (ceilings); the engine must
    still end in a clear error or finish, never hang or wrap (defence in depth)."""
    from ffcast.scenario.model import PriorOverride

    params = {k: PriorOverride.model_construct(mean=v, spread=0.0)
              for k, v in parameters.items()}
    return Scenario(name="absurd").model_copy(update={"parameters": params})


def test_absurd_plot_rates_finish_quickly_with_an_error_naming_the_variable() -> None:
    """In a subprocess with a timeout, so a hang fails the test instead of the suite."""
    code = (
        "import numpy as np\n"
        "from ffcast.engine import prepare, run_chunk\n"
        "from ffcast.errors import FFCastError\n"
        "from ffcast.scenario import Scenario\n"
        "from ffcast.scenario.model import PriorOverride\n"
        "scen = Scenario(name='x').model_copy(update={'parameters': {\n"
        "    k: PriorOverride.model_construct(mean=1e6, spread=0.2) for k in (\n"
        "    'plot_rate_undetected', 'plot_rate_reengaged', 'plot_rate_dispatched',\n"
        "    'plot_rate_relocated')}})\n"
        f"prep = prepare(scen, end='2019-12', countries={COUNTRIES!r})\n"
        "try:\n"
        "    ch = run_chunk(prep, 1, np.arange(2))\n"
        "    assert ch.stocks.min() >= 0 and ch.flows.min() >= 0\n"
        "    print('finished')\n"
        "except FFCastError as exc:\n"
        "    print('error:', exc)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], timeout=240, check=True,
                              capture_output=True, text=True,
                              env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    except subprocess.TimeoutExpired:
        pytest.fail("the engine did not finish within 240 s on absurd plot rates")
    out = done.stdout.strip()
    assert out == "finished" or any(name.split("[")[0] in out for name in L.FLOW_NAMES), out


def test_a_count_beyond_int32_raises_naming_it_instead_of_wrapping() -> None:
    scen = _absurd(plot_rate_undetected=1e6, attack_tail=0.0)
    prep = prepare(scen, end="2019-12", countries=COUNTRIES)
    record = Recording(np.array([len(prep.months) - 1]), flows_from=0)  # sums ~9 years
    with pytest.raises(FFCastError, match="exceeds the int32 range") as info:
        run_chunk(prep, 1, np.arange(2), record=record)
    assert str(info.value).split(": ")[1].split("[")[0] in {n.split("[")[0]
                                                           for n in L.FLOW_NAMES}


def test_mass_casualty_attacks_are_attacks_with_at_least_12_deaths() -> None:
    scen = _absurd(attack_tail=0.5, plot_rate_undetected=0.02, plot_rate_reengaged=0.05)
    ch = run_chunk(prepare(scen, end="2022-12", countries=COUNTRIES), 3, np.arange(8))
    executed = ch.flows[..., L.ATTACKS0:L.ATTACKS0 + 3]
    mass = ch.flows[..., L.ATTACKS_MASS0:L.ATTACKS_MASS0 + 3]
    deaths = ch.flows[..., L.ATTACK_DEATHS0:L.ATTACK_DEATHS0 + 3].astype(np.int64)
    assert mass.sum() > 0
    assert np.all(mass <= executed)
    assert np.all(deaths >= L.MASS_CASUALTY_DEATHS * mass.astype(np.int64))


@njit(cache=True)
def _one_attack_each(n_cells: int, zero: float, tail: float, alpha: float) -> np.ndarray:
    out = np.empty((n_cells, 2), dtype=np.int64)
    key = np.uint64(12345)
    for i in range(n_cells):
        deaths, mass, _ = attacks.attack_deaths(1, zero, tail, alpha, 0, key, i % 192, i // 192)
        out[i, 0] = deaths
        out[i, 1] = mass
    return out


def test_deaths_per_attack_follow_the_stated_mixture() -> None:
    zero, tail, alpha, n = 0.3, 0.1, 2.4, 200_000
    out = _one_attack_each(n, zero, tail, alpha)
    deaths, mass = out[:, 0], out[:, 1]
    expected = np.r_[zero, np.full(11, (1 - zero) * (1 - tail) / 11), (1 - zero) * tail]
    observed = np.r_[np.bincount(np.minimum(deaths, 12), minlength=13)]
    assert stats.chisquare(observed, expected * n).pvalue > 1e-4
    np.testing.assert_array_equal(mass, deaths >= 12)
    big = deaths[deaths >= 12]
    assert big.max() <= 3000
    for x in (24, 60):  # P(X >= x | tail) = (x / 12)^(1 - alpha)
        assert abs((big >= x).mean() - (x / 12) ** (1 - alpha)) < 0.02


@njit(cache=True)
def _lags(n_cells: int, executed: int, mean_lag: float) -> np.ndarray:
    state = np.zeros((1, L.N_STATE), dtype=np.int64)
    counts = np.zeros(L.MAX_LAG, dtype=np.int64)
    key = np.uint64(999)
    for i in range(n_cells):
        state[:] = 0
        attacks.schedule_attacks(state, 0, 0, executed, mean_lag, key, 0, i)
        for lag in range(L.MAX_LAG):
            counts[lag] += state[0, L.SCHEDULED0 + lag]
    return counts


@pytest.mark.parametrize("executed", [1, 7])
def test_plot_lags_are_geometric_capped_at_max_lag(executed: int) -> None:
    mean_lag, n = 4.0, 60_000
    counts = _lags(n, executed, mean_lag)
    assert counts[0] == 0 and counts.sum() == n * executed
    q = 1 / mean_lag
    lags = np.arange(1, L.MAX_LAG)
    pmf = (1 - q) ** (lags - 1) * q
    pmf[-1] = (1 - q) ** (L.MAX_LAG - 2)
    assert stats.chisquare(counts[1:], pmf * n * executed).pvalue > 1e-4
