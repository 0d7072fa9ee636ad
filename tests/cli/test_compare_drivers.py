"""compare names what drives each risk difference (issue 19, item 4)."""

from __future__ import annotations

import io

from rich.console import Console

import ffcast
from ffcast.cli.run_cmd import compare_tables


def _text(res: dict) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=200, color_system=None)
    for t in compare_tables(res):
        console.print(t)
    return buf.getvalue()


def test_compare_names_the_components_behind_each_difference():
    res = ffcast.compare("baseline", "repatriate-camps", draws=60, seed=2, end="2019-12")
    drivers = res["drivers"]
    assert {"attacks_total", "attacks:home", "attack_deaths_total"} <= set(drivers)
    for info in drivers.values():
        for c in info["strongest"]:
            assert 0 < c["rank_r2"] <= 1 and isinstance(c["narrowed"], bool)
    text = _text(res)
    assert "What drives the difference" in text
    named = [c["component"] for c in drivers["attacks_total"]["strongest"]]
    if named:
        assert named[0] in text
    # With nothing passing the screen the table says so instead of staying empty.
    quiet = {**res, "drivers": {k: {"prior_driven": False, "strongest": []}
                                for k in drivers}}
    assert "no component stands out at 60 draws" in _text(quiet)
