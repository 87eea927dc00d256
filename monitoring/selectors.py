"""Reads for the monitoring pages, the report and the dashboard panels (a bounded number of queries each)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from generation.models import GenerationRun, ReviewDecision, RunStage
from llm.models import LLMCall
from monitoring.models import ErrorGroup, ErrorOccurrence, ProviderCheck
from releases.models import Delivery


def error_groups(*, source: str = "", search: str = "") -> QuerySet[ErrorGroup]:
    """Groups, newest first, with how many distinct runs each affected (one query)."""
    groups = ErrorGroup.objects.annotate(runs=Count("occurrences__run", distinct=True))
    if source:
        groups = groups.filter(source=source)
    if search:
        groups = groups.filter(
            Q(message__icontains=search) | Q(scope__icontains=search) | Q(exception_type__icontains=search)
        )
    return groups.order_by("-last_seen")


def error_group_detail(*, group: ErrorGroup, limit: int = 50) -> dict:
    """A group's affected runs (with artist) and its latest occurrences."""
    runs = (
        GenerationRun.objects.filter(pk__in=group.occurrences.filter(run__isnull=False).values("run"))
        .select_related("artist")
        .order_by("-created_at")[:limit]
    )
    occurrences = group.occurrences.select_related("run")[:limit]
    return {"runs": list(runs), "occurrences": list(occurrences)}


def provider_health(*, days: int = 7, history: int = 48) -> list[dict]:
    """Per provider: the latest check, uptime over `days`, and the last `history` checks (oldest first)."""
    since = timezone.now() - timedelta(days=days)
    latest = list(ProviderCheck.objects.latest_per_provider())
    uptime = {
        row["provider"]: row
        for row in ProviderCheck.objects.filter(checked_at__gte=since)
        .order_by()
        .values("provider")
        .annotate(checks=Count("pk"), up=Count("pk", filter=Q(ok=True)))
    }
    recent = ProviderCheck.objects.filter(checked_at__gte=since).order_by("-checked_at", "-id")
    by_provider: dict[str, list[ProviderCheck]] = {}
    for check in recent.only("provider", "ok", "checked_at", "detail")[: history * max(len(latest), 1)]:
        rows = by_provider.setdefault(check.provider, [])
        if len(rows) < history:
            rows.append(check)
    result = []
    for check in latest:
        counts = uptime.get(check.provider, {"checks": 0, "up": 0})
        result.append(
            {
                "provider": check.provider,
                "kind": check.kind,
                "latest": check,
                "checks": counts["checks"],
                "uptime": counts["up"] / counts["checks"] if counts["checks"] else None,
                "history": list(reversed(by_provider.get(check.provider, []))),
            }
        )
    return result


def week_numbers(*, start: datetime, end: datetime) -> dict:
    """The dashboard's numbers over [start, end): one aggregate query per section."""
    runs = dict(
        GenerationRun.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    # Undone decisions are kept as history but no longer count.
    decisions = ReviewDecision.objects.filter(
        decided_at__gte=start, decided_at__lt=end, undone_at__isnull=True
    ).aggregate(total=Count("pk"), approved=Count("pk", filter=Q(decision=ReviewDecision.Decision.APPROVED)))
    failures = dict(
        RunStage.objects.filter(started_at__gte=start, started_at__lt=end, outcome=RunStage.Outcome.FAILED)
        .order_by()
        .values_list("name")
        .annotate(n=Count("pk"))
    )
    llm = [
        {
            "provider": row["provider"],
            "calls": row["calls"],
            "errors": row["errors"],
            "cost_usd": float(row["cost"] or 0),
        }
        for row in LLMCall.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(outcome=LLMCall.Outcome.SKIPPED)
        .order_by()
        .values("provider")
        .annotate(
            calls=Count("pk"),
            errors=Count("pk", filter=~Q(outcome=LLMCall.Outcome.SUCCESS)),
            cost=Sum("cost"),
        )
        .order_by("provider")
    ]
    deliveries = dict(
        Delivery.objects.filter(started_at__gte=start, started_at__lt=end)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    top_errors = [
        {
            "group": row["group"],
            "exception_type": row["group__exception_type"],
            "scope": row["group__scope"],
            "message": row["group__message"],
            "count": row["n"],
            "runs": row["runs"],
        }
        for row in ErrorOccurrence.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values("group", "group__exception_type", "group__scope", "group__message")
        .annotate(n=Count("pk"), runs=Count("run", distinct=True))
        .order_by("-n", "group")[:10]
    ]
    uptime = [
        {
            "provider": row["provider"],
            "checks": row["checks"],
            "up": row["up"],
            "uptime": round(row["up"] / row["checks"], 4) if row["checks"] else None,
        }
        for row in ProviderCheck.objects.filter(checked_at__gte=start, checked_at__lt=end)
        .order_by()
        .values("provider")
        .annotate(checks=Count("pk"), up=Count("pk", filter=Q(ok=True)))
        .order_by("provider")
    ]
    decided = decisions["total"]
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "runs_by_outcome": dict(sorted(runs.items())),
        "runs_total": sum(runs.values()),
        "decisions": decided,
        "approved": decisions["approved"],
        "approval_rate": round(decisions["approved"] / decided, 4) if decided else None,
        "failures_by_stage": dict(sorted(failures.items(), key=lambda item: (-item[1], item[0]))),
        "llm_by_provider": llm,
        "deliveries_by_status": dict(sorted(deliveries.items())),
        "top_error_groups": top_errors,
        "provider_uptime": uptime,
    }


__all__ = ["error_group_detail", "error_groups", "provider_health", "week_numbers"]
