"""A small, thread-safe LRU of reduced runs keyed by the validated run specification.

Warning first: the cache holds :class:`ffcast.report.reduce.Reduction` objects (a few MB
each at 1,000 draws), never a user's session; two sessions asking for the same
(scenario JSON, draws, seed, horizon, focus) share one entry, and a second request for a
run being computed waits for it instead of simulating it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RunCache(Generic[V]):
    """LRU of at most ``maxsize`` values; ``get_or_compute`` runs ``compute`` once per key."""

    def __init__(self, maxsize: int = 8) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def _lookup(self, key: Hashable) -> V | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            return None

    def peek(self, key: Hashable) -> V | None:
        """The cached value for ``key`` or None, without computing (counts no hit)."""
        with self._lock:
            return self._items.get(key)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value for ``key``, computing (and caching) it on a miss.

        Exceptions from ``compute`` propagate and nothing is cached.
        """
        found = self._lookup(key)
        if found is not None:
            return found
        with self._lock:
            key_lock = self._pending.setdefault(key, threading.Lock())
        with key_lock:
            found = self._lookup(key)
            if found is not None:
                return found
            value = compute()
            with self._lock:
                self.misses += 1
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
                self._pending.pop(key, None)
            return value
