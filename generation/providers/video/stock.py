"""What the stock-video clients share: search queries from terms, picking a file, finishing the clip."""

from __future__ import annotations

import random
from pathlib import Path

from django.conf import settings

from ..http import Step, download
from .base import Orientation, VideoRequest
from .mux import mux_clip

FALLBACK_QUERY = "abstract light"


def search_queries(terms: list[str]) -> list[str]:
    """Queries from most to least specific: the top three terms together, then fewer, then each alone."""
    clean = [" ".join(term.split()) for term in terms if term and term.strip()]
    queries = []
    for count in (3, 2, 1):
        if len(clean) >= count:
            queries.append(" ".join(clean[:count]))
    queries += clean[1:6]
    queries.append(FALLBACK_QUERY)
    return list(dict.fromkeys(q for q in queries if q))


def fits(width: int | None, height: int | None, orientation: Orientation) -> bool:
    if not width or not height:
        return False
    if orientation == "landscape":
        return width > height
    if orientation == "portrait":
        return height > width
    return abs(width - height) <= 0.1 * max(width, height)


def size_preference(width: int, height: int) -> int:
    """Lower is better: about 720p, never 4K (costly to fetch) when something smaller exists."""
    return abs(min(width, height) - 720)


def choose(candidates: list[dict], request: VideoRequest) -> dict:
    """Seeded choice among the best few candidates, preferring clips at least as long as the track."""
    wanted = min(request.duration_seconds, 10.0)
    ranked = sorted(candidates, key=lambda c: (float(c.get("duration") or 0) < wanted, c["_rank"]))
    return random.Random(request.seed).choice(ranked[:3])


def finish(*, provider: str, url: str, clip_id: str, request: VideoRequest, workdir: Path) -> Path:
    """Download the clip and put the track under it; returns the final MP4's path."""
    workdir.mkdir(parents=True, exist_ok=True)
    raw = workdir / f"{provider}-{clip_id}-source.mp4"
    step = Step(provider=provider, name="download", limit=settings.VIDEO_DOWNLOAD_TIME_LIMIT_SECONDS)
    download(url, raw, step=step, max_bytes=settings.VIDEO_MAX_DOWNLOAD_BYTES)
    out = workdir / f"video-{provider}-{clip_id}.mp4"
    mux_clip(raw, out, audio_path=request.audio_path, duration=request.duration_seconds, provider=provider)
    return out
