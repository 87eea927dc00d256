"""/metrics: Prometheus text that prometheus_client parses, with run, stage, LLM and delivery figures,
computed with a fixed number of queries and refused to anyone without the token or an allowed network."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from generation.models import RunStage, RunStatus
from llm.models import LLMCall
from releases.models import Delivery
from tests.factories import ReleaseFactory, RunFactory

pytestmark = pytest.mark.django_db
TOKEN = "scrape-secret-123"


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return settings


def scrape(client) -> dict[str, dict[tuple, float]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def make_figures() -> None:
    now = timezone.now()
    awaiting = RunFactory(status=RunStatus.AWAITING_REVIEW)
    RunFactory(status=RunStatus.AWAITING_REVIEW)
    failed = RunFactory(status=RunStatus.FAILED)
    for run, attempt, outcome, ms in [
        (awaiting, 1, RunStage.Outcome.SUCCEEDED, 300),
        (failed, 1, RunStage.Outcome.FAILED, 20_000),
        (failed, 2, RunStage.Outcome.SUCCEEDED, 4_000),
    ]:
        RunStage.objects.create(
            run=run,
            name=RunStage.Name.GENERATE_TRACK,
            attempt=attempt,
            outcome=outcome,
            started_at=now - timedelta(milliseconds=ms),
            finished_at=now,
            duration_ms=ms,
        )
    RunStage.objects.create(run=awaiting, name=RunStage.Name.MAKE_COVER, started_at=now)  # running: no duration
    for provider, role, outcome, ms, cost in [
        ("openai", "lyricist", LLMCall.Outcome.SUCCESS, 800, Decimal("0.002")),
        ("openai", "lyricist", LLMCall.Outcome.ERROR, 150, Decimal("0")),
        ("local", "author", LLMCall.Outcome.SUCCESS, 5, Decimal("0")),
        ("openai", "author", LLMCall.Outcome.SKIPPED, 0, Decimal("0")),
    ]:
        LLMCall.objects.create(
            provider=provider, model="m", role=role, outcome=outcome, latency_ms=ms, cost=cost, tokens_in=100
        )
    release = ReleaseFactory()
    Delivery.objects.create(release=release, distributor="outbox", status=Delivery.Status.SUCCEEDED)
    Delivery.objects.create(release=release, distributor="sftp", attempt=1, status=Delivery.Status.FAILED)
    Delivery.objects.create(release=release, distributor="sftp", attempt=2, status=Delivery.Status.FAILED)


def test_metrics_parse_and_carry_run_stage_llm_and_delivery_figures(client, metrics_settings):
    make_figures()
    samples = scrape(client)

    runs = samples["noktvrn_runs"]
    assert runs[(("status", "awaiting_review"),)] == 2
    assert runs[(("status", "failed"),)] == 1
    assert runs[(("status", "approved"),)] == 1  # the release's run

    attempts = samples["noktvrn_stage_attempts_total"]
    assert attempts[(("outcome", "succeeded"), ("stage", "generate_track"))] == 2
    assert attempts[(("outcome", "failed"), ("stage", "generate_track"))] == 1
    buckets = samples["noktvrn_stage_duration_seconds_bucket"]
    assert buckets[(("le", "0.25"), ("stage", "generate_track"))] == 0
    assert buckets[(("le", "1.0"), ("stage", "generate_track"))] == 1
    assert buckets[(("le", "5.0"), ("stage", "generate_track"))] == 2
    assert buckets[(("le", "60.0"), ("stage", "generate_track"))] == 3
    assert buckets[(("le", "+Inf"), ("stage", "generate_track"))] == 3
    assert samples["noktvrn_stage_duration_seconds_sum"][(("stage", "generate_track"),)] == pytest.approx(24.3)

    calls = samples["noktvrn_llm_calls_total"]
    assert calls[(("outcome", "success"), ("provider", "openai"), ("role", "lyricist"))] == 1
    assert calls[(("outcome", "error"), ("provider", "openai"), ("role", "lyricist"))] == 1
    assert calls[(("outcome", "skipped"), ("provider", "openai"), ("role", "author"))] == 1
    assert samples["noktvrn_llm_cost_usd_total"][(("provider", "openai"), ("role", "lyricist"))] == pytest.approx(0.002)
    latency = samples["noktvrn_llm_latency_seconds_bucket"]
    assert latency[(("le", "0.25"), ("provider", "openai"), ("role", "lyricist"))] == 1
    assert latency[(("le", "1.0"), ("provider", "openai"), ("role", "lyricist"))] == 2
    assert samples["noktvrn_llm_latency_seconds_count"][(("provider", "openai"), ("role", "lyricist"))] == 2
    assert samples["noktvrn_llm_latency_seconds_sum"][(("provider", "openai"), ("role", "lyricist"))] == 0.95
    # a skipped provider was never asked: it has calls but no latency
    assert (("provider", "openai"), ("role", "author")) not in samples["noktvrn_llm_latency_seconds_count"]
    assert (
        samples["noktvrn_llm_tokens_total"][(("direction", "in"), ("provider", "openai"), ("role", "lyricist"))] == 200
    )

    deliveries = samples["noktvrn_deliveries_total"]
    assert deliveries[(("distributor", "sftp"), ("status", "failed"))] == 2
    assert deliveries[(("distributor", "outbox"), ("status", "succeeded"))] == 1
    assert samples["noktvrn_queue_depth"][()] >= 0


def test_request_rate_errors_and_latency_are_counted_by_view(client, metrics_settings):
    before = scrape(client).get("noktvrn_http_requests_total", {})
    key = (("method", "GET"), ("status", "200"), ("view", "healthz"))
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page/")
    samples = scrape(client)
    assert samples["noktvrn_http_requests_total"][key] - before.get(key, 0) == 2
    assert samples["noktvrn_http_requests_total"][(("method", "GET"), ("status", "404"), ("view", "unmatched"))] >= 1
    assert samples["noktvrn_http_request_duration_seconds_count"][(("method", "GET"), ("view", "healthz"))] >= 2


def test_the_database_metrics_take_the_same_few_queries_whatever_the_row_count(
    client, metrics_settings, django_assert_num_queries
):
    make_figures()
    # runs, batches, stages, LLM, deliveries, releases, error groups, provider checks, and the
    # queue depth, which is a database query only with the ORM broker (Redis answers it itself)
    queries = 8 if settings.Q_CLUSTER.get("redis") else 9
    with django_assert_num_queries(queries):
        scrape(client)
    for _ in range(3):
        make_figures()
    with django_assert_num_queries(queries):
        scrape(client)


def test_metrics_are_refused_without_the_token(client, metrics_settings):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"noktvrn_runs" not in response.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401  # the scheme is required


def test_metrics_are_refused_to_everyone_when_nothing_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_metrics_are_served_to_allowed_networks_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.1.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 401
    assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 401


def test_request_metrics_add_up_across_worker_processes(tmp_path):
    """gunicorn's workers are processes: with PROMETHEUS_MULTIPROC_DIR each writes files that a scrape sums."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "noktvrn.settings.test"}
    setup = "import django; django.setup(); from monitoring.services import metrics as m\n"
    worker = (
        setup
        + "m.HTTP_REQUESTS.labels('healthz', 'GET', '200').inc(); m.HTTP_LATENCY.labels('healthz', 'GET').observe(0.2)"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, cwd=root, check=True, timeout=120)
    scrape = setup + (
        "from prometheus_client import CollectorRegistry, generate_latest\n"
        "r = CollectorRegistry(); r.register(m.request_metrics_collector()); print(generate_latest(r).decode())"
    )
    text = subprocess.run(
        [sys.executable, "-c", scrape], env=env, cwd=root, check=True, timeout=120, capture_output=True, text=True
    ).stdout
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("noktvrn_http_requests_total", (("method", "GET"), ("status", "200"), ("view", "healthz")))] == 2
    assert samples[("noktvrn_http_request_duration_seconds_count", (("method", "GET"), ("view", "healthz")))] == 2
    assert samples[("noktvrn_http_request_duration_seconds_sum", (("method", "GET"), ("view", "healthz")))] == 0.4
