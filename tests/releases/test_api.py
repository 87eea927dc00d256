"""releases/api.py: list filters and query counts, detail with assets and QC, redeliver."""

from __future__ import annotations

import pytest

from generation.models import RunStatus
from releases.models import Delivery, Release
from releases.services import release_deliver
from tests.factories import ArtistFactory, ReleaseFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_list_filters_by_status_and_artist(operator_client, django_assert_max_num_queries):
    artist = ArtistFactory(slug="neon-vesper")
    for _ in range(2):
        ReleaseFactory(run=RunFactory(artist=artist, status=RunStatus.RELEASED), status=Release.Status.DELIVERED)
    ReleaseFactory(run=RunFactory(artist=artist, status=RunStatus.RELEASING), status=Release.Status.QUEUED)
    for _ in range(47):
        ReleaseFactory(status=Release.Status.QC_FAILED)

    with django_assert_max_num_queries(8):
        body = operator_client.get("/api/v1/releases/?status=delivered&artist=neon-vesper").json()
    assert body["count"] == 2
    assert {(r["status"], r["artist"]) for r in body["results"]} == {("delivered", "neon-vesper")}
    with django_assert_max_num_queries(8):
        assert operator_client.get("/api/v1/releases/?status=qc_failed").json()["count"] == 47
    assert operator_client.get("/api/v1/releases/?status=nope").status_code == 400


def test_detail_shows_assets_qc_report_and_delivery_state(
    operator_client, queued_release, settings, django_assert_max_num_queries
):
    release = release_deliver(release=queued_release(qc_report={"passed": True, "checks": []}))

    with django_assert_max_num_queries(8):
        body = operator_client.get(f"/api/v1/releases/{release.pk}/").json()

    assert body["status"] == "delivered"
    assert body["qc_report"] == {"passed": True, "checks": []}
    kinds = {a["kind"]: a for a in body["assets"]}
    assert set(kinds) == {"audio_wav", "cover", "metadata", "ddex"}
    assert kinds["audio_wav"]["name"] == "DEA122600001.wav"
    assert kinds["audio_wav"]["url"].startswith("http://testserver/media/releases/")
    assert len(kinds["audio_wav"]["sha256"]) == 64
    assert [(d["distributor"], d["attempt"], d["status"]) for d in body["deliveries"]] == [("outbox", 1, "succeeded")]
    (outbox,) = body["distributors"]
    assert outbox["complete"] is True and outbox["marker_ref"].endswith(".zip")
    assert len(outbox["files"]) == 5  # four files and the marker


def test_redeliver_queues_a_failed_release_again(operator_client, queued_release, settings, tmp_path):
    settings.DISTRIBUTORS = ["https"]
    settings.RELEASE_HTTPS_URL = ""
    release = release_deliver(release=queued_release())
    assert release.status == Release.Status.DELIVERY_FAILED
    settings.DISTRIBUTORS = ["outbox"]

    response = operator_client.post(f"/api/v1/releases/{release.pk}/redeliver/")

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    release.run.refresh_from_db()
    assert release.run.status == RunStatus.RELEASING


def test_redeliver_runs_the_delivery_after_commit(
    operator_client, queued_release, settings, django_capture_on_commit_callbacks
):
    settings.DISTRIBUTORS = ["https"]
    settings.RELEASE_HTTPS_URL = ""
    release = release_deliver(release=queued_release())
    settings.DISTRIBUTORS = ["outbox"]

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(f"/api/v1/releases/{release.pk}/redeliver/")

    assert response.status_code == 202
    release.refresh_from_db()
    assert release.status == Release.Status.DELIVERED
    assert Delivery.objects.filter(release=release, distributor="outbox", status="succeeded").count() == 1


def test_redeliver_of_a_delivered_release_is_a_conflict(operator_client, queued_release):
    release = release_deliver(release=queued_release())
    response = operator_client.post(f"/api/v1/releases/{release.pk}/redeliver/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "only a failed or queued delivery" in response.json()["detail"]


def test_redeliver_needs_the_change_permission(reviewer_client, api_client):
    release = ReleaseFactory(status=Release.Status.DELIVERY_FAILED)
    assert reviewer_client.post(f"/api/v1/releases/{release.pk}/redeliver/").status_code == 403
    assert api_client.post(f"/api/v1/releases/{release.pk}/redeliver/").status_code == 401
    viewer = UserFactory()
    api_client.force_authenticate(viewer)
    assert api_client.post(f"/api/v1/releases/{release.pk}/redeliver/").status_code == 403
    assert api_client.post("/api/v1/releases/999999/redeliver/").status_code in (403, 404)
