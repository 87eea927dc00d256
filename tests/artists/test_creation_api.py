"""POST /api/v1/artists/generate/ (202 + job), the job endpoint and /artists/{id}/creation-report/."""

from __future__ import annotations

import pytest

from artists.creation import artist_create_from_brief
from artists.models import Artist, CreationReport
from tests.factories import ArtistFactory
from tests.llm.fixtures import fast_llm  # noqa: F401  (autouse: local-only chains, tiny timeouts)

pytestmark = pytest.mark.django_db


def test_generate_returns_a_job_that_reads_the_result(operator_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            "/api/v1/artists/generate/",
            {"brief": "dark synthwave duo from Berlin", "countries": ["DE", "FR"]},
            format="json",
        )

    assert response.status_code == 202
    job = response.json()["job"]
    assert job["status"] == "running" and job["url"].endswith(f"/api/v1/artist-creations/{job['id']}/")

    done = operator_client.get(job["url"]).json()
    assert done["status"] == "succeeded"
    artist = Artist.objects.get(pk=done["artist"]["id"])
    assert artist.countries == ["DE", "FR"] and done["artist"]["slug"] == artist.slug
    assert [c["role"] for c in done["llm_calls"]] == ["author", "helper", "validator"]
    assert {"provider", "model", "outcome", "chain_position"} <= set(done["llm_calls"][0])


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"brief": ""}, "brief is empty"),
        ({"brief": "y" * 10_240}, "limit is 1000"),
        ({"brief": "x", "countries": ["XYZ"]}, "ISO"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_queued(operator_client, payload, fragment):
    response = operator_client.post("/api/v1/artists/generate/", payload, format="json")
    assert response.status_code == 400 and fragment in response.json()["detail"]
    assert not CreationReport.objects.exists()


def test_generate_needs_the_add_permission(reviewer_client, api_client):
    assert api_client.post("/api/v1/artists/generate/", {"brief": "x"}, format="json").status_code == 401
    assert reviewer_client.post("/api/v1/artists/generate/", {"brief": "x"}, format="json").status_code == 403


def test_creation_report_of_an_artist(operator_client):
    artist = artist_create_from_brief(brief="melancholic indie folk songwriter from Dublin")
    body = operator_client.get(f"/api/v1/artists/{artist.pk}/creation-report/").json()
    assert body["artist"]["name"] == artist.name and body["status"] == "succeeded"
    assert [s["step"] for s in body["steps"]] == ["draft", "enrich", "validate", "save"]
    assert body["llm_calls"][0]["provider"] == "local" and body["llm_calls"][0]["chain_position"] == 0

    plain = ArtistFactory()
    missing = operator_client.get(f"/api/v1/artists/{plain.pk}/creation-report/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_reviewers_cannot_read_creation_reports(reviewer_client):
    artist = artist_create_from_brief(brief="techno producer")
    assert reviewer_client.get(f"/api/v1/artists/{artist.pk}/creation-report/").status_code == 403


def test_creation_list_query_count_is_flat(operator_client, django_assert_max_num_queries):
    for n in range(5):
        artist_create_from_brief(brief=f"lo-fi producer number {n}")
    for n in range(45):
        CreationReport.objects.create(brief=f"queued {n}")
    with django_assert_max_num_queries(8):
        response = operator_client.get("/api/v1/artist-creations/")
    assert response.json()["count"] == 50


def test_generation_is_throttled_per_user_with_retry_after(operator_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    from tests.factories import UserFactory

    cache.clear()
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "artist_generation": "3/hour"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    for _ in range(3):
        assert operator_client.post("/api/v1/artists/generate/", {"brief": "a"}, format="json").status_code == 202
    response = operator_client.post("/api/v1/artists/generate/", {"brief": "a"}, format="json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert CreationReport.objects.count() == 3
    # Per user: another operator still gets through.
    operator_client.force_authenticate(UserFactory(groups=["Operators"]))
    assert operator_client.post("/api/v1/artists/generate/", {"brief": "a"}, format="json").status_code == 202
    cache.clear()
