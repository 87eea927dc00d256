"""The analyse_audio stage's work: measure a run's track and keep its features (analytics does the measuring)."""

from __future__ import annotations

from analytics.models import AudioFeatures
from analytics.services import features_store
from generation.models import Track


def track_analyse(*, track: Track) -> AudioFeatures:
    """Analyse a track's audio, store its AudioFeatures and correct the track's duration.

    Safe to repeat. Raises AudioAnalysisError when the audio is unusable.
    """
    features, analysis = features_store(track_id=track.pk, audio=track.audio)
    if track.duration is None or abs(track.duration - analysis.duration) > 0.5:
        Track.objects.filter(pk=track.pk).update(duration=analysis.duration)
    return features
