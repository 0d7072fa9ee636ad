"""One vote per underlying estimate: fold re-reports into the row they repeat.

Outlets copy each other: the Telegraph prints the Soufan Group's midpoints, Deutsche Welle
summarises ICCT, a 2017 think-tank piece quotes the 2015 TSG table. Every such row stays in
the file for provenance, with ``repeats`` naming the original's ``id``; this module turns the
rows of one file into one row per estimate, so nothing that counts rows (the best-estimate
rule, calibration targets) counts an estimate twice.
"""

from __future__ import annotations

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
    key = frame["repeats"].where(frame["repeats"] != "", frame[id_col])
    lead_first = frame.assign(_key=key, _lead=frame[id_col] != key)
    if "published_date" in frame.columns:
        lead_first = lead_first.sort_values(["_key", "_lead", "published_date"], kind="stable")
    rows = []
    for _, group in lead_first.groupby("_key", sort=False):
        lead = group.iloc[0].copy()
        for side, pick in (("low", "min"), ("high", "max")):
            if side in group.columns and pd.notna(lead[side]):
                lead[side] = getattr(group[side].dropna(), pick)()
        lead["source"] = ";".join(dict.fromkeys(
            part for cell in group["source"] for part in str(cell).split(";")))
        lead["members"] = ";".join(group[id_col])
        rows.append(lead)
    out = pd.DataFrame(rows).drop(columns=["_key", "_lead"])
    # keep the file's order and dtypes (Int64 counts stay nullable integers)
    out = out.loc[sorted(out.index)]
    return out.astype(frame.dtypes.to_dict()).reset_index(drop=True)
