"""Monitoring's dashboard panels: provider health from the scheduled checks, error groups in the
date range, the weekly reports, and "needs attention" items for providers down and skipped batches.

Here in the composition root because apps must not import `noktvrn` (see registry.py).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from generation.models import Batch
from monitoring.models import ErrorOccurrence, ProviderCheck, WeeklyReport
from monitoring.selectors import provider_health
from noktvrn.dashboard.registry import PanelContext, attention_register, panel


@panel(
    key="providers",
    title="Provider health",
    template="noktvrn/panels/provider_health.html",
    order=80,
    wide=True,
    # Checks run every few minutes (monitoring.tasks): the history read is the same for half a minute.
    cache_seconds=30,
)
def providers(ctx: PanelContext) -> dict:
    """Replaces the core panel of the same key: the latest check, 7-day uptime and recent history."""
    return {"providers": provider_health(history=36), "critical": settings.CRITICAL_PROVIDERS}


@panel(
    key="error-groups",
    title="Error groups",
    template="noktvrn/panels/error_groups.html",
    order=35,
    permission="monitoring.view_errorgroup",
    cache_seconds=60,
)
def error_groups(ctx: PanelContext) -> dict:
    rows = list(
        ErrorOccurrence.objects.filter(created_at__gte=ctx.range.since, created_at__lt=ctx.range.until)
        .order_by()
        .values("group", "group__exception_type", "group__scope", "group__message", "group__source")
        .annotate(n=Count("pk"), runs=Count("run", distinct=True))
        .order_by("-n", "group")[:8]
    )
    return {"rows": rows, "url": reverse("monitoring:errors")}


@panel(
    key="reports",
    title="Weekly reports",
    template="noktvrn/panels/reports.html",
    order=90,
    permission="monitoring.view_weeklyreport",
)
def reports(ctx: PanelContext) -> dict:
    return {
        "reports": list(WeeklyReport.objects.only("pk", "period_start", "period_end")[:4]),
        "url": reverse("monitoring:reports"),
    }


@attention_register
def providers_down(ctx: PanelContext) -> list[dict]:
    down = [check.provider for check in ProviderCheck.objects.latest_per_provider() if not check.ok]
    critical = [provider for provider in down if provider in settings.CRITICAL_PROVIDERS]
    skipped = Batch.objects.filter(
        status=Batch.Status.SKIPPED, created_at__gte=timezone.now() - timedelta(days=1)
    ).count()
    return [
        {
            "key": "providers-down",
            "label": "providers down",
            "count": len(down),
            "detail": ", ".join(down) + (" (critical: batches skip)" if critical else ""),
            "url": reverse("monitoring:health"),
            "level": "bad" if critical else "warn",
        },
        {
            "key": "batches-skipped",
            "label": "scheduled batches skipped in the last 24 h",
            "count": skipped,
            "url": reverse("batches:list"),
            "level": "bad",
        },
    ]
