"""The core panels of the staff dashboard: runs, reviews, failures, LLM spend, deliveries, now.

Each chart reads one aggregate query bounded by the dashboard's date range; the "now" panels
(attention, schedule, workers, providers) show the present state and ignore the range.
"""

from __future__ import annotations

from datetime import timedelta

from croniter import croniter
from django.conf import settings
from django.db.models import Avg, Count, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django_q.models import Schedule

from evolution.models import EvolutionPlan
from generation.models import (
    APPROVED_STATUSES,
    REJECTED_STATUSES,
    Batch,
    GenerationRun,
    ReviewDecision,
    RunStage,
    RunStatus,
    approval_rate,
)
from llm.models import LLMCall
from llm.status import provider_statuses
from markets.models import MarketAlert
from noktvrn.dashboard.registry import PanelContext, attention_providers, panel
from noktvrn.dashboard.workers import cluster_state
from releases.models import Delivery, Release

S = RunStatus
# The range-bound charts are the same for every viewer and change slowly: one computation per
# minute and range, shared by all gunicorn workers through the shared cache (docs/benchmarks.md).
CHART_CACHE_SECONDS = 60
# "Needs attention now" (six counts over runs, releases, alerts, plans, providers, batches): a few
# seconds old at most, so that many staff pages open at once cost one computation.
NOW_CACHE_SECONDS = 10
# How runs are grouped on the runs-per-day chart, in stacking order.
OUTCOMES = [
    ("Released / approved", (S.APPROVED, S.RELEASING, S.RELEASED), "#2f855a"),
    ("Release failed", (S.RELEASE_FAILED,), "#dd6b20"),
    ("Awaiting review", (S.AWAITING_REVIEW,), "#b7791f"),
    ("In progress", (S.PENDING, S.GENERATING), "#3182ce"),
    ("Rejected", (S.REJECTED,), "#9b2c2c"),
    ("Expired", (S.EXPIRED,), "#a0aec0"),
    ("Failed", (S.FAILED,), "#e53e3e"),
]


def _day_labels(ctx: PanelContext) -> list[str]:
    return [day.isoformat() for day in ctx.range.days]


