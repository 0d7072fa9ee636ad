"""The one output type of ffcast: an xarray Dataset with named dims, units and descriptions.

Warning first: counts are int32 whole numbers; stocks are end-of-month, flows per month; and
``cumulative_travelled`` / ``cumulative_returned`` count everyone since 2011-01 even when a
run records from a later month. Writers are chosen by extension (``.nc``, ``.zarr``,
``.parquet``, ``.csv``), stream chunk by chunk and are atomic. See
``docs/decisions/0004-results-contract.md``.
"""

from ffcast.results.contract import (
    CONVENTIONS,
    COUNT_VARIABLES,
    VARIABLES,
    check_dataset,
    concat,
    full_bytes,
    home_stocks,
    pathway_totals,
    people_total,
    person_stocks,
    to_dataset,
)
from ffcast.results.stats import quantiles, summary
from ffcast.results.writers import (
    SUMMARY_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    ResultsWriter,
    export_size,
    read,
    write,
)

__all__ = [
    "CONVENTIONS",
    "COUNT_VARIABLES",
    "SUMMARY_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "VARIABLES",
    "ResultsWriter",
    "check_dataset",
    "concat",
    "export_size",
    "full_bytes",
    "home_stocks",
    "pathway_totals",
    "people_total",
    "person_stocks",
    "quantiles",
    "read",
    "summary",
    "to_dataset",
    "write",
]
