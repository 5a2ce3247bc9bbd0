"""A small per-process cache with expiry and a size bound (least recently used entries go first).

Used for read-mostly public data whose key carries a version, so a change is seen at once by the
process that made it and by the others within the tenant-cache time (MOTCUA_TENANT_CACHE_SECONDS).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_ALL: weakref.WeakSet[TTLCache] = weakref.WeakSet()


def clear_all() -> None:
    """Empty every cache of the process (tests roll the database back between cases)."""
    for cache in list(_ALL):
        cache.clear()


class TTLCache:
    def __init__(self, *, max_entries: int, ttl: float):
        _ALL.add(self)
        self.max_entries = max_entries
        self.ttl = ttl
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
