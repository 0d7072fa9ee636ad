"""`ffcast data groups` through Typer's CliRunner: the same numbers as ``group_priors``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import ffcast.data as data
from ffcast.cli import app
from ffcast.data.regions import REGION_NAMES

runner = CliRunner()


@pytest.mark.parametrize("cutoff", ["2015-06", "2016-12"])
def test_json_is_exactly_what_the_function_returns(cutoff: str) -> None:
    result = runner.invoke(app, ["data", "groups", "--cutoff", cutoff, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == data.group_priors(cutoff).to_dict("records")


def test_default_cutoff_is_the_knowledge_cutoff() -> None:
    result = runner.invoke(app, ["data", "groups", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == data.group_priors("2016-12").to_dict("records")


def test_table_has_one_table_per_region_with_medians_and_rows_or_judgement() -> None:
    result = runner.invoke(app, ["data", "groups", "--cutoff", "2016-12"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())  # the table wraps long cells
    for region, name in REGION_NAMES.items():
        assert f"{name} ({region})" in text
    assert "all regions (all)" in text and "births" in text
    priors = data.group_priors("2016-12").set_index(["region", "group"])
    women = priors.loc[("western_europe", "women")]
    assert f"{women['median']:.1%} [{women['p5']:.1%}, {women['p95']:.1%}]" in text
    assert "judgement: no statement on minors" in text
    assert "derived from women (pooled) and minors (judgement)" in text
    assert "RMC2016_09:FRA:minors_born_in_theatre:in_theatre" in text


@pytest.mark.parametrize("cutoff", ["2016-13", "banana", "16/12"])
def test_a_bad_cutoff_is_one_line_naming_the_flag_and_the_fix(cutoff: str) -> None:
    result = runner.invoke(app, ["data", "groups", "--cutoff", cutoff])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --cutoff:")
    assert "fix: write YYYY-MM" in lines[0]
