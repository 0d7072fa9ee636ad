"""Embedded, cited datasets and their loaders: nothing else in ffcast reads CSV.

Every number carries a source id that resolves in :func:`sources`; every dataset passes one
validation gate (:mod:`ffcast.data.validate`) when it is loaded. Dated facts carry ``as_of``
(what they describe) and ``published`` (when they became public); cut-off discipline uses
``published`` (:func:`calibration_data`). Aggregate counts per origin country (and of the
women, men and minors among them, :func:`group_priors`) and an event table of attacks:
nothing here is about a named person.
"""

from ffcast.data.best import best_estimates, total_travellers_2016
from ffcast.data.countries import (
    REMAINDER_CODES,
    UnknownCountryError,
    is_known_iso3,
    is_remainder,
    name_of,
    region_of,
    resolve_iso3,
)
from ffcast.data.groups import group_priors
from ffcast.data.loaders import (
    DATA_DIR_ENV,
    UnknownDatasetError,
    calibration_data,
    countries,
    cutoff_end,
    load,
    names,
    producer_kind,
    sources,
    used_source_ids,
    validate_file,
)
from ffcast.data.regions import REGION_NAMES, REGIONS, WESTERN_REGIONS
from ffcast.data.schema import FF_LINKED, KNOWLEDGE_CUTOFF

__all__ = [
    "DATA_DIR_ENV",
    "FF_LINKED",
    "KNOWLEDGE_CUTOFF",
    "REGIONS",
    "REGION_NAMES",
    "REMAINDER_CODES",
    "WESTERN_REGIONS",
    "UnknownCountryError",
    "UnknownDatasetError",
    "best_estimates",
    "calibration_data",
    "countries",
    "cutoff_end",
    "group_priors",
    "is_known_iso3",
    "is_remainder",
    "load",
    "name_of",
    "names",
    "producer_kind",
    "region_of",
    "resolve_iso3",
    "sources",
    "total_travellers_2016",
    "used_source_ids",
    "validate_file",
]
