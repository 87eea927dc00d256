"""Markets REST API: permissions, filters, query counts with data present, chart import, forecasts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from markets.models import Chart, ChartImport, MarketAlert
from tests.markets import samples

pytestmark = pytest.mark.django_db


def test_reading_needs_the_view_permission(api_client, market_history):
    assert api_client.get("/api/v1/countries/").status_code == 401
    from tests.factories import UserFactory

    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/v1/countries/").status_code == 403
    assert api_client.get("/api/v1/alerts/").status_code == 403


@pytest.mark.parametrize(
    ("url", "max_queries"),
    [
        ("/api/v1/countries/", 8),
        ("/api/v1/country-profiles/?period=week", 6),
        ("/api/v1/trends/", 6),
        ("/api/v1/alerts/", 6),
        ("/api/v1/charts/", 6),
        ("/api/v1/forecasts/", 6),
    ],
)
def test_lists_use_a_fixed_number_of_queries(
    reviewer_client, market_history, django_assert_max_num_queries, url, max_queries
):
    if "alerts" in url:
        _fifty_alerts()
    with django_assert_max_num_queries(max_queries):
        response = reviewer_client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body if isinstance(body, list) else body["results"]
    if "forecasts" not in url:
        assert len(rows) >= 3


def _fifty_alerts() -> None:
    MarketAlert.objects.bulk_create(
        MarketAlert(
            country="BR",
            period="week",
            series=f"share:genre{i}",
            period_start="2026-11-23",
            value=0.4,
            baseline_mean=0.1,
            baseline_std=0.02,
            z_score=15,
            direction="up",
            message=f"BR: genre{i} share jumped",
        )
        for i in range(50)
    )


def test_countries_and_current_profile(reviewer_client, market_history):
    countries = reviewer_client.get("/api/v1/countries/").json()
    assert [c["country"] for c in countries] == ["BR", "DE", "KR"]
    assert countries[0]["top_genres"][0]["genre"] == "sertanejo"
    profile = reviewer_client.get("/api/v1/countries/br/").json()
    assert profile["country"] == "BR" and profile["genre"] is None and profile["period"] == "week"
    assert set(profile["features"]["energy"]) == {"mean", "std", "n"}
    assert abs(sum(profile["genre_shares"].values()) - 1) < 1e-3
    one_genre = reviewer_client.get("/api/v1/countries/BR/?genre=sertanejo").json()
    assert one_genre["genre"] == "sertanejo" and one_genre["genre_shares"] == {}
    missing = reviewer_client.get("/api/v1/countries/ZZ/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert reviewer_client.get("/api/v1/countries/?period=decade").status_code == 400


def test_filters(reviewer_client, market_history):
    rows = reviewer_client.get("/api/v1/country-profiles/?country=kr&period=month&genre=all").json()["results"]
    assert rows and {(r["country"], r["period"], r["genre"]) for r in rows} == {("KR", "month", "")}
    pop = reviewer_client.get("/api/v1/country-profiles/?country=KR&period=month&genre=Pop").json()["results"]
    assert pop and {r["genre"] for r in pop} == {"pop"}
    trends = reviewer_client.get("/api/v1/trends/?country=DE&period=week&series=energy").json()["results"]
    assert len(trends) == 1 and trends[0]["direction"] in ("up", "down", "flat")


def test_forecast_of_one_series_with_its_backtest(reviewer_client, market_history):
    response = reviewer_client.get("/api/v1/forecasts/series/?country=BR&series=energy&period=week")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["points"]) == 6 and {"lo80", "hi80", "lo95", "hi95"} <= set(body["points"][0])
    assert set(body["backtest"]["model"]) == {"mase", "smape", "coverage80", "coverage95"}
    assert set(body["baselines"]) == {"naive", "drift"}
    assert reviewer_client.get("/api/v1/forecasts/").json()["count"] == 1
    assert reviewer_client.get("/api/v1/forecasts/series/?country=BR&series=nope").status_code == 404
    short = reviewer_client.get("/api/v1/forecasts/series/?country=BR&series=energy&period=quarter")
    assert short.status_code == 422 and short.json()["code"] == "not_enough_history"
    assert reviewer_client.get("/api/v1/forecasts/series/?country=BR").status_code == 400


def test_import_through_the_api(operator_client, reviewer_client, settings):
    upload = SimpleUploadedFile("regional-br-weekly-2026-09-03.csv", samples.SPOTIFY_WEEKLY.encode(), "text/csv")
    assert reviewer_client.post("/api/v1/charts/import/", {"file": upload}, format="multipart").status_code == 403
    upload.seek(0)
    response = operator_client.post("/api/v1/charts/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["format"], body["charts_created"], body["rows_imported"], body["errors"]) == (
        "spotify-weekly",
        1,
        3,
        [],
    )
    assert ChartImport.objects.get().channel == "api"
    upload.seek(0)
    again = operator_client.post("/api/v1/charts/import/", {"file": upload}, format="multipart").json()
    assert (again["charts_created"], again["charts_unchanged"]) == (0, 1)
    youtube = SimpleUploadedFile("yt.csv", samples.YOUTUBE.encode(), "text/csv")
    bad = operator_client.post("/api/v1/charts/import/", {"file": youtube}, format="multipart")
    assert bad.status_code == 422 and "--country" in bad.json()["detail"]
    youtube.seek(0)
    ok = operator_client.post(
        "/api/v1/charts/import/", {"file": youtube, "country": "KR", "date": "2024-01-04"}, format="multipart"
    )
    assert ok.status_code == 201 and Chart.objects.filter(country="KR", source="youtube").exists()
    settings.MARKETS_IMPORT_MAX_BYTES = 50
    upload.seek(0)
    big = operator_client.post("/api/v1/charts/import/", {"file": upload}, format="multipart")
    assert big.status_code == 413 and big.json()["code"] == "too_large"


def test_schema_lists_the_markets_endpoints(reviewer_client):
    schema = reviewer_client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/countries/",
        "/api/v1/countries/{country}/",
        "/api/v1/country-profiles/",
        "/api/v1/trends/",
        "/api/v1/forecasts/",
        "/api/v1/forecasts/series/",
        "/api/v1/alerts/",
        "/api/v1/charts/import/",
    ):
        assert path in schema["paths"], path
