"""Audio analysis services: analyse a file, or a stored track's audio, and keep its features."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import get_valid_filename

from analytics.audio import AudioAnalysis, AudioAnalysisError, extract_features
from analytics.models import AnalysisJob, AudioFeatures
from kernel.errors import ApplicationError
from kernel.outbox import outbox_enqueue

logger = logging.getLogger(__name__)

# Fields of AudioAnalysis that are columns of AudioFeatures; everything else goes in `data`.
_COLUMNS = [
    "duration",
    "tempo",
    "tempo_confidence",
    "time_signature",
    "key",
    "mode",
    "key_confidence",
    "loudness_lufs",
    "true_peak_dbtp",
    "loudness_range_lu",
    "energy",
    "danceability",
    "valence",
    "acousticness",
    "instrumentalness",
    "speechiness",
]


def audio_analyse(*, path: str | Path, images_dir: Path | None = None) -> AudioAnalysis:
    """Analyse one file with the configured time and duration limits."""
    return extract_features(
        path,
        images_dir=images_dir,
        time_limit=settings.AUDIO_ANALYSIS_TIME_LIMIT_SECONDS,
        max_seconds=settings.AUDIO_ANALYSIS_MAX_SECONDS,
    )


def features_store(*, track_id: int, audio: FieldFile) -> tuple[AudioFeatures, AudioAnalysis]:
    """Analyse a stored audio file and keep its AudioFeatures for `track_id` (update-or-create: safe to repeat).

    The audio is copied to a local temporary file first, so this works with any storage
    backend (local disk or S3). Raises AudioAnalysisError when the audio is unusable.
    The caller owns the track: analytics knows tracks only by id.
    """
    if not audio:
        raise AudioAnalysisError(f"Track {track_id} has no audio file.", extra={"reason": "missing"})
    with tempfile.TemporaryDirectory(prefix="noktvrn-analysis-") as workdir:
        work = Path(workdir)
        suffix = Path(audio.name).suffix or ".wav"
        local = work / f"track-{track_id}{suffix}"
        try:
            with audio.open("rb") as source, local.open("wb") as target:
                shutil.copyfileobj(source, target, length=1024 * 1024)
        except FileNotFoundError as exc:
            raise AudioAnalysisError(
                f"The audio file of track {track_id} is missing from storage.", extra={"reason": "missing"}
            ) from exc
        analysis = audio_analyse(path=local, images_dir=work / "images")
        values = {name: getattr(analysis, name) for name in _COLUMNS}
        values["key"] = values["key"] or ""
        values["mode"] = values["mode"] or ""
        values["data"] = analysis.model_dump(mode="json", exclude={"path", "waveform_png", "spectrogram_png"})
        values["analyzer_version"] = analysis.analyzer_version
        with transaction.atomic():
            features, _ = AudioFeatures.objects.select_for_update().update_or_create(track_id=track_id, defaults=values)
            for field_name, png in (("waveform", analysis.waveform_png), ("spectrogram", analysis.spectrogram_png)):
                old = getattr(features, field_name)
                if old:
                    old.delete(save=False)
                if png:
                    with open(png, "rb") as handle:
                        getattr(features, field_name).save(
                            f"track-{track_id}-{field_name}.png", File(handle), save=False
                        )
            features.save()
    logger.info(
        "analysed track %s: %.1f s, %s BPM, %s %s, %s LUFS in %.2f s",
        track_id,
        analysis.duration,
        analysis.tempo,
        analysis.key,
        analysis.mode,
        analysis.loudness_lufs,
        analysis.seconds_taken,
    )
    return features, analysis


# --- Analysis of uploaded files, as jobs -----------------------------------------------------------
# An upload is analysed in a worker, never in the web request: the request stores the file and
# answers 202 with the job to poll. Each job is bounded in time (AUDIO_ANALYSIS_TIME_LIMIT_SECONDS),
# memory (long files are streamed down to 22.05 kHz first) and number per user; every
# temporary file is removed when it ends, and the sweep removes what a killed process left.

TEMP_PREFIXES = ("noktvrn-analysis-",)
_DECIMATED_RATE = 22_050
_BLOCK_FRAMES = 1 << 16


class TooManyAnalysisJobs(ApplicationError):
    status_code = 429
    code = "too_many_jobs"


def analysis_job_enqueue(*, upload: UploadedFile, actor: AbstractBaseUser | None) -> AnalysisJob:
    """Store the upload and queue its analysis; refuse (429) a user with too many jobs unfinished."""
    limit = settings.AUDIO_ANALYSIS_JOBS_PER_USER
    owner = actor if actor is not None and actor.is_authenticated else None
    filename = Path(upload.name or "upload").name[:255] or "upload"
    with transaction.atomic():
        if owner is not None:
            # Lock the user's row so that two uploads at once cannot both pass the count.
            type(owner).objects.select_for_update().filter(pk=owner.pk).first()
            unfinished = AnalysisJob.objects.filter(
                created_by=owner, status__in=[AnalysisJob.Status.QUEUED, AnalysisJob.Status.RUNNING]
            ).count()
            if unfinished >= limit:
                raise TooManyAnalysisJobs(
                    f"You have {unfinished} analyses queued or running; the limit is {limit}. Wait for one to finish.",
                    extra={"limit": limit},
                )
        job = AnalysisJob(filename=filename, size=upload.size or 0, created_by=owner)
        job.upload.save(get_valid_filename(filename) or "upload", upload, save=False)
        job.save()
        key = f"analysis-job-{job.pk}"
        outbox_enqueue(task="analytics.tasks.run_analysis_job", args=[job.pk], task_name=key, key=key)
    return job


def _public_message(message: str, *, local: Path, filename: str) -> str:
    """An error message a client may see: server paths replaced by the client's file name."""
    message = message.replace(str(local), filename)
    return re.sub(re.escape(tempfile.gettempdir()) + r"/[^\s'\":,)]*", filename, message)


