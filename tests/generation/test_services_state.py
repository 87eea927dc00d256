"""The run state machine: every allowed transition works, every other one is refused."""

from __future__ import annotations

import itertools

import pytest

from generation.models import RunStatus, RunTransition
from generation.services.state import ALLOWED_TRANSITIONS, InvalidTransition, run_transition
from kernel.errors import NotFoundError
from tests.factories import RunFactory, UserFactory

# The lifecycle of docs/architecture.md written out by hand, independently of the code under
# test: a transition added to ALLOWED_TRANSITIONS by mistake fails here until this table agrees.
STATUSES = [
    "pending",
    "generating",
    "awaiting_review",
    "approved",
    "rejected",
    "expired",
    "failed",
    "releasing",
    "released",
    "release_failed",
]
EXPECTED_ALLOWED = {
    ("pending", "generating"),
    ("pending", "failed"),
    ("generating", "awaiting_review"),
    ("generating", "failed"),
    ("awaiting_review", "approved"),
    ("awaiting_review", "rejected"),
    ("awaiting_review", "expired"),
    ("approved", "releasing"),
    # A decision undone within REVIEW_UNDO_SECONDS (generation.services.review.run_undo_decision).
    ("approved", "awaiting_review"),
    ("rejected", "awaiting_review"),
    ("releasing", "released"),
    ("releasing", "release_failed"),
    ("release_failed", "releasing"),
}
ALL_PAIRS = list(itertools.product(STATUSES, STATUSES))
ALLOWED = sorted(EXPECTED_ALLOWED)
REFUSED = [pair for pair in ALL_PAIRS if pair not in EXPECTED_ALLOWED]


def test_the_statuses_are_the_documented_ones():
    assert sorted(RunStatus.values) == sorted(STATUSES)


def test_the_code_allows_exactly_the_documented_transitions():
    from_code = {(a, b) for a in ALLOWED_TRANSITIONS for b in ALLOWED_TRANSITIONS[a]}
    assert from_code == EXPECTED_ALLOWED


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_is_applied_and_recorded(from_status, to_status):
    run = RunFactory(status=from_status)
    actor = UserFactory()
    updated = run_transition(
        run=run, from_status=from_status, to_status=to_status, actor=actor, channel="api", reason="why"
    )
    assert updated.status == to_status
    assert updated.status_changed_at is not None
    record = RunTransition.objects.get(run=run)
    assert (record.from_status, record.to_status, record.actor, record.channel, record.reason) == (
        from_status,
        to_status,
        actor,
        "api",
        "why",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_refused_transition_changes_nothing(from_status, to_status):
    run = RunFactory(status=from_status)
    with pytest.raises(InvalidTransition):
        run_transition(run=run, from_status=from_status, to_status=to_status)
    run.refresh_from_db()
    assert run.status == from_status
    assert not RunTransition.objects.exists()


@pytest.mark.django_db
def test_transition_from_a_stale_status_is_refused():
    run = RunFactory(status=RunStatus.GENERATING)
    with pytest.raises(InvalidTransition, match="is generating, not pending"):
        run_transition(run=run, from_status=RunStatus.PENDING, to_status=RunStatus.GENERATING)
    run.refresh_from_db()
    assert run.status == RunStatus.GENERATING


@pytest.mark.django_db
def test_transition_of_unknown_run_is_not_found():
    with pytest.raises(NotFoundError):
        run_transition(run=987654, from_status=RunStatus.PENDING, to_status=RunStatus.GENERATING)
