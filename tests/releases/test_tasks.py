"""releases/tasks.py: approval enqueues packaging, which queues delivery; duplicates do nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File

from generation.models import GenerationRun, RunStatus, VideoClip
from generation.providers.music import get_music_provider
from generation.providers.music.base import MusicRequest
from generation.providers.video import video_for_run
from generation.providers.video.base import VideoRequest
from generation.services.analysis import track_analyse
from generation.services.review import run_approve
from releases.models import Delivery, Release, ReleaseAsset
from releases.tasks import package_release
from tests.factories import RunFactory, TrackFactory
from tests.releases.conftest import song_wav

pytestmark = pytest.mark.django_db


def _run_made_by_local_providers(tmp_path, settings) -> GenerationRun:
    """A run awaiting review whose track and video come from the embedded local providers."""
    settings.MUSIC_PROVIDER = "local"
    settings.VIDEO_PROVIDERS = ["local"]
    settings.LOCAL_VIDEO_LONG_SIDE = 320
    settings.LOCAL_VIDEO_FPS = 8
    run = RunFactory(
        status=RunStatus.AWAITING_REVIEW,
        title="Chrome Rain",
        parameters={"tempo": 108, "key": "F#", "mode": "minor", "energy": 0.7, "genre": "synthwave"},
        prompts={"music": "dark synthwave, analog arpeggios"},
    )
    music = get_music_provider().generate(
        MusicRequest(
            title=run.title, genre="synthwave", tempo=108, key="F#", mode="minor", duration_seconds=16, seed=3
        ),
        workdir=tmp_path,
    )
    with open(music.path, "rb") as stream:
        track = TrackFactory(run=run, audio=File(stream, name="track.wav"), duration=music.duration, provider="local")
    track_analyse(track=track)
    clip = video_for_run(
        VideoRequest(orientation="portrait", duration_seconds=16, title=run.title, audio_path=music.path, seed=3),
        workdir=tmp_path,
    )
    with open(clip.path, "rb") as stream:
        VideoClip.objects.create(
            run=run, source=clip.source, licence=clip.licence, attribution=clip.attribution, file=File(stream, "v.mp4")
        )
    return run


def test_approval_packages_and_delivers_once_even_when_the_job_is_duplicated(
    reviewer, settings, tmp_path, django_capture_on_commit_callbacks
):
    run = _run_made_by_local_providers(tmp_path, settings)  # and no cover: the cover renderer makes one

    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=reviewer)

    run.refresh_from_db()
    assert run.status == RunStatus.RELEASED
    release = Release.objects.get(run=run)
    assert release.status == Release.Status.DELIVERED
    assert release.qc_report["passed"] is True, release.qc_report["failures"]
    assert release.metadata["visuals"]["cover_source"] == "rendered"
    assert release.metadata["visuals"]["video_source"] == "local"
    # Tempo, key and structure come from the stored audio analysis; the teaser sits on its loudest section.
    features = run.track.features
    assert release.metadata["tempo"] == pytest.approx(features.tempo)
    assert (release.metadata["key"], release.metadata["mode"]) == (features.key, features.mode)
    assert release.metadata["structure"]["source"] == "analysis"
    assert release.metadata["teaser"]["section_source"] == "analysis"
    kinds = set(release.assets.values_list("kind", flat=True))
    assert ReleaseAsset.Kind.VIDEO in kinds and len(kinds) == 9

    # django-q redelivers a job whose worker died: the duplicate changes nothing.
    assert package_release(run.pk) == release.pk
    assert Release.objects.filter(run=run).count() == 1
    assert ReleaseAsset.objects.filter(release=release).count() == 9
    assert Delivery.objects.filter(release=release).count() == 1
    assert [t.to_status for t in run.transitions.all()][-3:] == ["approved", "releasing", "released"]


def test_a_crashed_packaging_fails_the_run_visibly_and_can_be_resumed(
    make_approved_run, settings, django_capture_on_commit_callbacks
):
    from releases.services import release_redeliver

    run = make_approved_run(audio=song_wav(11.0))
    settings.RELEASE_TEASER_FPS = 0  # a broken configuration, found halfway through packaging

    with pytest.raises(ImproperlyConfigured, match="RELEASE_TEASER_FPS"):
        package_release(run.pk)

    release = Release.objects.get(run=run)
    assert release.status == Release.Status.PENDING and release.locked_until is None
    assert release.error.startswith("Packaging crashed:")
    run.refresh_from_db()
    assert run.status == RunStatus.RELEASE_FAILED

    settings.RELEASE_TEASER_FPS = 6
    with django_capture_on_commit_callbacks(execute=True):
        release_redeliver(release=release)

    release.refresh_from_db()
    run.refresh_from_db()
    assert release.status == Release.Status.DELIVERED, release.error
    assert run.status == RunStatus.RELEASED
