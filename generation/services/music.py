"""Make a run's track along the music chain, without ever sleeping on a vendor.

A vendor provider (Suno, Replicate) gets the job and the stage ends, waiting: the pipeline
stores the vendor's job id on the stage, and `track_check` (run by the scheduled check or
the vendor's callback) looks once and either stores the track, keeps waiting, or moves on
to the next provider. The local synthesizer renders at once. Every provider left behind is
recorded with its reason (circuit open, vendor refused, job failed, too slow) on the stage
and, once made, on the track.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from generation.models import GenerationRun, RunStage, Track
from generation.providers.errors import ProviderError
from generation.providers.music import (
    MusicRequest,
    MusicResult,
    get_music_provider,
    music_breaker_failure,
    music_breaker_success,
    music_chain,
    music_cooldown_remaining,
)

logger = logging.getLogger(__name__)


class StageWaiting(Exception):
    """Not an error: the stage handed its work to a vendor and ends; a check resumes it."""

    def __init__(self, *, vendor: str, job_id: str, providers: list[dict]) -> None:
        super().__init__(f"waiting on {vendor} job {job_id}")
        self.vendor = vendor
        self.job_id = job_id
        self.providers = providers


@contextmanager
def _workdir(run: GenerationRun) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"noktvrn-run-{run.pk}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def music_request(run: GenerationRun) -> MusicRequest:
    """What the providers are asked for: the run's parameters and prompts."""
    parameters = run.parameters
    style = run.prompts.get("style", "")
    if parameters.get("blend_genre"):
        style = f"{style}, {parameters['blend_genre']}".strip(", ")
    return MusicRequest(
        prompt=run.prompts.get("music_prompt", ""),
        style=style[:1000],
        title=run.title or f"Run {run.pk}",
        genre=parameters.get("genre", "electronic"),
        tempo=parameters.get("tempo", 120),
        key=parameters.get("key", "C"),
        mode=parameters.get("mode", "minor"),
        energy=parameters.get("energy", 0.6),
        duration_seconds=parameters.get("duration_seconds", 30),
        seed=run.seed,
        # Lyrics are sung by the music provider (the local singer, or a vendor that sings), unless
        # ElevenLabs is configured: then it voices a line over an instrumental.
        instrumental=not run.prompts.get("lyrics", "").strip() or bool(settings.ELEVENLABS_API_KEY),
        lyrics=run.prompts.get("lyrics", "")[:5000],
        voice=run.artist.identity.voice[:500],
    )


def _left(provider: str, reason: str, **extra) -> dict:
    return {"provider": provider, "reason": reason[:500], "at": timezone.now().isoformat(), **extra}


def _failed(provider: str, exc: ProviderError, **extra) -> dict:
    opened = music_breaker_failure(provider)
    logger.warning("music provider %s failed, trying the next: %s", provider, exc.message)
    return _left(provider, exc.message + (" (circuit opened)" if opened else ""), transient=exc.transient, **extra)


def track_generate(run: GenerationRun, *, inline: bool, tried: list[dict] | None = None) -> None:
    """Walk the chain from the first provider not tried yet; raises StageWaiting when a vendor took the job.

    `inline` (the `run_batch --sync` path) waits for vendors in this process instead.
    The whole chain is configured up front: a listed provider without its key is a
    configuration error, not a silent skip.
    """
    if Track.objects.filter(run=run).exists():
        return
    tried = list(tried or [])
    done = {entry["provider"] for entry in tried}
    chain = [(name, get_music_provider(name)) for name in music_chain()]
    request = music_request(run)
    for name, provider in chain:
        if name in done:
            continue
        cooldown = music_cooldown_remaining(name)
        if cooldown > 0:
            tried.append(_left(name, f"circuit open after repeated failures ({cooldown:.0f} s left)", transient=True))
            continue
        if hasattr(provider, "submit") and not inline:
            try:
                job_id = provider.submit(request)
            except ProviderError as exc:
                tried.append(_failed(name, exc))
                continue
            raise StageWaiting(vendor=name, job_id=job_id, providers=tried)
        with _workdir(run) as workdir:
            try:
                result = provider.generate(request, workdir=workdir)
            except ProviderError as exc:
                tried.append(_failed(name, exc))
                continue
            music_breaker_success(name)
            track_store(run=run, result=result, workdir=workdir, provider_log=tried)
        return
    raise ProviderError(
        "no music provider made the track: " + "; ".join(f"{t['provider']}: {t['reason']}" for t in tried),
        provider="music-chain",
        transient=any(t.get("transient") for t in tried),
        extra={"providers": tried},
    )


def track_check(*, run: GenerationRun, record: RunStage) -> bool:
    """Look once at the vendor job the stage waits on. True when the track now exists.

    A vendor that answers badly for a moment is asked again at the next check; a job that
    failed, or ran past MUSIC_POLL_TIME_LIMIT_SECONDS, hands over to the next provider
    (which may raise StageWaiting again, or ProviderError when the chain is exhausted).
    """
    if Track.objects.filter(run=run).exists():
        return True
    provider = get_music_provider(record.vendor)
    request = music_request(run)
    expired = timezone.now() - record.started_at > timedelta(seconds=settings.MUSIC_POLL_TIME_LIMIT_SECONDS)
    with _workdir(run) as workdir:
        try:
            result = provider.check(record.vendor_job_id, request, workdir=workdir)
        except ProviderError as exc:
            if exc.transient and not expired:
                logger.info("%s job %s: %s; asking again later", record.vendor, record.vendor_job_id, exc.message)
                return False
            tried = [*record.providers, _failed(record.vendor, exc, job_id=record.vendor_job_id)]
            track_generate(run, inline=False, tried=tried)
            return True
        if result is None:
            if not expired:
                return False
            if hasattr(provider, "cancel"):
                provider.cancel(record.vendor_job_id)
            timeout = ProviderError(
                f"{record.vendor} job {record.vendor_job_id} gave no result within "
                f"{settings.MUSIC_POLL_TIME_LIMIT_SECONDS:g} s",
                provider=record.vendor,
                transient=True,
            )
            tried = [*record.providers, _failed(record.vendor, timeout, job_id=record.vendor_job_id)]
            track_generate(run, inline=False, tried=tried)
            return True
        music_breaker_success(record.vendor)
        track_store(run=run, result=result, workdir=workdir, provider_log=record.providers)
    return True


def track_store(*, run: GenerationRun, result: MusicResult, workdir: Path, provider_log: list[dict]) -> None:
    """Save the audio as the run's one Track (with the spoken vocal when lyrics exist)."""
    from generation.providers.voice import add_vocal

    audio_path = result.path
    lyrics = run.prompts.get("lyrics", "")
    if lyrics.strip():
        # add_vocal picks the line to speak itself (it skips section tags like "[Verse]").
        audio_path = add_vocal(track_path=audio_path, text=lyrics, workdir=workdir) or audio_path
    track = Track(
        run=run,
        duration=result.duration,
        provider=result.provider,
        provider_job_id=result.job_id,
        provider_log=provider_log,
        lyrics=lyrics,
    )
    with audio_path.open("rb") as handle:
        track.audio.save(f"run-{run.pk}.wav", File(handle), save=False)
    try:
        with transaction.atomic():
            track.save()
    except IntegrityError:
        # Another delivery of this task won the race; keep its track, drop our file.
        track.audio.delete(save=False)
