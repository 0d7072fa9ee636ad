"""The vectorised one-vote fold and best-estimate rule give exactly what the row-by-row
originals gave (kept here verbatim as the reference), at every cut-off tried."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ffcast.data import best, loaders
from ffcast.data.best import LEADING_MONTHS, RANGE_MONTHS, Estimate, _ids, _round
from ffcast.data.schema import SPECS, DatasetSpec
from ffcast.errors import FFCastError

CUTOFFS = ("2014-12", "2015-06", "2015-11", "2016-06", "2016-12")
REPEATED = [n for n, s in SPECS.items() if s.repeats_column and s.calibration]


# --- the reference: the implementations before vectorising (commit 031d1c9) ----------------

def old_one_vote(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
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
    out = out.loc[sorted(out.index)]
    return out.astype(frame.dtypes.to_dict()).reset_index(drop=True)


def old_estimate(rows: pd.DataFrame) -> Estimate:
    rows = rows[rows["low"].notna() | rows["high"].notna()]
    if rows.empty:
        raise ValueError("no estimate to apply the rule to")
    low, high = rows["low"].astype("Float64"), rows["high"].astype("Float64")
    newest = rows["as_of_date"].max()
    age = (newest.year - rows["as_of_date"].dt.year) * 12 + (
        newest.month - rows["as_of_date"].dt.month)
    leading, ranged = age < LEADING_MONTHS, age < RANGE_MONTHS
    two = low.notna() & high.notna()
    floor, cap = high.isna(), low.isna()
    mids = ((low + high) / 2)[leading & two]
    if len(mids):
        central, how = float(mids.median()), "median"
    elif (leading & floor).any():
        central, how = float(low[leading & floor].max()), "'at least' figure"
    else:
        central, how = float(high[leading & cap].median()), "'up to' figure"
    top_floor = low[leading & floor].max() if (leading & floor).any() else None
    if top_floor is not None and top_floor > central:
        central, how = float(top_floor), how + " raised to an 'at least' figure"
    centre = _round(central)
    lows = pd.concat([low[ranged & two], high[ranged & cap]]).dropna()
    highs = pd.concat([high[ranged & two], low[ranged & floor]]).dropna()
    lo = min(_round(lows.min()) if len(lows) else centre, centre)
    hi = max(_round(highs.max()) if len(highs) else centre, centre)
    sources = _ids(rows.loc[ranged, "source"])
    first = newest - pd.DateOffset(months=RANGE_MONTHS - 1)
    rule = (f"{how} of the estimates of {newest - pd.DateOffset(months=LEADING_MONTHS - 1):%Y-%m}"
            f"..{newest:%Y-%m} ({', '.join(_ids(rows.loc[leading, 'source']))}); range over "
            f"{int(ranged.sum())} estimate(s) of {first:%Y-%m}..{newest:%Y-%m}")
    return Estimate(lo, centre, hi, newest, int(ranged.sum()), sources, rule)


def old_best(state: tuple[tuple[str, int], ...], end: pd.Timestamp) -> pd.DataFrame:
    ff = loaders.calibration_data("foreign_fighters", end)
    travelled = ff[ff["measure"] == "travelled"]
    travelled = travelled[~travelled["iso3"].map(best.COMBINED).isin(travelled["iso3"])]
    # a count of some groups only is a floor (ADR 0021): the rule's input, not its speed
    narrow = travelled["covers"].fillna("").isin(best.NARROW_COVERS) & travelled["low"].notna()
    travelled = travelled.assign(high=travelled["high"].mask(narrow))
    travelled = travelled[travelled["low"].notna() | travelled["high"].notna()]
    rows = [best._row(str(iso3), old_estimate(group), "country")
            for iso3, group in travelled.groupby("iso3")]
    table = pd.DataFrame(rows, columns=best.COLUMNS)
    table = table.sort_values(["central", "iso3"], ascending=[False, True], ignore_index=True)
    table = pd.concat([table, best._remainders(table, state, end)], ignore_index=True)
    for col in ("low", "central", "high", "n_estimates"):
        table[col] = table[col].astype("int64")
    table["newest_as_of"] = pd.to_datetime(table["newest_as_of"]).astype("datetime64[ns]")
    return table


def _clear() -> None:
    loaders._calibration.cache_clear()
    best._best.cache_clear()
    best._world.cache_clear()


@contextlib.contextmanager
def reference_code() -> Iterator[None]:
    """The old fold and rule in place of the new ones (caches emptied either side)."""
    saved = loaders.one_vote, best.estimate
    _clear()
    loaders.one_vote, best.estimate = old_one_vote, old_estimate
    try:
        yield
    finally:
        loaders.one_vote, best.estimate = saved
        _clear()


# --- the comparisons ---------------------------------------------------------------------

@pytest.mark.parametrize("name", REPEATED)
@pytest.mark.parametrize("cutoff", [*CUTOFFS, None])
def test_calibration_data_is_unchanged(name: str, cutoff: str | None) -> None:
    with reference_code():
        before = loaders.calibration_data(name, cutoff)
    after = loaders.calibration_data(name, cutoff)
    pd.testing.assert_frame_equal(after, before, check_exact=True)


def test_one_vote_keeps_the_original_row_order_and_labels() -> None:
    spec = SPECS["foreign_fighters"]
    frame = loaders.load("foreign_fighters")
    frame = frame[frame["flag"] == ""].sample(frac=1.0, random_state=3)  # shuffled labels
    pd.testing.assert_frame_equal(loaders.one_vote(frame, spec), old_one_vote(frame, spec),
                                  check_exact=True)
    empty = frame.iloc[:0]
    pd.testing.assert_frame_equal(loaders.one_vote(empty, spec), old_one_vote(empty, spec))


@pytest.mark.parametrize("cutoff", CUTOFFS)
def test_best_estimates_are_unchanged(cutoff: str) -> None:
    end = loaders.cutoff_end(cutoff)
    with reference_code():
        before = old_best(loaders.data_state(), end)
        world_before = best.total_travellers_2016(cutoff)
    pd.testing.assert_frame_equal(best.best_estimates(cutoff), before, check_exact=True)
    assert best.total_travellers_2016(cutoff) == world_before


def test_best_estimates_fail_alike_before_any_world_total() -> None:
    with reference_code(), pytest.raises(FFCastError, match="no world") as before:
        old_best(loaders.data_state(), loaders.cutoff_end("2014-06"))
    with pytest.raises(FFCastError, match="no world") as after:
        best.best_estimates("2014-06")
    assert str(after.value) == str(before.value)


def _travelled() -> pd.DataFrame:
    ff = loaders.calibration_data("foreign_fighters")
    return ff[ff["measure"] == "travelled"].reset_index(drop=True)


def test_estimate_is_unchanged_for_every_country_and_aggregate() -> None:
    groups = [g for _, g in _travelled().groupby("iso3")]
    agg = loaders.calibration_data("aggregates")
    groups += [g for _, g in agg.groupby(["metric", "scope"])]
    for rows in groups:
        try:
            expected = old_estimate(rows)
        except ValueError:
            with pytest.raises(ValueError, match="no estimate"):
                best.estimate(rows)
            continue
        assert best.estimate(rows) == expected


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_estimate_is_unchanged_for_any_subset_of_the_estimates(draw: st.DataObject) -> None:
    rows = _travelled()
    rows = rows[rows["iso3"].isin(["RUS", "FRA", "DEU", "TUN", "GBR", "BEL"])]
    keep = draw.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    rows = rows[keep]
    if (rows["low"].notna() | rows["high"].notna()).any():
        assert best.estimate(rows) == old_estimate(rows)
