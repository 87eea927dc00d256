"""The staff home dashboard: every panel's figures, the date range, the worker state, bounded queries."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule
from django_q.signing import SignedPackage
from django_q.status import Stat, Status

from generation.models import ReviewDecision, RunStage, RunStatus
from llm.models import LLMCall
from markets.models import MarketAlert
from noktvrn.dashboard.registry import DateRange, PanelContext, attention_register, panel
from releases.models import Delivery
from tests.factories import ReleaseFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db


def chart(content: bytes, key: str) -> dict:
    match = re.search(
        rb'<script id="data-' + key.encode() + rb'" type="application/json">(.*?)</script>', content, re.S
    )
    assert match, f"no chart data for {key}"
    return json.loads(match.group(1))


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(groups=["Reviewers"]))
    return client


def _data(days_ago: int = 0):
    """Runs of every outcome, decisions, failed stages, LLM calls and deliveries, `days_ago` days back."""
    when = timezone.now() - timedelta(days=days_ago)
    runs = {status: RunFactory(status=status) for status in (RunStatus.AWAITING_REVIEW, RunStatus.FAILED)}
    for status in (RunStatus.APPROVED, RunStatus.REJECTED, RunStatus.RELEASED):
        runs[status] = RunFactory(status=status)
    from generation.models import GenerationRun

    GenerationRun.objects.filter(pk__in=[r.pk for r in runs.values()]).update(created_at=when, status_changed_at=when)
    for status, decision in ((RunStatus.APPROVED, "approved"), (RunStatus.RELEASED, "approved")):
        ReviewDecision.objects.create(run=runs[status], decision=decision, channel="web")
    ReviewDecision.objects.create(run=runs[RunStatus.REJECTED], decision="rejected", channel="web")
    ReviewDecision.objects.filter(run__in=runs.values()).update(decided_at=when)
    RunStage.objects.create(run=runs[RunStatus.FAILED], name="generate_track", outcome="failed", started_at=when)
    RunStage.objects.create(
        run=runs[RunStatus.FAILED], name="generate_track", attempt=2, outcome="failed", started_at=when
    )
    RunStage.objects.create(run=runs[RunStatus.FAILED], name="write_prompts", outcome="succeeded", started_at=when)
    for provider, outcome, cost in (("openai", "success", "0.01"), ("openai", "error", "0"), ("local", "success", "0")):
        call = LLMCall.objects.create(provider=provider, model="m", role="author", outcome=outcome, cost=Decimal(cost))
        LLMCall.objects.filter(pk=call.pk).update(created_at=when)
    release = ReleaseFactory(run=runs[RunStatus.RELEASED])
    for attempt, status in ((1, "failed"), (2, "succeeded")):
        delivery = Delivery.objects.create(release=release, distributor="outbox", attempt=attempt, status=status)
        Delivery.objects.filter(pk=delivery.pk).update(started_at=when)
    return runs


def test_anonymous_sees_the_introduction(client):
    content = client.get("/").content
    assert b'id="dashboard"' not in content and b"Sign in" in content


def test_user_without_permission_sees_the_introduction(client):
    client.force_login(UserFactory())
    assert b'id="dashboard"' not in client.get("/").content


def test_every_panel_and_its_figures(staff):
    _data()
    MarketAlert.objects.create(
        country="DE",
        period="week",
        series="tempo",
        period_start=timezone.localdate(),
        value=1,
        baseline_mean=0,
        baseline_std=1,
        z_score=3.5,
        direction="up",
        message="tempo breakout",
    )
    response = staff.get("/")
    content = response.content
    assert response.status_code == 200
    for key in ("attention", "runs", "approval", "failures", "llm", "deliveries", "schedule", "workers", "providers"):
        assert f'id="panel-{key}"'.encode() in content, key

    runs = chart(content, "runs")
    today = timezone.localdate().isoformat()
    assert runs["labels"][-1] == today and len(runs["labels"]) == 14
    by_label = {ds["label"]: ds["data"][-1] for ds in runs["datasets"]}
    assert by_label == {
        "Released / approved": 2,
        "Release failed": 0,
        "Awaiting review": 1,
        "In progress": 0,
        "Rejected": 1,
        "Expired": 0,
        "Failed": 1,
    }
    assert chart(content, "approval")["datasets"][0]["data"][-1] == pytest.approx(66.7)
    failures = chart(content, "failures")
    assert failures["labels"] == ["Generate track"] and failures["datasets"][0]["data"] == [2]
    llm = chart(content, "llm")
    assert llm["labels"] == ["openai", "local"]
    assert [ds["data"] for ds in llm["datasets"]] == [[1, 1], [1, 0]]
    assert b"$0.0100" in content
    deliveries = chart(content, "deliveries")
    assert deliveries["labels"] == ["Succeeded", "Failed"] and deliveries["datasets"][0]["data"] == [1, 1]
    attention = content.split(b'id="panel-attention"')[1].split(b"</section>")[0]
    assert re.search(rb'id="attention-runs-waiting">\s*<a href="/review/"><strong>1</strong>', attention)
    assert re.search(rb'id="attention-runs-failed">\s*<a [^>]*><strong>1</strong>', attention)
    assert re.search(rb'id="attention-market-alerts">\s*<a [^>]*><strong>1</strong>', attention)


def test_date_range_bounds_every_chart(staff):
    _data(days_ago=20)
    content = staff.get("/?days=7").content
    assert sum(sum(ds["data"]) for ds in chart(content, "runs")["datasets"]) == 0
    assert chart(content, "failures")["labels"] == []
    content = staff.get("/?days=30").content
    assert sum(sum(ds["data"]) for ds in chart(content, "runs")["datasets"]) == 5
    start = (timezone.localdate() - timedelta(days=21)).isoformat()
    end = (timezone.localdate() - timedelta(days=19)).isoformat()
    content = staff.get(f"/?from={start}&to={end}").content
    assert chart(content, "runs")["labels"][0] == start and len(chart(content, "runs")["labels"]) == 3
    assert chart(content, "failures")["datasets"][0]["data"] == [2]


@pytest.mark.parametrize(
    "query", ["days=0", "days=abc", "from=2026-13-01", "from=2026-02-01&to=2026-01-01", "days=9999"]
)
def test_bad_range_falls_back_with_a_message(staff, query):
    content = staff.get(f"/?{query}").content
    assert b"Date range ignored" in content
    assert len(chart(content, "runs")["labels"]) == 14


def test_range_parsing():
    class Request:
        def __init__(self, **params):
            self.GET = params

    rng = DateRange.from_request(Request(days="1"))
    assert rng.start == rng.end == timezone.localdate()
    assert (rng.until - rng.since) == timedelta(days=1)


def test_next_scheduled_batches(staff):
    Schedule.objects.create(
        name="generation batch",
        func="generation.tasks.start_batch",
        schedule_type=Schedule.CRON,
        cron="0 * * * *",
        repeats=-1,
        next_run=timezone.now() + timedelta(minutes=5),
    )
    panel_html = staff.get("/").content.split(b'id="panel-schedule"')[1].split(b"</section>")[0]
    assert b"generation batch" in panel_html and panel_html.count(b"<li>") == 5


def test_worker_state_is_unknown_with_a_local_memory_cache(staff, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    panel_html = staff.get("/").content.split(b'id="panel-workers"')[1].split(b"</section>")[0]
    assert b">unknown</span>" in panel_html and b"local to each process" in panel_html


def test_worker_state_read_from_a_shared_cache(staff, settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    panel_html = staff.get("/").content.split(b'id="panel-workers"')[1].split(b"</section>")[0]
    assert b">stopped</span>" in panel_html
    # What a running cluster's sentinel publishes every few seconds: a signed, pickled Stat.
    stat = Stat.__new__(Stat)
    Status.__init__(stat, pid=4242, cluster_id="c0ffee00-0000-0000-0000-000000000000")
    stat.workers, stat.tob, stat.status = [1, 2], timezone.now() - timedelta(seconds=90), "Idle"
    broker = stat.broker = get_broker()
    broker.set_stat(stat.key, SignedPackage.dumps(stat, True), 30)
    panel_html = staff.get("/").content.split(b'id="panel-workers"')[1].split(b"</section>")[0]
    assert b">running</span>" in panel_html and b"<td>2</td>" in panel_html and b"Idle" in panel_html


def test_a_broken_panel_does_not_take_the_dashboard_down(staff):
    from noktvrn.dashboard import registry

    @panel(key="test-broken", title="Broken", template="noktvrn/panels/chart.html", order=1)
    def broken(ctx: PanelContext) -> dict:
        raise RuntimeError("source offline")

    @panel(key="test-hidden", title="Hidden", template="noktvrn/panels/chart.html", order=2)
    def hidden(ctx: PanelContext) -> None:
        return None

    provider = attention_register(
        lambda ctx: [{"key": "plans", "label": "plans waiting", "count": 3, "url": "/x/", "level": "warn"}]
    )
    try:
        content = staff.get("/").content
    finally:
        registry._PANELS.pop("test-broken")
        registry._PANELS.pop("test-hidden")
        registry._ATTENTION.remove(provider)
    assert b"could not be read: RuntimeError: source offline" in content
    assert b'id="panel-test-hidden"' not in content
    assert b'id="panel-runs"' in content
    assert re.search(rb'id="attention-plans">\s*<a href="/x/"><strong>3</strong> plans waiting', content)


def test_dashboard_query_count_is_bounded(staff, django_assert_max_num_queries):
    for _ in range(10):
        _data()
    # 15 core + monitoring's 7: provider health (latest, uptime, history), error groups, reports,
    # attention (providers down, skipped batches).
    with django_assert_max_num_queries(22):
        assert staff.get("/?days=30").status_code == 200
    # The range's charts, error groups, attention and provider health now come from the shared cache:
    # session, user, permissions, then schedule, batches, worker queue, reports.
    with django_assert_max_num_queries(8):
        assert staff.get("/?days=30").status_code == 200


def test_cached_panels_are_kept_per_date_range(staff):
    from noktvrn.dashboard.registry import _cache_key, registered_panels

    runs = next(item for item in registered_panels() if item.key == "runs")
    assert runs.cache_seconds > 0
    staff.get("/?days=7")
    today = timezone.localdate()
    week, month = DateRange(today - timedelta(days=6), today), DateRange(today - timedelta(days=29), today)
    assert cache.get(_cache_key(runs, week)) is not None
    assert cache.get(_cache_key(runs, month)) is None
