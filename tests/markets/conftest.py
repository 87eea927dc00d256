"""A small deterministic chart history, stored and profiled, for pages, API and selectors."""

from __future__ import annotations

import datetime as dt

import pytest

from markets.models import TrackFeatures
from markets.services.demo import demo_charts
from markets.services.imports import charts_store
from markets.services.profiles import profiles_rebuild

DEMO_END = dt.date(2026, 11, 26)


@pytest.fixture
def market_history(db):
    """Three countries, 20 weeks of 40-row charts, features on every track; profiles, trends and alerts built."""
    charts, genres = demo_charts(end=DEMO_END, weeks=20, rows=40, countries=["BR", "DE", "KR"])
    charts_store(charts, genres=genres, feature_source=TrackFeatures.Source.DEMO)
    profiles_rebuild(touched=None)
    return charts
