"""Figures are pure (no data loading), labelled, and draw what the reduction holds."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ffcast import data
from ffcast.report import figures, flows, observed, risk
from ffcast.report.build import build_figures, mappable_countries
from ffcast.report.reduce import PATHWAYS, Reduction, paired_differences, quantiles


@pytest.fixture(scope="module")
def published() -> dict:
    return {"world": observed.world_points(), "returned": observed.returned_points(),
            "territory": observed.territory_points(), "gtd": observed.gtd_west_deaths(),
            "record": observed.attack_record("2016-12")}


def _no_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a report figure read data")

    for name in ("load", "calibration_data", "best_estimates", "sources"):
        monkeypatch.setattr(data, name, refuse)


def _figures(red: Reduction, pub: dict) -> dict[str, go.Figure]:
    names = dict(zip(red.meta.countries, red.meta.country_names, strict=True))
    return {
        "pathways": figures.pathway_fans(red, pub["world"]),
        "focus": figures.focus_fans(red, pub["returned"], names),
        "territory": figures.territory_model_figure(red, pub["territory"]),
        "deaths": figures.deaths_model_figure(red, pub["gtd"]),
        "compare": figures.comparison_figure(paired_differences(red, red), "a", "b", 20),
        "sankey": flows.sankey_figure(red),
        "map": flows.map_figure(red, names, {"FRA", "TUN"}),
        "risk": risk.risk_figure(red, pub["record"]),
    }


def test_figures_read_no_data(reduction: Reduction, published: dict,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    _no_data(monkeypatch)
    for name, fig in _figures(reduction, published).items():
        assert isinstance(fig, go.Figure), name
        assert fig.layout.title.text, name


def test_every_axis_is_labelled(reduction: Reduction, published: dict) -> None:
    for name, fig in _figures(reduction, published).items():
        layout = fig.layout.to_plotly_json()
        for key in [k for k in layout if k.startswith(("xaxis", "yaxis"))]:
            if key.startswith("x") and layout[key].get("matches"):
                continue  # shared x: the dates are labelled by their tick format
            if name == "compare" and key.startswith("y"):
                continue  # categorical: each tick label names its quantity
            title = (layout[key].get("title") or {}).get("text")
            has_ticks = layout[key].get("tickformat") or layout[key].get("ticksuffix")
            assert title or has_ticks, f"{name}.{key}"


def test_fan_draws_quantiles_and_cutoff(reduction: Reduction, published: dict) -> None:
    fig = figures.pathway_fans(reduction, published["world"])
    medians = [t for t in fig.data if t.name == "Median"]
    assert len(medians) == len(PATHWAYS) + 1
    q = quantiles(reduction.pathways[:, :, 0])
    np.testing.assert_allclose(medians[0].y, q[2])
    cut = [s for s in fig.layout.shapes if s.line.dash == "dash"]
    assert len(cut) == len(PATHWAYS) + 1
    assert any("Cut-off" in (a.text or "") for a in fig.layout.annotations)
    marks = [t for t in fig.data if (t.name or "").startswith("Published")]
    assert sum(len(t.x) for t in marks) == len(published["world"])


def test_focus_fans_show_published_returnees(reduction: Reduction, published: dict) -> None:
    red = reduction
    fig = figures.focus_fans(red, published["returned"], {})
    shown = published["returned"][published["returned"]["key"].isin(red.meta.focus)]
    marks = [t for t in fig.data if (t.name or "").startswith("Published")]
    assert sum(len(t.x) for t in marks) == len(shown)


def test_sankey_flows_add_up(reduction: Reduction) -> None:
    link = flows.sankey_figure(reduction).data[0].link
    total = reduction.pathways[:, -1].sum(1).mean()
    n_regions = len({r for r in reduction.meta.regions})
    assert sum(v for s, v in zip(link.source, link.value, strict=True) if s < n_regions) == \
        pytest.approx(total)


def test_map_draws_only_mappable_countries(reduction: Reduction) -> None:
    names = dict(zip(reduction.meta.countries, reduction.meta.country_names, strict=True))
    mappable = mappable_countries()
    fig = flows.map_figure(reduction, names, mappable)
    choropleth = fig.data[0]
    assert set(choropleth.locations) <= mappable
    assert "XKX" not in choropleth.locations
    note = " ".join(a.text for a in fig.layout.annotations)
    assert "Kosovo" in note and "Rest of" in note
    assert fig.layout.geo.lonaxis.range == (-180, 180)


def test_build_figures_with_comparison(reduction: Reduction) -> None:
    figs = build_figures(reduction, reduction)
    assert next(iter(figs)) == "comparison"
    assert {"essay_territory", "essay_deaths", "map", "sankey"} <= set(figs)
