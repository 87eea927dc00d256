"""The demo history is deterministic and its planted breakouts are found by the alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from markets.models import Chart, MarketAlert, MarketTrend, TrackFeatures
from markets.services.demo import demo_charts, demo_markets_load, last_thursday
from markets.services.imports import charts_store
from markets.services.profiles import profiles_rebuild

END = dt.date(2026, 11, 26)


def test_same_seed_same_charts():
    first, genres = demo_charts(end=END, weeks=6, rows=20, countries=["JP"])
    again, _ = demo_charts(end=END, weeks=6, rows=20, countries=["JP"])
    assert [(c.chart_date, [(r.key, r.rank) for r in c.rows]) for c in first] == [
        (c.chart_date, [(r.key, r.rank) for r in c.rows]) for c in again
    ]
    assert first[-1].chart_date == END and first[0].chart_date == END - dt.timedelta(weeks=5)
    assert set(genres.values()) <= {"pop", "rock", "k-pop", "indie", "hip-hop", "electronic", "latin", "r&b",
                                    "sertanejo", "reggaeton"}  # fmt: skip
    assert last_thursday(dt.date(2026, 11, 29)) == END


@pytest.mark.django_db
def test_planted_breakouts_raise_alerts_in_their_week():
    charts, genres = demo_charts(end=END, weeks=52, rows=100, countries=["KR", "DE"])
    charts_store(charts, genres=genres, feature_source=TrackFeatures.Source.DEMO)
    profiles_rebuild(touched=None)
    week = {country: END - dt.timedelta(weeks=51 - n, days=3) for country, n in (("KR", 40), ("DE", 36))}
    alerts = MarketAlert.objects.filter(period="week")
    assert alerts.filter(country="KR", series="share:latin", direction="up", period_start=week["KR"]).exists()
    assert alerts.filter(country="DE", series="tempo", direction="up", period_start=week["DE"]).exists()
    assert MarketTrend.objects.get(country="KR", period="week", series="share:latin").direction == "up"


@pytest.mark.django_db
def test_demo_load_is_idempotent():
    small = {"today": dt.date(2026, 11, 29), "weeks": 3, "rows": 10, "countries": ["FR"]}
    assert demo_markets_load(**small) == 3
    assert demo_markets_load(**small) == 0
    assert Chart.objects.filter(source="demo").count() == 3
