"""Read queries over artists."""

from __future__ import annotations

from django.db.models import QuerySet

from artists.models import Artist, ArtistScore, ArtistVersion


def artist_list() -> QuerySet[Artist]:
    return Artist.objects.all()


def artist_current_version(*, artist: Artist) -> ArtistVersion | None:
    """The newest version of the profile: what the generation stages read and runs record."""
    return ArtistVersion.objects.filter(artist=artist).order_by("-number").first()


def artist_latest_scores(*, artist: Artist) -> dict[str, ArtistScore]:
    """The newest score of each kind (one query per kind)."""
    latest: dict[str, ArtistScore] = {}
    for kind in ArtistScore.Kind.values:
        score = ArtistScore.objects.filter(artist=artist, kind=kind).order_by("-computed_at", "-id").first()
        if score is not None:
            latest[kind] = score
    return latest


def artist_score_history(*, artist: Artist, kind: str | None = None, limit: int = 200) -> list[ArtistScore]:
    """Scores oldest first, for charts."""
    scores = ArtistScore.objects.filter(artist=artist)
    if kind:
        scores = scores.filter(kind=kind)
    return list(reversed(scores.order_by("-computed_at", "-id")[:limit]))