def audio_bounded_copy(source: Path, work: Path, *, max_seconds: float) -> tuple[Path, list[str]]:
    """The file to analyse: `source` itself, or for long audio a 22.05 kHz copy made in blocks.

    Decoding a 45-minute file at full rate needs gigabytes; streaming it through soxr block by
    block keeps memory to a few megabytes here and halves what the analyser holds (tempo, key
    and the descriptors are computed at 22.05 kHz anyway). Stereo stays stereo, so loudness is
    still measured over both channels (band-limited to 11 kHz: approximate). Formats libsndfile
    cannot open are left to the analyser's decoder (bounded by max_seconds).
    """
    try:
        handle = sf.SoundFile(str(source))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return source, []
    with handle:
        rate, frames, channels = handle.samplerate, handle.frames, handle.channels
        if rate <= 0 or frames <= 0:
            return source, []
        seconds = frames / rate
        if seconds > max_seconds:
            raise AudioAnalysisError(
                f"{source.name} is {seconds / 60:.1f} min long; the limit is {max_seconds / 60:.0f} min.",
                extra={"reason": "too_long"},
            )
        if seconds <= settings.AUDIO_ANALYSIS_FULL_RATE_MAX_SECONDS or rate <= _DECIMATED_RATE:
            return source, []
        kept = channels if channels <= 2 else 1  # surround is folded to mono
        target = work / f"{source.stem}-decimated.wav"
        stream = soxr.ResampleStream(rate, _DECIMATED_RATE, kept, dtype="float32", quality="HQ")
        with sf.SoundFile(str(target), "w", samplerate=_DECIMATED_RATE, channels=kept, subtype="FLOAT") as out:
            while True:
                block = handle.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
                last = len(block) < _BLOCK_FRAMES
                if kept != channels:
                    block = block.mean(axis=1, keepdims=True, dtype=np.float32)
                out.write(stream.resample_chunk(np.ascontiguousarray(block), last=last))
                if last:
                    break
    note = (
        f"decimated: {seconds / 60:.1f} min of audio analysed at {_DECIMATED_RATE} Hz to bound memory; "
        "loudness and true peak are approximate"
    )
    return target, [note]


