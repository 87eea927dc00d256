"""POST /api/v1/performance/ imports a file or rows; GET lists with a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evolution.models import PerformanceRecord
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
ISRC = "DEA122600001"


def test_post_rows_and_file(api_client, operator):
    ReleaseFactory(isrc=ISRC)
    api_client.force_authenticate(operator)
    rows = [
        {"isrc": ISRC, "platform": "spotify", "date": "2026-11-01", "country": "DE", "streams": 10},
        {"isrc": ISRC, "platform": "spotify", "date": "bad"},
    ]
    response = api_client.post("/api/v1/performance/", {"rows": rows}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rows_created"] == 1 and body["rows_skipped"] == 1
    assert body["errors"][0]["line"] == 2

    upload = SimpleUploadedFile(
        "r.csv", f"isrc,platform,date,streams\n{ISRC},spotify,2026-11-01,10\n".encode(), content_type="text/csv"
    )
    response = api_client.post("/api/v1/performance/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    # Same release, platform and date, worldwide this time: a new row; the DE row is unchanged.
    assert response.json()["rows_created"] == 1
    assert PerformanceRecord.objects.count() == 2


def test_post_needs_permission_and_valid_shape(api_client, reviewer):
    api_client.force_authenticate(reviewer)
    assert api_client.post("/api/v1/performance/", [], format="json").status_code == 403
    assert api_client.get("/api/v1/performance/").status_code == 200


def test_bad_body_is_a_clear_400(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.post("/api/v1/performance/", {"nope": 1}, format="json")
    assert response.status_code == 400
    assert "rows" in response.json()["detail"] or "rows" in str(response.json())


def test_list_is_filtered_and_query_count_bounded(api_client, operator, django_assert_max_num_queries):
    release = ReleaseFactory(isrc=ISRC)
    start = dt.date(2026, 10, 1)
    PerformanceRecord.objects.bulk_create(
        PerformanceRecord(
            release=release, artist=release.artist, platform="spotify", date=start + dt.timedelta(days=n), streams=n
        )
        for n in range(50)
    )
    api_client.force_authenticate(operator)
    with django_assert_max_num_queries(6):
        response = api_client.get(f"/api/v1/performance/?artist={release.artist.slug}&date_from=2026-11-01")
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {row["date"] for row in rows} >= {"2026-11-01"}
    assert all(row["date"] >= "2026-11-01" for row in rows) and rows[0]["isrc"] == ISRC
