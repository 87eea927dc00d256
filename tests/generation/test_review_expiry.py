"""The review sweep: expiry after REVIEW_TTL_HOURS (not rejection) and autopilot approvals."""

# ruff: noqa: F811 (fixtures imported from review_support are redefined as test arguments)

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from generation.models import EventDelivery, ReviewDecision, RunStatus, RunTransition, WebhookEndpoint
from generation.services.expiry import run_expire, runs_expire
from generation.services.review import run_approve
from generation.tasks import sweep_reviews
from tests.factories import ArtistFactory, RunFactory, UserFactory
from tests.generation.review_support import queued_tasks  # noqa: F401

pytestmark = pytest.mark.django_db


def waiting(hours: float, **kwargs):
    return RunFactory(
        status=RunStatus.AWAITING_REVIEW, status_changed_at=timezone.now() - timedelta(hours=hours), **kwargs
    )


def test_runs_waiting_longer_than_the_ttl_expire(settings):
    settings.REVIEW_TTL_HOURS = 24
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/")
    stale, fresh = waiting(25), waiting(23)

    assert runs_expire() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == RunStatus.EXPIRED and fresh.status == RunStatus.AWAITING_REVIEW
    assert not ReviewDecision.objects.filter(run=stale).exists()  # expired, not rejected
    transition = RunTransition.objects.get(run=stale)
    assert (transition.to_status, transition.channel, transition.reason) == (
        "expired",
        "system",
        "No decision within 24 h.",
    )
    event = EventDelivery.objects.get(name="run.expired")
    assert event.body["data"]["run"]["id"] == stale.pk
    assert runs_expire() == 0  # idempotent


def test_a_run_decided_meanwhile_is_not_expired():
    run = waiting(1000)
    run_approve(run=run, actor=UserFactory(), channel="web")
    assert run_expire(run_id=run.pk) is False
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED


def test_the_sweep_approves_autopilot_artists_as_the_system(queued_tasks, django_capture_on_commit_callbacks):
    pilot = ArtistFactory(autopilot=True)
    on_autopilot = waiting(1000, artist=pilot)
    stale = waiting(1000)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_reviews() == {"approved": 1, "expired": 1}
    decision = ReviewDecision.objects.get(run=on_autopilot)
    assert (decision.decision, decision.channel, decision.actor, decision.actor_label) == (
        "approved",
        "system",
        None,
        "autopilot",
    )
    stale.refresh_from_db()
    assert stale.status == RunStatus.EXPIRED
    assert ("releases.tasks.package_release", (on_autopilot.pk,)) in queued_tasks


def test_expired_runs_are_counted_on_the_queue_page(reviewer):
    from django.test import Client

    waiting(1000)
    runs_expire()
    client = Client()
    client.force_login(reviewer)
    response = client.get("/review/")
    assert response.context["counts"]["expired"] == 1
    assert "1 expired" in response.content.decode()


def test_the_sweep_is_scheduled(settings):
    schedule = Schedule.objects.get(func="generation.tasks.sweep_reviews")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.repeats == -1
    assert schedule.minutes == settings.REVIEW_SWEEP_MINUTES
