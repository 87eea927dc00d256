"""Artist lifecycle rules, evaluated by the sweep; every change recorded with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from artists.models import Artist, ArtistStatusChange
from generation.models import RunStatus
from generation.services.lifecycle import artist_lifecycle_metrics, artists_evaluate_lifecycle
from tests.factories import ArtistFactory, RunFactory

pytestmark = pytest.mark.django_db


def _runs(artist, *statuses):
    for status in statuses:
        RunFactory(artist=artist, status=status)


def test_metrics_count_failures_as_errors_and_track_the_rejection_streak():
    artist = ArtistFactory(last_run_at=timezone.now())
    _runs(artist, RunStatus.APPROVED, RunStatus.FAILED, RunStatus.REJECTED, RunStatus.REJECTED)
    metrics = artist_lifecycle_metrics(artist=artist)
    assert (metrics.runs, metrics.approved, metrics.rejected, metrics.failed) == (4, 1, 2, 1)
    assert metrics.approval_rate == pytest.approx(1 / 3, abs=0.001)
    assert metrics.error_rate == 0.25
    assert metrics.rejection_streak == 2


def test_good_candidate_is_promoted(settings):
    settings.LIFECYCLE_MIN_RUNS = 4
    artist = ArtistFactory(status=Artist.Status.CANDIDATE, last_run_at=timezone.now())
    _runs(artist, RunStatus.APPROVED, RunStatus.APPROVED, RunStatus.RELEASED, RunStatus.REJECTED)
    assert artists_evaluate_lifecycle() == {"active": 1}
    artist.refresh_from_db()
    assert artist.status == Artist.Status.ACTIVE
    change = ArtistStatusChange.objects.get(artist=artist)
    assert (change.from_status, change.to_status) == ("candidate", "active")
    assert "75%" in change.reason
    assert change.metrics["approved"] == 3


def test_rejection_streak_retires(settings):
    settings.LIFECYCLE_RETIRE_REJECTION_STREAK = 3
    artist = ArtistFactory(last_run_at=timezone.now())
    _runs(artist, RunStatus.APPROVED, RunStatus.REJECTED, RunStatus.REJECTED, RunStatus.REJECTED)
    artists_evaluate_lifecycle()
    artist.refresh_from_db()
    assert artist.status == Artist.Status.RETIRED
    assert artist.status_reason == "3 rejections in a row."


def test_failing_runs_pause(settings):
    settings.LIFECYCLE_MIN_RUNS = 4
    artist = ArtistFactory(last_run_at=timezone.now())
    _runs(artist, RunStatus.FAILED, RunStatus.FAILED, RunStatus.FAILED, RunStatus.APPROVED)
    artists_evaluate_lifecycle()
    artist.refresh_from_db()
    assert artist.status == Artist.Status.PAUSED
    assert artist.status_reason.startswith("Error rate 75%")


def test_low_approval_rate_pauses(settings):
    settings.LIFECYCLE_MIN_RUNS = 4
    settings.LIFECYCLE_RETIRE_REJECTION_STREAK = 99
    artist = ArtistFactory(last_run_at=timezone.now())
    _runs(artist, *([RunStatus.REJECTED] * 9), RunStatus.APPROVED)
    artists_evaluate_lifecycle()
    artist.refresh_from_db()
    assert artist.status == Artist.Status.PAUSED
    assert "Approval rate 10%" in artist.status_reason


def test_inactivity_pauses_and_a_long_pause_retires(settings):
    settings.LIFECYCLE_INACTIVE_DAYS = 10
    settings.LIFECYCLE_RETIRE_AFTER_PAUSED_DAYS = 30
    idle = ArtistFactory(last_run_at=timezone.now() - timedelta(days=11))
    long_paused = ArtistFactory(status=Artist.Status.PAUSED, status_changed_at=timezone.now() - timedelta(days=31))
    fresh = ArtistFactory(last_run_at=timezone.now())
    assert artists_evaluate_lifecycle() == {"paused": 1, "retired": 1}
    idle.refresh_from_db()
    long_paused.refresh_from_db()
    fresh.refresh_from_db()
    assert idle.status == Artist.Status.PAUSED
    assert long_paused.status == Artist.Status.RETIRED
    assert fresh.status == Artist.Status.ACTIVE


def test_sweep_is_idempotent(settings):
    settings.LIFECYCLE_INACTIVE_DAYS = 10
    ArtistFactory(last_run_at=timezone.now() - timedelta(days=11))
    artists_evaluate_lifecycle()
    assert artists_evaluate_lifecycle() == {}
    assert ArtistStatusChange.objects.count() == 1


@pytest.mark.django_db
def test_a_streams_fall_with_a_poor_market_fit_pauses_and_the_figures_are_recorded():
    from artists.services import artist_record_score

    artist = ArtistFactory(status=Artist.Status.ACTIVE)
    artist.last_run_at = timezone.now()
    artist.save(update_fields=["last_run_at"])
    artist_record_score(artist=artist, kind="performance", value=0.55, explanation="fell", alert="fall")
    artist_record_score(artist=artist, kind="compatibility", value=0.3, explanation="far from its markets")
    assert artists_evaluate_lifecycle() == {"paused": 1}
    change = ArtistStatusChange.objects.get(artist=artist)
    assert "Streams fell to 55%" in change.reason and "0.30" in change.reason
    assert change.metrics["performance_ratio"] == 0.55 and change.metrics["compatibility"] == 0.3


@pytest.mark.django_db
def test_a_candidate_whose_streams_jump_in_a_market_it_fits_is_promoted():
    from artists.services import artist_record_score

    artist = ArtistFactory(status=Artist.Status.CANDIDATE)
    artist.last_run_at = timezone.now()
    artist.save(update_fields=["last_run_at"])
    artist_record_score(artist=artist, kind="performance", value=1.8, explanation="jumped", alert="jump")
    artist_record_score(artist=artist, kind="compatibility", value=0.5, explanation="so-so fit")
    assert artists_evaluate_lifecycle() == {}  # fit under LIFECYCLE_PROMOTE_COMPATIBILITY
    artist_record_score(artist=artist, kind="compatibility", value=0.7, explanation="good fit")
    assert artists_evaluate_lifecycle() == {"active": 1}
