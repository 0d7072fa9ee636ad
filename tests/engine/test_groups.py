"""Men, women and minors (issue 22): the groups add up, births are conserved, levers by group
touch only their group, and the shares come from the statements of the run's cut-off.

Classes of defect: a group's people lost or counted twice (births outside the stocks, a
fold that drops a row); a lever for one group moving another (rows sharing a stream or a
parameter); shares drawn from statements published after the cut-off.
"""

from __future__ import annotations

import numpy as np
import pytest

from ffcast import data
from ffcast.engine import Recording, prepare, run_chunk
from ffcast.engine import groups as G
from ffcast.engine import layout as L
from ffcast.results import quantities as Q
from ffcast.scenario import load_scenario
from ffcast.scenario.priors import REGIONS

COUNTRIES = ["FRA", "BEL", "TUN", "RUS", "DEU", "GBR"]
SEED, DRAWS = 3, np.arange(8)


@pytest.fixture(scope="module")
def prep():
    return prepare("baseline", end="2020-12", countries=COUNTRIES)


@pytest.fixture(scope="module")
def monthly(prep):
    rec = Recording(np.arange(len(prep.months)), groups=np.arange(len(prep.months)))
    return run_chunk(prep, SEED, DRAWS, record=rec)


def test_groups_add_up_to_their_origin_every_month(prep, monthly):
    g = monthly.groups.astype(np.int64)  # (D, T, C, G, Q)
    total = g.sum(axis=3)
    s, f = monthly.stocks.astype(np.int64), monthly.flows.astype(np.int64)
    people = total[..., :L.GQ_INCARCERATED].sum(-1)
    np.testing.assert_array_equal(people, s.sum(-1))
    np.testing.assert_array_equal(total[..., L.GQ_DETAINED], s[..., L.DETAINED])
    np.testing.assert_array_equal(total[..., L.GQ_JOINED_OTHER], s[..., L.JOINED_OTHER])
    # The first three are the group's part of the war zone (statements scoped to a group).
    np.testing.assert_array_equal(total[..., :L.GQ_KILLED].sum(-1), Q.WAR_ZONE.of(s))
    np.testing.assert_array_equal(total[..., L.GQ_RETURNED], Q.RETURNED.of(s))
    np.testing.assert_array_equal(total[..., L.GQ_KILLED], s[..., L.KILLED])
    np.testing.assert_array_equal(total[..., L.GQ_INCARCERATED], s[..., L.INCARCERATED])
    np.testing.assert_array_equal(total[..., L.GQ_ARRIVALS], f[..., L.ARRIVALS])
    np.testing.assert_array_equal(total[..., L.GQ_BIRTHS], f[..., L.BIRTHS])
    np.testing.assert_array_equal(total[..., L.GQ_RETURNS], f[..., L.RETURNS])
    # Attacks by where they land (ADR 0034): the West's part of each origin's attacks, the
    # rest of those at home at non-Western homes; third theatres in neither.
    by_target = f[..., L.ATTACKS0:L.ATTACKS0 + len(L.TARGETS)]
    west = Q.headline_by_origin(by_target, Q.western_origins(prep.countries["region"]))
    np.testing.assert_array_equal(total[..., L.GQ_ATTACKS_WEST], west)
    np.testing.assert_array_equal(total[..., L.GQ_ATTACKS_WEST]
                                  + total[..., L.GQ_ATTACKS_HOME_ELSEWHERE],
                                  f[..., L.ATTACKS0] + f[..., L.ATTACKS0 + 1])


def test_group_attacks_split_by_where_they_land(prep, monthly):
    """A Western origin has no attacks at a non-Western home; a non-Western origin's
    attacks at home are never the West's, and both kinds occur in the sample."""
    g = monthly.groups.astype(np.int64).sum(axis=3)  # (D, T, C, Q)
    f = monthly.flows.astype(np.int64)
    west = Q.western_origins(prep.countries["region"])
    assert west.any() and not west.all()
    assert (g[..., west, L.GQ_ATTACKS_HOME_ELSEWHERE] == 0).all()
    np.testing.assert_array_equal(g[..., ~west, L.GQ_ATTACKS_HOME_ELSEWHERE],
                                  f[..., ~west, L.ATTACKS0])
    np.testing.assert_array_equal(g[..., ~west, L.GQ_ATTACKS_WEST],
                                  f[..., ~west, L.ATTACKS0 + 1])
    assert g[..., L.GQ_ATTACKS_WEST].sum() > 0 and g[..., L.GQ_ATTACKS_HOME_ELSEWHERE].sum() > 0


def test_each_group_is_conserved_with_births(monthly):
    """Each group's people = its cumulative arrivals + births, month by month."""
    g = monthly.groups.astype(np.int64)
    people = g[..., :L.GQ_INCARCERATED].sum(-1)  # (D, T, C, G)
    inflow = np.cumsum(g[..., L.GQ_ARRIVALS] + g[..., L.GQ_BIRTHS], axis=1)
    np.testing.assert_array_equal(people, inflow)
    assert (g >= 0).all()


