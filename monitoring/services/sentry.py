"""Sentry reporting (sentry-sdk) when SENTRY_DSN is set, with our error-group fingerprint on every event.

Failures reported through `kernel.monitoring` are captured with their group's fingerprint;
events Sentry's integrations capture by themselves (unhandled view errors) get the same
fingerprint in `before_send`, computed from the exception in the same way.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from django.conf import settings
from sentry_sdk.integrations.django import DjangoIntegration

from kernel.monitoring import Failure, fingerprint_of
from kernel.redaction import redact


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Mask configured secrets in exception messages; give an event without our fingerprint the one
    its exception would have in the error groups."""
    for value in (event.get("exception") or {}).get("values") or []:
        if isinstance(value.get("value"), str):
            value["value"] = redact(value["value"])
    if event.get("fingerprint"):
        return event
    exc_info = hint.get("exc_info")
    if exc_info and exc_info[1] is not None:
        exc = exc_info[1]
        request = event.get("request") or {}
        scope = event.get("transaction") or request.get("url") or "request"
        event["fingerprint"] = [fingerprint_of(exception_type=type(exc).__name__, scope=str(scope), message=str(exc))]
    return event


def sentry_init(*, dsn: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=settings.SENTRY_ENVIRONMENT,
        release=settings.SENTRY_RELEASE or None,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        integrations=[DjangoIntegration()],
        before_send=before_send,
    )


def sentry_capture(*, failure: Failure) -> str | None:
    """Send one reported failure to Sentry (a no-op unless sentry_init ran); returns the event id."""
    if not sentry_sdk.get_client().is_active():
        return None
    with sentry_sdk.new_scope() as scope:
        scope.fingerprint = [failure.fingerprint]
        scope.set_tag("noktvrn.source", failure.source)
        scope.set_tag("noktvrn.scope", failure.scope)
        if failure.run_id is not None:
            scope.set_tag("noktvrn.run", str(failure.run_id))
        if failure.exc is not None:
            return sentry_sdk.capture_exception(failure.exc)
        return sentry_sdk.capture_message(f"{failure.exception_type}: {failure.message}", level="error")


def sentry_fingerprint_current(*, failure: Failure) -> None:
    """Put the failure's fingerprint on the current scope, for an event an integration is about to send."""
    if sentry_sdk.get_client().is_active():
        sentry_sdk.get_current_scope().fingerprint = [failure.fingerprint]
