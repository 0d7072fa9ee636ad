"""The results contract: names, dims, dtypes, attrs and the conservation identities."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import ffcast
from ffcast.engine import ChunkResult, Prepared, run_chunk
from ffcast.engine import layout as L
from ffcast.errors import FFCastError
from ffcast.results import (
    COUNT_VARIABLES,
    VARIABLES,
    home_stocks,
    pathway_totals,
    people_total,
    person_stocks,
    to_dataset,
)
from ffcast.results.contract import GROUP_UNITS

STOCKS = ("in_theatre", "insurgent", "killed", "detained_in_theatre", "joined_other",
          "relocated", "dispatched", "undetected", "detected", "prosecuted", "incarcerated",
          "released", "in_rehabilitation", "disengaged", "reengaged")
FLOWS = ("arrivals", "returns", "repatriated", "radicalised_inmates", "births",
         # radicalised inmates' plots and attacks, apart from the travellers' (ADR 0036)
         "inmate_plots", "inmate_interdicted_plots", "inmate_attacks", "inmate_attack_deaths",
         "inmate_mass_casualty_attacks")
BY_TARGET = ("plots", "interdicted_plots", "attacks", "attack_deaths", "mass_casualty_attacks")
UNITS = {"persons", "persons/month", "plots/month", "attacks/month", "deaths/month",
         "share of January 2015 extent", GROUP_UNITS}


def test_every_named_variable_is_present_with_its_dims(ds: xr.Dataset) -> None:
    expected = {*STOCKS, *FLOWS, *BY_TARGET, "cumulative_travelled", "cumulative_returned",
                "reported_returned", "territory", "by_group"}
    assert set(ds.data_vars) == expected == set(VARIABLES)
    for name in (*STOCKS, *FLOWS, "cumulative_travelled", "cumulative_returned",
                 "reported_returned"):
        want = ("draw", "month", "country", "theatre") if name == "relocated" else \
            ("draw", "month", "country")
        assert ds[name].dims == want, name
    for name in BY_TARGET:
        assert ds[name].dims == ("draw", "month", "country", "target"), name
    assert ds["territory"].dims == ("draw", "month")
    assert ds["by_group"].dims == ("draw", "month", "country", "group", "group_quantity")
    assert list(ds["group"].values) == ["men", "women", "minors"]
    assert list(ds["theatre"].values) == list(L.THEATRES)
    assert list(ds["target"].values) == list(L.TARGETS)


def test_counts_are_int32_and_territory_is_float(ds: xr.Dataset) -> None:
    for name in COUNT_VARIABLES:
        assert ds[name].dtype == np.int32, name
        assert int(ds[name].min()) >= 0, name
    assert ds["territory"].dtype == np.float64
    assert np.isfinite(ds["territory"]).all()


def test_every_variable_has_units_and_description(ds: xr.Dataset) -> None:
    for name, da in ds.data_vars.items():
        assert da.attrs.get("units") in UNITS, name
        assert len(da.attrs.get("description", "")) > 10, name
    assert ds["in_theatre"].attrs["units"] == "persons"
    assert ds["arrivals"].attrs["units"] == "persons/month"
    assert ds["plots"].attrs["units"] == "plots/month"
    assert ds["attacks"].attrs["units"] == "attacks/month"
    assert ds["attack_deaths"].attrs["units"] == "deaths/month"
    assert ds["territory"].attrs["units"] == "share of January 2015 extent"


def test_coordinates_are_month_starts_and_iso3(ds: xr.Dataset, prep: Prepared) -> None:
    month = ds.indexes["month"]
    assert np.issubdtype(ds["month"].dtype, np.datetime64)
    assert (month == month.to_period("M").start_time).all()
    assert (month.to_period("M") == pd.period_range("2011-01", "2018-12", freq="M")).all()
    assert list(ds["draw"].values) == list(range(9))
    assert all(len(c) == 3 and c.isupper() for c in ds["country"].values)
    assert sorted(ds["country"].values) == ["BEL", "FRA", "TUN"]
    assert ds["country_name"].dims == ("country",) and ds["region"].dims == ("country",)
    names = dict(zip(ds["country"].values, ds["country_name"].values, strict=True))
    assert names["FRA"] == "France"
    assert list(ds["country"].values) == list(prep.countries["iso3"])


def test_dataset_attrs(ds: xr.Dataset, seed: int) -> None:
    a = ds.attrs
    assert json.loads(a["scenario"])["name"] == a["scenario_name"] == "baseline"
    assert a["seed"] == seed
    assert a["ffcast_version"] == ffcast.__version__
    assert a["created_by"] and a["conventions"]
    assert person_stocks(ds) == list(L.PERSON_STOCKS)
    assert home_stocks(ds) == list(L.HOME_STOCKS)


def test_person_stocks_read_back_from_json_or_array(ds: xr.Dataset) -> None:
    as_array = ds.copy()
    as_array.attrs["person_stocks"] = np.array(L.PERSON_STOCKS, dtype=object)
    assert person_stocks(as_array) == list(L.PERSON_STOCKS)
    as_list = ds.copy()
    as_list.attrs["person_stocks"] = list(L.PERSON_STOCKS)
    assert person_stocks(as_list) == list(L.PERSON_STOCKS)


def test_person_stocks_sum_to_cumulative_travelled_everywhere(ds: xr.Dataset) -> None:
    total = xr.zeros_like(ds["cumulative_travelled"], dtype=np.int64)
    for name in person_stocks(ds):
        extra = [d for d in ds[name].dims if d not in ("draw", "month", "country")]
        total = total + ds[name].sum(extra)
    np.testing.assert_array_equal(total.values, ds["cumulative_travelled"].values)
    np.testing.assert_array_equal(people_total(ds).values, ds["cumulative_travelled"].values)


def test_cumulative_counts_match_the_flows_from_2011(ds: xr.Dataset) -> None:
    """Recorded from 2011-01, the cumulative counts are exactly the running sums of flows."""
    np.testing.assert_array_equal(ds["cumulative_travelled"].values,
                                  (ds["arrivals"] + ds["births"]).cumsum("month").values)
    np.testing.assert_array_equal(ds["cumulative_returned"].values,
                                  ds["returns"].cumsum("month").values)
    assert (ds["cumulative_returned"].diff("month") >= 0).all()
    assert (ds["cumulative_travelled"].diff("month") >= 0).all()
    assert (ds["cumulative_returned"] <= ds["cumulative_travelled"]).all()


def test_late_start_still_counts_travellers_before_the_first_recorded_month(
        late_ds: xr.Dataset, ds: xr.Dataset) -> None:
    assert late_ds.indexes["month"][0] == pd.Timestamp("2015-01-01")
    np.testing.assert_array_equal(people_total(late_ds).values,
                                  late_ds["cumulative_travelled"].values)
    first = late_ds["cumulative_travelled"].isel(month=0)
    assert (first > late_ds["arrivals"].isel(month=0)).all()  # pre-2015 travellers counted
    # Same seed and draws: identical to the 2011-01 run over the common months.
    same = ds.isel(draw=slice(0, 6)).sel(month=late_ds["month"])
    xr.testing.assert_equal(late_ds["cumulative_travelled"], same["cumulative_travelled"])
    xr.testing.assert_equal(late_ds["cumulative_returned"], same["cumulative_returned"])
    # Growth within the recorded window is exactly the recorded flows.
    np.testing.assert_array_equal(late_ds["cumulative_travelled"].diff("month").values,
                                  (late_ds["arrivals"] + late_ds["births"])
                                  .isel(month=slice(1, None)).values)
    np.testing.assert_array_equal(late_ds["cumulative_returned"].diff("month").values,
                                  late_ds["returns"].isel(month=slice(1, None)).values)


def test_pathway_totals_partition_everyone(ds: xr.Dataset) -> None:
    p = pathway_totals(ds)
    assert set(p.data_vars) == {"returned", "stayed", "killed", "detained_in_theatre",
                                "joined_other", "relocated", "dispatched"}
    for name, da in p.data_vars.items():
        assert da.dtype == np.int32 and da.attrs["units"] == "persons", name
        assert da.dims == ("draw", "month", "country"), name
    total = sum(p[n].astype(np.int64) for n in p.data_vars)
    np.testing.assert_array_equal(total.values, ds["cumulative_travelled"].values)
    xr.testing.assert_equal(p["returned"], ds["cumulative_returned"].drop_attrs())
    xr.testing.assert_equal(p["relocated"], ds["relocated"].sum("theatre").astype(np.int32)
                            .drop_attrs())


def test_people_total_names_a_missing_stock(ds: xr.Dataset) -> None:
    with pytest.raises(FFCastError, match="killed"):
        people_total(ds.drop_vars("killed"))


def test_a_chunk_from_another_run_is_rejected(prep: Prepared, late_prep: Prepared,
                                              seed: int) -> None:
    chunk = run_chunk(late_prep, seed, np.arange(2))
    with pytest.raises(FFCastError, match="shape"):
        to_dataset(prep, chunk, seed)


def test_variables_are_the_engine_slots(prep: Prepared, seed: int) -> None:
    chunk: ChunkResult = run_chunk(prep, seed, np.arange(2))
    out = to_dataset(prep, chunk, seed)
    np.testing.assert_array_equal(out["killed"].values, chunk.stocks[..., L.KILLED])
    np.testing.assert_array_equal(out["attacks"].values,
                                  chunk.flows[..., L.ATTACKS0:L.ATTACKS0 + 3])
    np.testing.assert_array_equal(out["reengaged"].values, chunk.stocks[..., L.REENGAGED])


@pytest.mark.parametrize("quantity", ["attacks_west", "attacks_home_elsewhere"])
def test_a_group_attack_moved_between_regions_is_refused(ds: xr.Dataset, quantity: str) -> None:
    """ADR 0034: each group's attacks are split by where they land; a file whose split does
    not add up to its origins' attacks in the West / at non-Western homes is refused, even
    when the two still sum to the same total."""
    from ffcast.results import check_dataset

    check_dataset(ds)
    other = {"attacks_west": "attacks_home_elsewhere", "attacks_home_elsewhere": "attacks_west"}
    names = list(ds["group_quantity"].values)
    k_from, k_to = names.index(quantity), names.index(other[quantity])
    bad = ds.copy(deep=True)
    idx = np.argwhere(bad["by_group"].values[..., k_from] > 0)
    assert len(idx), "the fixture has attacks of that kind"
    d, m, c, grp = idx[0]
    bad["by_group"][d, m, c, grp, k_from] -= 1
    bad["by_group"][d, m, c, grp, k_to] += 1
    with pytest.raises(FFCastError, match="does not sum over the groups"):
        check_dataset(bad)