def test_only_minors_are_born_and_some_are(monthly):
    births = monthly.groups[..., L.GQ_BIRTHS]
    assert births[..., L.MEN].sum() == 0 and births[..., L.WOMEN].sum() == 0
    assert births[..., L.MINORS].sum() > 0


def test_a_lever_for_minors_leaves_men_and_women_untouched(prep):
    """Common random numbers per row: repatriating minors changes the minors' rows only."""
    rec = Recording.summary(prep)
    base = run_chunk(prep, SEED, DRAWS, record=rec)
    minors = run_chunk(prepare("repatriate-minors", end="2020-12", countries=COUNTRIES),
                       SEED, DRAWS, record=rec)
    for g in (L.MEN, L.WOMEN):
        np.testing.assert_array_equal(base.groups[..., g, :], minors.groups[..., g, :])
    rep = L.GQ_REPATRIATED
    assert minors.groups[..., L.MINORS, rep].sum() > base.groups[..., L.MINORS, rep].sum()


def test_prosecuting_women_prosecutes_no_minor(prep):
    """Minors are never prosecuted, whatever a lever for everyone says."""
    base = load_scenario("baseline")
    scen = base.model_copy(update={"policy": base.policy.model_copy(
        update={"prosecution_rate": 1.0})})
    p2 = prepare(scen, end="2020-12", countries=COUNTRIES)
    from ffcast.engine.parameters import sample_parameters
    from ffcast.scenario.priors import PARAM_INDEX

    dp = sample_parameters(p2, SEED, DRAWS)
    pros = dp.params_post[..., PARAM_INDEX["prosecution"]]
    assert (pros[:, L.MEN::L.N_GROUPS] == 1.0).all()
    assert (pros[:, L.WOMEN::L.N_GROUPS] == 1.0).all()
    assert (dp.params_pre[:, L.MINORS::L.N_GROUPS, PARAM_INDEX["prosecution"]] == 0).all()
    disp = dp.pathways_post[..., 4]
    assert (disp[:, L.MINORS::L.N_GROUPS] == 0).all()


@pytest.mark.parametrize("cutoff", ["2014-12", "2016-12"])
def test_group_shares_come_from_the_statements_of_the_cutoff(cutoff):
    """The women's share of the adults is drawn from the Beta of the run's own cut-off."""
    pri = data.group_priors(cutoff).set_index(["region", "group"])
    u = np.random.default_rng(0).random((20000, G.N_GROUP_LATENT))
    region = np.array([REGIONS.index("western_europe")])
    shares, births = G.sample_groups(cutoff, region, u)
    women_of_adults = shares[:, 0, L.WOMEN] / (shares[:, 0, L.WOMEN] + shares[:, 0, L.MEN])
    assert abs(women_of_adults.mean() - pri.loc[("western_europe", "women"), "mean"]) < 0.01
    assert abs(births.mean() - pri.loc[("all", "births"), "mean"]) < 0.01
    np.testing.assert_allclose(shares.sum(-1), 1.0)


def test_cutoffs_differ_in_their_group_priors():
    """The 2014-12 and 2016-12 priors differ (the later statements are not used earlier)."""
    early, late = (data.group_priors(c).set_index(["region", "group"]) for c in
                   ("2014-12", "2016-12"))
    assert early.loc[("western_europe", "women"), "mean"] != \
        late.loc[("western_europe", "women"), "mean"]


def test_groups_do_not_depend_on_chunking(prep):
    """Same seed, same numbers whatever the chunking, the groups included."""
    rec = Recording.summary(prep)
    whole = run_chunk(prep, SEED, DRAWS, record=rec)
    parts = [run_chunk(prep, SEED, DRAWS[i:i + 3], record=rec) for i in range(0, 8, 3)]
    np.testing.assert_array_equal(whole.groups,
                                  np.concatenate([p.groups for p in parts], axis=0))
    np.testing.assert_array_equal(whole.stocks, np.concatenate([p.stocks for p in parts]))


def test_prosecuting_women_touches_only_the_womens_rows(prep):
    rec = Recording.summary(prep)
    base = run_chunk(prep, SEED, DRAWS, record=rec)
    women = run_chunk(prepare("prosecute-women", end="2020-12", countries=COUNTRIES), SEED,
                      DRAWS, record=rec)
    for g in (L.MEN, L.MINORS):
        np.testing.assert_array_equal(base.groups[..., g, :], women.groups[..., g, :])
    assert women.groups[..., L.WOMEN, L.GQ_INCARCERATED].sum() > \
        base.groups[..., L.WOMEN, L.GQ_INCARCERATED].sum()
