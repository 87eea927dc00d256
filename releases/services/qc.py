"""Quality control: every check a distributor would run, with a readable report.

A check has a severity: an `error` stops the release, a `warning` is shown but lets it
through. The report is stored on the release (`qc_report`) as JSON.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.utils import timezone
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, Field

from releases.services import audio

Severity = Literal["error", "warning"]


class QCCheck(BaseModel):
    """One check: what was measured, against which limit, and what it means."""

    name: str
    passed: bool
    severity: Severity = "error"
    value: Any = None
    limit: Any = None
    message: str


class QCReport(BaseModel):
    """All checks of one release; `passed` is false when any error-severity check failed."""

    passed: bool
    checks: list[QCCheck]
    failures: list[str] = Field(default_factory=list, description="Messages of the failed error checks.")
    warnings: list[str] = Field(default_factory=list)
    checked_at: datetime

    @classmethod
    def from_checks(cls, checks: list[QCCheck]) -> QCReport:
        failures = [c.message for c in checks if not c.passed and c.severity == "error"]
        warnings = [c.message for c in checks if not c.passed and c.severity == "warning"]
        return cls(passed=not failures, checks=checks, failures=failures, warnings=warnings, checked_at=timezone.now())

    def summary(self) -> str:
        if self.passed:
            return f"QC passed ({len(self.checks)} checks, {len(self.warnings)} warnings)."
        return "QC failed: " + " ".join(self.failures)


def _check(name: str, passed: bool, message_ok: str, message_bad: str, **fields: Any) -> QCCheck:
    return QCCheck(name=name, passed=bool(passed), message=message_ok if passed else message_bad, **fields)


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def qc_source_audio(source: audio.SourceAudio) -> list[QCCheck]:
    """Checks on the audio as generated: length, sample rate, silence at the edges, clipping."""
    duration = source.duration
    lead, trail = audio.silence_edges(source.data, source.sample_rate)
    ratio = audio.clipped_ratio(source.data)
    low, high = settings.RELEASE_MIN_DURATION_SECONDS, settings.RELEASE_MAX_DURATION_SECONDS
    max_silence = settings.RELEASE_MAX_SILENCE_SECONDS
    min_rate = settings.RELEASE_MIN_SOURCE_SAMPLE_RATE
    return [
        QCCheck(
            name="audio_decodable", passed=True, value=f"{source.format}/{source.subtype}", message="Audio decodes."
        ),
        _check(
            "duration",
            low <= duration <= high,
            f"Duration {duration:.1f} s is within {low:.0f}-{high:.0f} s.",
            f"Duration {duration:.1f} s is outside the allowed {low:.0f}-{high:.0f} s.",
            value=_r(duration),
            limit=[low, high],
        ),
        _check(
            "source_sample_rate",
            source.sample_rate >= min_rate,
            f"Source sample rate {source.sample_rate} Hz.",
            f"Source sample rate {source.sample_rate} Hz is below {min_rate} Hz; the master would be upsampled.",
            value=source.sample_rate,
            limit=min_rate,
        ),
        _check(
            "silence_start",
            lead <= max_silence,
            f"{lead:.1f} s of silence at the start.",
            f"{lead:.1f} s of silence at the start (at most {max_silence:.0f} s allowed).",
            value=_r(lead),
            limit=max_silence,
        ),
        _check(
            "silence_end",
            trail <= max_silence,
            f"{trail:.1f} s of silence at the end.",
            f"{trail:.1f} s of silence at the end (at most {max_silence:.0f} s allowed).",
            value=_r(trail),
            limit=max_silence,
        ),
        _check(
            "clipping",
            ratio <= settings.RELEASE_MAX_CLIPPED_RATIO,
            f"No audible clipping ({ratio:.4%} of samples at full scale).",
            f"The source is clipped: {ratio:.3%} of samples sit in runs at full scale "
            f"(at most {settings.RELEASE_MAX_CLIPPED_RATIO:.3%} allowed).",
            value=round(ratio, 6),
            limit=settings.RELEASE_MAX_CLIPPED_RATIO,
        ),
    ]


def qc_audio_unreadable(error: str) -> list[QCCheck]:
    return [QCCheck(name="audio_decodable", passed=False, value=None, message=error)]


def qc_master(wav_path: Path) -> list[QCCheck]:
    """Checks on the WAV master as written: format, rate, depth, channels, loudness, true peak."""
    master = audio.audio_read(wav_path)
    lufs = audio.loudness_lufs(master.data, master.sample_rate)
    peak = audio.true_peak_dbtp(master.data)
    target, tolerance = settings.RELEASE_TARGET_LUFS, settings.RELEASE_LOUDNESS_TOLERANCE_LU
    ceiling = settings.RELEASE_MAX_TRUE_PEAK
    return [
        _check(
            "master_format",
            master.format == "WAV" and master.subtype == audio.MASTER_SUBTYPE,
            "Master is 16-bit PCM WAV.",
            f"Master is {master.format}/{master.subtype}, not 16-bit PCM WAV.",
            value=f"{master.format}/{master.subtype}",
            limit="WAV/PCM_16",
        ),
        _check(
            "master_sample_rate",
            master.sample_rate == audio.MASTER_SAMPLE_RATE,
            "Master is 44.1 kHz.",
            f"Master sample rate is {master.sample_rate} Hz, not 44100 Hz.",
            value=master.sample_rate,
            limit=audio.MASTER_SAMPLE_RATE,
        ),
        _check(
            "master_channels",
            master.channels == audio.MASTER_CHANNELS,
            "Master is stereo.",
            f"Master has {master.channels} channels, not 2.",
            value=master.channels,
            limit=audio.MASTER_CHANNELS,
        ),
        _check(
            "loudness",
            lufs is not None and abs(lufs - target) <= tolerance,
            f"Integrated loudness {lufs:.1f} LUFS (target {target:.0f} ± {tolerance:g} LU)."
            if lufs is not None
            else "",
            f"Integrated loudness {lufs:.1f} LUFS is not within {target:.0f} ± {tolerance:g} LU."
            if lufs is not None
            else "Integrated loudness cannot be measured: the audio is silent or shorter than 0.4 s.",
            value=_r(lufs),
            limit=[target - tolerance, target + tolerance],
        ),
        _check(
            "true_peak",
            peak is None or peak <= ceiling + 0.05,
            f"True peak {peak:.2f} dBTP (max {ceiling:g})." if peak is not None else "True peak: silent.",
            f"True peak {peak:.2f} dBTP is above {ceiling:g} dBTP." if peak is not None else "",
            value=_r(peak),
            limit=ceiling,
        ),
    ]


def qc_cover(path: Path) -> list[QCCheck]:
    """Checks on the cover as stores require it: square 3000 px, RGB JPEG, under the size limit."""
    size_limit, side = settings.RELEASE_COVER_MAX_BYTES, settings.RELEASE_COVER_SIZE
    nbytes = path.stat().st_size
    try:
        with Image.open(path) as image:
            fmt, mode, dims = image.format, image.mode, image.size
    except (UnidentifiedImageError, OSError) as exc:
        return [QCCheck(name="cover_readable", passed=False, message=f"The cover image cannot be read: {exc}")]
    return [
        _check(
            "cover_dimensions",
            dims == (side, side),
            f"Cover is {dims[0]}x{dims[1]} px.",
            f"Cover is {dims[0]}x{dims[1]} px; it must be {side}x{side}.",
            value=list(dims),
            limit=[side, side],
        ),
        _check(
            "cover_mode",
            fmt == "JPEG" and mode == "RGB",
            "Cover is an RGB JPEG.",
            f"Cover is {fmt} in {mode}; it must be an RGB JPEG.",
            value=f"{fmt}/{mode}",
            limit="JPEG/RGB",
        ),
        _check(
            "cover_size",
            nbytes <= size_limit,
            f"Cover is {nbytes / 1e6:.1f} MB.",
            f"Cover is {nbytes / 1e6:.1f} MB, above {size_limit / 1e6:.1f} MB.",
            value=nbytes,
            limit=size_limit,
        ),
    ]


def qc_metadata(metadata: dict, errors: list[str]) -> list[QCCheck]:
    """Required metadata present; `errors` are the schema errors found while building it."""
    required = ["title", "artist", "genre", "release_date", "isrc", "upc", "duration_seconds"]
    missing = [key for key in required if not metadata.get(key)]
    return [
        _check(
            "metadata_required",
            not missing,
            "Required metadata is present.",
            f"Required metadata is missing: {', '.join(missing)}.",
            value=missing,
        ),
        _check(
            "metadata_schema",
            not errors,
            "metadata.json matches the ReleaseMetadata schema.",
            f"metadata.json does not match the schema: {'; '.join(errors)}.",
            value=errors,
        ),
    ]


def qc_ddex(missing: list[str]) -> list[QCCheck]:
    return [
        _check(
            "ddex_required_elements",
            not missing,
            "The DDEX message holds every required element.",
            f"The DDEX message lacks: {', '.join(missing)}.",
            value=missing,
        )
    ]


def qc_optional_asset(name: str, present: bool, what: str) -> QCCheck:
    return QCCheck(
        name=name,
        passed=present,
        severity="warning",
        message=f"{what} is included." if present else f"No {what.lower()} in the package.",
    )
