"""django-q entry points for analytics (thin: ids in, a service call)."""

from __future__ import annotations

from analytics.services import track_analyse
from generation.models import Track


def analyse_track(track_id: int) -> int:
    """Analyse one track and store its features; returns the AudioFeatures id."""
    return track_analyse(track=Track.objects.get(pk=track_id)).pk
