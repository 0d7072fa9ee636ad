"""One vote per underlying estimate: fold re-reports into the row they repeat.

Outlets copy each other: the Telegraph prints the Soufan Group's midpoints, Deutsche Welle
summarises ICCT, a 2017 think-tank piece quotes the 2015 TSG table. Every such row stays in
the file for provenance, with ``repeats`` naming the original's ``id``; this module turns the
rows of one file into one row per estimate, so nothing that counts rows (the best-estimate
rule, calibration targets) counts an estimate twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ffcast.data.schema import DatasetSpec


def one_vote(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """One row per estimate of ``frame`` (rows of dataset ``spec``, already filtered).

    An estimate is an original row together with the rows that repeat it. The original
    leads (or, when it is not in ``frame``, the earliest-published repeat): its ``as_of``,
    text and the *sides* it states are kept, while the repeats' renderings of those sides
    widen them (``low`` = smallest low, ``high`` = largest high). A side the original leaves
    open ("at least X") stays open whatever a repeat prints. ``source`` lists every member's
    ids, ``members`` every member's row id, lead first. Datasets without ``repeats`` pass
    through unchanged.
    """
    if spec.repeats_column is None or frame.empty:
        return frame.copy()
    id_col = spec.id_column or "id"
    ids = frame[id_col].reset_index(drop=True)
    repeats = frame["repeats"].reset_index(drop=True)
    key = repeats.where(repeats != "", ids)
    # Row positions, lead first: the original, else the earliest-published repeat.
    order = pd.DataFrame({"_key": key, "_lead": ids != key})
    if "published_date" in frame.columns:
        order["published_date"] = frame["published_date"].to_numpy()
        order = order.sort_values(["_key", "_lead", "published_date"], kind="stable")
    groups: dict[object, list[int]] = {}
    for k, pos in zip(order["_key"].tolist(), order.index.tolist(), strict=True):
        groups.setdefault(k, []).append(pos)
    # one row per estimate, in the file's order (by the lead's index label)
    labels = frame.index.tolist()
    estimates = sorted(groups.values(), key=lambda members: labels[members[0]])
    out = frame.iloc[[members[0] for members in estimates]].copy()
    for side, pick in (("low", min), ("high", max)):
        if side not in frame.columns:
            continue
        values = frame[side].tolist()
        widened = [_widen(values, members, pick) for members in estimates]
        out[side] = pd.Series(widened, index=out.index, dtype=frame[side].dtype)
    cells, row_ids = frame["source"].tolist(), ids.tolist()
    out["source"] = pd.Series(
        [";".join(dict.fromkeys(part for m in members for part in str(cells[m]).split(";")))
         for members in estimates], index=out.index, dtype=frame["source"].dtype)
    out["members"] = pd.Series([";".join(row_ids[m] for m in members) for members in estimates],
                               index=out.index)
    return out.reset_index(drop=True)


def _widen(values: list[Any], members: list[int], pick: Callable[..., Any]) -> Any:
    """The lead's side (``values[members[0]]``) widened by its repeats' renderings of it
    (``pick``: min or max over the members' known values); an open side stays open."""
    lead = values[members[0]]
    if len(members) == 1 or pd.isna(lead):
        return lead
    return pick(v for v in (values[m] for m in members) if not pd.isna(v))
