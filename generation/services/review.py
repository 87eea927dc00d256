"""One service decides on runs for every channel: browser, API, admin, Telegram, autopilot.

After a decision commits: the release job is enqueued (approvals), the integration event is
sent, and the run's Telegram messages are edited to show the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from generation.models import Channel, GenerationRun, ReviewDecision, RunStatus
from generation.services.events import event_emit
from generation.services.state import AlreadyDecided, InvalidTransition, run_transition
from kernel.errors import ApplicationError, ConflictError, NotFoundError
from kernel.outbox import outbox_enqueue, outbox_withdraw

logger = logging.getLogger(__name__)

# Referenced by name: the releases app builds the job, review only enqueues it.
RELEASE_TASK = "releases.tasks.package_release"
CLOSE_TELEGRAM_TASK = "generation.tasks.close_telegram_messages"
REOPEN_TELEGRAM_TASK = "generation.tasks.reopen_telegram_messages"
AUTOPILOT_LABEL = "autopilot"


def run_event_payload(run: GenerationRun, decision: ReviewDecision | None = None) -> dict:
    """The `data` of run.* events: the run, its artist and, once decided, the decision."""
    from generation.telegram.notify import run_review_url

    payload = {
        "run": {
            "id": run.pk,
            "title": run.title,
            "status": run.status,
            "batch": run.batch_id,
            "variant": run.variant,
            "url": run_review_url(run),
        },
        "artist": {"id": run.artist_id, "slug": run.artist.slug, "name": run.artist.name},
    }
    if decision is not None:
        payload["decision"] = {
            "decision": decision.decision,
            "decided_by": decision.decided_by,
            "channel": decision.channel,
            "comment": decision.comment,
            "decided_at": decision.decided_at,
        }
    return payload


def run_after_outcome(*, run_id: int) -> None:
    """Hand over the edit of the run's Telegram messages with the outcome (sent once it commits)."""
    if settings.TELEGRAM_BOT_TOKEN:
        key = f"telegram-close-{run_id}"
        outbox_enqueue(task=CLOSE_TELEGRAM_TASK, args=[run_id], task_name=key, key=key)


def run_release_enqueue(*, run_id: int) -> None:
    """Hand the approved run to the release job (by task name: generation knows no releases code).

    Written in the caller's transaction, so the approval and its release job commit together
    and a broker outage only delays the job.
    """
    key = release_handover_key(run_id)
    outbox_enqueue(task=RELEASE_TASK, args=[run_id], task_name=key, key=key)


def release_handover_key(run_id: int) -> str:
    """The outbox key of a run's release job (the releases app uses the same one for a re-packaging)."""
    return f"package-release-{run_id}"


def _already_decided_error(run_id: int) -> AlreadyDecided | None:
    decision = ReviewDecision.objects.select_related("actor").filter(run_id=run_id, undone_at__isnull=True).first()
    if decision is None:
        return None
    return AlreadyDecided(
        f"Run {run_id} was already {decision.decision} by {decision.decided_by} via {decision.channel}.",
        {
            "run": run_id,
            "decision": decision.decision,
            "decided_by": decision.decided_by,
            "channel": decision.channel,
            "decided_at": decision.decided_at.isoformat(),
        },
    )


# One rule for every channel (API, browser form, Telegram): the decision's comment is short text.
COMMENT_MAX_CHARS = 2000


class InvalidComment(ApplicationError):
    code = "invalid_comment"


