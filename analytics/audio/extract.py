"""The entry point: one decode, two short-time spectra, every feature from those.

Pure numpy/scipy (no numba), so a fresh worker pays no JIT compile cost and a task costs
only its own arithmetic. The pipeline:

1. decode once (`kernel.audio`, the project's audio toolkit) to float32; loudness, true
   peak and loudness range are measured on the original channels at the original rate;
2. a mono 22.05 kHz signal feeds the *rhythm/timbre spectrum* (1024-point STFT, hop 256,
   ~86 frames/s), reduced chunk by chunk to 64 mel bands and per-frame spectral
   statistics, so even a 20-minute file stays within a few tens of MB (`spectra`);
3. the same signal decimated to 11.025 kHz feeds the *tonal spectrum* (4096-point STFT,
   2.7 Hz bins) from which spectral peaks are mapped to pitches for the key (`key`);
4. tempo, beats and metre (`tempo`), descriptors (`descriptors`) and sections
   (`sections`) are computed from those.

How each feature is derived, and its limits, is documented in docs/audio_analysis.md.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from analytics.audio.common import (
    ANALYSIS_SR,
    DEFAULT_MAX_SECONDS,
    FPS,
    MIN_TEMPO_SECONDS,
    SILENCE_DBFS,
    TONAL_SR,
    AudioAnalysis,
    AudioAnalysisError,
    Deadline,
)
from analytics.audio.descriptors import descriptors
from analytics.audio.key import chroma_from_histogram, key_from_notes, pitch_frames
from analytics.audio.sections import sections
from analytics.audio.spectra import mfcc, rhythm_spectra
from analytics.audio.tempo import rhythm
from kernel import audio as toolkit


def extract_features(
    path: str | Path,
    *,
    images_dir: Path | None = None,
    time_limit: float | None = None,
    scope: str = "full",
    max_seconds: float = DEFAULT_MAX_SECONDS,
) -> AudioAnalysis:
    """Analyse one audio file. `scope="core"` stops after tempo, key and loudness (benchmarks).

    Raises AudioAnalysisError for unusable input or when `time_limit` seconds are exceeded.
    """
    started = time.monotonic()
    deadline = Deadline(time_limit)
    try:
        decoded = toolkit.decode(path, max_seconds=max_seconds)
    except toolkit.AudioDecodeError as exc:
        raise AudioAnalysisError(exc.message, exc.extra) from exc
    data, rate, fmt, warnings = decoded.data, decoded.sample_rate, decoded.format, list(decoded.warnings)
    deadline.check("decode")
    duration = data.shape[1] / rate
    result = AudioAnalysis(
        path=str(path), duration=round(duration, 3), sample_rate=rate, channels=data.shape[0], format=fmt
    )
    peak = float(max(data.max(), -data.min()))
    if peak == 0 or 20 * math.log10(peak) < SILENCE_DBFS:
        result.warnings = [*warnings, "silent: no signal above -80 dBFS; tempo, key and loudness are undefined"]
        result.seconds_taken = round(time.monotonic() - started, 3)
        return result
    lufs, lra = toolkit.loudness(data, rate)
    deadline.check("loudness")
    mono = data.mean(axis=0) if data.shape[0] > 1 else data[0]
    y = toolkit.resample(mono, rate, ANALYSIS_SR)
    y_tonal = toolkit.resample(y, ANALYSIS_SR, TONAL_SR)
    deadline.check("resample")
    spectra = rhythm_spectra(y, deadline)
    rhy = rhythm(spectra, duration)
    deadline.check("tempo")
    pitches = pitch_frames(y_tonal)
    chroma_frames = pitches.chroma
    chroma = chroma_from_histogram(pitches.histogram)
    key, mode, key_confidence = key_from_notes(pitches.notes)
    deadline.check("key")
    result.tempo = rhy.tempo
    result.tempo_confidence = rhy.confidence
    result.beats = [round(float(b), 3) for b in rhy.beats]
    result.time_signature = rhy.time_signature
    result.key, result.mode, result.key_confidence = key, mode, key_confidence
    result.loudness_lufs = None if lufs is None else round(lufs, 2)
    result.loudness_range_lu = None if lra is None else round(lra, 2)
    result.onset_rate = rhy.onset_rate
    result.chroma = [round(float(c), 4) for c in chroma / (chroma.max() + 1e-12)]
    if duration < MIN_TEMPO_SECONDS:
        warnings.append(f"short: tempo needs at least {MIN_TEMPO_SECONDS:g} s of audio")
    if scope == "core":
        result.warnings = warnings
        result.seconds_taken = round(time.monotonic() - started, 3)
        return result

    tp = toolkit.true_peak(data)
    result.true_peak_dbtp = None if tp is None else round(tp, 2)
    result.sample_peak_dbfs = round(20 * math.log10(peak), 2)
    deadline.check("true peak")
    mf = mfcc(spectra.mel_power)
    result.mfcc_mean = [round(float(v), 3) for v in mf.mean(axis=0)]
    result.mfcc_std = [round(float(v), 3) for v in mf.std(axis=0)]
    result.spectral_centroid = round(float(np.mean(spectra.centroid)), 1)
    result.spectral_rolloff = round(float(np.mean(spectra.rolloff)), 1)
    result.spectral_flatness = round(float(np.mean(spectra.flatness)), 5)
    result.rms_hop, result.rms_curve = _rms_curve(spectra.frame_rms, duration)
    rms_total = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
    crest_db = 20 * math.log10(float(np.max(np.abs(y))) / max(rms_total, 1e-12))
    values = descriptors(
        lufs=lufs,
        rhythm_=rhy,
        spectra=spectra,
        mode=mode,
        key_confidence=key_confidence,
        crest_db=crest_db,
        chroma_frames=chroma_frames,
    )
    for name, value in values.items():
        setattr(result, name, value)
    deadline.check("descriptors")
    result.sections = sections(
        duration=duration, beats=rhy.beats, mfccs=mf, chroma_frames=chroma_frames, frame_rms=spectra.frame_rms
    )
    deadline.check("structure")
    if images_dir is not None:
        from analytics.audio.images import render_spectrogram, render_waveform

        images_dir = Path(images_dir)
        images_dir.mkdir(parents=True, exist_ok=True)
        stem = Path(path).stem
        result.waveform_png = str(render_waveform(y, images_dir / f"{stem}-waveform.png", sections=result.sections))
        result.spectrogram_png = str(render_spectrogram(spectra.mel_power, images_dir / f"{stem}-spectrogram.png"))
        deadline.check("images")
    result.warnings = warnings
    result.seconds_taken = round(time.monotonic() - started, 3)
    return result


def _rms_curve(frame_rms: np.ndarray, duration: float, points: int = 600) -> tuple[float, list[float]]:
    """RMS in dBFS over blocks of at least 0.1 s, at most `points` values (from the STFT frames' RMS)."""
    hop_s = max(0.1, duration / points)
    size = max(1, int(round(hop_s * FPS)))
    usable = (len(frame_rms) // size) * size
    if usable == 0:
        return round(hop_s, 3), []
    rms = np.sqrt(np.mean(np.square(frame_rms[:usable].astype(np.float64)).reshape(-1, size), axis=1))
    return round(size / FPS, 3), [round(float(v), 2) for v in 20 * np.log10(np.maximum(rms, 1e-6))]
