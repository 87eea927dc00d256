"""The REST API's contract: auth, permissions, errors as JSON, filters, pagination, no N+1."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from generation.models import RunStatus
from tests.factories import ArtistFactory, ReleaseFactory, RunFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db
LISTS = ["/api/v1/artists/", "/api/v1/runs/", "/api/v1/releases/"]


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_is_401(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("url", LISTS)
def test_user_without_permission_is_403(url):
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get(url).status_code == 403


def test_token_auth(api_client):
    from rest_framework.authtoken.models import Token

    user = UserFactory(groups=["Reviewers"])
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/v1/runs/").status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get("/api/v1/runs/").status_code == 401


@pytest.mark.parametrize(
    "url", ["/api/v1/runs/999999/", "/api/v1/runs/abc/", "/api/v1/artists/0/", "/api/v1/releases/7/"]
)
def test_unknown_id_is_a_404_json_body(operator_client, url):
    response = operator_client.get(url)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["detail"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/runs/?status=nonsense", "status"),
        ("/api/v1/runs/?created_after=yesterday-ish", "created_after"),
        ("/api/v1/runs/?batch=abc", "batch"),
        ("/api/v1/artists/?status=zombie", "status"),
        ("/api/v1/releases/?released_after=13/13/2020", "released_after"),
    ],
)
def test_malformed_filter_is_a_400_naming_the_field(operator_client, url, field):
    response = operator_client.get(url)
    assert response.status_code == 400
    assert field in response.json()


def test_runs_filter_by_status_and_artist(reviewer_client):
    artist = ArtistFactory(slug="neon")
    RunFactory.create_batch(2, artist=artist, status=RunStatus.AWAITING_REVIEW)
    RunFactory(artist=artist, status=RunStatus.FAILED)
    RunFactory(status=RunStatus.AWAITING_REVIEW)
    body = reviewer_client.get("/api/v1/runs/?status=awaiting_review&artist=neon").json()
    assert body["count"] == 2
    assert {run["artist"] for run in body["results"]} == {"neon"}
    assert {run["status"] for run in body["results"]} == {"awaiting_review"}


def test_run_detail_shape(reviewer_client):
    track = TrackFactory(run__status=RunStatus.AWAITING_REVIEW)
    body = reviewer_client.get(f"/api/v1/runs/{track.run_id}/").json()
    assert body["id"] == track.run_id
    assert body["audio_url"].startswith("/media/tracks/")
    assert body["decision"] is None


def test_release_detail_has_assets(operator_client):
    release = ReleaseFactory()
    body = operator_client.get(f"/api/v1/releases/{release.pk}/").json()
    assert body["title"] == release.title
    assert body["assets"] == []


@pytest.mark.parametrize(
    ("url", "factory"),
    [
        ("/api/v1/runs/", lambda: TrackFactory.create_batch(50, run__status=RunStatus.AWAITING_REVIEW)),
        ("/api/v1/artists/", lambda: ArtistFactory.create_batch(50)),
        ("/api/v1/releases/", lambda: ReleaseFactory.create_batch(50)),
    ],
)
def test_list_query_count_is_bounded(operator_client, django_assert_max_num_queries, url, factory):
    factory()
    with django_assert_max_num_queries(8):
        response = operator_client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == 50


def test_pagination(operator_client):
    ArtistFactory.create_batch(55)
    first = operator_client.get("/api/v1/artists/").json()
    assert len(first["results"]) == 50
    assert first["next"]
    second = operator_client.get("/api/v1/artists/?page=2").json()
    assert len(second["results"]) == 5
    assert operator_client.get("/api/v1/artists/?page=9").status_code == 404


def test_openapi_schema_and_local_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/runs/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
