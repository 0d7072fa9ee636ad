"""Each callback alone: preset filling, shares, a previewed run refined in the background,
comparison and download errors; and the preview's claim (its draws are the first draws of
the full ensemble, with the same numbers)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from dash import no_update

from ffcast.dashboard import app as A
from ffcast.dashboard import controls as C

N_FIG = len(A.FIGURES)


def _controls(draws: int, horizon: str = "2018-12", camp: float | None = 0.1) -> list:
    preset = C.preset_controls("baseline")
    levers = {**preset["levers"], "camp_repatriation": camp}
    return ["baseline", "2017-07", *preset["tilt"].values(),
            *[levers[k] for k in C.LEVERS], "FRA", horizon, draws, 0]


def _wait(runner: A.Runner, stored: dict, seconds: float = 300.0) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out = A.on_refine(runner, 1, stored)
        if out[-1] is True:
            return out
        assert out[:-1] == [no_update] * (3 + N_FIG) and out[-1] is False
        time.sleep(0.05)
    pytest.fail("the background run did not finish")


def test_fill_from_preset_sets_every_control_and_names_a_bad_preset() -> None:
    out = A.fill_from_preset("prosecute-all")
    assert len(out) == 1 + len(A.TILT_IDS) + len(A.LEVER_IDS) + 1 and out[-1] == ""
    bad = A.fill_from_preset("nope")
    assert bad[:-1] == [no_update] * (len(bad) - 1) and "preset" in bad[-1]


def test_show_shares_sums_the_tilts_or_asks_to_fix_them() -> None:
    assert "Effective shares" in str(A.show_shares(1, 1, 1, 1, 1, "baseline"))
    assert A.show_shares("x", 1, 1, 1, 1, "baseline") == "Effective shares: fix the tilts first."


def test_a_large_run_shows_a_preview_then_the_full_ensemble() -> None:
    runner = A.Runner()
    out = A.on_run(runner, 1, *_controls(160))
    message, status, _headline, *figs, stored, comparison, polling_off = out
    assert message == "" and comparison is None
    assert status.startswith(f"Preview: the first {A.PREVIEW_DRAWS}") and "160" in status
    assert polling_off is False and len(figs) == N_FIG
    assert stored["draws"] == 160  # the store holds the requested run, not the preview
    done = _wait(runner, stored)
    assert done[0] == "" and "160 draws" in done[1] and "full ensemble" in done[1]
    again = A.on_run(runner, 2, *_controls(160))  # now cached: no preview, no polling
    assert "160 draws" in again[1] and "from cache" in again[1] and again[-1] is True


def test_the_preview_draws_are_the_first_draws_of_the_full_run() -> None:
    runner = A.Runner()
    spec = C.run_spec("baseline", "2017-07", {}, {"rehabilitation_effect": 1,
                      "border_control": 0, "dispatch_capacity": 1, "detection_capacity": 1},
                      120, 3, "2018-12", "FRA")
    preview = runner.reduction(spec.with_draws(A.PREVIEW_DRAWS))
    full = runner.reduction(spec)
    n = A.PREVIEW_DRAWS
    np.testing.assert_array_equal(full.draws[:n], preview.draws)
    np.testing.assert_array_equal(full.pathways[:n], preview.pathways)
    np.testing.assert_array_equal(full.attack_deaths[:n], preview.attack_deaths)


def test_a_small_run_is_final_at_once() -> None:
    out = A.on_run(A.Runner(), 1, *_controls(C.DRAWS_MIN))
    assert out[0] == "" and out[1].startswith(f"{C.DRAWS_MIN} draws") and out[-1] is True


def test_a_bad_run_gives_a_message_and_stops_polling() -> None:
    out = A.on_run(A.Runner(), 1, *_controls(5))
    assert "draws" in out[0] and out[-1] is True
    assert out[2:2 + 1 + N_FIG] == [no_update] * (1 + N_FIG)


def test_refine_and_compare_and_download_refuse_a_missing_run() -> None:
    runner = A.Runner()
    assert "press Run" in A.on_refine(runner, 1, None)[0]
    assert "press Run" in A.on_compare(runner, 1, None)[1]
