"""track_analyse: stores AudioFeatures from a track's audio, idempotently."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from analytics.audio import AudioAnalysisError
from analytics.models import AudioFeatures
from generation.services.analysis import track_analyse
from generation.tasks import analyse_track
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def track(music_wav):
    track = TrackFactory(duration=None)
    track.audio.save("music.wav", ContentFile(Path(music_wav).read_bytes()))
    return track


def test_track_analyse_stores_features_and_pictures(track):
    features = track_analyse(track=track)
    assert features.track == track
    assert features.tempo == pytest.approx(124.0, rel=0.02)
    assert (features.key, features.mode, features.time_signature) == ("A", "minor", 4)
    assert features.loudness_lufs < 0 and features.true_peak_dbtp is not None
    assert 0 <= features.energy <= 1 and 0 <= features.danceability <= 1
    assert features.analyzer_version == "1.1"
    # The releases issue reads the structure from data["sections"].
    sections = features.data["sections"]
    assert sections[0]["start"] == 0 and {"start", "end", "label", "energy"} <= set(sections[0])
    assert len(features.data["beats"]) > 20 and len(features.data["mfcc_mean"]) == 13
    assert features.waveform.name.endswith(".png") and features.spectrogram.name.endswith(".png")
    assert Path(features.waveform.path).stat().st_size > 1000
    track.refresh_from_db()
    assert track.duration == pytest.approx(16.0, abs=0.01)


def test_track_analyse_twice_updates_the_same_row(track):
    first = track_analyse(track=track)
    old_waveform = Path(first.waveform.path)
    second = track_analyse(track=track)
    assert second.pk == first.pk
    assert AudioFeatures.objects.filter(track=track).count() == 1
    assert not old_waveform.exists() or old_waveform == Path(second.waveform.path)
    assert Path(second.waveform.path).exists()


def test_unusable_audio_raises_and_stores_nothing():
    track = TrackFactory()  # the factory's audio is 4 bytes of "RIFF"
    with pytest.raises(AudioAnalysisError):
        track_analyse(track=track)
    assert not AudioFeatures.objects.exists()


def test_audio_missing_from_storage(track):
    Path(track.audio.path).unlink()
    with pytest.raises(AudioAnalysisError, match="missing"):
        track_analyse(track=track)


def test_task_and_django_q_path(track):
    from django_q.tasks import async_task, result

    assert analyse_track(track.pk) == AudioFeatures.objects.get(track=track).pk
    task_id = async_task("generation.tasks.analyse_track", track.pk)  # sync=True in test settings
    assert result(task_id) == AudioFeatures.objects.get(track=track).pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_at_once_leaves_one_row(music_wav):
    """Two workers analysing the same track concurrently: one AudioFeatures row, same answer."""
    import threading

    from django.db import connection

    track = TrackFactory()
    track.audio.save("music.wav", ContentFile(Path(music_wav).read_bytes()))
    barrier = threading.Barrier(2)
    results: list = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(analyse_track(track.pk))
        except Exception as exc:  # surfaced by the assertion below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2 and all(isinstance(result, int) for result in results), results
    assert len(set(results)) == 1
    assert AudioFeatures.objects.filter(track=track).count() == 1
