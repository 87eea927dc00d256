"""One decoder for every audio file the product reads, and one resampler.

libsndfile (through soundfile) reads WAV, FLAC, MP3, OGG/Opus and AIFF fast and reports
truncation; what it cannot open (M4A/AAC from vendors, video containers) is decoded by
FFmpeg through PyAV. Either way the result is float32, channels first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from kernel.errors import ApplicationError


class AudioDecodeError(ApplicationError):
    """The file cannot be decoded: missing, empty, not audio, corrupt or too long.

    `extra["reason"]` is one of missing, empty, unreadable, corrupt, no_samples, too_long.
    """

    status_code = 422
    code = "bad_audio"


@dataclass(frozen=True)
class DecodedAudio:
    """Samples as float32 channels x frames, with what the file said about itself."""

    data: np.ndarray
    sample_rate: int
    format: str
    subtype: str
    warnings: list[str] = field(default_factory=list)

    @property
    def channels(self) -> int:
        return int(self.data.shape[0])

    @property
    def frames(self) -> int:
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def decode(path: str | Path, *, max_seconds: float | None = None) -> DecodedAudio:
    """Read the whole file once, or raise AudioDecodeError saying why not.

    16-bit PCM is read as integers and scaled here, several times faster than asking
    libsndfile for floats. A file whose header promises more than it holds is read as far
    as it goes, with a `truncated: ...` warning.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioDecodeError(f"No such file: {path}.", {"reason": "missing"})
    if path.stat().st_size == 0:
        raise AudioDecodeError(f"{path.name} is empty (0 bytes).", {"reason": "empty"})
    try:
        decoded = _decode_sndfile(path, max_seconds)
    except sf.LibsndfileError as exc:
        decoded = _decode_ffmpeg(path, max_seconds, first_error=str(exc))
    if decoded.frames == 0:
        raise AudioDecodeError(f"{path.name} contains no audio samples.", {"reason": "no_samples"})
    if not decoded.subtype.startswith("PCM") and not np.isfinite(decoded.data).all():
        raise AudioDecodeError(f"{path.name} contains non-finite samples (NaN/inf).", {"reason": "corrupt"})
    return decoded


def _too_long(path: Path, seconds: float, max_seconds: float | None) -> None:
    if max_seconds is not None and seconds > max_seconds:
        raise AudioDecodeError(
            f"{path.name} is {seconds / 60:.1f} min long; the limit is {max_seconds / 60:.0f} min.",
            {"reason": "too_long"},
        )


def _decode_sndfile(path: Path, max_seconds: float | None) -> DecodedAudio:
    warnings: list[str] = []
    try:
        with sf.SoundFile(str(path)) as handle:
            rate, declared, fmt, subtype = handle.samplerate, handle.frames, handle.format, handle.subtype
            if "should be" in (handle.extra_info or ""):
                # libsndfile reads what is there and notes that the header promised more.
                warnings.append("truncated: the file holds less data than its header declares")
            if rate <= 0:
                raise AudioDecodeError(f"{path.name} declares no sample rate.", {"reason": "corrupt"})
            if declared > 0:
                _too_long(path, declared / rate, max_seconds)
            if subtype == "PCM_16":
                raw = handle.read(dtype="int16", always_2d=True)
                data = np.ascontiguousarray(raw.T).astype(np.float32)
                data *= 1.0 / 32768.0
            else:
                data = np.ascontiguousarray(handle.read(dtype="float32", always_2d=True).T)
    except sf.LibsndfileError:
        raise  # not a format libsndfile knows: decode() asks FFmpeg
    except (RuntimeError, TypeError, ValueError, EOFError) as exc:
        raise AudioDecodeError(f"{path.name} is not a readable audio file ({exc}).", {"reason": "unreadable"}) from exc
    if declared > 0 and data.shape[1] < declared * 0.99 and not warnings:
        warnings.append(f"truncated: header declares {declared} frames, {data.shape[1]} could be read")
    return DecodedAudio(data=data, sample_rate=int(rate), format=fmt, subtype=subtype, warnings=warnings)


def _decode_ffmpeg(path: Path, max_seconds: float | None, *, first_error: str) -> DecodedAudio:
    """Formats libsndfile does not know (AAC/M4A, audio in video containers), through PyAV."""
    import av  # only for the formats that need it: PyAV loads FFmpeg's libraries

    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioDecodeError(f"{path.name} has no audio stream.", {"reason": "unreadable"})
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base:
                _too_long(path, float(stream.duration * stream.time_base), max_seconds)
            rate = stream.rate
            # Planar float at the stream's own rate and layout: no resampling here.
            resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=rate)
            for frame in container.decode(stream):
                chunks.extend(out.to_ndarray() for out in resampler.resample(frame))
            chunks.extend(out.to_ndarray() for out in resampler.resample(None))
            fmt, subtype = container.format.name.split(",")[0].upper(), stream.codec_context.name.upper()
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioDecodeError(
            f"{path.name} is not a readable audio file ({first_error}; FFmpeg: {exc}).", {"reason": "unreadable"}
        ) from exc
    if not chunks:
        raise AudioDecodeError(f"{path.name} contains no audio samples.", {"reason": "no_samples"})
    data = np.ascontiguousarray(np.concatenate(chunks, axis=1), dtype=np.float32)
    _too_long(path, data.shape[1] / rate, max_seconds)
    return DecodedAudio(data=data, sample_rate=int(rate), format=fmt, subtype=subtype)


def resample(data: np.ndarray, rate_in: int, rate_out: int, *, quality: str = "HQ") -> np.ndarray:
    """Band-limited resampling (libsoxr) of a 1-D signal or a channels x frames array.

    "HQ" for analysis; "VHQ" where the result is listened to (the release master).
    """
    if rate_in == rate_out:
        return data
    if data.ndim == 1:
        return soxr.resample(data, rate_in, rate_out, quality=quality)
    return np.ascontiguousarray(soxr.resample(np.ascontiguousarray(data.T), rate_in, rate_out, quality=quality).T)


def to_channels(data: np.ndarray, channels: int) -> np.ndarray:
    """Mono to N by repetition, N to mono by averaging, more to fewer by keeping the first ones."""
    have = data.shape[0]
    if have == channels:
        return data
    if have == 1:
        return np.repeat(data, channels, axis=0)
    if channels == 1:
        return data.mean(axis=0, keepdims=True)
    return data[:channels]
