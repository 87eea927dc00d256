"""Racing decisions: however many reviewers act at once, a run gets exactly one decision."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from generation.models import ReviewDecision, RunStatus, RunTransition
from generation.services.review import run_decide
from generation.services.state import AlreadyDecided
from tests.factories import RunFactory, UserFactory


def _race(run_id: int, attempts: list[tuple[str, object, str]]) -> tuple[list, list]:
    barrier = threading.Barrier(len(attempts))
    wins, losses = [], []

    def decide(decision: str, actor, channel: str) -> None:
        try:
            barrier.wait(timeout=10)
            wins.append(run_decide(run=run_id, decision=decision, actor=actor, channel=channel))
        except AlreadyDecided as exc:
            losses.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return wins, losses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("contenders", [2, 6])
def test_concurrent_approvals_yield_one_decision(contenders):
    run = RunFactory(status=RunStatus.AWAITING_REVIEW)
    users = [UserFactory() for _ in range(contenders)]
    channels = ["web", "api", "telegram"]
    attempts = [("approved" if i % 2 == 0 else "rejected", users[i], channels[i % 3]) for i in range(contenders)]
    wins, losses = _race(run.pk, attempts)
    assert len(wins) == 1
    assert len(losses) == contenders - 1
    decision = ReviewDecision.objects.get(run=run)
    # An approval goes on to the release job, so look at the decision's own transition.
    decided = RunTransition.objects.filter(run=run, from_status=RunStatus.AWAITING_REVIEW)
    assert [t.to_status for t in decided] == [decision.decision]
    for loss in losses:
        assert f"already {decision.decision} by {decision.actor.username}" in loss.message


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_on_the_embedded_database():
    """The same guarantee on SQLite (IMMEDIATE transactions serialise the writers)."""
    if connection.vendor != "sqlite" or connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("needs a file-backed SQLite database shared by threads")
    run = RunFactory(status=RunStatus.AWAITING_REVIEW)
    wins, losses = _race(run.pk, [("approved", UserFactory(), "web"), ("approved", UserFactory(), "api")])
    assert len(wins) == 1 and len(losses) == 1
    assert ReviewDecision.objects.filter(run=run).count() == 1