def analysis_job_run(*, job_id: int) -> AnalysisJob | None:
    """Analyse a queued job's upload; a job already taken or finished is left alone (safe to repeat)."""
    claimed = AnalysisJob.objects.filter(pk=job_id, status=AnalysisJob.Status.QUEUED).update(
        status=AnalysisJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    job = AnalysisJob.objects.get(pk=job_id)
    started = time.monotonic()
    local = Path(tempfile.gettempdir()) / "noktvrn-analysis-unset"
    try:
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIXES[0]) as workdir:
            work = Path(workdir)
            local = work / (get_valid_filename(job.filename) or "upload")
            try:
                with job.upload.open("rb") as source, local.open("wb") as target:
                    shutil.copyfileobj(source, target, length=1024 * 1024)
            except (FileNotFoundError, ValueError) as exc:
                missing = AudioAnalysisError("The uploaded file is gone from storage.", extra={"reason": "missing"})
                raise missing from exc
            prepared, notes = audio_bounded_copy(local, work, max_seconds=settings.AUDIO_ANALYSIS_MAX_SECONDS)
            analysis = audio_analyse(path=prepared)
            result = analysis.model_dump(mode="json", exclude={"path", "waveform_png", "spectrogram_png"})
            result["warnings"] = [*notes, *result.get("warnings", [])]
            result["filename"] = job.filename
        job.status, job.result, job.error = AnalysisJob.Status.SUCCEEDED, result, None
    except ApplicationError as exc:
        detail = _public_message(exc.message, local=local, filename=job.filename)
        extra = {key: value for key, value in (exc.extra or {}).items() if isinstance(value, (str, int, float))}
        job.status, job.error = AnalysisJob.Status.FAILED, {"detail": detail, "code": exc.code, **extra}
    except Exception:
        logger.exception("analysis job %s failed", job.pk)
        job.status = AnalysisJob.Status.FAILED
        job.error = {"detail": "The analysis failed on the server.", "code": "error", "reason": "internal"}
    finally:
        job.finished_at = timezone.now()
        job.duration_ms = round((time.monotonic() - started) * 1000)
        _upload_delete(job)
        job.save(update_fields=["status", "result", "error", "finished_at", "duration_ms", "upload"])
    logger.info("analysis job %s %s in %d ms", job.pk, job.status, job.duration_ms)
    return job


def _upload_delete(job: AnalysisJob) -> None:
    if job.upload:
        try:
            job.upload.delete(save=False)
        except OSError:
            logger.warning("could not delete the upload of analysis job %s", job.pk, exc_info=True)


def analysis_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Recover and clean up after killed processes; safe to run at any time, on any host.

    - a job running longer than the worker timeout lost its worker: failed, upload deleted;
    - a job queued longer than the broker's redelivery delay lost its task: queued again;
    - a finished job's upload that survived (a crash between the two steps) is deleted;
    - temporary analysis folders and streamed request uploads older than
      ANALYSIS_TEMP_MAX_AGE_MINUTES (a killed worker or web process) are removed.
    """
    now = now or timezone.now()
    counts = {"failed": 0, "requeued": 0, "uploads_deleted": 0, "temp_removed": 0}
    worker_timeout = timedelta(seconds=settings.Q_CLUSTER.get("timeout") or 600)
    for job in AnalysisJob.objects.filter(status=AnalysisJob.Status.RUNNING, started_at__lt=now - worker_timeout):
        updated = AnalysisJob.objects.filter(pk=job.pk, status=AnalysisJob.Status.RUNNING).update(
            status=AnalysisJob.Status.FAILED,
            finished_at=now,
            error={
                "detail": "The worker analysing this file stopped (killed or timed out).",
                "code": "interrupted",
                "reason": "worker_lost",
            },
        )
        counts["failed"] += updated
    redelivery = timedelta(seconds=settings.Q_CLUSTER.get("retry") or 660)
    for job_id in AnalysisJob.objects.filter(
        status=AnalysisJob.Status.QUEUED, created_at__lt=now - redelivery
    ).values_list("pk", flat=True):
        key = f"analysis-job-{job_id}"
        outbox_enqueue(task="analytics.tasks.run_analysis_job", args=[job_id], task_name=f"{key}-again", key=key)
        counts["requeued"] += 1
    for job in AnalysisJob.objects.filter(status__in=[AnalysisJob.Status.SUCCEEDED, AnalysisJob.Status.FAILED]).exclude(
        upload=""
    ):
        _upload_delete(job)
        job.save(update_fields=["upload"])
        counts["uploads_deleted"] += 1
    counts["temp_removed"] = temp_files_sweep(now=now)
    if any(counts.values()):
        logger.info("analysis sweep: %s", counts)
    return counts


def temp_files_sweep(*, now: datetime | None = None) -> int:
    """Remove our temporary analysis folders and streamed uploads older than the age limit."""
    cutoff = (now or timezone.now()).timestamp() - settings.ANALYSIS_TEMP_MAX_AGE_MINUTES * 60
    removed = 0
    candidates = [path for path in Path(tempfile.gettempdir()).iterdir() if path.name.startswith(TEMP_PREFIXES)]
    uploads = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if uploads.is_dir():
        candidates.extend(uploads.iterdir())
    for path in candidates:
        try:
            if path.lstat().st_mtime >= cutoff:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError:
            logger.warning("could not remove temporary %s", path, exc_info=True)
    return removed
