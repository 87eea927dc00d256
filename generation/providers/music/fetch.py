"""The last step every vendor music client shares: download its audio and convert it to our WAV."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

from kernel.errors import ApplicationError

from ..audio import to_wav
from ..errors import ProviderError
from ..http import Step, download
from .base import MusicResult

logger = logging.getLogger(__name__)

MAX_AUDIO_BYTES = 200 * 1024 * 1024


def fetch_vendor_audio(*, provider: str, job_id: str, url: str, workdir: Path, default_suffix: str) -> MusicResult:
    """Download `url` (time-limited, size-capped), convert to 44.1 kHz 16-bit stereo WAV, describe it."""
    original = workdir / f"{provider}-{job_id}{Path(url.split('?')[0]).suffix or default_suffix}"
    step = Step(provider=provider, name="download", limit=settings.MUSIC_DOWNLOAD_TIME_LIMIT_SECONDS)
    download(url, original, step=step, max_bytes=MAX_AUDIO_BYTES)
    path = workdir / f"track-{provider}-{job_id}.wav"
    try:
        duration = to_wav(original, path)
    except ApplicationError as exc:
        raise ProviderError(f"{provider} audio could not be decoded: {exc}", provider=provider) from exc
    logger.info("%s job %s downloaded: %.1f s of audio", provider, job_id, duration)
    return MusicResult(
        path=path,
        format="wav",
        provider=provider,
        job_id=job_id,
        duration=duration,
        source_url=url,
        original_path=original,
    )
