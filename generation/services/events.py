"""Integration events: signed JSON POSTs to the endpoints configured in the admin.

`event_emit` records one EventDelivery per interested endpoint inside the caller's
transaction and enqueues the delivery task after commit, so a rolled-back decision never
announces itself. The task retries with exponential backoff and records every attempt.

Receivers verify `X-Noktvrn-Signature: sha256=<hex>`, the HMAC-SHA256 of
`<X-Noktvrn-Timestamp>.<raw body>` keyed with the endpoint's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from typing import Any

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from generation.models import EVENT_NAMES, EventAttempt, EventDelivery, WebhookEndpoint
from kernel.errors import ApplicationError
from kernel.events import registered_event_names
from kernel.monitoring import failure_report
from kernel.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Noktvrn-Signature"
TIMESTAMP_HEADER = "X-Noktvrn-Timestamp"
EVENT_HEADER = "X-Noktvrn-Event"
DELIVERY_HEADER = "X-Noktvrn-Delivery"
DELIVER_TASK = "generation.tasks.deliver_event"


class UnknownEvent(ApplicationError):
    code = "unknown_event"


class DeliveryFailed(Exception):
    """One attempt did not get a 2xx answer; tenacity retries it."""


def event_sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (seconds since the epoch)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def event_emit(*, name: str, payload: dict[str, Any], key: str = "") -> list[EventDelivery]:
    """Queue event `name` for every active endpoint that wants it; sent after the current transaction commits.

    `key` makes emitting idempotent: a second emit with the same key creates nothing for an
    endpoint that already has it (a retried task must not announce a run twice).
    """
    known = (*EVENT_NAMES, *registered_event_names())
    if name not in known:
        raise UnknownEvent(f"Unknown event {name!r}; known events: {', '.join(known)}.")
    event_id = uuid.uuid4()
    body = json.loads(
        json.dumps(
            {"id": str(event_id), "event": name, "created_at": timezone.now().isoformat(), "data": payload},
            cls=DjangoJSONEncoder,
        )
    )
    created: list[EventDelivery] = []
    for endpoint in WebhookEndpoint.objects.filter(is_active=True):
        if not endpoint.wants(name):
            continue
        try:
            with transaction.atomic():
                delivery = EventDelivery.objects.create(
                    endpoint=endpoint, event_id=event_id, name=name, dedupe_key=key, body=body
                )
        except IntegrityError:
            logger.info("Event %s with key %s already queued for endpoint %s", name, key, endpoint.pk)
            continue
        created.append(delivery)
        outbox_enqueue(
            task=DELIVER_TASK, args=[delivery.pk], task_name=f"event-{delivery.pk}", key=f"event-{delivery.pk}"
        )
    return created


def _attempt(delivery: EventDelivery, endpoint: WebhookEndpoint, raw: bytes) -> None:
    number = delivery.attempts + 1
    started = timezone.now()
    clock = time.monotonic()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "noktvrn-events/1",
        EVENT_HEADER: delivery.name,
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: event_sign(secret=endpoint.secret, timestamp=timestamp, body=raw),
    }
    status_code, error, excerpt = None, "", ""
    try:
        response = httpx.post(endpoint.url, content=raw, headers=headers, timeout=settings.EVENTS_TIMEOUT_SECONDS)
        status_code, excerpt = response.status_code, response.text[:500]
        if not response.is_success:
            error = f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    succeeded = not error
    EventAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started,
        duration_ms=int((time.monotonic() - clock) * 1000),
        status_code=status_code,
        succeeded=succeeded,
        error=error,
        response_excerpt=excerpt,
    )
    outcome: dict[str, object] = {"attempts": Greatest("attempts", Value(number)), "last_error": error}
    if succeeded:
        outcome.update(status=EventDelivery.Status.DELIVERED, delivered_at=timezone.now())
    # Two copies of the task can work one delivery (the outbox may hand it over twice): only a
    # delivery still pending takes this attempt's outcome, so a late failure never overwrites
    # the other copy's success, and once it is delivered this copy stops.
    # A success also lands on a delivery the other copy has just given up on: it did arrive.
    open_statuses = [EventDelivery.Status.PENDING] + ([EventDelivery.Status.FAILED] if succeeded else [])
    still_pending = EventDelivery.objects.filter(pk=delivery.pk, status__in=open_statuses).update(**outcome)
    delivery.refresh_from_db(fields=["attempts", "last_error", "status", "delivered_at"])
    if not succeeded and still_pending:
        raise DeliveryFailed(error)


def event_deliver(*, delivery_id: int) -> EventDelivery:
    """POST one pending delivery until it succeeds or a round of EVENTS_MAX_ATTEMPTS attempts has failed.

    Attempts are numbered across rounds (a failed delivery retried from the admin starts a new round).
    """
    delivery = EventDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != EventDelivery.Status.PENDING:
        return delivery
    raw = json.dumps(delivery.body, separators=(",", ":"), sort_keys=True).encode()
    retrying = Retrying(
        stop=stop_after_attempt(max(settings.EVENTS_MAX_ATTEMPTS, 1)),
        wait=wait_exponential(multiplier=settings.EVENTS_BACKOFF_SECONDS, max=settings.EVENTS_BACKOFF_MAX_SECONDS),
        retry=retry_if_exception_type(DeliveryFailed),
        reraise=False,
    )
    try:
        retrying(_attempt, delivery, delivery.endpoint, raw)
    except RetryError:
        failed = EventDelivery.objects.filter(pk=delivery.pk, status=EventDelivery.Status.PENDING).update(
            status=EventDelivery.Status.FAILED
        )
        delivery.refresh_from_db(fields=["status"])
        if not failed:
            return delivery  # another copy delivered it meanwhile
        logger.warning(
            "Event %s to %s failed after %s attempts", delivery.name, delivery.endpoint.url, delivery.attempts
        )
        failure_report(
            source="event",
            scope=delivery.endpoint.name,
            exception_type="EventDeliveryFailed",
            message=f"{delivery.name}: {delivery.last_error}",
        )
    return delivery


def event_redeliver(*, delivery_id: int) -> bool:
    """Give a failed delivery a new round of attempts (after the endpoint is fixed); False if not failed."""
    with transaction.atomic():
        reopened = EventDelivery.objects.filter(pk=delivery_id, status=EventDelivery.Status.FAILED).update(
            status=EventDelivery.Status.PENDING
        )
        if reopened:
            key = f"event-{delivery_id}"
            outbox_enqueue(task=DELIVER_TASK, args=[delivery_id], task_name=f"{key}-retry", key=key)
    return bool(reopened)
