"""Integration events: signed POSTs to a local receiver, retries with backoff, every attempt recorded."""

# ruff: noqa: F811 (fixtures imported from review_support are redefined as test arguments)

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from generation.models import EventAttempt, EventDelivery, WebhookEndpoint
from generation.services.events import UnknownEvent, event_emit
from generation.services.review import run_approve, run_decide
from generation.tasks import deliver_event
from tests.factories import UserFactory
from tests.generation.review_support import awaiting_run, queued_tasks  # noqa: F401

pytestmark = pytest.mark.django_db


class Receiver:
    """An integration's endpoint: answers the scripted status codes in turn (then the last one)."""

    def __init__(self, statuses: list[int], on_request=None) -> None:
        self.statuses = list(statuses)
        self.on_request = on_request  # what else happens while a request is in flight
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                if receiver.on_request is not None:
                    receiver.on_request(dict(self.headers))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/noktvrn"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory(settings):
    settings.EVENTS_BACKOFF_SECONDS = 0.05
    settings.EVENTS_BACKOFF_MAX_SECONDS = 0.2
    settings.EVENTS_TIMEOUT_SECONDS = 5.0
    made: list[Receiver] = []

    def make(statuses: list[int], on_request=None) -> Receiver:
        made.append(Receiver(statuses, on_request))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What an integration does with our headers (documented in docs/review.md)."""
    expected = hmac.new(
        secret.encode(), headers["X-Noktvrn-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(headers["X-Noktvrn-Signature"], f"sha256={expected}")


def test_an_event_is_delivered_with_a_verifiable_signature(receiver_factory, django_capture_on_commit_callbacks):
    receiver = receiver_factory([200])
    endpoint = WebhookEndpoint.objects.create(name="crm", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = event_emit(name="release.delivered", payload={"release": 7, "distributor": "outbox"})

    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DELIVERED and delivery.attempts == 1
    (headers, body) = receiver.requests[0]
    assert verify(endpoint.secret, headers, body)
    assert not verify("another-secret", headers, body)
    assert headers["X-Noktvrn-Event"] == "release.delivered"
    assert headers["Content-Type"] == "application/json"
    envelope = json.loads(body)
    assert envelope["event"] == "release.delivered"
    assert envelope["id"] == str(delivery.event_id)
    assert envelope["data"] == {"release": 7, "distributor": "outbox"}
    (attempt,) = EventAttempt.objects.filter(delivery=delivery)
    assert (attempt.number, attempt.status_code, attempt.succeeded) == (1, 200, True)


def test_a_failing_endpoint_is_retried_with_backoff_and_every_attempt_recorded(
    receiver_factory, django_capture_on_commit_callbacks
):
    receiver = receiver_factory([500, 503, 200])
    WebhookEndpoint.objects.create(name="flaky", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = event_emit(name="release.failed", payload={"release": 3, "error": "QC"})

    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DELIVERED
    attempts = list(EventAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert attempts[0].error == "HTTP 500"
    # Exponential backoff: at least 0.05 s, then at least 0.1 s between attempts.
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1
    # The same event id and body each time, so the receiver can deduplicate.
    bodies = {body for _, body in receiver.requests}
    assert len(receiver.requests) == 3 and len(bodies) == 1


def test_an_endpoint_that_keeps_failing_is_marked_failed_after_the_last_attempt(
    receiver_factory, settings, django_capture_on_commit_callbacks
):
    settings.EVENTS_MAX_ATTEMPTS = 3
    receiver = receiver_factory([502])
    WebhookEndpoint.objects.create(name="down", url=receiver.url)
    with socket.socket() as probe:  # a closed port on loopback: connection refused
        probe.bind(("127.0.0.1", 0))
        closed_url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    WebhookEndpoint.objects.create(name="gone", url=closed_url)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = event_emit(name="run.expired", payload={"run": {"id": 1}})

    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.status == EventDelivery.Status.FAILED
        assert delivery.attempts == 3
        assert EventAttempt.objects.filter(delivery=delivery, succeeded=False).count() == 3
    by_name = {d.endpoint.name: d for d in deliveries}
    assert by_name["down"].last_error == "HTTP 502"
    assert "ConnectError" in by_name["gone"].last_error
    assert len(receiver.requests) == 3
    # A failed delivery is not retried by a duplicate task.
    assert deliver_event(by_name["down"].pk) == "failed"
    assert len(receiver.requests) == 3


def test_endpoints_receive_only_what_they_subscribed_to(receiver_factory):
    WebhookEndpoint.objects.create(name="all", url="http://127.0.0.1:9/")
    WebhookEndpoint.objects.create(name="releases", url="http://127.0.0.1:9/", events=["release.delivered"])
    WebhookEndpoint.objects.create(name="off", url="http://127.0.0.1:9/", is_active=False)
    names = {d.endpoint.name for d in event_emit(name="run.approved", payload={})}
    assert names == {"all"}
    names = {d.endpoint.name for d in event_emit(name="release.delivered", payload={})}
    assert names == {"all", "releases"}


def test_emitting_twice_with_one_key_queues_once():
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/")
    assert len(event_emit(name="run.expired", payload={}, key="run.expired:5")) == 1
    assert event_emit(name="run.expired", payload={}, key="run.expired:5") == []
    assert EventDelivery.objects.count() == 1


def test_unknown_event_names_are_refused():
    with pytest.raises(UnknownEvent):
        event_emit(name="run.exploded", payload={})


def test_decisions_emit_run_events_after_commit(receiver_factory, queued_tasks, django_capture_on_commit_callbacks):
    receiver = receiver_factory([200])
    endpoint = WebhookEndpoint.objects.create(name="crm", url=receiver.url)
    approved, rejected = awaiting_run(), awaiting_run()
    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=approved, actor=UserFactory(username="dana"), channel="web", comment="ship it")
        run_decide(decision="rejected", run=rejected, actor=UserFactory(username="eve"), channel="api")
    deliveries = {d.name: d for d in EventDelivery.objects.all()}
    assert set(deliveries) == {"run.approved", "run.rejected"}
    for delivery in deliveries.values():
        assert ("generation.tasks.deliver_event", (delivery.pk,)) in queued_tasks
        deliver_event(delivery.pk)
    bodies = {json.loads(body)["event"]: json.loads(body) for _, body in receiver.requests}
    data = bodies["run.approved"]["data"]
    assert data["run"]["id"] == approved.pk and data["artist"]["slug"] == approved.artist.slug
    assert data["decision"]["decided_by"] == "dana" and data["decision"]["comment"] == "ship it"
    assert bodies["run.rejected"]["data"]["decision"]["channel"] == "api"
    assert all(verify(endpoint.secret, headers, body) for headers, body in receiver.requests)


def test_a_rolled_back_decision_sends_nothing(receiver_factory, queued_tasks, django_capture_on_commit_callbacks):
    from django.db import transaction

    receiver = receiver_factory([200])
    WebhookEndpoint.objects.create(name="crm", url=receiver.url)
    run = awaiting_run()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                run_approve(run=run, actor=UserFactory(), channel="web")
                raise RuntimeError("the caller failed after deciding")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not EventDelivery.objects.exists()
    assert queued_tasks == [] and receiver.requests == []


def test_a_failed_delivery_can_be_retried_from_the_admin(
    receiver_factory, settings, admin_client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    settings.EVENTS_MAX_ATTEMPTS = 2
    receiver = receiver_factory([500, 500, 200])
    WebhookEndpoint.objects.create(name="crm", url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = event_emit(name="run.approved", payload={"run": {"id": 1}})
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.FAILED and delivery.attempts == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:generation_eventdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert "1 failed deliveries queued again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DELIVERED and delivery.attempts == 3
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 500), (2, 500), (3, 200)]
    page = admin_client.get(reverse("admin:generation_eventdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and "HTTP 500" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_copy_that_fails_after_another_delivered_leaves_it_delivered(receiver_factory, settings):
    """Two copies of one delivery's task (the outbox can hand it over twice): the copy whose
    POST fails while the other's succeeds must neither overwrite "delivered" nor go on retrying,
    and no failure is reported."""
    from django.utils import timezone

    from monitoring.models import ErrorOccurrence

    settings.EVENTS_MAX_ATTEMPTS = 3

    the_other_copy_delivers = _meanwhile(status=EventDelivery.Status.DELIVERED, delivered_at=timezone.now(), attempts=1)
    receiver, delivery = _one_delivery(receiver_factory, 503, the_other_copy_delivers)
    assert deliver_event(delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DELIVERED and delivery.last_error == ""
    assert len(receiver.requests) == 1  # no retry of what is delivered
    assert EventAttempt.objects.filter(delivery=delivery, succeeded=False).count() == 1
    assert not ErrorOccurrence.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_post_that_succeeds_after_the_other_copy_gave_up_marks_it_delivered(receiver_factory):
    """It did arrive: a delivery the other copy has just marked failed is delivered after all."""
    _, delivery = _one_delivery(receiver_factory, 200, _meanwhile(status=EventDelivery.Status.FAILED))
    assert deliver_event(delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DELIVERED and delivery.delivered_at is not None


def _meanwhile(**changes):
    """What the other copy of the task writes to the delivery while this copy's POST is in flight."""
    from django.db import connection

    def write(headers: dict) -> None:
        EventDelivery.objects.filter(pk=int(headers["X-Noktvrn-Delivery"])).update(**changes)
        connection.close()  # the receiver thread's own connection

    return write


def _one_delivery(receiver_factory, status: int, on_request):
    receiver = receiver_factory([status], on_request=on_request)
    WebhookEndpoint.objects.create(name="crm", url=receiver.url)
    (delivery,) = event_emit(name="run.expired", payload={"run": {"id": 1}})
    return receiver, delivery
