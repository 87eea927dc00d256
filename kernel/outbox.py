"""Hand work to the django-q workers through the database, so a broker outage loses nothing.

`outbox_enqueue` writes a `TaskOutbox` row inside the caller's transaction (the same one
that changes the state the task acts on) and asks for a drain once it commits. The drain
pushes rows to the broker; a row the broker refused stays, with its error and a backoff,
until the scheduled sweep (`kernel.tasks.drain_outbox`) gets it through. A task may thus
arrive twice (a drain that crashed between the broker and the database), so every task
handed over this way is idempotent (status guards, unique claims).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kernel.models import TaskOutbox

logger = logging.getLogger("kernel.outbox")

# How long a drainer owns a row while it talks to the broker (a crashed drainer's rows return after it).
CLAIM_SECONDS = 60
BACKOFF_MAX_SECONDS = 300


def outbox_enqueue(*, task: str, args: Iterable = (), task_name: str = "", key: str = "") -> TaskOutbox:
    """Record a hand-over in the current transaction; it reaches the broker after commit.

    With `key`, a hand-over still waiting under the same key is reused instead of doubled
    (the sweep and a reviewer may ask for the same job at once).
    """
    now = timezone.now()
    row = TaskOutbox(task=task, args=list(args), task_name=task_name[:200], key=key[:200], available_at=now)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        existing = TaskOutbox.objects.filter(key=row.key, sent_at__isnull=True).first()
        if existing is None:  # sent between our insert and this read: record a fresh one
            row.save()
        else:
            return existing
    row_id = row.pk
    transaction.on_commit(lambda: outbox_drain(ids=[row_id]), robust=True)
    return row


def outbox_withdraw(*, key: str) -> int:
    """Forget a hand-over under `key` that has not reached the broker (its reason was taken back).

    Written in the caller's transaction, like the enqueue. A row a drainer is sending right now
    may still arrive: the tasks handed over this way check their state before acting.
    """
    deleted, _ = TaskOutbox.objects.filter(key=key[:200], sent_at__isnull=True).delete()
    if deleted:
        logger.info("Withdrew the waiting hand-over %s.", key)
    return deleted


def _claim(row_id: int, now) -> bool:
    return bool(
        TaskOutbox.objects.filter(pk=row_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )


def outbox_send(row: TaskOutbox) -> bool:
    """Push one claimed row to the broker; record the outcome. True when the broker took it."""
    from django_q.tasks import async_task

    try:
        async_task(row.task, *row.args, task_name=row.task_name or f"{row.task}-{row.pk}")
    except Exception as exc:  # any broker failure (connection, table missing, ...) keeps the row for later
        attempts = row.attempts + 1
        delay = min(BACKOFF_MAX_SECONDS, 2**attempts)
        TaskOutbox.objects.filter(pk=row.pk).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            available_at=timezone.now() + timedelta(seconds=delay),
            claimed_until=None,
        )
        log = logger.error if attempts == 1 else logger.warning
        log(
            "Broker refused %s%s (attempt %s): %s; kept in the outbox, retry in %ss.",
            row.task,
            tuple(row.args),
            attempts,
            exc,
            delay,
        )
        return False
    TaskOutbox.objects.filter(pk=row.pk).update(sent_at=timezone.now(), claimed_until=None, last_error="")
    return True


def outbox_drain(*, ids: Iterable[int] | None = None, limit: int | None = None) -> dict[str, int]:
    """Send waiting hand-overs to the broker, oldest first; stop at the first broker failure.

    `ids` limits the drain to rows just written (the after-commit path); the sweep drains
    everything due.
    """
    now = timezone.now()
    pending = TaskOutbox.objects.filter(sent_at__isnull=True)
    # The after-commit path sends its own rows at once; the sweep sends what is due.
    pending = pending.filter(pk__in=list(ids)) if ids is not None else pending.filter(available_at__lte=now)
    limit = limit or settings.OUTBOX_DRAIN_LIMIT
    sent = failed = 0
    for row in pending.order_by("id")[:limit]:
        if not _claim(row.pk, now):
            continue
        if outbox_send(row):
            sent += 1
        else:
            failed += 1
            break  # the broker is down: the rest would fail the same way
    return {"sent": sent, "failed": failed}


def outbox_purge(*, older_than_hours: int | None = None) -> int:
    """Forget hand-overs the broker took long ago (kept a while for the admin and for debugging)."""
    hours = settings.OUTBOX_RETENTION_HOURS if older_than_hours is None else older_than_hours
    deleted, _ = TaskOutbox.objects.filter(sent_at__lt=timezone.now() - timedelta(hours=hours)).delete()
    return deleted


def outbox_backlog() -> dict[str, object]:
    """How many hand-overs wait and since when (readiness and the back office read it)."""
    waiting = TaskOutbox.objects.filter(sent_at__isnull=True)
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    failing = waiting.filter(attempts__gt=0).count()
    return {"waiting": waiting.count(), "failing": failing, "oldest": oldest}


def outbox_handed_over(*, key: str, within: timedelta) -> bool:
    """Whether a hand-over with `key` is waiting or reached the broker within `within`.

    Sweeps use it to tell a job that is merely queued behind others from one the broker
    lost (or dropped: a task signed with another SECRET_KEY), which they hand over again.
    """
    since = timezone.now() - within
    return TaskOutbox.objects.filter(key=key).filter(Q(sent_at__isnull=True) | Q(sent_at__gte=since)).exists()
