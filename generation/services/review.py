"""One service decides on runs for every channel: browser, API, admin, Telegram, autopilot."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from generation.models import Channel, GenerationRun, ReviewDecision, RunStatus
from generation.services.state import AlreadyDecided, InvalidTransition, run_transition


def _already_decided_error(run_id: int) -> AlreadyDecided | None:
    decision = ReviewDecision.objects.select_related("actor").filter(run_id=run_id).first()
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


def run_decide(
    *,
    run: GenerationRun | int,
    decision: str,
    actor: AbstractBaseUser | None,
    channel: str,
    comment: str = "",
    actor_label: str = "",
) -> ReviewDecision:
    """Record the single decision on a run awaiting review.

    The conditional status update is the arbiter: whoever moves the run out of
    awaiting_review first owns the decision; everyone else gets AlreadyDecided.
    """
    run_id = run if isinstance(run, int) else run.pk
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
    except InvalidTransition as exc:
        already = _already_decided_error(run_id)
        if already is not None:
            raise already from exc
        raise
    return record


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


def run_reject(
    *,
    run: GenerationRun | int,
    actor: AbstractBaseUser | None,
    channel: str = Channel.WEB,
    comment: str = "",
    actor_label: str = "",
) -> ReviewDecision:
    return run_decide(
        run=run,
        decision=ReviewDecision.Decision.REJECTED,
        actor=actor,
        channel=channel,
        comment=comment,
        actor_label=actor_label,
    )
