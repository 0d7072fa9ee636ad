"""The scope of a published quantity (ADR 0019): death tolls carry ``scope_killed`` on top
of their producer's bias, returnee and war-zone counts do not, everywhere a published
figure is drawn or read."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast.calibrate.likelihood import bias_noise, target_loglik
from ffcast.calibrate.targets import Target
from ffcast.results import reported
from ffcast.scenario import reporting

_SCOPE = reporting.column("scope", "killed")


def _values(bias: float, noise: float, scope: float, n: int = 3) -> np.ndarray:
    """Reporting values (n, K): every kind with ``bias`` and ``noise``, deaths ``scope``."""
    v = np.empty((n, len(reporting.COMPONENTS)))
    for kind in reporting.KINDS:
        v[:, reporting.column("bias", kind)] = bias
        v[:, reporting.column("noise", kind)] = noise
    v[:, _SCOPE] = scope
    return v


def test_the_scope_is_the_last_reporting_component_and_the_others_keep_their_slots() -> None:
    """The six components of kinds keep their positions (posterior files and the
    ``reporting`` stream's slots), the scope comes after them."""
    assert reporting.COMPONENTS[:6] == tuple(f"reporting:{part}:{k}" for k in reporting.KINDS
                                             for part in ("bias", "noise"))
    assert reporting.COMPONENTS[6:] == ("reporting:scope:killed",)


def test_the_prior_of_the_scope_is_the_stated_log_normal() -> None:
    u = np.full((3, len(reporting.COMPONENTS)), 0.5)
    u[:, _SCOPE] = [0.05, 0.5, 0.95]
    got = reporting.sample_array(u)[:, _SCOPE]
    prior = reporting.SCOPES["killed"]
    assert got == pytest.approx(prior.median * np.exp(prior.sd_log * np.array(
        [-1.6448536269514722, 0.0, 1.6448536269514722])))


@settings(max_examples=40, deadline=None)
@given(bias=st.floats(0.2, 3.0), noise=st.floats(0.05, 1.0), scope=st.floats(0.2, 3.0),
       latent=st.integers(0, 100_000), e=st.floats(-3, 3))
def test_a_death_toll_is_published_with_the_scope_a_returnee_count_without(
        bias: float, noise: float, scope: float, latent: int, e: float) -> None:
    values = _values(bias, noise, scope, n=1)
    lat = np.array([[latent]])
    err = np.array([[e]])
    dead = reported.reported(lat, values, err, "official", "killed")[0, 0]
    back = reported.reported(lat, values, err, "official", "cumulative_returned")[0, 0]
    assert dead == reporting.published(latent, bias * scope, noise, e)
    assert back == reporting.published(latent, bias, noise, e)
    # and the residual of a published figure reads it back with the same bias
    r = reported.residuals(np.array([[dead]]), lat, values, "official", "killed")
    assert np.isfinite(r).all()


def _target(quantity: str) -> Target:
    return Target(channel="country_x", label="FRA x", quantity=quantity, month=0,
                  mask=np.array([True]), low=100.0, high=100.0, sigma=0.3,
                  reporter="official")


def test_the_likelihood_of_a_death_statement_moves_with_the_scope_a_returnee_one_does_not(
        ) -> None:
    """A simulated count of 50 against a statement of 100: a scope of 2 makes the death
    statement exact, and leaves the returnee statement where it was."""
    for quantity, moves in (("killed", True), ("cum_returned", False), ("war_zone", False)):
        t = _target(quantity)
        sim = {quantity: np.full((2, 1), 50)}
        values = np.vstack([_values(1.0, 0.3, 1.0, 1), _values(1.0, 0.3, 2.0, 1)])
        ll = target_loglik(t, sim, values)
        bias, _ = bias_noise(t, values)
        if moves:
            assert bias == pytest.approx([1.0, 2.0])
            assert ll[1] > ll[0] + 1.0
        else:
            assert bias == pytest.approx([1.0, 1.0])
            assert ll[1] == ll[0]
