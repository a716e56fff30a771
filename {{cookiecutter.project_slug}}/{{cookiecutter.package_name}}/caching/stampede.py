"""Stampede protection: when a hot value expires, one caller recomputes it.

An entry holds the value and the moment it stops being fresh, and is stored for
longer than that, so a stale value is still there to serve. The caller that wins the
recompute lock (an atomic `add` on the shared backend) recomputes; the others serve
the stale value, or, when there is none (first use, just invalidated), wait up to
`wait` seconds for the winner. Without a working cache every caller computes, as if
there were no cache at all.

An invalidation that lands while a recomputation runs can be overwritten by it; the
value is then at most `fresh_for` seconds old, as with any expiring cache entry.
"""

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask_caching import Cache

T = TypeVar("T")
LOCK_TIMEOUT_SECONDS = 30  # frees the lock of a worker that died while recomputing
POLL_SECONDS = 0.05


def now() -> float:
    """Wall-clock time of the freshness stamps, which every worker and machine compares;
    the tests replace it to make an entry stale without waiting."""
    return time.time()


def get_or_recompute(
    cache: Cache,
    key: str,
    compute: Callable[[], T],
    fresh_for: int,
    stale_for: int | None = None,
    wait: float = 2.0,
) -> T:
    entry = cache.get(key)
    if entry is not None and entry["fresh_until"] > now():
        return entry["value"]
    lock_key = f"{key}:recomputing"
    if cache.add(lock_key, True, timeout=LOCK_TIMEOUT_SECONDS):
        try:
            return _recompute(cache, key, compute, fresh_for, stale_for)
        finally:
            cache.delete(lock_key)
    if entry is not None:
        return entry["value"]  # stale, while the lock holder recomputes
    deadline = time.monotonic() + wait
    # `has` is False when the holder is done, or when the cache itself is down.
    while cache.has(lock_key) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        entry = cache.get(key)
        if entry is not None:
            return entry["value"]
    entry = cache.get(key)
    if entry is not None:
        return entry["value"]
    return compute()


def _recompute(
    cache: Cache, key: str, compute: Callable[[], T], fresh_for: int, stale_for: int | None
) -> T:
    value = compute()
    entry: dict[str, Any] = {"value": value, "fresh_until": now() + fresh_for}
    cache.set(key, entry, timeout=fresh_for + (fresh_for if stale_for is None else stale_for))
    return value
