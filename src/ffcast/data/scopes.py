"""How a source's population (``aggregates.scope``) maps onto the model's countries.

One home for the mapping: calibration targets sum the model's countries inside a scope, and
the best-estimate rule splits the unattributed remainder by the same scopes. A scope is a set
of model regions (``SCOPE_REGIONS``) or an explicit list of countries (``SCOPE_COUNTRIES``);
scopes in neither (``middle_east_north_africa``, ``country_sample``, ...) are kept as data
but match no countries.
"""

from __future__ import annotations

from typing import NamedTuple

SCOPE_REGIONS: dict[str, tuple[str, ...]] = {
    "world": (),  # all countries
    "western_europe": ("western_europe",),
    "eu_member_states": ("western_europe",),
    "europe": ("western_europe",),
    "maghreb": ("maghreb",),
    "middle_east": ("middle_east_gulf",),
    "fsu_central_asia": ("fsu_central_asia",),
    "balkans": ("balkans",),
    "western": ("western_europe", "north_america_oceania"),
}
SCOPE_COUNTRIES: dict[str, tuple[str, ...]] = {
    "north_america": ("USA", "CAN"),
    # TSG's "Southeast Asia" (the Maldives as in its table)
    "southeast_asia": ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "TLS",
                       "VNM", "MDV"),
    "southeast_asia_4": ("IDN", "MYS", "SGP", "PHL"),
    "russia_central_asia": ("RUS", "KAZ", "KGZ", "TJK", "TKM", "UZB"),
}


class Remainder(NamedTuple):
    """The unattributed travellers of one scope: a pseudo-country of the scope's region."""

    code: str  # <= 7 characters, unique in its first 7 (the engine hashes 7 characters)
    region: str
    name: str


#: The scopes whose published totals split the remainder, in the order of ``REGIONS``; what
#: none of them claims stays in ``ROW`` (region ``other``).
REMAINDERS: dict[str, Remainder] = {
    "western_europe": Remainder("R-WEU", "western_europe",
                                "Rest of Western Europe (unattributed)"),
    "balkans": Remainder("R-BAL", "balkans", "Rest of the Western Balkans (unattributed)"),
    "fsu_central_asia": Remainder("R-FSU", "fsu_central_asia",
                                  "Rest of the former Soviet Union and Central Asia "
                                  "(unattributed)"),
    "maghreb": Remainder("R-MAG", "maghreb", "Rest of the Maghreb (unattributed)"),
    "middle_east": Remainder("R-MEG", "middle_east_gulf",
                             "Rest of the Middle East and Gulf (unattributed)"),
    "southeast_asia": Remainder("R-SEA", "south_southeast_asia",
                                "Rest of Southeast Asia (unattributed)"),
    "north_america": Remainder("R-NAM", "north_america_oceania",
                               "Rest of North America (unattributed)"),
}
REST_OF_WORLD = Remainder("ROW", "other", "Rest of world (unattributed)")


def scope_countries(scope: str, iso3: list[str], regions: list[str]) -> list[bool] | None:
    """Which of the countries (``iso3`` with their ``regions``) a scope covers; None when the
    scope maps onto no model countries. A scope's own remainder row (e.g. ``R-SEA``) is part
    of it; a region-based scope covers every row of its regions, remainders included."""
    if scope in SCOPE_COUNTRIES:
        members = set(SCOPE_COUNTRIES[scope])
        if scope in REMAINDERS:
            members.add(REMAINDERS[scope].code)
        return [code in members for code in iso3]
    if scope not in SCOPE_REGIONS:
        return None
    wanted = set(SCOPE_REGIONS[scope])
    return [not wanted or region in wanted for region in regions]
