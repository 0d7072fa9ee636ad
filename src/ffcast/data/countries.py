"""Country codes, names and model regions.

Names come from ``pycountry`` (ISO 3166-1), plus codes it lacks: ``XKX`` (Kosovo, the
user-assigned code most data sets use), ``ISR;PSE`` (ICSR's combined "Israel/Palestinian
Territories" row, which no source splits), and the remainders the best-estimate rule computes:
one per regional scope (``R-WEU``, ``R-MAG``, ...: travellers a region's published total holds
but no country statement names) and ``ROW`` (what no region claims). Remainders are not
countries: reports, dashboards and maps use :func:`is_remainder` to leave them out.
"""

from __future__ import annotations

import functools

import pandas as pd
import pycountry

from ffcast.data.regions import REGION_NAMES, REGION_OF
from ffcast.data.scopes import REMAINDERS, REST_OF_WORLD
from ffcast.errors import FFCastError, close_matches, echo

_REMAINDERS = (*REMAINDERS.values(), REST_OF_WORLD)
#: Codes of the computed remainder rows of ``best_estimates`` (regional ones, then ROW).
REMAINDER_CODES: tuple[str, ...] = tuple(r.code for r in _REMAINDERS)
EXTRA_CODES: dict[str, str] = {
    "XKX": "Kosovo",
    "ISR;PSE": "Israel/Palestinian Territories (combined)",
    **{r.code: r.name for r in _REMAINDERS},
}
_REGION_OF = {**REGION_OF, **{r.code: r.region for r in _REMAINDERS}}


def is_remainder(code: str) -> bool:
    """True for a computed remainder row (``ROW``, ``R-WEU``, ...), which is not a country."""
    return str(code).strip().upper() in REMAINDER_CODES


class UnknownCountryError(FFCastError):
    """A country code or name that ffcast does not know (message suggests the nearest)."""


@functools.cache
def _names() -> dict[str, str]:
    names = {
        c.alpha_3: getattr(c, "common_name", None) or c.name for c in pycountry.countries
    }
    names.update(EXTRA_CODES)
    return names


def country_frame() -> pd.DataFrame:
    """Raw (string) countries table: iso3, name, region, region_name; sorted by iso3."""
    rows = []
    for code, name in sorted(_names().items()):
        region = _REGION_OF.get(code, "other")
        rows.append((code, name, region, REGION_NAMES[region]))
    return pd.DataFrame(rows, columns=["iso3", "name", "region", "region_name"], dtype=object)


def is_known_iso3(code: str) -> bool:
    """True if ``code`` (exact, upper case) is a code ffcast knows: ISO3, XKX, ISR;PSE, or a
    remainder (``ROW``, ``R-...``)."""
    return code in _names()


def region_of(iso3: str) -> str:
    """Model region code of a country (see ``REGIONS``); ISO3 is matched case-insensitively.

    Raises:
        UnknownCountryError: the code is not known (message suggests the nearest).
    """
    return _REGION_OF.get(resolve_iso3(iso3), "other")


def name_of(iso3: str) -> str:
    """Display name of a country code (case-insensitive).

    Raises:
        UnknownCountryError: the code is not known.
    """
    return _names()[resolve_iso3(iso3)]


def resolve_iso3(text: str, field: str = "country") -> str:
    """Turn a user's ISO3 code (any case) or exact country name into the canonical code.

    Raises:
        UnknownCountryError: no such code or name; the message names ``field`` and suggests.
    """
    names = _names()
    cleaned = text.strip()
    code = cleaned.upper()
    if code in names:
        return code
    by_name = {name.lower(): iso for iso, name in names.items()}
    if cleaned.lower() in by_name:
        return by_name[cleaned.lower()]
    guesses = close_matches(code, names, n=3)
    guesses += [by_name[g] for g in close_matches(cleaned.lower(), by_name, n=2)]
    hint = ", ".join(dict.fromkeys(f"{g} ({names[g]})" for g in guesses))
    suggestion = f"did you mean {hint}?" if hint else "use an ISO 3166 alpha-3 code such as FRA"
    raise UnknownCountryError(f"{field}: unknown country {echo(text)}; {suggestion}")
