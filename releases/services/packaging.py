"""From an approved run to a complete, checked release package.

`release_package` is idempotent: one Release per run (the OneToOne), the run's status
guard (approved -> releasing is one conditional UPDATE) and the release lock make a
duplicated or retried job return the existing release instead of packaging twice.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import traceback
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from generation.models import GenerationRun, RunStatus
from generation.providers.cover import render_cover, save_cover_jpeg
from generation.services.state import InvalidTransition, run_transition
from kernel.errors import ConflictError, NotFoundError
from releases.models import Release, ReleaseAsset
from releases.schemas import PromptsUsed, ReleaseMetadata
from releases.services import audio, ddex, qc
from releases.services.common import logger, release_delivery_enqueue, release_event, release_lock, sha256_file
from releases.services.identifiers import release_identifiers_assign
from releases.services.summary import release_summary
from releases.services.teaser import teaser_render, teaser_window

Kind = ReleaseAsset.Kind
# The order files are listed in metadata.json and sent to distributors (DDEX message last).
PACKAGE_ORDER = [
    Kind.AUDIO_WAV,
    Kind.AUDIO_FLAC,
    Kind.COVER,
    Kind.VIDEO,
    Kind.TEASER,
    Kind.PROMPTS,
    Kind.METADATA,
    Kind.DDEX,
]


class ReleaseNotAllowed(ConflictError):
    code = "release_not_allowed"


@dataclass
class _Build:
    """Files written so far into the working folder, by kind."""

    workdir: Path
    files: dict[str, Path] = field(default_factory=dict)
    checks: list[qc.QCCheck] = field(default_factory=list)

    def add(self, kind: str, path: Path) -> Path:
        self.files[kind] = path
        return path


def _release_claim(run: GenerationRun) -> tuple[Release, bool]:
    """The run's release and whether this job should build it."""
    release = Release.objects.filter(run_id=run.pk).first()
    if release is None:
        try:
            with transaction.atomic():
                run_transition(
                    run=run.pk,
                    from_status=RunStatus.APPROVED,
                    to_status=RunStatus.RELEASING,
                    reason="packaging the release",
                )
                release = Release.objects.create(
                    run=run,
                    artist_id=run.artist_id,
                    title=run.title or f"Run {run.pk}",
                    status=Release.Status.PENDING,
                    locked_until=timezone.now() + timedelta(seconds=settings.RELEASE_LOCK_SECONDS),
                )
        except InvalidTransition as exc:
            release = Release.objects.filter(run_id=run.pk).first()
            if release is None:  # not approved, and nobody else is packaging it
                run.refresh_from_db(fields=["status"])
                raise ReleaseNotAllowed(
                    f"Run {run.pk} is {run.status}; only an approved run can be packaged.",
                    {"run": run.pk, "status": run.status},
                ) from exc
            return release, False
        return release, True
    if release.status != Release.Status.PENDING:
        return release, False  # already packaged: duplicated or late job
    if not release_lock(release=release, statuses=[Release.Status.PENDING]):
        return release, False  # another job is building it right now
    run.refresh_from_db(fields=["status"])
    if run.status == RunStatus.RELEASE_FAILED:  # an earlier attempt crashed; this one takes over
        run_transition(run=run.pk, from_status=RunStatus.RELEASE_FAILED, to_status=RunStatus.RELEASING)
    return release, True


def _track_source(run: GenerationRun, build: _Build) -> tuple[Path | None, str]:
    try:
        track = run.track
    except ObjectDoesNotExist:
        return None, f"Run {run.pk} has no track."
    if not track.audio:
        return None, f"The track of run {run.pk} has no audio file."
    target = build.workdir / f"source{Path(track.audio.name).suffix.lower() or '.audio'}"
    try:
        with track.audio.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except OSError as exc:
        return None, f"The track's audio file {track.audio.name} cannot be opened: {exc}"
    return target, ""


def _features(run: GenerationRun):
    try:
        return run.track.features
    except ObjectDoesNotExist:
        return None


def _cover(run: GenerationRun, release: Release, path: Path) -> str:
    """Write the cover JPEG; the run's own cover when it has one, else a rendered one."""
    side = settings.RELEASE_COVER_SIZE
    if run.cover:
        try:
            with run.cover.open("rb") as stream:
                image = Image.open(stream)
                image.load()
        except (OSError, UnidentifiedImageError) as exc:
            raise _qc_stop("cover_readable", f"The run's cover {run.cover.name} cannot be read: {exc}") from exc
        source = "run"
        if image.format == "JPEG" and image.mode == "RGB" and image.size == (side, side):
            with run.cover.open("rb") as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)  # already what stores want: keep the original bytes
            return source
        if image.width == image.height and image.width > side:
            image = image.resize((side, side), Image.Resampling.LANCZOS)
    else:
        identity = run.artist.identity.visual_identity
        image = render_cover(
            artist_name=run.artist.name,
            title=release.title,
            palette=identity.palette,
            typography=identity.typography,
            seed=run.seed,
            size=side,
            genre=run.artist.identity.primary_genre,
        )
        source = "rendered"
    save_cover_jpeg(image, path, max_bytes=settings.RELEASE_COVER_MAX_BYTES)
    return source


