"""The LLM providers' circuit breaker (kernel.breaker, namespace "llm").

After LLM_COOLDOWN_FAILURES consecutive failed attempts a provider is skipped for
LLM_COOLDOWN_SECONDS, then tried again half-open.
"""

from __future__ import annotations

from django.conf import settings

from kernel import breaker

NAMESPACE = "llm"


def cooldown_remaining(provider: str) -> float:
    """Seconds left in the provider's cooldown; 0 when it may be called."""
    return breaker.cooldown_remaining(NAMESPACE, provider)


def record_failure(provider: str) -> bool:
    """Count a failed attempt; True when this failure opened the breaker."""
    return breaker.record_failure(
        NAMESPACE, provider, failures=settings.LLM_COOLDOWN_FAILURES, seconds=settings.LLM_COOLDOWN_SECONDS
    )


def record_success(provider: str) -> None:
    breaker.record_success(NAMESPACE, provider)


def reset(provider: str) -> None:
    """Close the breaker by hand (admin action)."""
    breaker.reset(NAMESPACE, provider)
