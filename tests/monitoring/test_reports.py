"""The weekly report: the week's numbers in Markdown and CSV, stored, downloadable and sent as a signed event."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from generation.models import EventDelivery, ReviewDecision, RunStage, RunStatus, WebhookEndpoint
from kernel.monitoring import failure_report
from llm.models import LLMCall
from monitoring.models import ErrorOccurrence, ProviderCheck, WeeklyReport
from monitoring.services.reports import week_bounds, weekly_report_make
from releases.models import Delivery
from tests.factories import ReleaseFactory, RunFactory

pytestmark = pytest.mark.django_db

# Monday 2026-11-16 .. Sunday 2026-11-22 is the week reported on Monday 2026-11-23.
WEEK_START = timezone.make_aware(datetime(2026, 11, 16))
REPORT_DAY = timezone.make_aware(datetime(2026, 11, 23, 6, 0))


def at(days: float):
    return WEEK_START + timedelta(days=days)


def make_week() -> None:
    """Two approved, one rejected, one failed run inside the week; one run the week before."""
    runs = [RunFactory(status=status) for status in ("approved", "approved", "rejected", "failed", "awaiting_review")]
    for index, run in enumerate(runs):
        type(run).objects.filter(pk=run.pk).update(created_at=at(index))
    type(runs[0]).objects.filter(pk=RunFactory(status=RunStatus.FAILED).pk).update(created_at=at(-2))
    for run, decision in zip(runs[:3], ("approved", "approved", "rejected"), strict=True):
        row = ReviewDecision.objects.create(run=run, decision=decision, channel="web")
        ReviewDecision.objects.filter(pk=row.pk).update(decided_at=at(1.5))
    RunStage.objects.create(run=runs[3], name="generate_track", outcome="failed", started_at=at(3))
    RunStage.objects.create(run=runs[3], name="generate_track", attempt=2, outcome="failed", started_at=at(3))
    RunStage.objects.create(run=runs[2], name="select_video", outcome="failed", started_at=at(2))
    for provider, outcome, cost in [
        ("openai", "success", "0.0125"),
        ("openai", "error", "0"),
        ("local", "success", "0"),
        ("openai", "skipped", "0"),
    ]:
        call = LLMCall.objects.create(
            provider=provider, model="m", role="lyricist", outcome=outcome, cost=Decimal(cost)
        )
        LLMCall.objects.filter(pk=call.pk).update(created_at=at(2))
    release = ReleaseFactory()
    for attempt, status in enumerate(("failed", "succeeded"), start=1):
        delivery = Delivery.objects.create(release=release, distributor="outbox", attempt=attempt, status=status)
        Delivery.objects.filter(pk=delivery.pk).update(started_at=at(4))
    for index in range(3):
        failure_report(source="stage", scope="generate_track", exc=TimeoutError(f"job {index} late"), run_id=runs[3].pk)
    ErrorOccurrence.objects.update(created_at=at(3))
    for ok in (True, True, True, False):
        ProviderCheck.objects.create(provider="llm:openai", kind="llm", ok=ok, checked_at=at(5))


def test_week_bounds_are_the_monday_to_monday_before():
    assert week_bounds(REPORT_DAY) == (WEEK_START, WEEK_START + timedelta(days=7))
    assert week_bounds(at(6.9)) == (WEEK_START - timedelta(days=7), WEEK_START)


def test_the_report_carries_the_weeks_numbers_in_markdown_and_csv():
    make_week()
    report = weekly_report_make(day=REPORT_DAY, send=False)
    data = report.data
    assert data["runs_by_outcome"] == {"approved": 2, "awaiting_review": 1, "failed": 1, "rejected": 1}
    assert (data["runs_total"], data["decisions"], data["approved"], data["approval_rate"]) == (5, 3, 2, 0.6667)
    assert data["failures_by_stage"] == {"generate_track": 2, "select_video": 1}
    assert data["llm_by_provider"] == [
        {"provider": "local", "calls": 1, "errors": 0, "cost_usd": 0.0},
        {"provider": "openai", "calls": 2, "errors": 1, "cost_usd": 0.0125},
    ]
    assert data["deliveries_by_status"] == {"failed": 1, "succeeded": 1}
    (top,) = data["top_error_groups"]
    assert (top["scope"], top["exception_type"], top["message"], top["count"], top["runs"]) == (
        "generate_track",
        "TimeoutError",
        "job <n> late",
        3,
        1,
    )
    assert data["provider_uptime"] == [{"provider": "llm:openai", "checks": 4, "up": 3, "uptime": 0.75}]

    markdown = report.markdown
    assert markdown.startswith("# noktvrn weekly report: 2026-11-16 to 2026-11-22")
    assert "approval rate 66.7%" in markdown
    assert "| generate_track | 2 |" in markdown
    assert "| openai | 2 | 1 | 0.0125 |" in markdown
    assert "| llm:openai | 4 | 3 | 75.0% |" in markdown

    rows = list(csv.reader(io.StringIO(report.csv)))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert ["runs", "approved", "runs", "2"] in rows
    assert ["review", "all", "approval_rate", "0.6667"] in rows
    assert ["llm", "openai", "cost_usd", "0.012500"] in rows
    assert ["deliveries", "failed", "attempts", "1"] in rows
    assert ["uptime", "llm:openai", "uptime", "0.75"] in rows


def test_making_the_week_again_replaces_its_report():
    first = weekly_report_make(day=REPORT_DAY, send=False)
    make_week()
    second = weekly_report_make(day=REPORT_DAY + timedelta(hours=3), send=False)
    assert first.pk == second.pk and WeeklyReport.objects.count() == 1
    assert second.data["runs_total"] == 5


def test_the_report_is_sent_to_integrations_as_a_signed_event(
    scripted_server, settings, django_capture_on_commit_callbacks
):
    receiver = scripted_server({"POST /hooks": (200, {"ok": True})})
    endpoint = WebhookEndpoint.objects.create(name="bi", url=receiver.url + "/hooks", events=["report.weekly"])
    with django_capture_on_commit_callbacks(execute=True):
        report = weekly_report_make(day=REPORT_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        weekly_report_make(day=REPORT_DAY)  # the same week again: not announced twice
    delivery = EventDelivery.objects.get(name="report.weekly")
    assert delivery.status == EventDelivery.Status.DELIVERED
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    expected = hmac.new(endpoint.secret.encode(), headers["X-Noktvrn-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Noktvrn-Signature"] == f"sha256={expected.hexdigest()}"
    data = json.loads(body)["data"]
    assert data["report"] == report.pk
    assert data["markdown_url"].endswith(f"/monitoring/reports/{report.pk}.md")
    assert data["numbers"]["runs_total"] == 0


def test_reports_are_downloadable_by_staff_only(staff_client):
    report = weekly_report_make(day=REPORT_DAY, send=False)
    md = staff_client.get(reverse("monitoring:report-download", args=[report.pk, "md"]))
    assert md.status_code == 200 and md["Content-Type"].startswith("text/markdown")
    assert 'filename="noktvrn-week-2026-11-16.md"' in md["Content-Disposition"]
    assert md.content.decode() == report.markdown
    csv_response = staff_client.get(reverse("monitoring:report-download", args=[report.pk, "csv"]))
    assert csv_response.content.decode() == report.csv
    assert staff_client.get(reverse("monitoring:report-download", args=[report.pk, "pdf"])).status_code == 404
    page = staff_client.get(reverse("monitoring:reports"))
    assert b"2026-11-16" in page.content
    staff_client.logout()
    assert staff_client.get(reverse("monitoring:report-download", args=[report.pk, "md"])).status_code == 302


def test_the_command_prints_the_report():
    out = StringIO()
    call_command("weekly_report", "--date", "2026-11-23", "--no-send", stdout=out)
    assert out.getvalue().startswith("# noktvrn weekly report: 2026-11-16 to 2026-11-22")
    out = StringIO()
    call_command("weekly_report", "--date", "2026-11-23", "--format", "csv", "--no-send", stdout=out)
    assert out.getvalue().startswith("section,key,metric,value")
    assert WeeklyReport.objects.count() == 1
