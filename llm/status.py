"""Provider availability and chain health, for /readyz and the admin summary page."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from llm import breaker
from llm.providers import PROVIDER_NAMES, default_model, provider_config, provider_unavailable_reason
from llm.router import role_chain, role_policy


@dataclass(frozen=True)
class ProviderStatus:
    name: str
    available: bool
    detail: str
    model: str
    base_url: str
    cooldown_seconds: float
    budget: float | None


def provider_statuses() -> list[ProviderStatus]:
    statuses = []
    for name in PROVIDER_NAMES:
        reason = provider_unavailable_reason(name)
        cooldown = breaker.cooldown_remaining(name)
        detail = reason or (f"cooling down ({cooldown:.0f}s left)" if cooldown else "ready")
        statuses.append(
            ProviderStatus(
                name=name,
                available=reason is None,
                detail=detail,
                model=default_model(name),
                base_url=provider_config(name).get("base_url", ""),
                cooldown_seconds=cooldown,
                budget=settings.LLM_DAILY_BUDGETS.get(name),
            )
        )
    return statuses


def chain_problems() -> dict[str, str]:
    """Roles whose chain is misconfigured or has no available provider at all."""
    problems = {}
    for role in settings.LLM_ROLES:
        try:
            entries = role_chain(role)
            role_policy(role)
        except ImproperlyConfigured as exc:
            problems[role] = str(exc)
            continue
        if all(provider_unavailable_reason(entry.provider) for entry in entries):
            reasons = ", ".join(f"{e.provider}: {provider_unavailable_reason(e.provider)}" for e in entries)
            problems[role] = f"no available provider ({reasons})"
    return problems


def llm_readiness() -> str:
    """Readiness: fails only when some role cannot be answered at all; missing optional keys are reported."""
    problems = chain_problems()
    if problems:
        raise ImproperlyConfigured("; ".join(f"{role}: {problem}" for role, problem in problems.items()))
    return "; ".join(f"{s.name}: {s.detail}" for s in provider_statuses())
