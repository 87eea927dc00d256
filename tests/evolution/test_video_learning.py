"""Video learning: approved runs' sources and terms rise, rejected ones fall, old runs fade; selection prefers them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from evolution.services.video_learning import video_learning_refresh
from generation.models import GenerationRun, RunStatus, VideoClip, VideoPreference
from generation.services.video_learning import preferred_providers, preferred_terms, video_preferences
from tests.factories import ArtistFactory, RunFactory

pytestmark = pytest.mark.django_db


def _clip(artist, status, source, terms, age_days=0):
    run = RunFactory(artist=artist, status=status)
    GenerationRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    VideoClip.objects.create(run=run, source=source, query_terms=terms)


def test_approved_sources_and_terms_rise_and_time_decays_them(settings):
    settings.EVOLUTION_VIDEO_HALF_LIFE_DAYS = 14
    artist = ArtistFactory()
    for _ in range(3):
        _clip(artist, RunStatus.APPROVED, "pexels", ["neon", "night drive"])
        _clip(artist, RunStatus.REJECTED, "pixabay", ["neon", "sunset"])
    _clip(artist, RunStatus.APPROVED, "pixabay", ["sunset"], age_days=140)  # ten half-lives ago: almost nothing
    assert video_learning_refresh(artist=artist) == 5
    learned = video_preferences(artist=artist)
    # pexels: 3 approvals, weight 3, prior 0.5 -> (3 + 0.5) / 4
    assert learned["source"]["pexels"] == pytest.approx(0.875, abs=1e-3)
    assert learned["source"]["pixabay"] < 0.2
    assert learned["term"]["night drive"] == pytest.approx(0.875, abs=1e-3)
    assert learned["term"]["neon"] == pytest.approx((3 + 0.5) / 7, abs=1e-3)
    assert learned["term"]["sunset"] < 0.2
    assert VideoPreference.objects.filter(artist=artist).count() == 5


def test_selection_prefers_learned_terms_and_sources():
    terms = ["neon", "chrome", "sunset", "night drive"]
    assert preferred_terms(terms, {"night drive": 0.9, "sunset": 0.2, "neon": 0.6}) == [
        "night drive",
        "neon",
        "chrome",
        "sunset",
    ]
    assert preferred_providers(["pixabay", "pexels", "local"], {"pexels": 0.8, "pixabay": 0.3}) == [
        "pexels",
        "pixabay",
        "local",
    ]
    assert preferred_providers(["pexels", "local"], {}) == ["pexels", "local"]
