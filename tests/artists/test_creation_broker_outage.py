"""Fault: the broker is down while an operator asks for a new artist. The job completes once it is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from artists.creation import creation_reports_recover
from artists.models import Artist, CreationReport
from kernel.models import TaskOutbox
from kernel.tasks import drain_outbox
from tests.llm.fixtures import fast_llm  # noqa: F401  (autouse: local-only chains, tiny timeouts)

pytestmark = pytest.mark.django_db


def test_artist_generation_while_the_broker_is_down_completes_once_it_is_back(
    broker, operator_client, django_capture_on_commit_callbacks
):
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            "/api/v1/artists/generate/", {"brief": "dark synthwave duo from Berlin"}, format="json"
        )
    assert response.status_code == 202
    job = response.json()["job"]
    assert operator_client.get(job["url"]).json()["status"] == "running"
    handover = TaskOutbox.objects.get(key=f"create-artist-{job['id']}")
    assert handover.sent_at is None and handover.attempts == 1

    broker.up()
    TaskOutbox.objects.update(available_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert drain_outbox()["sent"] == 1

    done = operator_client.get(job["url"]).json()
    assert done["status"] == "succeeded"
    assert Artist.objects.filter(pk=done["artist"]["id"]).exists()


def test_a_creation_no_worker_took_is_handed_over_again_and_completes(
    operator_client, settings, django_capture_on_commit_callbacks
):
    response = operator_client.post("/api/v1/artists/generate/", {"brief": "lo-fi piano from Lisbon"}, format="json")
    report = CreationReport.objects.get(pk=response.json()["job"]["id"])
    long_ago = timezone.now() - timedelta(minutes=settings.STUCK_SWEEP_MINUTES + 1)
    CreationReport.objects.filter(pk=report.pk).update(created_at=long_ago)
    TaskOutbox.objects.filter(key=f"create-artist-{report.pk}").update(sent_at=long_ago)  # the broker lost it

    with django_capture_on_commit_callbacks(execute=True):
        assert creation_reports_recover() == {"requeued": 1, "failed": 0}

    report.refresh_from_db()
    assert report.outcome == CreationReport.Outcome.SUCCEEDED and report.artist_id
    assert report.options["attempts"] == 1


def test_a_creation_whose_worker_died_is_failed_with_the_reason(operator_client, settings):
    response = operator_client.post("/api/v1/artists/generate/", {"brief": "lo-fi piano from Lisbon"}, format="json")
    report = CreationReport.objects.get(pk=response.json()["job"]["id"])
    long_ago = timezone.now() - timedelta(hours=2)
    CreationReport.objects.filter(pk=report.pk).update(
        created_at=long_ago, options={**report.options, "started_at": long_ago.isoformat()}
    )
    assert creation_reports_recover() == {"requeued": 0, "failed": 1}
    report.refresh_from_db()
    assert report.outcome == CreationReport.Outcome.FAILED and "worker lost" in report.error
    assert operator_client.get(f"/api/v1/artist-creations/{report.pk}/").json()["status"] == "failed"
