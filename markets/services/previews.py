"""Audio features of charted tracks measured by us on their 30-second previews.

Spotify closed its audio-features endpoint to new apps in November 2024, so a track without
imported features gets them from its preview: Deezer's `preview` (stored when the chart was
pulled), else the iTunes lookup of its Apple id, else an iTunes search by artist and title.
The preview is downloaded to a temporary folder, analysed with the project's extractor
(`analytics.audio.extract_features`) and deleted; only the features are kept, marked
`measured`. Imported features are never overwritten by measured ones.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from analytics.audio import AudioAnalysisError, extract_features
from kernel.errors import ApplicationError
from markets.clients.http import download
from markets.clients.itunes import itunes_lookup, itunes_search
from markets.features import PITCHES
from markets.models import ChartTrack, TrackFeatures
from markets.services.imports import features_store

logger = logging.getLogger(__name__)

_SUFFIXES = {".mp3", ".m4a", ".aac", ".wav", ".ogg", ".flac"}


def _preview_source(track: ChartTrack) -> tuple[str, str, str]:
    """(url, where it came from, genre the lookup told us) — raises ApplicationError when there is none."""
    if track.preview_url:
        return track.preview_url, ("deezer" if track.key.startswith("deezer:") else "stored"), ""
    country = "US"
    result = itunes_lookup(track.apple_id, country) if track.apple_id else None
    if result is None:
        result = itunes_search(track.artists, track.title, country)
    if result is None or not result.previewUrl:
        raise ApplicationError(f"No preview found for {track}.", extra={"track": track.pk})
    return result.previewUrl, "itunes", (result.primaryGenreName or "").strip().lower()[:60]


def analysis_values(analysis) -> dict:
    """Our extractor's result in the profile's vocabulary (loudness in LUFS, key as a pitch class)."""
    values = {
        name: getattr(analysis, name)
        for name in ("danceability", "energy", "valence", "acousticness", "instrumentalness", "speechiness", "tempo")
    }
    values["loudness"] = analysis.loudness_lufs
    values["key"] = PITCHES.index(analysis.key) if analysis.key in PITCHES else None
    values["mode"] = {"major": 1, "minor": 0}.get(analysis.mode or "")
    values["time_signature"] = analysis.time_signature
    return values


def track_preview_analyse(*, track: ChartTrack) -> TrackFeatures | None:
    """Fetch, analyse and drop one track's preview; record why when it cannot be done. Returns the features."""
    now = timezone.now()
    try:
        url, source, genre = _preview_source(track)
        suffix = Path(url.split("?", 1)[0]).suffix.lower()
        with tempfile.TemporaryDirectory(prefix="noktvrn-preview-") as folder:
            path = download(
                source, url, Path(folder) / f"preview{suffix if suffix in _SUFFIXES else '.audio'}",
                max_bytes=settings.MARKETS_PREVIEW_MAX_BYTES,
            )  # fmt: skip
            analysis = extract_features(path, time_limit=settings.AUDIO_ANALYSIS_TIME_LIMIT_SECONDS, max_seconds=120.0)
    except (ApplicationError, AudioAnalysisError) as exc:
        ChartTrack.objects.filter(pk=track.pk).update(preview_error=str(exc)[:300], preview_checked_at=now)
        logger.info("Preview of track %s not analysed: %s", track.pk, exc)
        return None
    if analysis.tempo is None and not analysis.energy:
        ChartTrack.objects.filter(pk=track.pk).update(preview_error="silent preview", preview_checked_at=now)
        return None
    features_store({track.pk: analysis_values(analysis)}, source=TrackFeatures.Source.MEASURED)
    TrackFeatures.objects.filter(track_id=track.pk, source=TrackFeatures.Source.MEASURED).update(
        preview_source=source, analyzer_version=analysis.analyzer_version
    )
    updates = {"preview_error": "", "preview_checked_at": now}
    if source == "itunes" and not track.preview_url:
        updates["preview_url"] = url[:500]
    ChartTrack.objects.filter(pk=track.pk).update(**updates)
    if genre:
        ChartTrack.objects.filter(pk=track.pk, genre="").update(genre=genre)
    return TrackFeatures.objects.filter(track_id=track.pk).first()


def previews_analyse(*, limit: int, track_ids: list[int] | None = None) -> int:
    """Measure up to `limit` tracks that have no features and were never tried. Returns how many got features."""
    pending = ChartTrack.objects.filter(features__isnull=True, preview_checked_at__isnull=True)
    if track_ids is not None:
        pending = pending.filter(pk__in=track_ids)
    done = 0
    for track in pending.filter(~Q(key__startswith="demo:")).order_by("-created_at")[:limit]:
        if track_preview_analyse(track=track) is not None:
            done += 1
    return done
