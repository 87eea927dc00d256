"""Demo performance: believable daily figures for released tracks, so `make run` shows scores and alerts.

Deterministic per release (its ISRC seeds the generator). The last week jumps or falls for
some releases, so the baseline alert has something to say.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

PLATFORMS = {"spotify": 1.0, "apple_music": 0.35, "youtube": 0.6}


def demo_performance_rows(
    *, isrc: str, countries: list[str], end: dt.date, days: int = 56, last_week_factor: float | None = None
) -> list[dict[str, Any]]:
    """Daily rows per platform and country for `days` days up to `end` (inclusive)."""
    rng = random.Random(isrc)
    base = rng.uniform(300, 2500)
    factor = last_week_factor if last_week_factor is not None else rng.choice([0.55, 1.0, 1.0, 1.9])
    weights = [rng.uniform(0.5, 1.5) for _ in countries]
    rows = []
    for offset in range(days):
        day = end - dt.timedelta(days=days - 1 - offset)
        # A slow decay after release, a weekly rhythm (weekends higher), noise, and the last week's move.
        level = base * (1.2 - 0.3 * offset / days) * (1.15 if day.weekday() >= 5 else 1.0)
        if offset >= days - 7:
            level *= factor
        for platform, share in PLATFORMS.items():
            for country, weight in zip(countries, weights, strict=True):
                streams = max(0, int(level * share * weight * rng.uniform(0.85, 1.15)))
                listeners = int(streams * rng.uniform(0.55, 0.8))
                rows.append(
                    {
                        "isrc": isrc,
                        "platform": platform,
                        "date": day.isoformat(),
                        "country": country,
                        "streams": streams,
                        "listeners": listeners,
                        "saves": int(listeners * rng.uniform(0.02, 0.06)),
                        "playlist_adds": int(math.sqrt(streams) * rng.uniform(0.05, 0.2)),
                    }
                )
    return rows