class _QCStop(Exception):
    """A check failed so early that the rest of the package cannot be built."""

    def __init__(self, check: qc.QCCheck) -> None:
        super().__init__(check.message)
        self.check = check


def _qc_stop(name: str, message: str) -> _QCStop:
    return _QCStop(qc.QCCheck(name=name, passed=False, message=message))


def _structure(features, master: np.ndarray) -> tuple[str, list[dict]]:
    stored = list((features.data or {}).get("sections") or []) if features is not None else []
    sections = [
        {
            "start": float(s["start"]),
            "end": float(s["end"]),
            "label": str(s.get("label") or ""),
            "energy": s.get("energy"),
        }
        for s in stored
        if isinstance(s, dict) and "start" in s and "end" in s
    ]
    if sections:
        return "analysis", sections
    return "energy", audio.energy_sections(master, audio.MASTER_SAMPLE_RATE)


def _mmss(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def _structure_summary(sections: list[dict]) -> str:
    if not sections:
        return "A single continuous section."
    parts = [f"{s.get('label') or 'section'} {_mmss(float(s['start']))}-{_mmss(float(s['end']))}" for s in sections]
    return f"{len(sections)} sections: " + ", ".join(parts) + "."


def _file_entries(build: _Build) -> list[dict]:
    entries = []
    for kind in PACKAGE_ORDER:
        path = build.files.get(kind)
        if path is None or kind == Kind.METADATA:
            continue
        digest, size = sha256_file(path)
        entries.append({"name": path.name, "kind": str(kind), "sha256": digest, "size": size})
    return entries


def _build(release: Release, run: GenerationRun, build: _Build) -> dict:
    """Write every file of the package into the working folder; return metadata.json's content."""
    release_identifiers_assign(release=release)
    if release.release_date is None:
        release.release_date = timezone.localdate() + timedelta(days=settings.RELEASE_DATE_OFFSET_DAYS)
    upc, isrc = release.upc, release.isrc
    source_path, problem = _track_source(run, build)
    if source_path is None:
        raise _qc_stop("audio_present", problem)
    try:
        source = audio.audio_read(source_path)
    except audio.AudioReadError as exc:
        raise _QCStop(qc.qc_audio_unreadable(exc.message)[0]) from exc
    build.checks += qc.qc_source_audio(source)

    master, stats = audio.audio_master(
        source,
        normalize=settings.RELEASE_NORMALIZE,
        target_lufs=settings.RELEASE_TARGET_LUFS,
        max_true_peak=settings.RELEASE_MAX_TRUE_PEAK,
    )
    wav = build.add(Kind.AUDIO_WAV, build.workdir / f"{isrc}.wav")
    flac = build.add(Kind.AUDIO_FLAC, build.workdir / f"{isrc}.flac")
    audio.audio_write_master(master, wav_path=wav, flac_path=flac, seed=run.seed)
    build.checks += qc.qc_master(wav)
    duration = master.shape[0] / audio.MASTER_SAMPLE_RATE

    cover_path = build.add(Kind.COVER, build.workdir / f"{upc}.jpg")
    cover_source = _cover(run, release, cover_path)
    build.checks += qc.qc_cover(cover_path)

    video = getattr(run, "video", None)  # a missing reverse one-to-one is an AttributeError
    has_video = bool(video is not None and video.file)
    if has_video:
        target = build.add(Kind.VIDEO, build.workdir / f"{upc}_video{Path(video.file.name).suffix.lower() or '.mp4'}")
        with video.file.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    build.checks.append(qc.qc_optional_asset("video_present", has_video, "Video"))

    features = _features(run)
    structure_source, sections = _structure(features, master)
    window = teaser_window(
        duration=duration,
        sections=sections if structure_source == "analysis" else None,
        loudest_start=audio.loudest_window(
            master, audio.MASTER_SAMPLE_RATE, min(duration, settings.RELEASE_TEASER_MIN_SECONDS)
        ),
        min_seconds=settings.RELEASE_TEASER_MIN_SECONDS,
        max_seconds=settings.RELEASE_TEASER_MAX_SECONDS,
    )
    if settings.RELEASE_TEASER_FPS <= 0 or settings.RELEASE_TEASER_WIDTH < 64:
        raise ImproperlyConfigured("RELEASE_TEASER_FPS must be positive and RELEASE_TEASER_WIDTH at least 64.")
    with Image.open(cover_path) as cover_image:
        teaser_render(
            audio=master,
            window=window,
            cover=cover_image,
            title=release.title,
            artist=run.artist.name,
            out_path=build.add(Kind.TEASER, build.workdir / f"{upc}_teaser_9x16.mp4"),
            width=settings.RELEASE_TEASER_WIDTH,
            fps=settings.RELEASE_TEASER_FPS,
        )

    prompts = PromptsUsed(
        run_id=run.pk, variant=run.variant, seed=run.seed, parameters=run.parameters or {}, prompts=run.prompts or {}
    )
    build.add(Kind.PROMPTS, build.workdir / "prompts_used.json").write_text(
        json.dumps(prompts.model_dump(mode="json"), indent=2, ensure_ascii=False)
    )

    params = run.parameters or {}
    genre = params.get("genre") or run.artist.primary_genre
    label = settings.RELEASE_LABEL_NAME
    wav_digest, _ = sha256_file(wav)
    cover_digest, _ = sha256_file(cover_path)
    xml = ddex.ddex_build(
        ddex.DdexRelease(
            message_id=f"{upc}-{timezone.now():%Y%m%d%H%M%S}",
            created_at=timezone.now(),
            sender_dpid=settings.RELEASE_DDEX_SENDER_DPID,
            sender_name=settings.RELEASE_DDEX_SENDER_NAME or label,
            recipient_dpid=settings.RELEASE_DDEX_RECIPIENT_DPID,
            recipient_name=settings.RELEASE_DDEX_RECIPIENT_NAME or ", ".join(settings.DISTRIBUTORS),
            artist_name=run.artist.name,
            label_name=label,
            title=release.title,
            genre=genre or "",
            isrc=isrc,
            upc=upc,
            duration_seconds=duration,
            release_date=release.release_date,
            territories=settings.RELEASE_TERRITORIES,
            audio=ddex.DdexFile(uri=wav.name, sha256=wav_digest),
            cover=ddex.DdexFile(uri=cover_path.name, sha256=cover_digest),
            cover_size=settings.RELEASE_COVER_SIZE,
        )
    )
    build.add(Kind.DDEX, build.workdir / f"{upc}.xml").write_bytes(xml)
    build.checks += qc.qc_ddex(ddex.ddex_missing(xml))
    build.checks.append(
        qc.QCCheck(
            name="ddex_party_ids",
            passed=bool(settings.RELEASE_DDEX_SENDER_DPID and settings.RELEASE_DDEX_RECIPIENT_DPID),
            severity="warning",
            message="DDEX sender and recipient DPIDs are set."
            if settings.RELEASE_DDEX_SENDER_DPID and settings.RELEASE_DDEX_RECIPIENT_DPID
            else "RELEASE_DDEX_SENDER_DPID / RELEASE_DDEX_RECIPIENT_DPID are not set; a DSP ingesting the "
            "message directly will want them.",
        )
    )

    tempo = (features.tempo if features is not None else None) or params.get("tempo")
    key = (features.key if features is not None else "") or params.get("key") or None
    mode = (features.mode if features is not None else "") or params.get("mode") or None
    facts = {
        "title": release.title,
        "artist": run.artist.name,
        "genre": genre,
        "tempo": tempo,
        "key": key,
        "mode": mode,
        "duration_seconds": round(duration, 1),
        "structure": _structure_summary(sections),
        "peak_at": window.start,
        "persona": run.artist.identity.persona,
    }
    summary, summary_source = release_summary(run=run, facts=facts)
    metadata = {
        "schema_version": "1.0",
        "release_id": release.pk,
        "run_id": run.pk,
        "artist": {"id": run.artist_id, "name": run.artist.name, "slug": run.artist.slug},
        "title": release.title,
        "genre": genre,
        "release_date": release.release_date.isoformat(),
        "isrc": isrc,
        "upc": upc,
        "label": label,
        "territories": settings.RELEASE_TERRITORIES,
        "duration_seconds": round(duration, 3),
        "tempo": float(tempo) if tempo else None,
        "key": key,
        "mode": mode,
        "structure": {"source": structure_source, "summary": _structure_summary(sections), "sections": sections},
        "visuals": {
            "cover_source": cover_source,
            "video_source": video.source if has_video else "",
            "video_source_id": video.source_id if has_video else "",
            "video_url": video.url if has_video else "",
            "video_licence": video.licence if has_video else "",
            "video_attribution": video.attribution if has_video else "",
        },
        "loudness": {
            "normalised": settings.RELEASE_NORMALIZE,
            "source_lufs": stats.source_lufs,
            "source_true_peak_dbtp": stats.source_true_peak_dbtp,
            "gain_db": stats.gain_db,
            "limited": stats.limited,
            "integrated_lufs": stats.lufs,
            "true_peak_dbtp": stats.true_peak_dbtp,
        },
        "teaser": {"start": window.start, "duration": window.duration, "section_source": window.source},
        "summary": summary,
        "summary_source": summary_source,
        "prompts": prompts.model_dump(mode="json"),
        "files": _file_entries(build),
        "created_at": timezone.now().isoformat(),
    }
    errors: list[str] = []
    try:
        metadata = ReleaseMetadata.model_validate(metadata).model_dump(mode="json")
    except ValidationError as exc:
        errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    build.add(Kind.METADATA, build.workdir / "metadata.json").write_text(
        json.dumps(metadata, indent=2, ensure_ascii=False)
    )
    build.checks += qc.qc_metadata(metadata, errors)
    return metadata


def _zip(build: _Build, upc: str) -> Path:
    archive = build.workdir / f"{upc}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for kind in PACKAGE_ORDER:
            if kind in build.files:
                zf.write(build.files[kind], arcname=f"{upc}/{build.files[kind].name}")
    return archive


def _store_assets(release: Release, files: dict[str, Path]) -> None:
    """Copy the built files into media storage, one folder per release, replacing older ones."""
    for kind, path in files.items():
        asset = ReleaseAsset.objects.filter(release=release, kind=kind).first() or ReleaseAsset(
            release=release, kind=kind
        )
        target = ReleaseAsset._meta.get_field("file").generate_filename(asset, path.name)
        if asset.file:
            asset.file.delete(save=False)
        if asset.file.storage.exists(target):  # left by a crashed attempt
            asset.file.storage.delete(target)
        digest, size = sha256_file(path)
        with open(path, "rb") as stream:
            asset.file.save(path.name, File(stream), save=False)
        asset.sha256, asset.size = digest, size
        asset.save()


def _finish(release: Release, run: GenerationRun, report: qc.QCReport, metadata: dict) -> Release:
    passed = report.passed
    release.status = Release.Status.QUEUED if passed else Release.Status.QC_FAILED
    release.qc_report = report.model_dump(mode="json")
    release.metadata = metadata
    release.error = "" if passed else report.summary()
    release.locked_until = None
    with transaction.atomic():
        release.save()
        if passed:
            release_delivery_enqueue(release_id=release.pk)
        else:
            run_transition(
                run=run.pk, from_status=RunStatus.RELEASING, to_status=RunStatus.RELEASE_FAILED, reason=release.error
            )
    if not passed:
        logger.warning("release %s failed QC: %s", release.pk, release.error)
        release_event(
            "release.failed",
            {"release": release.pk, "run": run.pk, "stage": "qc", "reason": release.error, "failures": report.failures},
            key=f"release-{release.pk}-qc-failed",
        )
    return release


def release_package(*, run: GenerationRun | int) -> Release:
    """Package an approved run: master audio, cover, video, teaser, metadata, DDEX XML; then QC.

    Leaves the release `queued` (ready for delivery) or `qc_failed` with its report.
    """
    if isinstance(run, int):
        run = GenerationRun.objects.select_related("artist").filter(pk=run).first() or _missing(run)
    release, claimed = _release_claim(run)
    if not claimed:
        return release
    try:
        with tempfile.TemporaryDirectory(prefix=f"release-{release.pk}-") as tmp:
            build = _Build(workdir=Path(tmp))
            try:
                metadata = _build(release, run, build)
            except _QCStop as stop:
                build.checks.append(stop.check)
                metadata = {}
                build.files.clear()
            release.status = Release.Status.PACKAGED
            release.save(update_fields=["status", "release_date", "updated_at"])
            if build.files:
                build.files[Kind.ARCHIVE] = _zip(build, release.upc)
                _store_assets(release, build.files)
            return _finish(release, run, qc.QCReport.from_checks(build.checks), metadata)
    except Exception as exc:
        _abort(release, run, exc)
        raise


def _missing(run_id: int) -> GenerationRun:
    raise NotFoundError(f"Run {run_id} does not exist.", {"run": run_id})


def _abort(release: Release, run: GenerationRun, exc: Exception) -> None:
    """An unexpected error: record it, free the release for a retry, and fail the run visibly."""
    message = f"Packaging crashed: {type(exc).__name__}: {exc}"
    Release.objects.filter(pk=release.pk).update(
        error=f"{message}\n{traceback.format_exc(limit=8)}", locked_until=None, status=Release.Status.PENDING
    )
    try:
        run_transition(
            run=run.pk, from_status=RunStatus.RELEASING, to_status=RunStatus.RELEASE_FAILED, reason=message[:500]
        )
    except InvalidTransition:
        logger.warning("run %s was not releasing while its release %s crashed", run.pk, release.pk)
    release_event(
        "release.failed",
        {"release": release.pk, "run": run.pk, "stage": "package", "reason": message},
        key=f"release-{release.pk}-package-failed-{timezone.now():%Y%m%d%H%M%S%f}",
    )
