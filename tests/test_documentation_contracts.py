"""Claims in the docs, checked against the code (so the docs cannot drift)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ffcast.engine import STEP_ORDER
from ffcast.scenario.priors import PARAMS

ROOT = Path(__file__).resolve().parents[1]


def test_model_card_lists_every_parameter_with_its_default() -> None:
    card = (ROOT / "docs" / "model.md").read_text()
    for p in PARAMS:
        assert f"`{p.name}`" in card, p.name
        if not isinstance(p.mean, dict):
            assert f"| `{p.name}` | {p.mean:g} |" in card, p.name


def test_model_card_step_order_matches_engine() -> None:
    card = (ROOT / "docs" / "model.md").read_text()
    positions = [card.index(f"**{step}**") for step in STEP_ORDER]
    assert positions == sorted(positions)


def test_every_parameter_has_a_source_or_judgement() -> None:
    for p in PARAMS:
        assert p.source.strip(), p.name
        assert p.unit and p.description, p.name


def _python_blocks(path: Path) -> list[str]:
    text = path.read_text()
    return [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]


@pytest.mark.slow
def test_guide_python_example_runs_as_written() -> None:
    blocks = _python_blocks(ROOT / "docs" / "guide.md")
    assert blocks, "the guide lost its Python example"
    for code in blocks:
        namespace: dict = {}
        exec(compile(code, "docs/guide.md", "exec"), namespace)
    assert namespace["summary"].shape[1] == 3


@pytest.mark.slow
def test_readme_python_example_runs_as_written() -> None:
    """The README's Python block is the notebook API's contract: it must run as printed."""
    blocks = _python_blocks(ROOT / "README.md")
    assert blocks, "the README lost its Python example"
    for code in blocks:
        namespace: dict = {}
        exec(compile(code, "README.md", "exec"), namespace)
    from ffcast.results import check_dataset

    check_dataset(namespace["ds"])
    assert namespace["ds"].sizes["draw"] == 200


def test_readme_quick_start_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


@pytest.mark.slow
def test_baseline_history_is_near_the_2016_facts() -> None:
    """docs/model.md claims the baseline is in the neighbourhood of the 2016 facts."""
    from ffcast.history import history_check

    df = history_check(draws=100, seed=0)
    inside = df["inside"].mean()
    # 9 of 12 since issue 10: the regional remainders follow the US accounting of the 40,000
    # (Westerners ~18%), so the priors' Europeans in theatre sit above the EU's 2,000-2,500,
    # and without the old wide ROW range the Jan 2015 world total's interval no longer
    # reaches 22,000. Calibration weighs these statements; see docs/data.md.
    assert inside >= 0.75, df.to_string()
    by = df.set_index(["fact", "as_of"])
    assert 30_000 <= by.loc[("Travelled in total, world", "2016-12"), "model_median"] <= 50_000
    assert 10_000 <= by.loc[("Remaining in the war zone, world", "2016-12"),
                            "model_median"] <= 30_000
