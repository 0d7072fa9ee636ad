"""Country codes, names and regions."""

from __future__ import annotations

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ffcast.data as data
from ffcast.data.regions import REGION_OF
from ffcast.data.schema import SPECS


def test_regions_are_the_model_codes_in_order() -> None:
    assert data.REGIONS == (
        "western_europe", "balkans", "fsu_central_asia", "maghreb", "middle_east_gulf",
        "south_southeast_asia", "sub_saharan_africa", "north_america_oceania", "other",
    )
    assert set(data.REGION_NAMES) == set(data.REGIONS)
    assert set(data.countries()["region"]) <= set(data.REGIONS)


def test_every_pycountry_country_and_the_extra_codes_are_known() -> None:
    table = data.countries().set_index("iso3")
    for country in pycountry.countries:
        assert country.alpha_3 in table.index
    assert table.loc["XKX", "name"] == "Kosovo"
    assert table.loc["ISR;PSE", "name"] == "Israel/Palestinian Territories (combined)"
    assert table.loc["ISR;PSE", "region"] == "middle_east_gulf"
    assert table.loc["ROW", ["name", "region"]].tolist() == [
        "Rest of world (unattributed)", "other"
    ]


def test_every_code_in_any_dataset_has_an_explicit_region() -> None:
    for name, spec in SPECS.items():
        if spec.iso3_column and name != "countries":
            codes = set(data.load(name)[spec.iso3_column])
            if spec.scope_column:  # a row about a source's scope names no country
                codes.discard("")
            for code in codes:
                assert code in REGION_OF, f"{name}: {code} falls into 'other' by default"


@pytest.mark.parametrize(
    ("code", "region"),
    [("fra", "western_europe"), ("POL", "western_europe"), ("XKX", "balkans"),
     ("uzb", "fsu_central_asia"), ("MRT", "maghreb"), ("IRN", "middle_east_gulf"),
     ("CHN", "south_southeast_asia"), ("SOM", "sub_saharan_africa"),
     ("NZL", "north_america_oceania"), ("BRA", "other"), ("ROW", "other"),
     ("R-MAG", "maghreb"), ("r-sea", "south_southeast_asia"), ("R-NAM", "north_america_oceania")],
)
def test_region_of(code: str, region: str) -> None:
    assert data.region_of(code) == region


def test_unknown_country_names_field_and_suggests() -> None:
    with pytest.raises(data.UnknownCountryError, match=r"--country: .*FRA \(France\)"):
        data.resolve_iso3("FRX", field="--country")
    assert data.resolve_iso3("france") == "FRA"
    assert not data.is_known_iso3("fra") and data.is_known_iso3("FRA")


@given(st.text(max_size=8))
def test_resolve_iso3_either_returns_a_known_code_or_raises_the_user_error(text: str) -> None:
    try:
        code = data.resolve_iso3(text)
    except data.UnknownCountryError:
        return
    assert data.is_known_iso3(code)
