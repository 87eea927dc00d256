"""Scores: approval rate (generation's definition), performance against the artist's own baseline, compatibility."""

from __future__ import annotations

import datetime as dt

import pytest

from artists.models import ArtistScore
from evolution.compatibility import MarketSnapshot
from evolution.models import PerformanceRecord
from evolution.services.scores import (
    artist_score_approval,
    artist_score_compatibility,
    artist_score_performance,
)
from generation.models import ReviewDecision, RunStatus
from tests.factories import ArtistFactory, ReleaseFactory, RunFactory

pytestmark = pytest.mark.django_db


def _daily(release, values, end=dt.date(2026, 11, 28)):
    start = end - dt.timedelta(days=len(values) - 1)
    PerformanceRecord.objects.bulk_create(
        PerformanceRecord(
            release=release, artist=release.artist, platform="spotify", date=start + dt.timedelta(days=n), streams=v
        )
        for n, v in enumerate(values)
    )


def test_approval_rate_counts_decisions_in_the_window():
    artist = ArtistFactory()
    for decision in ("approved", "approved", "rejected"):
        run = RunFactory(artist=artist, status=decision)
        ReviewDecision.objects.create(run=run, decision=decision, channel="web")
    RunFactory(artist=artist, status=RunStatus.EXPIRED)
    score = artist_score_approval(artist=artist)
    assert score.value == pytest.approx(2 / 3, abs=1e-3)
    assert score.explanation.startswith("2 approved of 3 decided")
    assert "1 expired" in score.explanation


@pytest.mark.parametrize(
    ("recent", "alert", "ratio"),
    [(1000, "", 1.0), (1600, "jump", 1.6), (500, "fall", 0.5), (1100, "", 1.1)],
)
def test_performance_compares_the_last_week_with_the_artists_own_baseline(recent, alert, ratio):
    release = ReleaseFactory(isrc="DEA122600001")
    # 28 baseline days alternating 950/1050 (mean 1000, sd 50), then 7 recent days.
    _daily(release, [950, 1050] * 14 + [recent] * 7)
    score = artist_score_performance(artist=release.artist)
    assert score.value == pytest.approx(ratio, abs=1e-3)
    assert score.alert == alert
    assert score.figures["baseline_mean"] == 1000 and score.figures["baseline_std"] == 50


def test_performance_needs_a_baseline():
    release = ReleaseFactory(isrc="DEA122600001")
    _daily(release, [1000] * 10)
    score = artist_score_performance(artist=release.artist)
    assert score.value is None and "too early" in score.explanation


def test_compatibility_is_explained_per_country_and_unknown_without_markets():
    artist = ArtistFactory()  # Neon Vesper's profile: 96-118 BPM, energy 0.65, minor, countries DE US GB FR
    markets = {
        "DE": MarketSnapshot("DE", {"tempo": (107.0, 10.0), "energy": (0.65, 0.1), "valence": (0.35, 0.1)}, {}),
        "US": MarketSnapshot("US", {"tempo": (127.0, 10.0), "energy": (0.65, 0.1), "valence": (0.35, 0.1)}, {}),
    }
    score = artist_score_compatibility(artist=artist, markets=markets)
    # DE: every z is 0 -> 1.0; US: tempo z = -2 -> (e^-2 + 1 + 1) / 3.
    expected_us = (0.1353352832366127 + 2) / 3
    assert score.figures["countries"]["DE"]["score"] == 1.0
    assert score.figures["countries"]["US"]["score"] == pytest.approx(expected_us, abs=1e-4)
    assert score.value == pytest.approx((1 + expected_us) / 2, abs=1e-3)
    assert "furthest: tempo -2.0 sd in US" in score.explanation

    unknown = artist_score_compatibility(artist=artist, markets={})
    assert unknown.value is None and "compatibility unknown" in unknown.explanation
    assert ArtistScore.objects.filter(artist=artist, kind="compatibility").count() == 2