def review_comment_clean(comment: str) -> str:
    """The comment as stored: stripped, at most COMMENT_MAX_CHARS, no NUL characters."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise InvalidComment(
            f"The comment is {len(comment)} characters long; the limit is {COMMENT_MAX_CHARS}.",
            extra={"max_length": COMMENT_MAX_CHARS},
        )
    if "\x00" in comment:
        raise InvalidComment("The comment contains a NUL character.")
    return comment


def run_decide(
    *,
    run: GenerationRun | int,
    decision: str,
    actor: AbstractBaseUser | None,
    channel: str,
    comment: str = "",
    actor_label: str = "",
) -> ReviewDecision:
    """Record the decision on a run awaiting review; it becomes the run's effective decision.

    The conditional status update is the arbiter: whoever moves the run out of
    awaiting_review first owns the decision; everyone else gets AlreadyDecided. A run whose
    earlier decision was undone is decided again here, the undone one staying in its history.
    """
    run_id = run if isinstance(run, int) else run.pk
    comment = review_comment_clean(comment)
    if decision not in ReviewDecision.Decision.values:
        raise InvalidTransition(f"Unknown decision {decision!r}; use approved or rejected.")
    try:
        with transaction.atomic():
            run_transition(
                run=run_id,
                from_status=RunStatus.AWAITING_REVIEW,
                to_status=decision,
                actor=actor,
                actor_label=actor_label,
                channel=channel,
                reason=comment,
            )
            record = ReviewDecision.objects.create(
                run_id=run_id,
                decision=decision,
                actor=actor if actor is not None and actor.is_authenticated else None,
                actor_label=actor_label,
                channel=channel,
                comment=comment,
            )
            GenerationRun.objects.filter(pk=run_id).update(decision=record)
            run_obj = GenerationRun.objects.select_related("artist").get(pk=run_id)
            # Keyed by the decision, not the run: a run decided again after an undo is news again.
            event_emit(
                name=f"run.{decision}",
                payload=run_event_payload(run_obj, record),
                key=f"run.{decision}:{run_id}:{record.pk}",
            )
            if decision == ReviewDecision.Decision.APPROVED:
                run_release_enqueue(run_id=run_id)
            run_after_outcome(run_id=run_id)
    except InvalidTransition as exc:
        already = _already_decided_error(run_id)
        if already is not None:
            raise already from exc
        raise
    return record


class UndoWindowClosed(ConflictError):
    code = "undo_window_closed"


def review_undo_deadline(decision: ReviewDecision) -> datetime:
    return decision.decided_at + timedelta(seconds=settings.REVIEW_UNDO_SECONDS)


def run_undo_decision(
    *, run: GenerationRun | int, actor: AbstractBaseUser | None, channel: str, actor_label: str = ""
) -> GenerationRun:
    """Take back a decision made less than REVIEW_UNDO_SECONDS ago: the run awaits review again.

    The undo is recorded twice over, and nothing is deleted: on the decision (who undid it,
    when, through which channel) and as the run's transition from the decided status back to
    awaiting_review. The run stops pointing at the decision, so it no longer counts anywhere.
    An approval whose release job already started cannot be undone (the run is no longer
    `approved`); a release job still waiting in the outbox is withdrawn, and one the broker
    already holds finds the run awaiting review and does nothing (releases.tasks.package_release).
    """
    run_id = run if isinstance(run, int) else run.pk
    with transaction.atomic():
        decision = (
            ReviewDecision.objects.select_for_update(of=("self",))
            .select_related("actor")
            .filter(run_id=run_id, undone_at__isnull=True)
            .first()
        )
        if decision is None:
            current = GenerationRun.objects.filter(pk=run_id).values_list("status", flat=True).first()
            if current is None:
                raise NotFoundError(f"Run {run_id} does not exist.")
            raise InvalidTransition(f"Run {run_id} has no decision to undo; it is {current}.", {"status": current})
        deadline = review_undo_deadline(decision)
        now = timezone.now()
        if now > deadline:
            raise UndoWindowClosed(
                f"The {decision.decision} decision on run {run_id} can no longer be undone "
                f"(undo is possible for {settings.REVIEW_UNDO_SECONDS} s).",
                {"run": run_id, "decided_at": decision.decided_at.isoformat(), "deadline": deadline.isoformat()},
            )
        reason = f"Undo of {decision.decision} by {decision.decided_by} via {decision.channel}"
        if decision.comment:
            reason += f" ({decision.comment})"
        try:
            run_transition(
                run=run_id,
                from_status=decision.decision,
                to_status=RunStatus.AWAITING_REVIEW,
                actor=actor,
                actor_label=actor_label,
                channel=channel,
                reason=reason,
            )
        except InvalidTransition as exc:
            current = exc.extra.get("status", "")
            raise InvalidTransition(
                f"Run {run_id} is {current}: its release has started, so the approval can no longer be undone.",
                {"run": run_id, "status": current},
            ) from exc
        ReviewDecision.objects.filter(pk=decision.pk).update(
            undone_at=now,
            undone_actor=actor if actor is not None and actor.is_authenticated else None,
            undone_actor_label=actor_label,
            undone_channel=channel,
        )
        GenerationRun.objects.filter(pk=run_id).update(decision=None)
        if decision.decision == ReviewDecision.Decision.APPROVED:
            outbox_withdraw(key=release_handover_key(run_id))
        if settings.TELEGRAM_BOT_TOKEN:
            # Reviewers in Telegram can decide again: the closed messages get their buttons back.
            undoer = actor_label or (actor.get_username() if actor is not None and actor.is_authenticated else "system")
            note = f"↩️ {decision.get_decision_display()} undone by {undoer} via {channel}: awaiting review again"
            key = f"telegram-reopen-{run_id}-{decision.pk}"
            outbox_enqueue(task=REOPEN_TELEGRAM_TASK, args=[run_id, note], task_name=key, key=key)
        run_obj = GenerationRun.objects.select_related("artist").get(pk=run_id)
        # Integrations hear that the run awaits review again, with what was undone.
        event_emit(
            name="run.awaiting_review",
            payload={**run_event_payload(run_obj), "undone": {"decision": decision.decision, "reason": reason}},
            key=f"run.awaiting_review:{run_id}:undo:{decision.pk}",
        )
    return run_obj


def review_undoable(*, actor: AbstractBaseUser) -> ReviewDecision | None:
    """The actor's latest decision still inside the undo window, for the "Undo" bar (one query)."""
    if not actor.is_authenticated:
        return None
    since = timezone.now() - timedelta(seconds=settings.REVIEW_UNDO_SECONDS)
    return (
        ReviewDecision.objects.select_related("run")
        .filter(
            actor=actor,
            decided_at__gte=since,
            undone_at__isnull=True,
            run__status__in=(RunStatus.APPROVED, RunStatus.REJECTED),
        )
        .order_by("-decided_at")
        .first()
    )


