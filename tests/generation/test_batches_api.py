"""Batches from the API and the batches page: one service starts them, progress is readable."""

from __future__ import annotations

import pytest
from django.utils import timezone

from generation.models import Batch, Channel, RunStage, RunStatus
from tests.factories import ArtistFactory, BatchFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_and_reviewer_cannot_start(api_client, reviewer_client):
    assert api_client.post("/api/v1/batches/", {"size": 1}).status_code == 401
    assert reviewer_client.post("/api/v1/batches/", {"size": 1}).status_code == 403
    assert reviewer_client.get("/api/v1/batches/").status_code == 200
    assert not Batch.objects.exists()


def test_operator_starts_a_batch_for_one_artist(operator_client, operator):
    artist = ArtistFactory(slug="night-drive")
    response = operator_client.post("/api/v1/batches/", {"size": 2, "artist": "night-drive"})
    assert response.status_code == 201, response.content
    body = response.json()
    batch = Batch.objects.get(pk=body["id"])
    assert (batch.size, batch.channel, batch.requested_by) == (2, Channel.API, operator)
    assert body["status"] == "running"
    assert body["runs_total"] == 2 and body["runs_done"] == 0
    assert body["counts"]["pending"] == 2
    assert {run["artist"] for run in body["runs"]} == {artist.name}
    assert [stage["outcome"] for stage in body["runs"][0]["stages"]][:2] == ["succeeded", "waiting"]


def test_automatic_selection_spreads_over_artists(operator_client, settings):
    settings.MIN_ACTIVE_ARTISTS = 0
    ArtistFactory.create_batch(3)
    body = operator_client.post("/api/v1/batches/", {"size": 3}).json()
    assert len({run["artist"] for run in body["runs"]}) == 3


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"size": 0}, 400, "size"),
        ({"size": 101}, 400, "size"),
        ({"size": "many"}, 400, "size"),
        ({"size": 1, "artist": "nobody"}, 404, "code"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(operator_client, payload, status, field):
    response = operator_client.post("/api/v1/batches/", payload)
    assert response.status_code == status
    assert field in response.json()
    assert not Batch.objects.exists()


def test_paused_artist_is_a_conflict(operator_client):
    ArtistFactory(slug="resting", status="paused")
    response = operator_client.post("/api/v1/batches/", {"size": 1, "artist": "resting"})
    assert response.status_code == 409
    assert "Paused" in response.json()["detail"]


def test_list_counts_and_detail_progress(reviewer_client):
    batch = BatchFactory(size=3)
    now = timezone.now()
    for status in (RunStatus.AWAITING_REVIEW, RunStatus.GENERATING, RunStatus.FAILED):
        run = RunFactory(batch=batch, status=status)
        RunStage.objects.create(run=run, name="select_artist", outcome="succeeded", started_at=now, finished_at=now)
    BatchFactory(status=Batch.Status.FINISHED, finished_at=now)
    rows = reviewer_client.get("/api/v1/batches/").json()["results"]
    assert [row["id"] for row in rows][1] == batch.pk
    row = rows[1]
    assert row["runs"] == 3
    assert row["counts"] == {"pending": 0, "generating": 1, "awaiting_review": 1, "failed": 1, "done": 2}
    assert row["progress"] == pytest.approx(2 / 3, abs=0.001)
    assert rows[0]["progress"] == 1.0
    detail = reviewer_client.get(f"/api/v1/batches/{batch.pk}/").json()
    assert detail["runs_done"] == 2 and detail["runs_total"] == 3
    assert detail["counts"]["failed"] == 1
    assert 0 < detail["progress"] < 1
    assert detail["estimate_seconds"] is not None and detail["estimate_seconds"] >= 0
    assert reviewer_client.get("/api/v1/batches/99999/").status_code == 404


def test_api_list_and_detail_query_counts(reviewer_client, django_assert_max_num_queries):
    now = timezone.now()
    big = BatchFactory(size=50)
    for _ in range(50):
        run = RunFactory(batch=big, status=RunStatus.GENERATING)
        RunStage.objects.create(run=run, name="select_artist", outcome="succeeded", started_at=now)
    BatchFactory.create_batch(49, requested_by=UserFactory())
    with django_assert_max_num_queries(6):
        response = reviewer_client.get("/api/v1/batches/")
    assert response.status_code == 200 and len(response.json()["results"]) == 50
    with django_assert_max_num_queries(6):
        assert reviewer_client.get(f"/api/v1/batches/{big.pk}/").status_code == 200


def test_batches_page_form_starts_a_batch(client):
    ArtistFactory(slug="lisbon-mornings", name="Lisbon Mornings")
    operator = UserFactory(groups=["Operators"])
    client.force_login(operator)
    page = client.get("/batches/")
    assert b'id="start-batch"' in page.content and b"Lisbon Mornings" in page.content
    response = client.post("/batches/start/", {"size": "2", "artist": "lisbon-mornings"})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/batches/{batch.pk}/"
    assert (batch.channel, batch.requested_by, batch.runs.count()) == (Channel.WEB, operator, 2)
    detail = client.get(response["Location"]).content.decode()
    assert '<p class="muted" id="live">Updating live…</p>' in detail


def test_batches_page_form_reports_bad_input(client):
    client.force_login(UserFactory(groups=["Operators"]))
    response = client.post("/batches/start/", {"size": "0"}, follow=True)
    assert b"The batch was not started" in response.content
    response = client.post("/batches/start/", {"size": "1", "artist": "ghost"}, follow=True)
    assert b"not started" in response.content
    assert not Batch.objects.exists()


def test_reviewer_sees_no_form_and_cannot_post(client):
    client.force_login(UserFactory(groups=["Reviewers"]))
    assert b'id="start-batch"' not in client.get("/batches/").content
    assert client.post("/batches/start/", {"size": "1"}).status_code == 403


def test_finished_batch_page_stops_updating(client):
    batch = BatchFactory(status=Batch.Status.FINISHED, finished_at=timezone.now())
    client.force_login(UserFactory(groups=["Reviewers"]))
    content = client.get(f"/batches/{batch.pk}/").content.decode()
    assert '<p class="muted" id="live">Finished.</p>' in content


def test_admin_offers_no_add_batch(admin_client):
    assert admin_client.get("/admin/generation/batch/add/").status_code == 403
