"""Which video sources and search terms go with approved and well-performing runs, with time decay.

Reward of a decided run: 1 approved, 0 rejected (approval by run status, the one definition),
plus up to ±0.5 when its release has performance: half the log2 ratio of its daily streams to the
artist's median release, clipped. Each run weighs 0.5 ** (age in days / half-life). A source's or
term's score is the weighted mean reward with a neutral prior (0.5, weight 1): a handful of runs
moves it a little, a steady pattern moves it a lot, and old runs fade.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from artists.models import Artist
from evolution.models import PerformanceRecord
from generation.models import APPROVED_STATUSES, REJECTED_STATUSES, VideoClip, VideoPreference
from generation.services.video_learning import video_preferences_store

PRIOR_SCORE, PRIOR_WEIGHT = 0.5, 1.0
WINDOW_DAYS = 180


def _performance_bonus(artist: Artist) -> dict[int, float]:
    """{run id: bonus} from each release's daily streams against the artist's median release."""
    rows = list(
        PerformanceRecord.objects.filter(artist=artist)
        .values("release__run_id")
        .annotate(streams=Sum("streams"), days=Count("date", distinct=True))
    )
    daily = {row["release__run_id"]: row["streams"] / max(1, row["days"]) for row in rows}
    if len(daily) < 2:
        return {}
    median = statistics.median(daily.values()) or 1.0
    return {run: max(-0.5, min(0.5, 0.5 * math.log2(max(value, 1e-9) / median))) for run, value in daily.items()}


def video_learning_refresh(*, artist: Artist, now: datetime | None = None) -> int:
    """Recompute the artist's video preferences; returns how many were stored."""
    now = now or timezone.now()
    half_life = settings.EVOLUTION_VIDEO_HALF_LIFE_DAYS
    clips = VideoClip.objects.filter(
        run__artist=artist,
        run__status__in=APPROVED_STATUSES | REJECTED_STATUSES,
        run__created_at__gte=now - timedelta(days=WINDOW_DAYS),
    ).values("run_id", "run__status", "run__created_at", "source", "query_terms")
    bonus = _performance_bonus(artist)
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for clip in clips:
        reward = (1.0 if clip["run__status"] in APPROVED_STATUSES else 0.0) + bonus.get(clip["run_id"], 0.0)
        age = max(0.0, (now - clip["run__created_at"]).total_seconds() / 86400)
        weight = 0.5 ** (age / half_life)
        keys = [(VideoPreference.Kind.SOURCE, clip["source"])]
        keys += [(VideoPreference.Kind.TERM, term) for term in clip["query_terms"] or []]
        for key in keys:
            sums[key][0] += weight * reward
            sums[key][1] += weight
    rows = [
        {
            "kind": kind,
            "key": key,
            "score": round((total + PRIOR_SCORE * PRIOR_WEIGHT) / (weight + PRIOR_WEIGHT), 4),
            "weight": round(weight, 3),
        }
        for (kind, key), (total, weight) in sums.items()
    ]
    return video_preferences_store(artist=artist, rows=rows)
