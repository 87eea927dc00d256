"""The read-only monitoring API: error groups, provider health checks and weekly reports."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from kernel.monitoring import failure_report
from monitoring.models import ErrorGroup, ProviderCheck
from monitoring.services.reports import weekly_report_make
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db


def _failures(n: int = 50) -> list:
    """`n` groups (each a different stage message), the first one hit by three runs."""
    runs = [RunFactory() for _ in range(3)]
    for run in runs:
        failure_report(source="stage", scope="generate_track", exception_type="ProviderError",
                       message="suno refused (code 430)", run_id=run.pk)  # fmt: skip
    for index in range(1, n):
        failure_report(source="delivery", scope=f"distributor-{index}", exception_type="TimeoutError",
                       message=f"no answer from host {chr(97 + index % 26)}x")  # fmt: skip
    return runs


def test_error_groups_list_filters_and_query_count(operator_client, django_assert_max_num_queries):
    runs = _failures()
    with django_assert_max_num_queries(4):
        body = operator_client.get("/api/v1/error-groups/").json()
    assert body["count"] == 50 and len(body["results"]) == 50
    stage = operator_client.get("/api/v1/error-groups/?source=stage").json()["results"]
    assert [(g["scope"], g["count"], g["runs"]) for g in stage] == [("generate_track", 3, 3)]
    assert stage[0]["url"] == f"/monitoring/errors/{stage[0]['id']}/"
    found = operator_client.get("/api/v1/error-groups/?search=code").json()["results"]
    assert [g["exception_type"] for g in found] == ["ProviderError"]
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert operator_client.get("/api/v1/error-groups/", {"last_seen_after": later}).json()["count"] == 0
    by_count = operator_client.get("/api/v1/error-groups/?ordering=-count").json()["results"]
    assert by_count[0]["count"] == 3

    detail = operator_client.get(f"/api/v1/error-groups/{stage[0]['id']}/").json()
    assert sorted(r["id"] for r in detail["affected_runs"]) == sorted(run.pk for run in runs)
    assert len(detail["occurrences"]) == 3 and {o["run"] for o in detail["occurrences"]} == {r.pk for r in runs}


def test_error_groups_need_the_view_permission(reviewer_client, client):
    _failures(2)
    assert reviewer_client.get("/api/v1/error-groups/").status_code == 403
    assert client.get("/api/v1/error-groups/").status_code == 401


def _checks(providers: int = 10, each: int = 5) -> None:
    now = timezone.now()
    rows = [
        ProviderCheck(
            provider=f"llm:p{p}",
            kind="llm",
            ok=not (p == 0 and n == 0),  # the newest check of p0 failed
            detail="answered" if n else "the newest",
            latency_ms=10 + n,
            checked_at=now - timedelta(minutes=n),
        )
        for p in range(providers)
        for n in reversed(range(each))  # oldest first, as the scheduled checks write them
    ]
    ProviderCheck.objects.bulk_create(rows)


def test_provider_checks_list_and_summary(operator_client, settings, django_assert_max_num_queries):
    settings.CRITICAL_PROVIDERS = ["llm:p0"]
    _checks()
    with django_assert_max_num_queries(4):
        body = operator_client.get("/api/v1/provider-checks/").json()
    assert body["count"] == 50 and len(body["results"]) == 50
    down = operator_client.get("/api/v1/provider-checks/?ok=false").json()["results"]
    assert [(c["provider"], c["detail"]) for c in down] == [("llm:p0", "the newest")]
    assert operator_client.get("/api/v1/provider-checks/?provider=llm:p3").json()["count"] == 5

    with django_assert_max_num_queries(5):
        summary = operator_client.get("/api/v1/provider-checks/summary/").json()
    assert len(summary) == 10
    first = next(row for row in summary if row["provider"] == "llm:p0")
    assert (first["critical"], first["latest"]["ok"], first["checks"], first["uptime"]) == (True, False, 5, 0.8)
    assert next(row for row in summary if row["provider"] == "llm:p1")["critical"] is False


def test_weekly_reports_list_and_detail(operator_client, django_assert_max_num_queries):
    monday = timezone.make_aware(datetime(2026, 11, 23, 6, 0))
    for week in range(50):
        weekly_report_make(day=monday - timedelta(weeks=week), send=False)
    with django_assert_max_num_queries(4):
        body = operator_client.get("/api/v1/weekly-reports/").json()
    assert body["count"] == 50
    newest = body["results"][0]
    assert newest["period_start"].startswith("2026-11-16") and "numbers" not in newest
    assert newest["markdown_url"] == f"/monitoring/reports/{newest['id']}.md"
    detail = operator_client.get(f"/api/v1/weekly-reports/{newest['id']}/").json()
    assert detail["numbers"]["runs_total"] == 0 and detail["markdown"].startswith("#")
    since = timezone.make_aware(datetime(2026, 11, 1)).isoformat()
    assert operator_client.get("/api/v1/weekly-reports/", {"period_after": since}).json()["count"] == 3


def test_the_monitoring_api_is_read_only_even_for_superusers(admin_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin_user)
    _failures(2)
    group = ErrorGroup.objects.first()
    assert client.post("/api/v1/error-groups/", {}).status_code == 405
    assert client.delete(f"/api/v1/error-groups/{group.pk}/").status_code == 405
    assert client.post("/api/v1/provider-checks/", {}).status_code == 405
    assert client.post("/api/v1/weekly-reports/", {}).status_code == 405
    assert ErrorGroup.objects.filter(pk=group.pk).exists()
