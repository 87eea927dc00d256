"""Find or make a run's video along VIDEO_PROVIDERS, without ever sleeping on a vendor.

Stock searches (Pexels, Pixabay) and the local visualizer answer at once. A generating vendor
(Luma) gets the job and the stage ends, waiting: the pipeline stores the generation id on the
stage, and `video_check` (run by the scheduled vendor check or Luma's verified callback) looks
once and either stores the clip, keeps waiting, or moves on to the next provider once the job
failed or ran past VIDEO_POLL_TIME_LIMIT_SECONDS. Every provider left behind is recorded with
its reason on the stage. Like the music chain, each provider has a breaker in the shared cache
(namespace "video"): after PROVIDER_COOLDOWN_FAILURES failures in a row it is skipped for
PROVIDER_COOLDOWN_SECONDS.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from generation.models import GenerationRun, RunStage, Track, VideoClip
from generation.providers.errors import ProviderError
from generation.providers.video import VideoRequest, VideoResult, get_video_provider, query_terms_for
from generation.services.music import StageWaiting
from generation.services.stages import local_copy
from generation.services.video_learning import preferred_providers, preferred_terms, video_preferences
from kernel import breaker

logger = logging.getLogger(__name__)


@contextmanager
def _workdir(run: GenerationRun) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"noktvrn-run-{run.pk}-video-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class VideoPlan:
    """What the chain is asked for: the request, the search terms and the providers, in order."""

    request: VideoRequest
    terms: list[str]
    providers: list[str]


def video_plan(run: GenerationRun, *, workdir: Path) -> VideoPlan:
    """The request from the track's features and the artist's look, with what approved runs taught.

    Preferred terms come first, preferred stock sources are tried first (within the configured chain).
    """
    track = Track.objects.select_related("features").get(run=run)
    features = getattr(track, "features", None)
    visual = run.artist.identity.visual_identity
    learned = video_preferences(artist=run.artist)
    terms = query_terms_for(
        style_keywords=visual.style_keywords,
        energy=features.energy if features else None,
        valence=features.valence if features else None,
        tempo=features.tempo if features else None,
    )
    terms = preferred_terms(terms, learned["term"])
    providers = preferred_providers(list(settings.VIDEO_PROVIDERS or ["local"]), learned["source"])
    request = VideoRequest(
        query_terms=terms,
        orientation=settings.VIDEO_ORIENTATION,
        duration_seconds=track.duration or run.parameters.get("duration_seconds", 30),
        palette=visual.palette,
        title=run.title,
        artist_name=run.artist.name,
        audio_path=local_copy(track.audio, workdir),
        seed=run.seed,
    )
    return VideoPlan(request=request, terms=terms, providers=providers)


BREAKER = "video"


def _left(provider: str, exc: ProviderError, **extra) -> dict:
    """Count the failure on the provider's breaker and say why the chain moved on."""
    opened = breaker.record_failure(
        BREAKER, provider, failures=settings.PROVIDER_COOLDOWN_FAILURES, seconds=settings.PROVIDER_COOLDOWN_SECONDS
    )
    logger.warning("video provider %s failed, trying the next: %s", provider, exc.message)
    return {
        "provider": provider,
        "reason": (exc.message + (" (circuit opened)" if opened else ""))[:500],
        "transient": exc.transient,
        "at": timezone.now().isoformat(),
        **extra,
    }


def _skipped(provider: str, cooldown: float) -> dict:
    reason = f"circuit open after repeated failures ({cooldown:.0f} s left)"
    logger.info("video provider %s skipped: %s", provider, reason)
    return {"provider": provider, "reason": reason, "transient": True, "at": timezone.now().isoformat()}


