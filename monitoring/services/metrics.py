"""Prometheus metrics: request metrics counted in-process, everything else read from the database at scrape time.

Request metrics are prometheus_client counters and histograms. Under gunicorn, set
PROMETHEUS_MULTIPROC_DIR (an empty folder, wiped at start) so each worker process writes its
values to files that the scrape adds up (prometheus_client's multiprocess mode; the gunicorn
config `deploy/gunicorn.conf.py` empties the folder at start and marks dead workers).

Runs, stages, LLM calls, deliveries and the queue live in the database and the broker, and are
produced by the workers, not by the web process: `DatabaseCollector` computes them on each
scrape with a fixed number of aggregate queries (one per family, whatever the row count), so
every web process reports the same truth.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, Q, Sum
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from generation.models import Batch, GenerationRun, RunStage
from llm.models import LLMCall
from monitoring.models import ErrorGroup, ProviderCheck
from releases.models import Delivery, Release

# Buckets in seconds: LLM calls last 0.1-60 s, stages 0.05 s (a cover) to 10 min (a vendor render).
LLM_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
STAGE_BUCKETS = (0.05, 0.25, 1, 5, 15, 60, 180, 600)
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10)

APP_REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter(
    "noktvrn_http_requests",
    "HTTP requests answered, by view, method and status code.",
    ["view", "method", "status"],
    registry=APP_REGISTRY,
)
HTTP_LATENCY = Histogram(
    "noktvrn_http_request_duration_seconds",
    "Time to answer an HTTP request, by view and method.",
    ["view", "method"],
    buckets=REQUEST_BUCKETS,
    registry=APP_REGISTRY,
)
HTTP_EXCEPTIONS = Counter(
    "noktvrn_http_exceptions",
    "Unhandled exceptions in views, by view and exception type.",
    ["view", "exception"],
    registry=APP_REGISTRY,
)


def _histogram_buckets(row: dict, bounds: tuple[float, ...]) -> list[tuple[str, float]]:
    buckets = [(str(float(bound)), row[f"le_{index}"]) for index, bound in enumerate(bounds)]
    return [*buckets, ("+Inf", row["n"])]


def _bucket_counts(field: str, bounds: tuple[float, ...], scale: float, extra: Q | None = None) -> dict[str, Count]:
    """Cumulative bucket counts as conditional aggregates: `le_<i>` counts rows with field <= bound."""
    base = extra if extra is not None else Q()
    return {
        f"le_{index}": Count("pk", filter=base & Q(**{f"{field}__lte": bound * scale}))
        for index, bound in enumerate(bounds)
    }


class DatabaseCollector(Collector):
    """Run, stage, LLM, delivery, error, provider and queue figures, one aggregate query per family."""

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        yield from self._runs()
        yield from self._batches()
        yield from self._stages()
        yield from self._llm()
        yield from self._releases()
        yield from self._errors()
        yield from self._providers()
        yield from self._queue()
        took = GaugeMetricFamily(
            "noktvrn_metrics_scrape_seconds", "Time spent computing the database metrics of this scrape."
        )
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _runs(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("noktvrn_runs", "Generation runs by current status.", labels=["status"])
        for row in GenerationRun.objects.order_by().values("status").annotate(n=Count("pk")):
            gauge.add_metric([row["status"]], row["n"])
        yield gauge

    def _batches(self) -> Iterator[Metric]:
        counter = CounterMetricFamily("noktvrn_batches", "Batches started, by status.", labels=["status"])
        for row in Batch.objects.order_by().values("status").annotate(n=Count("pk")):
            counter.add_metric([row["status"]], row["n"])
        yield counter

    def _stages(self) -> Iterator[Metric]:
        attempts = CounterMetricFamily(
            "noktvrn_stage_attempts", "Stage attempts finished, by stage and outcome.", labels=["stage", "outcome"]
        )
        durations = HistogramMetricFamily(
            "noktvrn_stage_duration_seconds", "Duration of finished stage attempts, by stage.", labels=["stage"]
        )
        per_stage: dict[str, dict] = defaultdict(lambda: defaultdict(float))
        rows = (
            RunStage.objects.order_by()
            .filter(duration_ms__isnull=False)
            .values("name", "outcome")
            .annotate(n=Count("pk"), total_ms=Sum("duration_ms"), **_bucket_counts("duration_ms", STAGE_BUCKETS, 1000))
        )
        for row in rows:
            attempts.add_metric([row["name"], row["outcome"]], row["n"])
            merged = per_stage[row["name"]]
            for key, value in row.items():
                if key == "n" or key == "total_ms" or key.startswith("le_"):
                    merged[key] += value or 0
        for stage, row in sorted(per_stage.items()):
            durations.add_metric([stage], _histogram_buckets(row, STAGE_BUCKETS), row["total_ms"] / 1000)
        yield attempts
        yield durations

    def _llm(self) -> Iterator[Metric]:
        labels = ["provider", "role"]
        calls = CounterMetricFamily(
            "noktvrn_llm_calls", "LLM calls by provider, role and outcome.", labels=[*labels, "outcome"]
        )
        cost = CounterMetricFamily("noktvrn_llm_cost_usd", "LLM spend in USD by provider and role.", labels=labels)
        tokens = CounterMetricFamily(
            "noktvrn_llm_tokens", "LLM tokens by provider, role and direction.", labels=[*labels, "direction"]
        )
        latency = HistogramMetricFamily(
            "noktvrn_llm_latency_seconds", "LLM call latency (answered or failed, not skipped).", labels=labels
        )
        merged: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(float))
        rows = (
            LLMCall.objects.order_by()
            .values("provider", "role", "outcome")
            .annotate(
                n=Count("pk"),
                total_cost=Sum("cost"),
                total_ms=Sum("latency_ms"),
                tokens_in=Sum("tokens_in"),
                tokens_out=Sum("tokens_out"),
                **_bucket_counts("latency_ms", LLM_BUCKETS, 1000),
            )
        )
        for row in rows:
            key = (row["provider"], row["role"])
            calls.add_metric([*key, row["outcome"]], row["n"])
            bucket = merged[key]
            bucket["cost"] += float(row["total_cost"] or 0)
            bucket["tokens_in"] += row["tokens_in"] or 0
            bucket["tokens_out"] += row["tokens_out"] or 0
            if row["outcome"] == LLMCall.Outcome.SKIPPED:
                continue  # a skipped provider was never asked: no latency
            for name, value in row.items():
                if name in ("n", "total_ms") or name.startswith("le_"):
                    bucket[name] += value or 0
        for key, row in sorted(merged.items()):
            cost.add_metric(list(key), row["cost"])
            tokens.add_metric([*key, "in"], row["tokens_in"])
            tokens.add_metric([*key, "out"], row["tokens_out"])
            if row.get("n"):
                latency.add_metric(list(key), _histogram_buckets(row, LLM_BUCKETS), row["total_ms"] / 1000)
        yield from (calls, cost, tokens, latency)

    def _releases(self) -> Iterator[Metric]:
        deliveries = CounterMetricFamily(
            "noktvrn_deliveries", "Delivery attempts by distributor and status.", labels=["distributor", "status"]
        )
        for row in Delivery.objects.order_by().values("distributor", "status").annotate(n=Count("pk")):
            deliveries.add_metric([row["distributor"], row["status"]], row["n"])
        releases = GaugeMetricFamily("noktvrn_releases", "Releases by current status.", labels=["status"])
        for row in Release.objects.order_by().values("status").annotate(n=Count("pk")):
            releases.add_metric([row["status"]], row["n"])
        yield deliveries
        yield releases

    def _errors(self) -> Iterator[Metric]:
        counter = CounterMetricFamily(
            "noktvrn_errors", "Failures recorded in error groups, by source.", labels=["source"]
        )
        groups = GaugeMetricFamily("noktvrn_error_groups", "Distinct error groups, by source.", labels=["source"])
        for row in ErrorGroup.objects.order_by().values("source").annotate(n=Sum("count"), g=Count("pk")):
            counter.add_metric([row["source"]], row["n"] or 0)
            groups.add_metric([row["source"]], row["g"])
        yield counter
        yield groups

    def _providers(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "noktvrn_provider_up", "1 when the provider's latest health check passed.", labels=["provider", "kind"]
        )
        latency = GaugeMetricFamily(
            "noktvrn_provider_check_latency_seconds", "Latency of the latest health check.", labels=["provider", "kind"]
        )
        for check in ProviderCheck.objects.latest_per_provider():
            up.add_metric([check.provider, check.kind], 1 if check.ok else 0)
            latency.add_metric([check.provider, check.kind], check.latency_ms / 1000)
        yield up
        yield latency

    def _queue(self) -> Iterator[Metric]:
        from django_q.brokers import get_broker

        depth = GaugeMetricFamily("noktvrn_queue_depth", "Tasks waiting in the django-q broker.")
        depth.add_metric([], get_broker().queue_size())
        yield depth


def request_metrics_collector() -> Collector:
    """Request metrics of every worker process (multiprocess mode) or of this process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return APP_REGISTRY


def metrics_render() -> bytes:
    """The exposition text: the request metrics and the database metrics."""
    registry = CollectorRegistry()
    registry.register(request_metrics_collector())
    registry.register(DatabaseCollector())
    return generate_latest(registry)
