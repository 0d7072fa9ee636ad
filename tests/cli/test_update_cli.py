"""`ffcast update`: fold new statements into a posterior; bad input leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ffcast.calibrate import calibrate, from_result, load, save
from ffcast.cli import app

runner = CliRunner()
STATEMENTS = """iso3,quantity,value,as_of,published,source
FRA,cumulative_returned,250,2017-03,2017-04,test A
BEL,cumulative_returned,125,2017-04,2017-05,test B
TUN,cumulative_returned,800,2017-04,2017-05,test C
DEU,cumulative_returned,290,2016-10,2016-11,already public at the cut-off
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("upd")
    post = folder / "p.nc"
    save(from_result(calibrate(cutoff="2016-12", particles=50, seed=4, moves=1,
                               max_stages=1)), post)
    csv = folder / "new.csv"
    csv.write_text(STATEMENTS, encoding="utf-8")
    return post, csv


def test_update_writes_a_posterior_at_the_new_origin_and_says_what_moved(small, tmp_path):
    post, csv = small
    out = tmp_path / "p2.nc"
    res = runner.invoke(app, ["update", "--posterior", str(post), "--observations", str(csv),
                              "--until", "2017-06", "--out", str(out), "--draws", "20",
                              "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["origin_before"] == "2016-12" and d["origin_after"] == "2017-06"
    assert len(d["statements"]) == 3  # the row public by the cut-off is left out, and said
    assert d["ignored"]["published by the origin (already public when the posterior was made)"] == 1
    assert 0 < d["ess"] <= 50
    assert any("2017" in row["quantity"] and "(6 months)" in row["after"] for row in d["moved"])
    p2 = load(out)
    assert p2.origin == "2017-06" and p2.states is not None and len(p2.z) == 50
    table = runner.invoke(app, ["update", "--posterior", str(post), "--observations",
                                str(csv), "--until", "2017-06", "--out",
                                str(tmp_path / "p3.nc"), "--draws", "20"])
    assert table.exit_code == 0, table.output
    assert "The forecast that moved" in table.stdout and "Next: ffcast run" in table.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--until", "2016-12"], "--until: 2016-12 is not after the posterior's origin"),
    (["--until", "2016-13"], "--until"),
    (["--until", "2017-03"], "no statement published after 2016-12 and by 2017-03"),
    ([], "--until: required"),
])
def test_bad_input_is_one_line_and_leaves_no_file(small, tmp_path, args, message):
    post, csv = small
    out = tmp_path / "sub" / "p2.nc"
    res = runner.invoke(app, ["update", "--posterior", str(post), "--observations", str(csv),
                              "--out", str(out), *args])
    assert res.exit_code != 0
    assert message in res.output
    assert not out.exists() and not out.parent.exists()


def test_a_posterior_without_noise_ids_is_refused(small, tmp_path):
    post, csv = small
    old = load(post)
    from ffcast.calibrate.posterior import Posterior

    legacy = tmp_path / "legacy.nc"
    save(Posterior(old.cutoff, old.z, old.names, dict(old.attrs)), legacy)
    res = runner.invoke(app, ["update", "--posterior", str(legacy), "--observations",
                              str(csv), "--until", "2017-06", "--out", str(tmp_path / "x.nc")])
    assert res.exit_code != 0 and "no particle noise ids" in res.output
    assert not (tmp_path / "x.nc").exists()


def test_a_run_from_an_updated_posterior_starts_at_its_origin(small, tmp_path):
    """It starts from the particles' states at the new origin (the baseline's default
    policy, starting 2017-01, changes nothing), and an end before the origin is one line."""
    post, csv = small
    out = tmp_path / "p2.nc"
    assert runner.invoke(app, ["update", "--posterior", str(post), "--observations", str(csv),
                               "--until", "2017-06", "--out", str(out), "--draws", "4",
                               "--json"]).exit_code == 0
    res = runner.invoke(app, ["run", "baseline", "--posterior", str(out), "--draws", "6",
                              "--json"])
    assert res.exit_code == 0, res.output
    h = json.loads(res.stdout)
    assert h["history"] == "from the posterior's particle states"
    assert h["attacks_counted_from"] == "2017-07"
    bad = runner.invoke(app, ["run", "baseline", "--posterior", str(out), "--end", "2017-06"])
    assert bad.exit_code == 2 and "is not after the posterior's origin 2017-06" in bad.output
