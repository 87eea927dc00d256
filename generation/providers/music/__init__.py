"""Music providers behind one interface, tried in the `MUSIC_PROVIDERS` order until one makes the track.

Vendor providers (Suno, Replicate) work as jobs: `submit` returns the vendor's job id and
`check` looks at it once, so the pipeline stores the id and ends the task instead of
sleeping on the vendor. The local synthesizer renders at once (`generate`). Each provider
has a circuit breaker in the shared cache: after PROVIDER_COOLDOWN_FAILURES failures in a
row it is skipped for PROVIDER_COOLDOWN_SECONDS.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kernel import breaker

from .base import MusicJobProvider, MusicProvider, MusicRequest, MusicResult, normalise_key

__all__ = [
    "PROVIDERS",
    "MusicJobProvider",
    "MusicProvider",
    "MusicRequest",
    "MusicResult",
    "get_music_provider",
    "music_chain",
    "music_breaker_failure",
    "music_breaker_success",
    "music_cooldown_remaining",
    "normalise_key",
]

PROVIDERS = ("local", "suno", "replicate")
BREAKER = "music"


def music_chain() -> list[str]:
    """The providers to try, in order: MUSIC_PROVIDERS, or MUSIC_PROVIDER alone (a one-element chain)."""
    names = [name.strip().lower() for name in (settings.MUSIC_PROVIDERS or []) if name.strip()]
    names = names or [(settings.MUSIC_PROVIDER or "local").strip().lower()]
    unknown = [name for name in names if name not in PROVIDERS]
    if unknown:
        raise ImproperlyConfigured(f"MUSIC_PROVIDERS contains {', '.join(unknown)}; known: {', '.join(PROVIDERS)}")
    return list(dict.fromkeys(names))


def get_music_provider(name: str | None = None) -> MusicProvider:
    """The provider called `name` (default: the chain's first); its credentials are checked now."""
    name = (name or music_chain()[0]).strip().lower()
    if name == "local":
        from .local import LocalMusicProvider

        return LocalMusicProvider()
    if name == "suno":
        from .suno import SunoMusicProvider

        return SunoMusicProvider()
    if name == "replicate":
        from .replicate import ReplicateMusicProvider

        return ReplicateMusicProvider()
    raise ImproperlyConfigured(f"MUSIC_PROVIDER={name!r} is not one of {', '.join(PROVIDERS)}")


def music_cooldown_remaining(name: str) -> float:
    return breaker.cooldown_remaining(BREAKER, name)


def music_breaker_failure(name: str) -> bool:
    """Count a failed job or submission; True when it opened the provider's breaker."""
    return breaker.record_failure(
        BREAKER, name, failures=settings.PROVIDER_COOLDOWN_FAILURES, seconds=settings.PROVIDER_COOLDOWN_SECONDS
    )


def music_breaker_success(name: str) -> None:
    breaker.record_success(BREAKER, name)
