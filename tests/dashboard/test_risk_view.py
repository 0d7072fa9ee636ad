"""The dashboard's risk table shows the report's per-year West numbers for the chosen run."""

from __future__ import annotations

from typing import Any

from ffcast.dashboard import views
from ffcast.report import risk
from ffcast.report.reduce import reduce_run


def _texts(component: Any) -> list[str]:
    """Every string in a Dash component tree, depth first."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    if not isinstance(children, list | tuple):
        children = [children]
    return [t for child in children for t in _texts(child)]


def _find(component: Any, ident: str) -> Any:
    if getattr(component, "id", None) == ident:
        return component
    children = getattr(component, "children", None) or []
    for child in children if isinstance(children, list | tuple) else [children]:
        if not isinstance(child, str) and (found := _find(child, ident)) is not None:
            return found
    return None


def test_the_headline_holds_the_reports_risk_rows_for_the_chosen_scenario() -> None:
    red = reduce_run("prosecute-all", 12, 3, end="2019-12")
    table = _find(views.headline(red), "risk-table")
    assert table is not None
    texts = _texts(table)
    assert list(risk.HEADERS) == texts[1:1 + len(risk.HEADERS)]
    cells = [text for row in risk.forecast_cells(red) for text, _ in row]
    assert texts[1 + len(risk.HEADERS):] == cells
    labels = [row[0][0] for row in risk.forecast_cells(red)]
    assert [label.removesuffix(" †").removesuffix(" ?") for label in labels] == [
        "2017", "2018", "2019"]
    # A year carries the dagger exactly when it rests mostly on what the data did not decide,
    # a question mark when the screen cannot attribute it (ADR 0040: at 12 draws, none).
    assert [label.endswith(" †") for label in labels] == [
        f"west_attacks:{y}" in red.prior_driven for y in (2017, 2018, 2019)]
    assert [label.endswith(" ?") for label in labels] == [
        f"west_attacks:{y}" in red.undetermined for y in (2017, 2018, 2019)]
    note = " ".join(_texts(views.risk_table(red)))
    assert "linked to foreign fighters" in note and "not all jihadist terrorism" in note


def test_the_dashboards_risk_note_explains_the_dagger() -> None:
    red = reduce_run("baseline", 12, 3, end="2019-12")
    note = " ".join(_texts(views.risk_table(red)))
    marked = any(k.startswith("west_attacks:") for k in red.prior_driven)
    assert ("† the year rests mostly on parameters" in note) is marked


def test_the_focus_figure_says_it_is_the_models_count_not_what_is_published() -> None:
    """The dashboard starts from the stored states and shows the model's count of a focus
    country's returnees, unanchored; it says so, and where the official count is."""
    red = reduce_run("baseline", 12, 3, end="2018-12")
    fig = views.country_figure(red, "France")
    notes = " ".join(a.text for a in fig.layout.annotations if a.text)
    assert "not what the" in notes and "country publishes" in notes
    assert "forecast" in notes and "--published" in notes