def video_generate(run: GenerationRun, *, inline: bool, tried: list[dict] | None = None) -> None:
    """Walk the chain from the first provider not tried yet; raises StageWaiting when a vendor took the job.

    `inline` (the `run_batch --sync` path) waits for vendors in this process instead. The
    whole chain is configured up front: a listed provider without its key is a configuration
    error, not a silent skip.
    """
    if VideoClip.objects.filter(run=run).exists():
        return
    tried = list(tried or [])
    done = {entry["provider"] for entry in tried}
    with _workdir(run) as workdir:
        plan = video_plan(run, workdir=workdir)
        chain = [get_video_provider(name) for name in plan.providers]
        for provider in chain:
            if provider.name in done:
                continue
            cooldown = breaker.cooldown_remaining(BREAKER, provider.name)
            if cooldown > 0:
                tried.append(_skipped(provider.name, cooldown))
                continue
            if hasattr(provider, "submit") and not inline:
                try:
                    job_id = provider.submit(plan.request)
                except ProviderError as exc:
                    tried.append(_left(provider.name, exc))
                    continue
                raise StageWaiting(vendor=provider.name, job_id=job_id, providers=tried)
            try:
                result = provider.fetch(plan.request, workdir=workdir)
            except ProviderError as exc:
                tried.append(_left(provider.name, exc))
                continue
            breaker.record_success(BREAKER, provider.name)
            video_store(run=run, result=result, terms=plan.terms)
            return
    raise ProviderError(
        "no video provider produced a clip: " + "; ".join(f"{t['provider']}: {t['reason']}" for t in tried),
        provider="video-chain",
        transient=any(t.get("transient") for t in tried),
        extra={"failures": [{"provider": t["provider"], "message": t["reason"]} for t in tried]},
    )


def video_check(*, run: GenerationRun, record: RunStage) -> bool:
    """Look once at the vendor job the stage waits on. True when the clip now exists.

    A vendor that answers badly for a moment is asked again at the next check; a job that
    failed, or ran past VIDEO_POLL_TIME_LIMIT_SECONDS, hands over to the next provider (which
    may raise StageWaiting again, or ProviderError when the chain is exhausted).
    """
    if VideoClip.objects.filter(run=run).exists():
        return True
    provider = get_video_provider(record.vendor)
    expired = timezone.now() - record.started_at > timedelta(seconds=settings.VIDEO_POLL_TIME_LIMIT_SECONDS)
    with _workdir(run) as workdir:
        plan = video_plan(run, workdir=workdir)
        try:
            result = provider.check(record.vendor_job_id, plan.request, workdir=workdir)
        except ProviderError as exc:
            if exc.transient and not expired:
                logger.info("%s job %s: %s; asking again later", record.vendor, record.vendor_job_id, exc.message)
                return False
            tried = [*record.providers, _left(record.vendor, exc, job_id=record.vendor_job_id)]
        else:
            if result is not None:
                breaker.record_success(BREAKER, record.vendor)
                video_store(run=run, result=result, terms=plan.terms)
                return True
            if not expired:
                return False
            timeout = ProviderError(
                f"{record.vendor} job {record.vendor_job_id} gave no result within "
                f"{settings.VIDEO_POLL_TIME_LIMIT_SECONDS:g} s",
                provider=record.vendor,
                transient=True,
            )
            tried = [*record.providers, _left(record.vendor, timeout, job_id=record.vendor_job_id)]
    # The stage says why the vendor was left, whichever provider makes the clip now.
    RunStage.objects.filter(pk=record.pk).update(providers=tried)
    video_generate(run, inline=False, tried=tried)
    return True


def video_store(*, run: GenerationRun, result: VideoResult, terms: list[str]) -> None:
    """Save the clip as the run's one VideoClip (a duplicate delivery keeps the first)."""
    clip = VideoClip(
        run=run,
        query_terms=terms,
        source=result.source,
        source_id=result.source_id or "",
        url=result.url or "",
        licence=result.licence or "",
        attribution=result.attribution or "",
    )
    with Path(result.path).open("rb") as handle:
        clip.file.save(f"run-{run.pk}{Path(result.path).suffix or '.mp4'}", File(handle), save=False)
    try:
        with transaction.atomic():
            clip.save()
    except IntegrityError:
        clip.file.delete(save=False)
