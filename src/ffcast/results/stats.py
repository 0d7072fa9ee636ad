"""Ensemble summaries over draws: quantiles and a fixed five-quantile-plus-mean summary.

Warning first: quantiles use linear interpolation between order statistics (numpy's
default ``method="linear"``), so the median of an even number of integer draws can be a
half-integer: results are always float64 even for int32 counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ffcast.errors import FFCastError

SUMMARY_QUANTILES: tuple[float, ...] = (0.05, 0.10, 0.50, 0.90, 0.95)
SUMMARY_LABELS: tuple[str, ...] = ("p5", "p10", "p50", "p90", "p95", "mean")


def draw_summary(x: np.ndarray) -> dict[str, float]:
    """Median, 5th and 95th percentile and mean of the draws ``x`` (1-D), as floats."""
    lo, med, hi = np.percentile(np.asarray(x, dtype=np.float64), [5, 50, 95])
    return {"median": float(med), "p5": float(lo), "p95": float(hi),
            "mean": float(np.mean(x))}


def _check(da: xr.DataArray, q: Sequence[float], dim: str) -> np.ndarray:
    if dim not in da.dims:
        raise FFCastError(f"dim: {dim!r} is not a dimension of {da.name!r}; "
                          f"use one of {', '.join(map(str, da.dims))}")
    if da.sizes[dim] == 0:
        raise FFCastError(f"dim: {dim!r} is empty; there is nothing to summarise")
    qs = np.asarray(q, dtype=np.float64)
    if qs.ndim != 1 or qs.size == 0 or np.any((qs < 0) | (qs > 1)) or np.isnan(qs).any():
        raise FFCastError(f"q: {list(q)} must be a non-empty list of numbers in [0, 1]")
    return qs


def quantiles(da: xr.DataArray, q: Sequence[float] = (0.05, 0.5, 0.95),
              dim: str = "draw") -> xr.DataArray:
    """Quantiles ``q`` (in [0, 1]) of ``da`` over ``dim``, in ``da``'s units, as float64.

    Returns a DataArray with a leading ``quantile`` dim (coordinate = ``q``) and ``da``'s
    attrs. Raises :class:`FFCastError` for an unknown or empty ``dim`` or ``q`` outside [0, 1].
    """
    qs = _check(da, q, dim)
    return da.astype(np.float64).quantile(qs, dim=dim, keep_attrs=True)


def summary(da: xr.DataArray, dim: str = "draw") -> xr.DataArray:
    """5/10/50/90/95% quantiles and the mean of ``da`` over ``dim`` (float64, ``da``'s units).

    The ``quantile`` dim is labelled ``p5, p10, p50, p90, p95, mean`` (select with
    ``.sel(quantile="p50")``). Raises :class:`FFCastError` for an unknown or empty ``dim``.
    """
    qs = quantiles(da, SUMMARY_QUANTILES, dim)
    mean = da.astype(np.float64).mean(dim, keep_attrs=True).expand_dims(quantile=[np.nan])
    out = xr.concat([qs, mean], dim="quantile", combine_attrs="override")
    return out.assign_coords(quantile=list(SUMMARY_LABELS))
