"""The Dash callback endpoint: malformed values give a message (HTTP 200), never a traceback;
a small bounded load on loopback gives no errors."""

from __future__ import annotations

from types import ModuleType

import pytest
import requests


def post(url: str, payload: dict) -> requests.Response:
    return requests.post(f"{url}/_dash-update-component", json=payload, timeout=120)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"draws": 5}, "draws"),
    ({"draws": "many"}, "draws"),
    ({"midpoint": "2017-99"}, "collapse.midpoint"),
    ({"focus": None}, "focus"),
    ({"preset": 42}, "preset"),
])
def test_malformed_values_become_a_message(dashboard: tuple[str, object],
                                           load_module: ModuleType, kwargs: dict,
                                           needle: str) -> None:
    url, app = dashboard
    levers = load_module.default_levers(border_control=7, detection_capacity="x")
    r = post(url, load_module.run_payload(app, levers, **kwargs))
    assert r.status_code == 200
    body = r.json()["response"]
    message = body["message"]["children"]
    assert needle in message and "policy.border_control" in message
    assert "Traceback" not in r.text
    assert "fig-fans" not in body  # nothing drawn from a bad request


def test_page_and_assets_are_local(dashboard: tuple[str, object]) -> None:
    url, _ = dashboard
    page = requests.get(url, timeout=30)
    assert page.ok and "http://" not in page.text.replace(url, "")
    geo = requests.get(f"{url}/assets/topojson/world_110m.json", timeout=30)
    assert geo.ok and '"countries"' in geo.text


def test_load_smoke(dashboard: tuple[str, object], load_module: ModuleType) -> None:
    url, app = dashboard
    stats = load_module.load(app, url, sessions=3, seconds=5)
    assert stats["errors"] == 0, stats["first_errors"]
    assert stats["requests"] >= 3


def test_concurrent_sessions_get_their_own_run(dashboard: tuple[str, object],
                                               load_module: ModuleType) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url, app = dashboard
    wanted = [0.05, 0.2, None]
    payloads = [load_module.run_payload(app, load_module.default_levers(camp_repatriation=v))
                for v in wanted]
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda p: post(url, p).json()["response"], payloads))
    for value, reply in zip(wanted, replies, strict=True):
        assert reply["message"]["children"] == ""
        assert reply["run-spec"]["data"]["scenario"]["policy"]["camp_repatriation"] == value


def test_cli_binds_loopback_by_default() -> None:
    from typer.testing import CliRunner

    from ffcast.cli import app

    result = CliRunner().invoke(app, ["dashboard", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output
