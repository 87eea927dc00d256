"""Error groups: every reported failure is counted in the group of its fingerprint.

Fed by `kernel.monitoring.failure_reported` (stages, deliveries, LLM providers, events) and by
Django's `got_request_exception` (unhandled errors in views).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from generation.models import GenerationRun
from kernel.monitoring import Failure
from monitoring.models import ErrorGroup, ErrorOccurrence
from monitoring.services import sentry

logger = logging.getLogger(__name__)


def _run_id_of(failure: Failure) -> int | None:
    if failure.run_id is not None:
        return failure.run_id
    subject = failure.subject
    if isinstance(subject, GenerationRun):
        return subject.pk
    # A release, a track or a video names its run; the LLM layer names whatever the caller gave it.
    return getattr(subject, "run_id", None)


def _subject_label(subject: Any) -> str:
    if subject is None or getattr(subject, "pk", None) is None:
        return ""
    return f"{subject._meta.label_lower}:{subject.pk}"


def error_record(*, failure: Failure) -> ErrorOccurrence:
    """Count one failure in its group (created on first sight) and keep the occurrence."""
    now = timezone.now()
    fingerprint = failure.fingerprint
    run_id = _run_id_of(failure)
    if run_id is not None and not GenerationRun.objects.filter(pk=run_id).exists():
        run_id = None
    # A savepoint: a failure recorded inside a caller's transaction must never poison it.
    with transaction.atomic():
        updated = ErrorGroup.objects.filter(fingerprint=fingerprint).update(
            count=F("count") + 1, last_seen=now, last_message=failure.message[:5000]
        )
        if not updated:
            try:
                with transaction.atomic():
                    ErrorGroup.objects.create(
                        fingerprint=fingerprint,
                        source=failure.source[:20],
                        scope=failure.scope[:100],
                        exception_type=failure.exception_type[:150],
                        message=failure.normalised,
                        last_message=failure.message[:5000],
                        count=1,
                        first_seen=now,
                        last_seen=now,
                    )
            except IntegrityError:  # another process created the group first: count ours in it
                ErrorGroup.objects.filter(fingerprint=fingerprint).update(
                    count=F("count") + 1, last_seen=now, last_message=failure.message[:5000]
                )
        group = ErrorGroup.objects.only("pk").get(fingerprint=fingerprint)
        occurrence = ErrorOccurrence.objects.create(
            group=group,
            run_id=run_id,
            subject=_subject_label(failure.subject),
            message=failure.message[:5000],
            created_at=now,
        )
    return occurrence


def on_failure_reported(sender: Any, failure: Failure, **kwargs: Any) -> None:
    """Receiver of kernel.monitoring.failure_reported: group it, and send it to Sentry when configured."""
    error_record(failure=failure)
    sentry.sentry_capture(failure=failure)


def on_request_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
    """An unhandled exception in a view: grouped under the view's name.

    Sentry's Django integration reports the exception itself (its receiver runs after this
    one); the fingerprint set on the current scope here makes its event join the same group.
    """
    exc = sys.exc_info()[1]
    if exc is None:
        return
    match = getattr(request, "resolver_match", None)
    scope = (match.view_name if match else "") or getattr(request, "path", "")[:100] or "request"
    failure = Failure(source="request", scope=scope, exception_type=type(exc).__name__, message=str(exc), exc=exc)
    sentry.sentry_fingerprint_current(failure=failure)
    try:
        error_record(failure=failure)
    except Exception:  # the error page must still be served when the database is the problem
        logger.exception("Could not record the request failure")
