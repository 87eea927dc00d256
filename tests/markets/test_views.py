"""Markets pages: staff only, a fixed number of queries, every chart's data on the page."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from markets.models import MarketAlert
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


def _json(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def test_pages_need_sign_in_and_the_permission(client, market_history):
    response = client.get("/markets/")
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(UserFactory())
    assert client.get("/markets/").status_code == 403


def test_overview(staff_client, market_history, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = staff_client.get("/markets/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="card country-card"') == 3
    assert "vendor/chart.js/chart.umd.min.js" in html and "js/charts.js" in html
    card = _json(html, "card-data-BR")
    assert card["datasets"][0]["label"] == "sertanejo" and len(card["labels"]) == 12


def test_country_page(staff_client, market_history, django_assert_max_num_queries):
    staff_client.get("/markets/countries/DE/")  # computes and stores the forecast once
    with django_assert_max_num_queries(14):
        response = staff_client.get("/markets/countries/DE/")
    html = response.content.decode()
    assert response.status_code == 200
    forecast = _json(html, "forecast-data")
    assert len(forecast["labels"]) == 20 + 6
    assert {d["label"] for d in forecast["datasets"]} >= {"energy", "forecast (ETS)", "naive", "drift", "80% interval"}
    assert 'id="backtest"' in html and "MASE" in html
    shares = _json(html, "shares-data")
    assert {"hip-hop", "pop", "electronic"} <= {d["label"] for d in shares["datasets"]}
    assert len(_json(html, "tempo-data")["datasets"][0]["data"]) == 14
    assert html.count("<tr><td>") >= 40  # the chart itself (40 rows) and the trends
    assert staff_client.get("/markets/countries/ZZ/").status_code == 404
    tempo = staff_client.get("/markets/countries/DE/?feature=share:hip-hop&period=week")
    assert "hip-hop share: history and forecast" in tempo.content.decode()


def test_genre_page_and_alerts(staff_client, market_history, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = staff_client.get("/markets/genres/pop/")
    assert response.status_code == 200
    chart = _json(response.content.decode(), "genre-data")
    assert {d["label"] for d in chart["datasets"]} == {"BR", "DE", "KR"}
    assert staff_client.get("/markets/genres/polka/").status_code == 404
    MarketAlert.objects.create(
        country="BR",
        period="week",
        series="share:latin",
        period_start="2026-11-23",
        value=0.4,
        baseline_mean=0.0,
        baseline_std=0.015,
        z_score=26.7,
        direction="up",
        message="BR: latin share jumped to 40.0%",
    )
    with django_assert_max_num_queries(8):
        page = staff_client.get("/markets/alerts/?country=br")
    assert "BR: latin share jumped to 40.0%" in page.content.decode()
