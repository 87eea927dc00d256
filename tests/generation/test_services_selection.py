"""Artist selection for a batch: Candidates first, least recently run next, caps respected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from artists.models import Artist, CreationReport
from generation.services.pipeline import batch_start
from generation.services.selection import artists_select
from kernel.errors import ConflictError, NotFoundError
from tests.factories import ArtistFactory, RunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pool_top_up(settings):
    settings.MIN_ACTIVE_ARTISTS = 0


def test_candidates_first_then_least_recently_run():
    now = timezone.now()
    recent = ArtistFactory(last_run_at=now - timedelta(hours=1))
    old = ArtistFactory(last_run_at=now - timedelta(days=3))
    never = ArtistFactory(last_run_at=None)
    candidate = ArtistFactory(status=Artist.Status.CANDIDATE, last_run_at=now)
    ArtistFactory(status=Artist.Status.PAUSED, last_run_at=None)
    ArtistFactory(status=Artist.Status.RETIRED, last_run_at=None)
    assert artists_select(size=4) == [candidate, never, old, recent]


def test_paused_and_retired_never_selected():
    ArtistFactory(status=Artist.Status.PAUSED)
    ArtistFactory(status=Artist.Status.RETIRED)
    assert artists_select(size=3) == []


def test_daily_cap_per_artist(settings):
    settings.MAX_RUNS_PER_ARTIST_PER_DAY = 2
    busy = ArtistFactory()
    RunFactory.create_batch(2, artist=busy)
    spare = ArtistFactory()
    RunFactory(artist=spare)
    assert artists_select(size=5) == [spare]


def test_small_pool_gives_an_artist_several_runs_within_the_cap(settings):
    settings.MAX_RUNS_PER_ARTIST_PER_DAY = 3
    only = ArtistFactory()
    assert artists_select(size=5) == [only, only, only]


def test_explicit_artist():
    artist = ArtistFactory(slug="chosen")
    assert artists_select(size=2, artist_slug="chosen") == [artist, artist]
    with pytest.raises(NotFoundError):
        artists_select(size=1, artist_slug="nobody")
    ArtistFactory(slug="resting", status=Artist.Status.PAUSED)
    with pytest.raises(ConflictError, match="only active artists"):
        artists_select(size=1, artist_slug="resting")


def test_batch_start_creates_pending_runs_with_a_recorded_selection(django_capture_on_commit_callbacks):
    ArtistFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = batch_start(size=2, channel="cli")
    runs = list(batch.runs.all())
    assert len(runs) == 2
    assert {run.status for run in runs} == {"pending"}
    assert all(run.stages.get().name == "select_artist" for run in runs)
    assert len(callbacks) == 2  # one first-stage task per run, queued after commit
    assert Artist.objects.filter(last_run_at__isnull=False).count() == 2


def test_batch_with_no_eligible_artist_finishes_empty():
    batch = batch_start(size=2)
    assert batch.status == "finished"
    assert "No artist could take a run" in batch.notes


def test_pool_below_minimum_creates_artists_within_the_daily_limit(settings):
    settings.MIN_ACTIVE_ARTISTS = 3
    settings.MAX_NEW_ARTISTS_PER_DAY = 2
    ArtistFactory()
    chosen = artists_select(size=3)
    assert Artist.objects.count() == 3  # one existing + two created, the daily limit
    reports = CreationReport.objects.all()
    assert [report.outcome for report in reports] == ["succeeded", "succeeded"]
    assert all(report.artist_id for report in reports)
    assert len({artist.pk for artist in chosen}) == 3
    artists_select(size=1)  # the limit is spent for today: nothing more is created
    assert Artist.objects.count() == 3
