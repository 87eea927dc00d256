"""Per-provider circuit breaker in the shared cache, so every web and worker process agrees.

After `failures` consecutive failed attempts a provider is skipped for `seconds`. When the
cooldown ends it is tried again ("half-open"): one more failure re-opens it at once, one
success closes it. The LLM router and the music and video chains each use their own
namespace with their own thresholds.
"""

from __future__ import annotations

import time

from django.core.cache import cache

# Failure counts expire on their own: failures spread over a day are not "consecutive".
FAILURES_TTL_SECONDS = 3600


def _keys(namespace: str, provider: str) -> tuple[str, str]:
    return f"{namespace}:breaker:failures:{provider}", f"{namespace}:breaker:open-until:{provider}"


def cooldown_remaining(namespace: str, provider: str) -> float:
    """Seconds left in the provider's cooldown; 0 when it may be called."""
    until = cache.get(_keys(namespace, provider)[1])
    return max(0.0, until - time.time()) if until else 0.0


def record_failure(namespace: str, provider: str, *, failures: int, seconds: float) -> bool:
    """Count a failed attempt; True when this failure opened the breaker."""
    failures_key, open_key = _keys(namespace, provider)
    cache.add(failures_key, 0, FAILURES_TTL_SECONDS)
    try:
        count = cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, FAILURES_TTL_SECONDS)
        count = 1
    threshold = max(1, failures)
    if count < threshold:
        return False
    cache.set(open_key, time.time() + seconds, timeout=max(1, int(seconds) + 1))
    # Half-open afterwards: leave the count one short of the threshold.
    cache.set(failures_key, threshold - 1, FAILURES_TTL_SECONDS)
    return True


def record_success(namespace: str, provider: str) -> None:
    cache.delete(_keys(namespace, provider)[0])


def reset(namespace: str, provider: str) -> None:
    """Close the breaker by hand (admin action)."""
    cache.delete_many(list(_keys(namespace, provider)))
