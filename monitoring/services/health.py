"""Provider health: which providers are configured, checking them, and the critical-provider batch gate."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from llm.providers import PROVIDER_NAMES, provider_unavailable_reason
from llm.router import parse_chain
from monitoring.models import ProviderCheck
from monitoring.services.checks import check_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderResult:
    provider: str
    ok: bool
    detail: str
    latency_ms: int


def providers_configured() -> list[str]:
    """Every provider this deployment would use, as `kind:name` (the embedded defaults included)."""
    llm_names: set[str] = set()
    for role, spec in settings.LLM_CHAINS.items():
        try:
            llm_names.update(entry.provider for entry in parse_chain(spec, source=f"LLM_CHAIN_{role.upper()}"))
        except Exception:  # a broken chain is reported by /readyz; list what we can
            logger.warning("LLM chain for %s cannot be read", role)
    llm = [f"llm:{name}" for name in PROVIDER_NAMES if name in llm_names and not provider_unavailable_reason(name)]
    providers = [*llm, f"music:{settings.MUSIC_PROVIDER}"]
    providers += [f"video:{name}" for name in settings.VIDEO_PROVIDERS]
    if settings.ELEVENLABS_API_KEY:
        providers.append("voice:elevenlabs")
    providers += [f"distribution:{name}" for name in settings.DISTRIBUTORS]
    if settings.TELEGRAM_BOT_TOKEN:
        providers.append("telegram")
    for critical in settings.CRITICAL_PROVIDERS:
        if critical not in providers:
            providers.append(critical)  # checked even when unused, so a typo shows up as "down"
    return list(dict.fromkeys(providers))


def provider_check(provider: str) -> ProviderResult:
    """Check one provider now and keep the result in the history."""
    check = check_for(provider)
    started = time.perf_counter()
    if check is None:
        ok, detail = False, f"unknown provider {provider!r} (use kind:name, e.g. llm:openai, music:suno, telegram)"
    else:
        try:
            ok, detail = True, check()
        except Exception as exc:  # every failure of a check means the same thing: the provider is down
            ok, detail = False, f"{type(exc).__name__}: {exc}"
    latency_ms = round((time.perf_counter() - started) * 1000)
    ProviderCheck.objects.create(
        provider=provider,
        kind=provider.partition(":")[0],
        ok=ok,
        detail=detail[:500],
        latency_ms=latency_ms,
        critical=provider in settings.CRITICAL_PROVIDERS,
        checked_at=timezone.now(),
    )
    if not ok:
        logger.warning("Provider %s is down: %s", provider, detail)
    return ProviderResult(provider=provider, ok=ok, detail=detail, latency_ms=latency_ms)


def providers_check(providers: list[str] | None = None) -> list[ProviderResult]:
    """Check every configured provider (the scheduled job), or the ones given."""
    return [provider_check(provider) for provider in (providers or providers_configured())]


def critical_provider_blockers() -> list[str]:
    """The batch gate: a fresh check of each critical provider; one reason per provider that is down."""
    reasons = []
    for result in providers_check(list(settings.CRITICAL_PROVIDERS)) if settings.CRITICAL_PROVIDERS else []:
        if not result.ok:
            reasons.append(f"critical provider {result.provider} is down ({result.detail})")
    return reasons
