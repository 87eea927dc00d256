"""The review sweep: autopilot approvals and expiry of runs nobody decided on in time.

A run awaiting review longer than REVIEW_TTL_HOURS becomes `expired` — not rejected: no one
judged it, and the dashboards count it apart. Runs of artists on autopilot (including runs
that were waiting when the flag was switched on) are approved by the system instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from generation.models import Channel, GenerationRun, RunStatus
from generation.services.events import event_emit
from generation.services.review import run_after_outcome, run_autopilot_approve, run_event_payload
from generation.services.state import AlreadyDecided, InvalidTransition, run_transition

logger = logging.getLogger(__name__)


def run_expire(*, run_id: int) -> bool:
    """Expire one run awaiting review; False when it was decided in the meantime."""
    hours = settings.REVIEW_TTL_HOURS
    try:
        with transaction.atomic():
            run = run_transition(
                run=run_id,
                from_status=RunStatus.AWAITING_REVIEW,
                to_status=RunStatus.EXPIRED,
                actor_label="expiry",
                channel=Channel.SYSTEM,
                reason=f"No decision within {hours:g} h.",
            )
            run = GenerationRun.objects.select_related("artist").get(pk=run.pk)
            event_emit(name="run.expired", payload=run_event_payload(run), key=f"run.expired:{run_id}")
            run_after_outcome(run_id=run_id)
    except InvalidTransition:
        return False
    return True


def runs_expire(*, now: datetime | None = None) -> int:
    """Expire every run that has awaited review longer than REVIEW_TTL_HOURS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.REVIEW_TTL_HOURS)
    stale = GenerationRun.objects.filter(status=RunStatus.AWAITING_REVIEW, artist__autopilot=False).filter(
        Q(status_changed_at__lt=cutoff) | Q(status_changed_at__isnull=True, created_at__lt=cutoff)
    )
    expired = sum(run_expire(run_id=run_id) for run_id in stale.values_list("pk", flat=True))
    if expired:
        logger.info("Expired %s run(s) awaiting review for more than %s h.", expired, settings.REVIEW_TTL_HOURS)
    return expired


def runs_autopilot_approve() -> int:
    """Approve, as the system, every run awaiting review whose artist is on autopilot."""
    approved = 0
    waiting = GenerationRun.objects.filter(status=RunStatus.AWAITING_REVIEW, artist__autopilot=True)
    for run_id in waiting.values_list("pk", flat=True):
        try:
            run_autopilot_approve(run=run_id)
            approved += 1
        except (AlreadyDecided, InvalidTransition):
            continue
    return approved


def runs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The scheduled sweep: autopilot approvals first, then expiry."""
    return {"approved": runs_autopilot_approve(), "expired": runs_expire(now=now)}
