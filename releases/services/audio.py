"""Audio measurements and the distributor master (WAV 16-bit/44.1 kHz stereo + FLAC).

Decoding, resampling, loudness (ITU-R BS.1770) and true peak (BS.1770-4 Annex 2) are the
project's one audio toolkit, `kernel.audio`, so the master, QC and the analyser give the
same numbers. This module holds what only releases need: frames x channels float64 views
for the master, a look-ahead true-peak limiter, silence and clipping checks, and the
energy curve for the teaser.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from kernel import audio as toolkit
from kernel.errors import ApplicationError

MASTER_SAMPLE_RATE = 44100
MASTER_CHANNELS = 2
MASTER_SUBTYPE = "PCM_16"
SILENCE_DBFS = -60.0
_LIMITER_MARGIN_DB = 0.3


class AudioReadError(ApplicationError):
    code = "audio_unreadable"


@dataclass(frozen=True)
class SourceAudio:
    """Decoded audio as float64 frames x channels, with what the file said about itself."""

    data: np.ndarray
    sample_rate: int
    channels: int
    format: str
    subtype: str

    @property
    def duration(self) -> float:
        return self.data.shape[0] / self.sample_rate


@dataclass(frozen=True)
class MasterStats:
    source_lufs: float | None
    source_true_peak_dbtp: float | None
    gain_db: float
    limited: bool
    lufs: float | None
    true_peak_dbtp: float | None


def audio_read(path: Path) -> SourceAudio:
    """Decode any format the toolkit reads (WAV, FLAC, MP3, OGG, M4A...) or say clearly why not."""
    try:
        decoded = toolkit.decode(path)
    except toolkit.AudioDecodeError as exc:
        raise AudioReadError(
            f"The audio file {Path(path).name} could not be decoded: {exc.message}", {"path": str(path), **exc.extra}
        ) from exc
    return SourceAudio(
        data=decoded.data.T.astype(np.float64),
        sample_rate=decoded.sample_rate,
        channels=decoded.channels,
        format=decoded.format,
        subtype=decoded.subtype,
    )


def loudness_lufs(data: np.ndarray, sample_rate: int) -> float | None:
    """Integrated loudness (frames x channels) in LUFS; None when too short or silent to gate."""
    return toolkit.integrated_loudness(data.T, sample_rate)


def true_peak_dbtp(data: np.ndarray) -> float | None:
    """True peak (frames x channels) in dBTP; None for silence."""
    return toolkit.true_peak(data.T) if data.size else None


def silence_edges(data: np.ndarray, sample_rate: int, threshold_dbfs: float = SILENCE_DBFS) -> tuple[float, float]:
    """Seconds of silence (every 10 ms block under the threshold) at the start and the end."""
    block = max(1, sample_rate // 100)
    blocks = data.shape[0] // block
    if blocks == 0:
        return data.shape[0] / sample_rate, data.shape[0] / sample_rate
    peaks = np.abs(data[: blocks * block]).max(axis=1).reshape(blocks, block).max(axis=1)
    loud = np.flatnonzero(peaks > 10 ** (threshold_dbfs / 20))
    total = data.shape[0] / sample_rate
    if loud.size == 0:
        return total, total
    return loud[0] * block / sample_rate, max(0.0, total - (loud[-1] + 1) * block / sample_rate)


def clipped_ratio(data: np.ndarray, threshold: float = 0.999) -> float:
    """Share of samples in runs of three or more consecutive (near) full-scale samples."""
    hot = np.abs(data) >= threshold
    if not hot.any():
        return 0.0
    clipped = 0
    for channel in hot.T:
        padded = np.concatenate(([False], channel, [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded))
        lengths = edges[1::2] - edges[0::2]
        clipped += int(lengths[lengths >= 3].sum())
    return clipped / hot.size


def _to_master_layout(source: SourceAudio) -> np.ndarray:
    data = toolkit.to_channels(source.data.T, MASTER_CHANNELS)
    return toolkit.resample(data, source.sample_rate, MASTER_SAMPLE_RATE, quality="VHQ").T


def _limit(data: np.ndarray, sample_rate: int, ceiling_db: float) -> tuple[np.ndarray, bool]:
    """Look-ahead limiter: a min-filtered gain curve, smoothed so it never exceeds what a peak needs."""
    ceiling = 10 ** ((ceiling_db - _LIMITER_MARGIN_DB) / 20)
    look = max(1, int(0.005 * sample_rate))
    limited = False
    for _ in range(4):
        peaks = toolkit.oversampled_peaks(data.T)
        if peaks.max() <= 10 ** (ceiling_db / 20):
            break
        limited = True
        gain = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
        # A window of 2L+1 for the minimum and L+1 for the mean keeps every smoothed value
        # at or below the gain each sample needs, so no peak slips through.
        gain = minimum_filter1d(gain, size=2 * look + 1, mode="nearest")
        gain = uniform_filter1d(gain, size=look + 1, mode="nearest")
        data = data * gain[:, None]
    return data, limited


def audio_master(
    source: SourceAudio, *, normalize: bool, target_lufs: float, max_true_peak: float
) -> tuple[np.ndarray, MasterStats]:
    """The master signal at 44.1 kHz stereo, normalised and true-peak limited when asked."""
    data = _to_master_layout(source)
    source_lufs = loudness_lufs(data, MASTER_SAMPLE_RATE)
    source_peak = true_peak_dbtp(data)
    gain_db = 0.0
    limited = False
    if normalize and source_lufs is not None:
        for _ in range(3):
            current = loudness_lufs(data, MASTER_SAMPLE_RATE)
            if current is None or abs(current - target_lufs) <= 0.2:
                break
            step = target_lufs - current
            gain_db += step
            data = data * 10 ** (step / 20)
            data, did_limit = _limit(data, MASTER_SAMPLE_RATE, max_true_peak)
            limited = limited or did_limit
    elif normalize:
        data, limited = _limit(data, MASTER_SAMPLE_RATE, max_true_peak)
    return data, MasterStats(
        source_lufs=source_lufs,
        source_true_peak_dbtp=source_peak,
        gain_db=round(gain_db, 2),
        limited=limited,
        lufs=loudness_lufs(data, MASTER_SAMPLE_RATE),
        true_peak_dbtp=true_peak_dbtp(data),
    )


def audio_write_master(data: np.ndarray, *, wav_path: Path, flac_path: Path, seed: int = 0) -> None:
    """Write 16-bit WAV and FLAC with TPDF dither, so quantisation noise is not correlated distortion."""
    for path, fmt in ((wav_path, "WAV"), (flac_path, "FLAC")):
        toolkit.write_pcm16(path, data.T, MASTER_SAMPLE_RATE, format=fmt, dither_seed=seed)


def frame_energy(data: np.ndarray, sample_rate: int, hop_seconds: float = 0.5) -> np.ndarray:
    """RMS per hop (mono mix): the curve the teaser and the structure fallback read."""
    mono = data.mean(axis=1)
    hop = max(1, int(hop_seconds * sample_rate))
    frames = mono.shape[0] // hop
    if frames == 0:
        return np.array([float(np.sqrt(np.mean(mono**2)))]) if mono.size else np.zeros(1)
    return np.sqrt(np.mean(mono[: frames * hop].reshape(frames, hop) ** 2, axis=1))


def loudest_window(data: np.ndarray, sample_rate: int, length: float, hop_seconds: float = 0.5) -> float:
    """Start (s) of the `length`-second window with the most energy, by windowed RMS."""
    energy = frame_energy(data, sample_rate, hop_seconds) ** 2
    width = max(1, int(round(length / hop_seconds)))
    if energy.shape[0] <= width:
        return 0.0
    sums = np.convolve(energy, np.ones(width), mode="valid")
    return float(np.argmax(sums) * hop_seconds)


def energy_sections(data: np.ndarray, sample_rate: int, min_seconds: float = 4.0) -> list[dict]:
    """A coarse structure from the energy curve when no analysis is stored: low/mid/high spans."""
    hop = 0.5
    energy = uniform_filter1d(frame_energy(data, sample_rate, hop), size=5, mode="nearest")
    if energy.size == 0 or energy.max() <= 0:
        return []
    low, high = np.quantile(energy, [0.33, 0.66])
    levels = np.where(energy >= high, 2, np.where(energy >= low, 1, 0))
    spans: list[list] = []
    for index, level in enumerate(levels):
        if spans and spans[-1][2] == level:
            spans[-1][1] = index + 1
        else:
            spans.append([index, index + 1, int(level)])
    merged: list[list] = []
    for span in spans:
        if merged and (span[1] - span[0]) * hop < min_seconds:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    labels = {0: "low", 1: "mid", 2: "high"}
    peak = float(energy.max())
    return [
        {
            "start": round(start * hop, 2),
            "end": round(min(end * hop, data.shape[0] / sample_rate), 2),
            "label": labels[level],
            "energy": round(float(energy[start:end].mean()) / peak, 3),
        }
        for start, end, level in merged
    ]
