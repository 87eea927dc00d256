"""Audio analysis services: analyse a file, or a stored track's audio, and keep its features."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile

from analytics.audio import AudioAnalysis, AudioAnalysisError, extract_features
from analytics.models import AudioFeatures

logger = logging.getLogger(__name__)

# Fields of AudioAnalysis that are columns of AudioFeatures; everything else goes in `data`.
_COLUMNS = [
    "duration",
    "tempo",
    "tempo_confidence",
    "time_signature",
    "key",
    "mode",
    "key_confidence",
    "loudness_lufs",
    "true_peak_dbtp",
    "loudness_range_lu",
    "energy",
    "danceability",
    "valence",
    "acousticness",
    "instrumentalness",
    "speechiness",
]


def audio_analyse(*, path: str | Path, images_dir: Path | None = None) -> AudioAnalysis:
    """Analyse one file with the configured time and duration limits."""
    return extract_features(
        path,
        images_dir=images_dir,
        time_limit=settings.AUDIO_ANALYSIS_TIME_LIMIT_SECONDS,
        max_seconds=settings.AUDIO_ANALYSIS_MAX_SECONDS,
    )


def features_store(*, track_id: int, audio: FieldFile) -> tuple[AudioFeatures, AudioAnalysis]:
    """Analyse a stored audio file and keep its AudioFeatures for `track_id` (update-or-create: safe to repeat).

    The audio is copied to a local temporary file first, so this works with any storage
    backend (local disk or S3). Raises AudioAnalysisError when the audio is unusable.
    The caller owns the track: analytics knows tracks only by id.
    """
    if not audio:
        raise AudioAnalysisError(f"Track {track_id} has no audio file.", extra={"reason": "missing"})
    with tempfile.TemporaryDirectory(prefix="noktvrn-analysis-") as workdir:
        work = Path(workdir)
        suffix = Path(audio.name).suffix or ".wav"
        local = work / f"track-{track_id}{suffix}"
        try:
            with audio.open("rb") as source, local.open("wb") as target:
                shutil.copyfileobj(source, target, length=1024 * 1024)
        except FileNotFoundError as exc:
            raise AudioAnalysisError(
                f"The audio file of track {track_id} is missing from storage.", extra={"reason": "missing"}
            ) from exc
        analysis = audio_analyse(path=local, images_dir=work / "images")
        values = {name: getattr(analysis, name) for name in _COLUMNS}
        values["key"] = values["key"] or ""
        values["mode"] = values["mode"] or ""
        values["data"] = analysis.model_dump(mode="json", exclude={"path", "waveform_png", "spectrogram_png"})
        values["analyzer_version"] = analysis.analyzer_version
        with transaction.atomic():
            features, _ = AudioFeatures.objects.select_for_update().update_or_create(track_id=track_id, defaults=values)
            for field_name, png in (("waveform", analysis.waveform_png), ("spectrogram", analysis.spectrogram_png)):
                old = getattr(features, field_name)
                if old:
                    old.delete(save=False)
                if png:
                    with open(png, "rb") as handle:
                        getattr(features, field_name).save(
                            f"track-{track_id}-{field_name}.png", File(handle), save=False
                        )
            features.save()
    logger.info(
        "analysed track %s: %.1f s, %s BPM, %s %s, %s LUFS in %.2f s",
        track_id,
        analysis.duration,
        analysis.tempo,
        analysis.key,
        analysis.mode,
        analysis.loudness_lufs,
        analysis.seconds_taken,
    )
    return features, analysis