@panel(
    key="runs",
    title="Runs per day by outcome",
    template="noktvrn/panels/chart.html",
    order=10,
    wide=True,
    cache_seconds=CHART_CACHE_SECONDS,
)
def runs_per_day(ctx: PanelContext) -> dict:
    rows = (
        GenerationRun.objects.filter(created_at__gte=ctx.range.since, created_at__lt=ctx.range.until)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_day: dict[tuple[str, str], int] = {(row["day"].isoformat(), row["status"]): row["n"] for row in rows}
    labels = _day_labels(ctx)
    datasets = [
        {"label": label, "color": colour, "data": [sum(per_day.get((d, s), 0) for s in statuses) for d in labels]}
        for label, statuses, colour in OUTCOMES
    ]
    total = sum(per_day.values())
    return {
        "kind": "stacked",
        "chart": {"labels": labels, "datasets": datasets, "yLabel": "runs"},
        "summary": f"{total} run{'s' if total != 1 else ''} created",
        "empty": not total,
    }


@panel(
    key="approval",
    title="Approval rate",
    template="noktvrn/panels/chart.html",
    order=20,
    cache_seconds=CHART_CACHE_SECONDS,
)
def approval_rate_per_day(ctx: PanelContext) -> dict:
    """Per day of decision, with the one definition of approval (the run's current status)."""
    rows = (
        ReviewDecision.objects.filter(
            decided_at__gte=ctx.range.since, decided_at__lt=ctx.range.until, undone_at__isnull=True
        )
        .annotate(day=TruncDate("decided_at"))
        .values("day")
        .annotate(
            approved=Count("pk", filter=Q(run__status__in=APPROVED_STATUSES)),
            rejected=Count("pk", filter=Q(run__status__in=REJECTED_STATUSES)),
        )
        .order_by()
    )
    counts = {row["day"].isoformat(): (row["approved"], row["rejected"]) for row in rows}
    labels = _day_labels(ctx)
    rates = []
    for day in labels:
        rate = approval_rate(*counts.get(day, (0, 0)))
        rates.append(round(100 * rate, 1) if rate is not None else None)
    approved = sum(a for a, _ in counts.values())
    decided = approved + sum(r for _, r in counts.values())
    return {
        "kind": "line",
        "chart": {
            "labels": labels,
            "datasets": [{"label": "approved %", "data": rates, "color": "#2f855a"}],
            "yLabel": "% approved",
            "options": {"spanGaps": True, "scales": {"y": {"min": 0, "max": 100}}},
        },
        "summary": f"{round(100 * approved / decided)} % of {decided} decisions" if decided else "no decision",
        "empty": not decided,
    }


@panel(
    key="failures",
    title="Failures by stage",
    template="noktvrn/panels/chart.html",
    order=30,
    cache_seconds=CHART_CACHE_SECONDS,
)
def failures_by_stage(ctx: PanelContext) -> dict:
    rows = (
        RunStage.objects.filter(
            outcome=RunStage.Outcome.FAILED, started_at__gte=ctx.range.since, started_at__lt=ctx.range.until
        )
        .values("name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["name"]: row["n"] for row in rows}
    names = [name for name in RunStage.Name.values if counts.get(name)]
    total = sum(counts.values())
    return {
        "kind": "bar",
        "chart": {
            "labels": [RunStage.Name(name).label for name in names],
            "datasets": [{"label": "failed attempts", "data": [counts[name] for name in names], "color": "#e53e3e"}],
            "options": {"indexAxis": "y"},
        },
        "summary": f"{total} failed stage attempt{'s' if total != 1 else ''}",
        "empty": not total,
    }


@panel(
    key="llm",
    title="LLM calls and cost per provider",
    template="noktvrn/panels/llm.html",
    order=40,
    cache_seconds=CHART_CACHE_SECONDS,
)
def llm_per_provider(ctx: PanelContext) -> dict:
    rows = list(
        LLMCall.objects.filter(created_at__gte=ctx.range.since, created_at__lt=ctx.range.until)
        .exclude(outcome=LLMCall.Outcome.SKIPPED)
        .values("provider")
        .annotate(
            calls=Count("pk"),
            failed=Count("pk", filter=~Q(outcome=LLMCall.Outcome.SUCCESS)),
            cost=Sum("cost"),
            latency=Avg("latency_ms"),
        )
        .order_by("-calls", "provider")
    )
    return {
        "kind": "stacked",
        "chart": {
            "labels": [row["provider"] for row in rows],
            "datasets": [
                {"label": "succeeded", "data": [row["calls"] - row["failed"] for row in rows], "color": "#2f855a"},
                {"label": "failed", "data": [row["failed"] for row in rows], "color": "#e53e3e"},
            ],
            "yLabel": "calls",
        },
        "rows": rows,
        "total_cost": sum((row["cost"] or 0) for row in rows),
        "empty": not rows,
    }


@panel(
    key="deliveries",
    title="Deliveries by status",
    template="noktvrn/panels/chart.html",
    order=50,
    cache_seconds=CHART_CACHE_SECONDS,
)
def deliveries_by_status(ctx: PanelContext) -> dict:
    rows = (
        Delivery.objects.filter(started_at__gte=ctx.range.since, started_at__lt=ctx.range.until)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["status"]: row["n"] for row in rows}
    statuses = [status for status in Delivery.Status.values if counts.get(status)]
    return {
        "kind": "doughnut",
        "chart": {
            "labels": [Delivery.Status(status).label for status in statuses],
            "datasets": [{"label": "deliveries", "data": [counts[s] for s in statuses]}],
        },
        "summary": f"{sum(counts.values())} delivery attempt{'s' if sum(counts.values()) != 1 else ''}",
        "empty": not counts,
    }


# --- What is happening now ----------------------------------------------------------------------


@panel(
    key="attention",
    title="Needs attention now",
    template="noktvrn/panels/attention.html",
    order=0,
    wide=True,
    cache_seconds=NOW_CACHE_SECONDS,
)
def attention(ctx: PanelContext) -> dict:
    now = timezone.now()
    expiring_before = now - timedelta(hours=max(settings.REVIEW_TTL_HOURS - 12, 0))
    runs = GenerationRun.objects.aggregate(
        waiting=Count("pk", filter=Q(status=S.AWAITING_REVIEW)),
        expiring=Count("pk", filter=Q(status=S.AWAITING_REVIEW, status_changed_at__lt=expiring_before)),
        oldest=Min("status_changed_at", filter=Q(status=S.AWAITING_REVIEW)),
        failed_today=Count("pk", filter=Q(status=S.FAILED, status_changed_at__gte=now - timedelta(days=1))),
        release_failed=Count("pk", filter=Q(status=S.RELEASE_FAILED)),
    )
    releases = Release.objects.aggregate(
        qc_failed=Count("pk", filter=Q(status=Release.Status.QC_FAILED)),
        delivery_failed=Count("pk", filter=Q(status=Release.Status.DELIVERY_FAILED)),
    )
    alerts = MarketAlert.objects.filter(created_at__gte=ctx.range.since, created_at__lt=ctx.range.until).count()
    plans = EvolutionPlan.objects.filter(status=EvolutionPlan.Status.PROPOSED).count()
    items = [
        {
            "key": "runs-waiting",
            "label": "runs awaiting review",
            "count": runs["waiting"],
            "detail": f"oldest waiting {timesince(runs['oldest'], now)}" if runs["oldest"] else "",
            "url": reverse("review:queue"),
            "level": "warn" if runs["expiring"] else "info",
        },
        {
            "key": "runs-expiring",
            "label": "expire within 12 h",
            "count": runs["expiring"],
            "url": reverse("review:queue"),
            "level": "bad",
        },
        {
            "key": "runs-failed",
            "label": "runs failed in the last 24 h",
            "count": runs["failed_today"],
            "url": reverse("admin:generation_generationrun_changelist") + "?status__exact=failed",
            "level": "bad",
        },
        {
            "key": "releases-failed",
            "label": "releases failed QC or delivery",
            "count": releases["qc_failed"] + releases["delivery_failed"] + runs["release_failed"],
            "url": reverse("releases:list"),
            "level": "bad",
        },
        {
            "key": "market-alerts",
            "label": f"market alerts ({ctx.range.label})",
            "count": alerts,
            "url": reverse("markets:alerts"),
            "level": "info",
        },
        {
            "key": "plans-waiting",
            "label": "evolution plans waiting for review",
            "count": plans,
            "url": reverse("evolution:index"),
            "level": "warn",
        },
    ]
    for provider in attention_providers():
        items.extend(provider(ctx))
    return {"items": items, "quiet": not any(item["count"] for item in items)}


@panel(key="schedule", title="Next scheduled batches", template="noktvrn/panels/schedule.html", order=60)
def next_batches(ctx: PanelContext) -> dict:
    now = timezone.now()
    schedules = list(
        Schedule.objects.filter(func="generation.tasks.start_batch")
        .order_by("next_run")
        .only("name", "schedule_type", "cron", "minutes", "next_run", "repeats")
    )
    upcoming = []
    for schedule in schedules:
        if schedule.repeats == 0 or schedule.next_run is None:
            continue
        times = [max(schedule.next_run, now)]
        if schedule.schedule_type == Schedule.CRON and schedule.cron:
            iterator = croniter(schedule.cron, timezone.localtime(times[0]))
            times += [iterator.get_next(type(now)) for _ in range(4)]
        elif schedule.schedule_type == Schedule.MINUTES and schedule.minutes:
            times += [times[0] + timedelta(minutes=schedule.minutes * n) for n in range(1, 5)]
        upcoming.append({"name": schedule.name, "cron": schedule.cron, "times": times, "pk": schedule.pk})
    recent = list(Batch.objects.order_by("-created_at").values("pk", "status", "created_at", "channel")[:5])
    return {"schedules": upcoming, "recent": recent, "size": settings.BATCH_SIZE}


@panel(key="workers", title="Worker cluster", template="noktvrn/panels/workers.html", order=70)
def workers(ctx: PanelContext) -> dict:
    return cluster_state()


@panel(key="providers", title="Provider health", template="noktvrn/panels/providers.html", order=80)
def providers(ctx: PanelContext) -> dict:
    return {
        "llm": provider_statuses(),
        "music": settings.MUSIC_PROVIDER,
        "video": settings.VIDEO_PROVIDERS,
        "distributors": settings.DISTRIBUTORS,
        "telegram": bool(settings.TELEGRAM_BOT_TOKEN),
    }
