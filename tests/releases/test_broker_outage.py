"""Fault: the broker is down while a reviewer approves. The release is made once it is back.

The approval and its hand-over to the release job commit together (the task outbox), so
an outage only delays the job; and if the broker loses or drops the job after taking it,
the stuck-run sweep notices the approved run with no release and hands it over again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from generation.models import GenerationRun, RunStatus
from generation.services.pipeline import runs_recover_stuck
from generation.services.review import run_approve
from kernel.models import TaskOutbox
from kernel.tasks import drain_outbox
from releases.models import Release
from tests.releases.test_tasks import _run_made_by_local_providers

pytestmark = pytest.mark.django_db


def test_approval_while_the_broker_is_down_is_released_once_it_is_back(
    broker, reviewer, settings, tmp_path, django_capture_on_commit_callbacks
):
    run = _run_made_by_local_providers(tmp_path, settings)
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        decision = run_approve(run=run, actor=reviewer, comment="ship it")

    # The decision stands; the job waits in the outbox with the broker's error.
    assert decision.decision == "approved"
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED and not Release.objects.filter(run=run).exists()
    handover = TaskOutbox.objects.get(key=f"package-release-{run.pk}")
    assert handover.sent_at is None and handover.attempts == 1
    assert "Error" in handover.last_error and "6379" not in handover.last_error

    # Still down at the next sweep: nothing is lost, the attempt is counted.
    TaskOutbox.objects.update(available_at=timezone.now())
    drain_outbox()
    handover.refresh_from_db()
    assert handover.sent_at is None and handover.attempts == 2

    broker.up()
    TaskOutbox.objects.update(available_at=timezone.now())  # the backoff has passed
    with django_capture_on_commit_callbacks(execute=True):
        assert drain_outbox()["sent"] == 1

    run.refresh_from_db()
    release = Release.objects.get(run=run)
    assert release.status == Release.Status.DELIVERED and run.status == RunStatus.RELEASED
    assert not TaskOutbox.objects.filter(sent_at__isnull=True).exists()


def test_an_approved_run_whose_job_the_broker_lost_is_swept_into_a_release(
    reviewer, settings, tmp_path, django_capture_on_commit_callbacks
):
    run = _run_made_by_local_providers(tmp_path, settings)
    run_approve(run=run, actor=reviewer)  # after-commit never runs here: the job is as good as lost
    handover = TaskOutbox.objects.get(key=f"package-release-{run.pk}")
    long_ago = timezone.now() - timedelta(minutes=settings.STUCK_SWEEP_MINUTES + 1)
    # The broker took the job ten minutes ago and lost it (a Redis restart, a task signed with another key).
    TaskOutbox.objects.filter(pk=handover.pk).update(sent_at=long_ago)
    GenerationRun.objects.filter(pk=run.pk).update(status_changed_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert runs_recover_stuck()["releases"] == 1

    run.refresh_from_db()
    assert run.status == RunStatus.RELEASED
    assert Release.objects.get(run=run).status == Release.Status.DELIVERED
    # A second sweep finds nothing to do.
    assert runs_recover_stuck()["releases"] == 0


def test_a_recently_approved_run_is_left_to_its_job(reviewer, settings, tmp_path):
    run = _run_made_by_local_providers(tmp_path, settings)
    run_approve(run=run, actor=reviewer)
    GenerationRun.objects.filter(pk=run.pk).update(status_changed_at=timezone.now() - timedelta(hours=1))
    # Its hand-over is still waiting for the broker: the sweep does not add another.
    assert runs_recover_stuck()["releases"] == 0
    assert TaskOutbox.objects.filter(key=f"package-release-{run.pk}").count() == 1
