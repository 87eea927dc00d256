"""Per-provider circuit breaker in the shared cache, so every web and worker process agrees.

After LLM_COOLDOWN_FAILURES consecutive failed attempts a provider is skipped for
LLM_COOLDOWN_SECONDS. When the cooldown ends it is tried again ("half-open"): one more
failure re-opens it at once, one success closes it.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

FAILURES_KEY = "llm:breaker:failures:{}"
OPEN_UNTIL_KEY = "llm:breaker:open-until:{}"
# Failure counts expire on their own: failures spread over a day are not "consecutive".
FAILURES_TTL_SECONDS = 3600


def cooldown_remaining(provider: str) -> float:
    """Seconds left in the provider's cooldown; 0 when it may be called."""
    until = cache.get(OPEN_UNTIL_KEY.format(provider))
    return max(0.0, until - time.time()) if until else 0.0


def record_failure(provider: str) -> bool:
    """Count a failed attempt; True when this failure opened the breaker."""
    key = FAILURES_KEY.format(provider)
    cache.add(key, 0, FAILURES_TTL_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, FAILURES_TTL_SECONDS)
        failures = 1
    threshold = max(1, settings.LLM_COOLDOWN_FAILURES)
    if failures < threshold:
        return False
    seconds = settings.LLM_COOLDOWN_SECONDS
    cache.set(OPEN_UNTIL_KEY.format(provider), time.time() + seconds, timeout=max(1, int(seconds) + 1))
    # Half-open afterwards: leave the count one short of the threshold.
    cache.set(key, threshold - 1, FAILURES_TTL_SECONDS)
    return True


def record_success(provider: str) -> None:
    cache.delete(FAILURES_KEY.format(provider))


def reset(provider: str) -> None:
    """Close the breaker by hand (admin action)."""
    cache.delete_many([FAILURES_KEY.format(provider), OPEN_UNTIL_KEY.format(provider)])
