"""Video preferences learned from review and performance (computed by evolution, stored and read here)."""

from __future__ import annotations

from django.db import transaction

from generation.models import VideoPreference


@transaction.atomic
def video_preferences_store(*, artist, rows: list[dict]) -> int:
    """Replace the artist's learned preferences with `rows` ({kind, key, score, weight})."""
    VideoPreference.objects.filter(artist=artist).delete()
    VideoPreference.objects.bulk_create(
        VideoPreference(artist=artist, kind=row["kind"], key=row["key"][:100], score=row["score"], weight=row["weight"])
        for row in rows
    )
    return len(rows)


def video_preferences(*, artist) -> dict[str, dict[str, float]]:
    """{"source": {name: score}, "term": {term: score}} for the artist (one query)."""
    found: dict[str, dict[str, float]] = {VideoPreference.Kind.SOURCE: {}, VideoPreference.Kind.TERM: {}}
    for kind, key, score in VideoPreference.objects.filter(artist=artist).values_list("kind", "key", "score"):
        found[kind][key] = score
    return found


def preferred_terms(terms: list[str], scores: dict[str, float]) -> list[str]:
    """Terms with a learned score above neutral move to the front (best first); the rest keep their order."""
    liked = sorted((t for t in terms if scores.get(t, 0.5) > 0.5), key=lambda t: -scores[t])
    return [*liked, *(t for t in terms if t not in liked)]


def preferred_providers(names: list[str], scores: dict[str, float]) -> list[str]:
    """The configured chain with the learned sources reordered among their own slots (best first)."""
    scored = [name for name in names if name in scores]
    ranked = iter(sorted(scored, key=lambda name: -scores[name]))
    return [next(ranked) if name in scores else name for name in names]
