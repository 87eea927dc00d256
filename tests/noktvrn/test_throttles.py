"""The expensive API endpoints are throttled per user (DRF ScopedRateThrottle), 429 with Retry-After."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ("artist_generation", "/api/v1/artists/generate/"),
        ("audio_analysis", "/api/v1/tracks/analyze/"),
        ("chart_import", "/api/v1/charts/import/"),
    ],
)
def test_the_fourth_request_in_the_window_is_refused_for_that_user_only(scope, path, monkeypatch, settings):
    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, scope: "3/hour"})
    first, second = APIClient(), APIClient()
    first.force_authenticate(UserFactory(groups=["Operators"]))
    second.force_authenticate(UserFactory(groups=["Operators"]))
    for _ in range(3):  # empty bodies: refused by validation, but they count like any request
        assert first.post(path, {}, format="multipart").status_code != 429
    refused = first.post(path, {}, format="multipart")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert second.post(path, {}, format="multipart").status_code != 429
    cache.clear()