@dataclass(frozen=True)
class BulkDecision:
    """What a bulk decision did: the runs decided, and why the others were refused."""

    decided: list[int]
    refused: list[str]


def runs_decide(
    *,
    runs: Iterable[int],
    decision: str,
    actor: AbstractBaseUser | None,
    channel: str,
    comment: str = "",
) -> BulkDecision:
    """One decision for several runs, each decided on its own (another reviewer may have taken one)."""
    decided: list[int] = []
    refused: list[str] = []
    for run_id in dict.fromkeys(runs):
        try:
            run_decide(run=run_id, decision=decision, actor=actor, channel=channel, comment=comment)
        except ApplicationError as exc:
            refused.append(exc.message)
        else:
            decided.append(run_id)
    return BulkDecision(decided=decided, refused=refused)


def run_approve(
    *,
    run: GenerationRun | int,
    actor: AbstractBaseUser | None,
    channel: str = Channel.WEB,
    comment: str = "",
    actor_label: str = "",
) -> ReviewDecision:
    return run_decide(
        run=run,
        decision=ReviewDecision.Decision.APPROVED,
        actor=actor,
        channel=channel,
        comment=comment,
        actor_label=actor_label,
    )


@dataclass
class NotifyOutcome:
    """What notifying reviewers did: autopilot decision, or Telegram messages and the event."""

    status: str
    decision: ReviewDecision | None = None
    telegram_sent: dict[int, int] = field(default_factory=dict)
    telegram_errors: dict[int, str] = field(default_factory=dict)


def run_autopilot_approve(*, run: GenerationRun | int) -> ReviewDecision:
    """Approve on behalf of the system, for artists on autopilot; recorded as such."""
    return run_approve(
        run=run,
        actor=None,
        channel=Channel.SYSTEM,
        actor_label=AUTOPILOT_LABEL,
        comment="Approved automatically: the artist is on autopilot.",
    )


def run_notify_reviewers(*, run: GenerationRun | int) -> NotifyOutcome:
    """Put a run awaiting review in front of reviewers, or approve it when its artist is on autopilot.

    Sends the Telegram notification to every configured chat (a no-op with a log line when
    Telegram is off; the browser queue always shows the run) and emits `run.awaiting_review`.
    Safe to call twice: chats that already have the run and the event are skipped.
    Telegram failures are reported in the outcome, not raised: the run stays reviewable in
    the browser.
    """
    from generation.telegram.notify import telegram_notify

    run_id = run if isinstance(run, int) else run.pk
    run = GenerationRun.objects.select_related("artist", "batch", "track", "track__features").get(pk=run_id)
    if run.status != RunStatus.AWAITING_REVIEW:
        logger.info("Run %s is %s, not awaiting review; reviewers not notified.", run.pk, run.status)
        return NotifyOutcome(status="skipped")
    if run.artist.autopilot:
        try:
            return NotifyOutcome(status="autopilot", decision=run_autopilot_approve(run=run.pk))
        except AlreadyDecided:
            return NotifyOutcome(status="skipped")
    with transaction.atomic():
        event_emit(name="run.awaiting_review", payload=run_event_payload(run), key=f"run.awaiting_review:{run.pk}")
    sent = telegram_notify(run=run)
    return NotifyOutcome(status="notified", telegram_sent=sent.sent, telegram_errors=sent.errors)
