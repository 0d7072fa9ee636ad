"""The model's grouping of origin countries into regions.

This is a modelling choice, not cited data, so it lives in code. ``western_europe`` means
EU + EFTA + UK and so includes the Eastern EU members (Poland, Romania, ...): the model
groups countries by the policy regime that handles their returnees (EU law, Schengen),
not by compass direction. ``balkans`` is only the non-EU Western Balkans.
"""

from __future__ import annotations

REGION_NAMES: dict[str, str] = {
    "western_europe": "Western Europe (EU + EFTA + UK)",
    "balkans": "Western Balkans (non-EU)",
    "fsu_central_asia": "Former Soviet Union and Central Asia",
    "maghreb": "Maghreb",
    "middle_east_gulf": "Middle East and Gulf",
    "south_southeast_asia": "South, Southeast and rest of Asia",
    "sub_saharan_africa": "Sub-Saharan Africa",
    "north_america_oceania": "North America and Oceania",
    "other": "Other / rest of world",
}
REGIONS: tuple[str, ...] = tuple(REGION_NAMES)
#: Origin regions whose fighters' "home" is a Western country (for attacks in the West).
WESTERN_REGIONS: tuple[str, ...] = ("western_europe", "north_america_oceania")

# Explicit members per region (ISO 3166 alpha-3, plus XKX for Kosovo and the combined
# "ISR;PSE" code of ICSR's "Israel/Palestinian Territories" row). Any other ISO code,
# e.g. Latin America, the Caribbean and the Pacific islands, falls into ``other`` with the
# rest-of-world pool ``ROW``; the one such country the data names (TTO) is listed. The
# remainder rows' regions are in ffcast.data.scopes.
_MEMBERS: dict[str, str] = {
    "western_europe": (
        "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL "
        "PRT ROU SVK SVN ESP SWE GBR ISL NOR CHE LIE AND MCO SMR VAT GIB GGY JEY IMN FRO ALA "
        "SJM GRL"
    ),
    "balkans": "ALB BIH XKX MKD SRB MNE",
    "fsu_central_asia": "RUS UKR BLR MDA GEO ARM AZE KAZ KGZ TJK TKM UZB",
    "maghreb": "TUN MAR DZA LBY MRT ESH",
    "middle_east_gulf": (
        "SAU JOR LBN TUR EGY IRQ IRN ISR PSE SYR KWT QAT ARE BHR OMN YEM ISR;PSE"
    ),
    "south_southeast_asia": (
        "AFG PAK IND BGD LKA MDV NPL BTN IDN MYS PHL SGP THA CHN MMR KHM LAO VNM BRN TLS MNG "
        "JPN KOR PRK TWN HKG MAC IOT"
    ),
    "sub_saharan_africa": (
        "AGO BEN BWA BFA BDI CPV CMR CAF TCD COM COD COG CIV DJI GNQ ERI SWZ ETH GAB GMB GHA "
        "GIN GNB KEN LSO LBR MDG MWI MLI MUS MOZ NAM NER NGA RWA STP SEN SYC SLE SOM ZAF SSD "
        "SDN TZA TGO UGA ZMB ZWE MYT REU SHN"
    ),
    "north_america_oceania": "USA CAN AUS NZL",
    "other": "TTO",  # Trinidad and Tobago: the one Caribbean country with a figure
}
REGION_OF: dict[str, str] = {
    code: region for region, codes in _MEMBERS.items() for code in codes.split()
}
