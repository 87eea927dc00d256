"""Music providers behind one interface: `get_music_provider(name).generate(request, workdir=...)`."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import MusicProvider, MusicRequest, MusicResult, normalise_key

__all__ = ["MusicProvider", "MusicRequest", "MusicResult", "get_music_provider", "normalise_key", "PROVIDERS"]

PROVIDERS = ("local", "suno", "replicate")


def get_music_provider(name: str | None = None) -> MusicProvider:
    """The provider called `name` (default: settings.MUSIC_PROVIDER); its credentials are checked now."""
    name = (name or settings.MUSIC_PROVIDER or "local").strip().lower()
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
