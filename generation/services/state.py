"""The run state machine: every transition is one conditional UPDATE, recorded.

`UPDATE run SET status = <to> WHERE id = <id> AND status = <from>` is atomic on SQLite
and PostgreSQL alike: of two callers racing for the same transition exactly one sees a
row updated; the other is told what happened instead.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from generation.models import Channel, GenerationRun, RunStatus, RunTransition
from kernel.errors import ConflictError, NotFoundError

S = RunStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.GENERATING, S.FAILED}),
    S.GENERATING: frozenset({S.AWAITING_REVIEW, S.FAILED}),
    S.AWAITING_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.EXPIRED}),
    # Back to awaiting_review: a decision undone within REVIEW_UNDO_SECONDS (run_undo_decision).
    S.APPROVED: frozenset({S.RELEASING, S.AWAITING_REVIEW}),
    S.RELEASING: frozenset({S.RELEASED, S.RELEASE_FAILED}),
    S.RELEASE_FAILED: frozenset({S.RELEASING}),
    S.FAILED: frozenset(),
    S.REJECTED: frozenset({S.AWAITING_REVIEW}),
    S.EXPIRED: frozenset(),
    S.RELEASED: frozenset(),
}
DECIDED_STATUSES = frozenset({S.APPROVED, S.REJECTED, S.RELEASING, S.RELEASED, S.RELEASE_FAILED})


class InvalidTransition(ConflictError):
    code = "invalid_transition"


class AlreadyDecided(ConflictError):
    code = "already_decided"


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


@transaction.atomic
def run_transition(
    *,
    run: GenerationRun | int,
    from_status: str,
    to_status: str,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    channel: str = Channel.SYSTEM,
    reason: str = "",
) -> GenerationRun:
    """Move a run from `from_status` to `to_status`, or raise without changing anything."""
    run_id = run if isinstance(run, int) else run.pk
    if not transition_allowed(from_status, to_status):
        raise InvalidTransition(
            f"A run cannot go from {from_status} to {to_status}.",
            {"from": from_status, "to": to_status},
        )
    now = timezone.now()
    updated = GenerationRun.objects.filter(pk=run_id, status=from_status).update(
        status=to_status, status_changed_at=now, updated_at=now
    )
    if not updated:
        current = GenerationRun.objects.filter(pk=run_id).values_list("status", flat=True).first()
        if current is None:
            raise NotFoundError(f"Run {run_id} does not exist.")
        raise InvalidTransition(
            f"Run {run_id} is {current}, not {from_status}; it cannot become {to_status}.",
            {"run": run_id, "status": current, "from": from_status, "to": to_status},
        )
    RunTransition.objects.create(
        run_id=run_id,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label,
        channel=channel,
        reason=reason,
    )
    return GenerationRun.objects.get(pk=run_id)
