"""Video providers behind one interface, tried in the `VIDEO_PROVIDERS` order until one yields a clip."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..errors import ProviderError
from .base import Orientation, VideoProvider, VideoRequest, VideoResult

__all__ = [
    "PROVIDERS",
    "Orientation",
    "VideoProvider",
    "VideoRequest",
    "VideoResult",
    "get_video_provider",
    "query_terms_for",
    "video_for_run",
]

logger = logging.getLogger(__name__)

PROVIDERS = ("local", "pexels", "pixabay", "luma")


def get_video_provider(name: str) -> VideoProvider:
    """The provider called `name`; a missing credential raises ImproperlyConfigured now."""
    name = name.strip().lower()
    if name == "local":
        from .local import LocalVideoProvider

        return LocalVideoProvider()
    if name == "pexels":
        from .pexels import PexelsVideoProvider

        return PexelsVideoProvider()
    if name == "pixabay":
        from .pixabay import PixabayVideoProvider

        return PixabayVideoProvider()
    if name == "luma":
        from .luma import LumaVideoProvider

        return LumaVideoProvider()
    raise ImproperlyConfigured(f"VIDEO_PROVIDERS contains {name!r}, which is not one of {', '.join(PROVIDERS)}")


def video_for_run(request: VideoRequest, *, workdir: Path, providers: list[str] | None = None) -> VideoResult:
    """Walk the VIDEO_PROVIDERS chain: the first provider that produces a clip wins.

    The whole chain is configured up front, so a listed provider without its key is a
    configuration error, not a silent skip. A provider that fails (no results, vendor error,
    time limit) hands over to the next; when all fail the error lists every reason.
    `providers` reorders the chain (learned preferences); it defaults to VIDEO_PROVIDERS.
    """
    chain = [get_video_provider(name) for name in (providers or settings.VIDEO_PROVIDERS or ["local"])]
    failures: list[ProviderError] = []
    for provider in chain:
        try:
            result = provider.fetch(request, workdir=workdir)
        except ProviderError as exc:
            logger.warning("video provider %s failed, trying the next: %s", provider.name, exc.message)
            failures.append(exc)
            continue
        logger.info("video from %s (%s) after %d failed provider(s)", result.source, result.source_id, len(failures))
        return result
    raise ProviderError(
        "no video provider produced a clip: " + "; ".join(f"{f.provider}: {f.message}" for f in failures),
        provider="video-chain",
        transient=any(f.transient for f in failures),
        extra={"failures": [{"provider": f.provider, "message": f.message} for f in failures]},
    )


MOODS = {
    # (energetic, positive) -> stock-search words
    (True, True): ["neon party", "dancing lights", "vibrant city"],
    (True, False): ["dark city night", "intense lights", "storm"],
    (False, True): ["sunset", "calm ocean", "golden hour"],
    (False, False): ["rain window", "fog", "night drive"],
}


def query_terms_for(
    *, style_keywords: list[str], energy: float | None, valence: float | None, tempo: float | None
) -> list[str]:
    """Stock-search terms, most important first: the artist's visual keywords, then words for the track's mood."""
    terms: list[str] = []
    for keyword in style_keywords:
        word = " ".join(keyword.lower().replace("_", " ").split())
        if word and word not in terms:
            terms.append(word)
    terms = terms[:4]
    if energy is not None or valence is not None:
        energetic = (energy if energy is not None else 0.5) >= 0.55
        positive = (valence if valence is not None else 0.5) >= 0.5
        terms += MOODS[(energetic, positive)]
    if tempo is not None:
        if tempo >= 128:
            terms.append("fast motion")
        elif tempo <= 90:
            terms.append("slow motion")
    return list(dict.fromkeys(terms)) or ["abstract light"]
