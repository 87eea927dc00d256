"""Read queries over the LLM call log and the prompt templates."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from kernel.errors import NotFoundError
from llm.models import LLMCall, PromptTemplate

STATS_CACHE_KEY = "llm:stats:v1"
STATS_CACHE_SECONDS = 60


def prompt_template_active(name: str) -> PromptTemplate:
    """The newest active version of a template."""
    template = PromptTemplate.objects.filter(name=name, is_active=True).order_by("-version").first()
    if template is None:
        raise NotFoundError(f"No active prompt template named {name!r}.", {"template": name})
    return template


def prompt_template_version(name: str, version: int) -> PromptTemplate:
    """One version of a template, active or not (an experiment may test a draft)."""
    template = PromptTemplate.objects.filter(name=name, version=version).first()
    if template is None:
        raise NotFoundError(f"No prompt template {name!r} version {version}.", {"template": name, "version": version})
    return template


def provider_spend_since(provider: str, since: datetime) -> Decimal:
    total = LLMCall.objects.filter(provider=provider, created_at__gte=since).aggregate(total=Sum("cost"))["total"]
    return total or Decimal("0")


def start_of_today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def percentile(values: list[int], fraction: float) -> int | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class CallStats:
    """Calls, success rate, p50/p95 latency of successful calls and cost, for one group."""

    provider: str
    role: str
    calls: int
    successes: int
    p50_ms: int | None
    p95_ms: int | None
    cost: Decimal
    avg_cost: Decimal | None

    @property
    def success_rate(self) -> float:
        return self.successes / self.calls if self.calls else 0.0


def llm_call_summary(*, since: datetime, by_role: bool = True) -> list[CallStats]:
    """Per provider (and role) over the calls since `since`; skipped calls do not count as calls."""
    rows = (
        LLMCall.objects.filter(created_at__gte=since)
        .exclude(outcome=LLMCall.Outcome.SKIPPED)
        .values_list("provider", "role", "outcome", "latency_ms", "cost")
    )
    groups: dict[tuple[str, str], list[tuple[str, int, Decimal]]] = defaultdict(list)
    for provider, role, outcome, latency, cost in rows.iterator(chunk_size=2000):
        groups[(provider, role if by_role else "")].append((outcome, latency, cost))
    summary = []
    for (provider, role), calls in sorted(groups.items()):
        ok = [(latency, cost) for outcome, latency, cost in calls if outcome == LLMCall.Outcome.SUCCESS]
        total_cost = sum((cost for _, _, cost in calls), Decimal("0"))
        summary.append(
            CallStats(
                provider=provider,
                role=role,
                calls=len(calls),
                successes=len(ok),
                p50_ms=percentile([latency for latency, _ in ok], 0.5),
                p95_ms=percentile([latency for latency, _ in ok], 0.95),
                cost=total_cost,
                avg_cost=(sum((cost for _, cost in ok), Decimal("0")) / len(ok)) if ok else None,
            )
        )
    return summary


def provider_routing_stats() -> dict[str, CallStats]:
    """Per-provider stats over LLM_STATS_WINDOW_HOURS for the cost and latency policies, cached a minute."""
    stats = cache.get(STATS_CACHE_KEY)
    if stats is None:
        since = timezone.now() - timedelta(hours=settings.LLM_STATS_WINDOW_HOURS)
        stats = {row.provider: row for row in llm_call_summary(since=since, by_role=False)}
        cache.set(STATS_CACHE_KEY, stats, STATS_CACHE_SECONDS)
    return stats
