"""The browser dashboard (``ffcast dashboard``): turn the scenario's knobs, see the forecast.

Warning first: nothing a browser sends is trusted. Every callback rebuilds the
:class:`ffcast.scenario.Scenario` from the raw control values and validates it with pydantic
(:func:`ffcast.dashboard.controls.scenario_from_controls`); a bad value becomes a message on
the page, never a traceback. No user's run lives in a module global: the browser keeps the
validated run specification in a ``dcc.Store`` and the server keeps reduced runs in a small
keyed LRU (:class:`ffcast.dashboard.cache.RunCache`), so concurrent sessions never see each
other's state and a repeated request is answered from the cache.
"""

from ffcast.dashboard.app import create_app

__all__ = ["create_app"]
