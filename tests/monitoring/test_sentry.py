"""Sentry: with SENTRY_DSN set, failures reach the ingest endpoint with the error group's fingerprint.

A local HTTP server plays Sentry's ingest (the envelope endpoint); the DSN points at 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import time

import pytest
import sentry_sdk

from kernel.monitoring import failure_report
from monitoring.models import ErrorGroup
from monitoring.services.sentry import sentry_init

pytestmark = pytest.mark.django_db


def envelope_items(raw: bytes) -> list[dict]:
    """Sentry envelopes: a header line, then (item header, payload) line pairs."""
    lines = raw.split(b"\n")
    items = []
    for header, payload in zip(lines[1::2], lines[2::2], strict=False):
        if json.loads(header).get("type") == "event":
            items.append(json.loads(payload))
    return items


@pytest.fixture
def sentry_ingest(scripted_server, settings):
    server = scripted_server({"POST /api/42/envelope/": (200, {"id": "ok"})})
    port = server.url.rsplit(":", 1)[1]
    settings.SENTRY_ENVIRONMENT = "test"
    sentry_init(dsn=f"http://public-key@127.0.0.1:{port}/42")
    yield server
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.init()  # an inactive client again (no DSN)


def received_events(server, count: int) -> list[dict]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        sentry_sdk.flush(timeout=2)
        events = []
        for request in server.requests:
            body = request["body"]
            if request["headers"].get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            events += envelope_items(body)
        if len(events) >= count:
            return events
        time.sleep(0.05)
    raise AssertionError(f"Sentry received {len(events)} events, expected {count}")


def test_reported_failures_reach_sentry_with_the_error_group_fingerprint(sentry_ingest):
    try:
        raise TimeoutError("vendor job 1234 did not finish")
    except TimeoutError as exc:
        failure_report(source="stage", scope="generate_track", exc=exc, run_id=None)
    failure_report(source="llm", scope="openai", exception_type="ProviderError", message="HTTP 503 from upstream")

    events = received_events(sentry_ingest, 2)
    fingerprints = {group.scope: group.fingerprint for group in ErrorGroup.objects.all()}
    by_fingerprint = {event["fingerprint"][0]: event for event in events}
    assert set(by_fingerprint) == set(fingerprints.values())
    stage_event = by_fingerprint[fingerprints["generate_track"]]
    assert stage_event["exception"]["values"][0]["type"] == "TimeoutError"
    assert stage_event["tags"]["noktvrn.scope"] == "generate_track"
    assert stage_event["environment"] == "test"
    assert sentry_ingest.requests[0]["headers"]["X-Sentry-Auth"].count("sentry_key=public-key") == 1


def test_an_unhandled_view_error_reaches_sentry_in_the_same_group(sentry_ingest, client, settings):
    from django.urls import path

    def broken(request):
        raise ZeroDivisionError("division by zero in report 17")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("broken/", broken, name="broken")]})
    client.raise_request_exception = False
    assert client.get("/broken/").status_code == 500

    group = ErrorGroup.objects.get(source="request")
    assert (group.scope, group.exception_type) == ("broken", "ZeroDivisionError")
    (event,) = received_events(sentry_ingest, 1)
    assert event["fingerprint"] == [group.fingerprint]
