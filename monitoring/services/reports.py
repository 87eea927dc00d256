"""The weekly report: the dashboard's numbers for one week as Markdown and CSV, stored and announced.

Made by the schedule "weekly report" (WEEKLY_REPORT_CRON, Monday morning by default) for the
week that just ended, or by `manage.py weekly_report`. Making the same week again replaces its
report (same row); the `report.weekly` integration event is emitted once per week.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kernel.events import event_publish
from monitoring.models import WeeklyReport
from monitoring.selectors import week_numbers

REPORT_EVENT = "report.weekly"


def week_bounds(day: datetime | None = None) -> tuple[datetime, datetime]:
    """The Monday-to-Monday week (local time) before the one containing `day` (default: now)."""
    local = timezone.localtime(day or timezone.now())
    this_monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_monday - timedelta(days=7)
    return start, this_monday


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def report_markdown(numbers: dict, *, start: datetime, end: datetime) -> str:
    last_day = end - timedelta(days=1)
    lines = [
        f"# noktvrn weekly report: {start:%Y-%m-%d} to {last_day:%Y-%m-%d}",
        "",
        f"- Runs started: **{numbers['runs_total']}**",
        f"- Review decisions: **{numbers['decisions']}**, approved **{numbers['approved']}** "
        f"(approval rate {_percent(numbers['approval_rate'])})",
        "",
        "## Runs by outcome",
        "",
        "| status | runs |",
        "|---|---:|",
        *[f"| {status} | {n} |" for status, n in numbers["runs_by_outcome"].items()],
        "",
        "## Failures by stage",
        "",
        "| stage | failed attempts |",
        "|---|---:|",
        *[f"| {stage} | {n} |" for stage, n in numbers["failures_by_stage"].items()],
        "",
        "## LLM calls per provider",
        "",
        "| provider | calls | errors | cost (USD) |",
        "|---|---:|---:|---:|",
        *[
            f"| {r['provider']} | {r['calls']} | {r['errors']} | {r['cost_usd']:.4f} |"
            for r in numbers["llm_by_provider"]
        ],
        "",
        "## Deliveries by status",
        "",
        "| status | attempts |",
        "|---|---:|",
        *[f"| {status} | {n} |" for status, n in numbers["deliveries_by_status"].items()],
        "",
        "## Top error groups",
        "",
        "| # | where | error | occurrences | runs |",
        "|---:|---|---|---:|---:|",
        *[
            f"| {e['group']} | {e['scope']} | {e['exception_type']}: {e['message'][:120].replace('|', '/')} "
            f"| {e['count']} | {e['runs']} |"
            for e in numbers["top_error_groups"]
        ],
        "",
        "## Provider uptime",
        "",
        "| provider | checks | up | uptime |",
        "|---|---:|---:|---:|",
        *[
            f"| {u['provider']} | {u['checks']} | {u['up']} | {_percent(u['uptime'])} |"
            for u in numbers["provider_uptime"]
        ],
        "",
    ]
    return "\n".join(lines)


def report_csv(numbers: dict) -> str:
    """Long format, one figure per row: section, key, metric, value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "key", "metric", "value"])
    writer.writerow(["period", "", "start", numbers["period"]["start"]])
    writer.writerow(["period", "", "end", numbers["period"]["end"]])
    writer.writerow(["runs", "all", "runs", numbers["runs_total"]])
    for status, n in numbers["runs_by_outcome"].items():
        writer.writerow(["runs", status, "runs", n])
    writer.writerow(["review", "all", "decisions", numbers["decisions"]])
    writer.writerow(["review", "all", "approved", numbers["approved"]])
    writer.writerow(
        ["review", "all", "approval_rate", "" if numbers["approval_rate"] is None else numbers["approval_rate"]]
    )
    for stage, n in numbers["failures_by_stage"].items():
        writer.writerow(["failures", stage, "failed_attempts", n])
    for row in numbers["llm_by_provider"]:
        writer.writerow(["llm", row["provider"], "calls", row["calls"]])
        writer.writerow(["llm", row["provider"], "errors", row["errors"]])
        writer.writerow(["llm", row["provider"], "cost_usd", f"{row['cost_usd']:.6f}"])
    for status, n in numbers["deliveries_by_status"].items():
        writer.writerow(["deliveries", status, "attempts", n])
    for row in numbers["top_error_groups"]:
        key = f"{row['group']} {row['scope']} {row['exception_type']}: {row['message']}"
        writer.writerow(["errors", key, "occurrences", row["count"]])
        writer.writerow(["errors", key, "runs", row["runs"]])
    for row in numbers["provider_uptime"]:
        writer.writerow(["uptime", row["provider"], "checks", row["checks"]])
        writer.writerow(["uptime", row["provider"], "uptime", "" if row["uptime"] is None else row["uptime"]])
    return buffer.getvalue()


def weekly_report_make(*, day: datetime | None = None, send: bool = True) -> WeeklyReport:
    """Compute, store (replacing that week's report) and announce the report of the week before `day`."""
    start, end = week_bounds(day)
    numbers = week_numbers(start=start, end=end)
    with transaction.atomic():
        report, _ = WeeklyReport.objects.update_or_create(
            period_start=start,
            defaults={
                "period_end": end,
                "data": numbers,
                "markdown": report_markdown(numbers, start=start, end=end),
                "csv": report_csv(numbers),
            },
        )
        if send:
            site = settings.SITE_URL
            event_publish(
                name=REPORT_EVENT,
                key=f"weekly-report-{start:%Y-%m-%d}",
                payload={
                    "report": report.pk,
                    "period_start": start,
                    "period_end": end,
                    "markdown_url": site + reverse("monitoring:report-download", args=[report.pk, "md"]),
                    "csv_url": site + reverse("monitoring:report-download", args=[report.pk, "csv"]),
                    "numbers": numbers,
                },
            )
    return report
