"""Batch pages: access control, the stage grid, the live progress feed, bounded queries."""

from __future__ import annotations

import pytest
from django.utils import timezone

from generation.models import RunStage, RunStatus
from tests.factories import BatchFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    batch = BatchFactory(size=3)
    now = timezone.now()
    for status in (RunStatus.AWAITING_REVIEW, RunStatus.GENERATING, RunStatus.FAILED):
        run = RunFactory(batch=batch, status=status, error="generate_track: boom" if status == "failed" else "")
        RunStage.objects.create(run=run, name="select_artist", outcome="succeeded", started_at=now, finished_at=now)
        RunStage.objects.create(run=run, name="adapt_parameters", outcome="succeeded", started_at=now, duration_ms=12)
        if status == RunStatus.FAILED:
            RunStage.objects.create(run=run, name="write_prompts", outcome="failed", started_at=now, error="boom")
    return batch


def test_anonymous_is_sent_to_login(client, batch):
    response = client.get(f"/batches/{batch.pk}/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_user_without_permission_is_refused(client, batch):
    client.force_login(UserFactory())
    assert client.get(f"/batches/{batch.pk}/").status_code == 403
    assert client.get(f"/batches/{batch.pk}/progress.json").status_code == 403


def test_detail_and_progress(client, batch):
    client.force_login(UserFactory(groups=["Operators"]))
    page = client.get(f"/batches/{batch.pk}/")
    assert page.status_code == 200
    assert b"Batch #" in page.content and b"initial-progress" in page.content
    data = client.get(f"/batches/{batch.pk}/progress.json").json()
    assert data["status"] == "running"
    assert len(data["runs"]) == 3
    failed = next(run for run in data["runs"] if run["status"] == "failed")
    outcomes = {stage["name"]: stage["outcome"] for stage in failed["stages"]}
    assert outcomes["write_prompts"] == "failed"
    assert outcomes["generate_track"] == "waiting"
    assert 0 < data["progress"] < 1


def test_unknown_batch_is_404(client):
    client.force_login(UserFactory(groups=["Operators"]))
    assert client.get("/batches/99999/").status_code == 404
    assert client.get("/batches/99999/progress.json").status_code == 404


def test_pages_query_count_is_bounded(client, django_assert_max_num_queries):
    batch = BatchFactory(size=50)
    now = timezone.now()
    for _ in range(50):
        run = RunFactory(batch=batch, status=RunStatus.GENERATING)
        RunStage.objects.create(run=run, name="select_artist", outcome="succeeded", started_at=now)
    BatchFactory.create_batch(49)
    client.force_login(UserFactory(groups=["Reviewers"]))
    with django_assert_max_num_queries(10):
        assert client.get(f"/batches/{batch.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"/batches/{batch.pk}/progress.json").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/batches/").status_code == 200
