"""The run state machine: every allowed transition works, every other one is refused."""

from __future__ import annotations

import itertools

import pytest

from generation.models import RunStatus, RunTransition
from generation.services.state import ALLOWED_TRANSITIONS, InvalidTransition, run_transition
from kernel.errors import NotFoundError
from tests.factories import RunFactory, UserFactory

ALL_PAIRS = list(itertools.product(RunStatus.values, RunStatus.values))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED_TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED_TRANSITIONS[a]]


def test_lifecycle_matches_architecture():
    assert ALLOWED_TRANSITIONS[RunStatus.PENDING] == {RunStatus.GENERATING, RunStatus.FAILED}
    assert ALLOWED_TRANSITIONS[RunStatus.AWAITING_REVIEW] == {
        RunStatus.APPROVED,
        RunStatus.REJECTED,
        RunStatus.EXPIRED,
    }
    assert ALLOWED_TRANSITIONS[RunStatus.RELEASE_FAILED] == {RunStatus.RELEASING}
    for terminal in (RunStatus.FAILED, RunStatus.REJECTED, RunStatus.EXPIRED, RunStatus.RELEASED):
        assert ALLOWED_TRANSITIONS[terminal] == frozenset()


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
