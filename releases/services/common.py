"""Small pieces shared by packaging and delivery: checksums, job locks, events."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from generation.services.events import event_emit
from kernel.outbox import outbox_enqueue
from releases.models import Release

logger = logging.getLogger("releases")
_CHUNK = 1024 * 1024


def sha256_stream(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as stream:
        return sha256_stream(stream)


def release_lock(*, release: Release, statuses: list[str], to_status: str | None = None) -> bool:
    """Take the release for one job: a conditional UPDATE, so two jobs never hold it at once.

    It succeeds when the release is in one of `statuses` and nobody holds it, or the
    holder's lock expired (a worker that died mid-job).
    """
    now = timezone.now()
    changes: dict[str, Any] = {
        "locked_until": now + timedelta(seconds=settings.RELEASE_LOCK_SECONDS),
        "updated_at": now,
    }
    if to_status:
        changes["status"] = to_status
    taken = (
        Release.objects.filter(pk=release.pk, status__in=statuses)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(**changes)
    )
    if taken:
        release.refresh_from_db()
    return bool(taken)


def release_event(name: str, payload: dict, *, key: str) -> None:
    """Publish release.delivered / release.failed to the webhooks; `key` keeps a retried job from announcing twice."""
    event_emit(name=name, payload=payload, key=key)


def release_delivery_enqueue(*, release_id: int) -> None:
    """Hand a delivery job over through the outbox, in the caller's transaction (a broker outage only delays it)."""
    key = f"deliver-release-{release_id}"
    outbox_enqueue(task="releases.tasks.deliver_release", args=[release_id], task_name=key, key=key)
