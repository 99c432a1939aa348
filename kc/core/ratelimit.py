"""Fixed-window counters in the shared cache, so that every app server counts together
(production runs the database or Redis cache, docs/production.md)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class WindowCount:
    count: int
    retry_after: int  # seconds until the current window ends


def hit(key: str, window_seconds: int) -> WindowCount:
    """Count one hit for `key` in the current window and return the window's count."""
    now = time.time()
    window = int(now // window_seconds)
    cache_key = f"kc-rate:{key}:{window}"
    cache.add(cache_key, 0, window_seconds * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, window_seconds * 2)
        count = 1
    return WindowCount(count, max(1, int((window + 1) * window_seconds - now) + 1))
