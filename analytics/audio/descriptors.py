"""Spotify-style descriptors in [0, 1] (energy, danceability, valence, acousticness,
instrumentalness, speechiness) from signal measures; formulas in docs/audio_analysis.md."""

from __future__ import annotations

import math

import numpy as np

from analytics.audio.common import FPS
from analytics.audio.spectra import _MEL_CENTRES, Spectra
from analytics.audio.tempo import Rhythm


def _clip01(value: float) -> float:
    return float(np.clip(value, 0.0, 1.0))


def descriptors(
    *,
    lufs: float | None,
    rhythm_: Rhythm,
    spectra: Spectra,
    mode: str | None,
    key_confidence: float,
    crest_db: float,
    chroma_frames: np.ndarray,
) -> dict[str, float]:
    """Spotify-style descriptors in [0, 1] from signal measures (formulas in docs/audio_analysis.md)."""
    loud = _clip01(((lufs if lufs is not None else -70.0) + 40.0) / 32.0)
    centroid = float(np.median(spectra.centroid))
    brightness = _clip01(centroid / 4000.0)
    busy = _clip01(rhythm_.onset_rate / 8.0)
    flat = float(np.median(spectra.flatness))
    energy = _clip01(0.55 * loud + 0.25 * busy + 0.2 * brightness)

    tempo_fit = 0.0
    if rhythm_.tempo:
        tempo_fit = math.exp(-0.5 * (math.log2(rhythm_.tempo / 118.0) / 0.4) ** 2)
    danceability = _clip01(0.4 * rhythm_.pulse_clarity + 0.3 * tempo_fit + 0.3 * rhythm_.beat_strength)

    mode_sign = 1.0 if mode == "major" else -1.0 if mode == "minor" else 0.0
    valence = _clip01(
        0.5 + 0.3 * mode_sign * max(key_confidence, 0.3) + 0.2 * (brightness - 0.5) + 0.2 * (tempo_fit - 0.5)
    )

    total = spectra.mel_power.sum(axis=1) + 1e-12
    sub_bass = float(np.median(spectra.mel_power[:, _MEL_CENTRES < 100].sum(axis=1) / total))
    acousticness = _clip01(
        0.45 * _clip01((crest_db - 9.0) / 12.0) + 0.3 * (1 - _clip01(sub_bass / 0.4)) + 0.25 * (1 - _clip01(flat * 20))
    )

    # Speech: syllable-rate (3-8 Hz) modulation of the voice band that is NOT locked to a
    # steady pulse, in a spectrum with little stable harmony.
    voice_band = (_MEL_CENTRES > 300) & (_MEL_CENTRES < 3400)
    envelope = np.log1p(spectra.mel_power[:, voice_band].sum(axis=1) * 1e3)
    speechiness = 0.0
    if len(envelope) > 4 * FPS:
        modulation = np.abs(np.fft.rfft(envelope - envelope.mean()))
        freqs = np.fft.rfftfreq(len(envelope), 1 / FPS)
        band = (freqs > 3) & (freqs < 8)
        wide = (freqs > 0.5) & (freqs < 20)
        syllabic = modulation[band].sum() / (modulation[wide].sum() + 1e-9)
        peakiness = modulation[band].max() / (modulation[band].mean() + 1e-9) if band.any() else 0.0
        irregular = _clip01(1.0 - (peakiness - 3.0) / 12.0)
        tonal = _tonal_stability(chroma_frames)
        speechiness = _clip01((syllabic - 0.2) * 3.0 * irregular * (1.0 - tonal))
    instrumentalness = _clip01(1.0 - 2.0 * speechiness)
    return {
        "energy": round(energy, 3),
        "danceability": round(danceability, 3),
        "valence": round(valence, 3),
        "acousticness": round(acousticness, 3),
        "instrumentalness": round(instrumentalness, 3),
        "speechiness": round(speechiness, 3),
    }


def _tonal_stability(chroma_frames: np.ndarray) -> float:
    """Mean cosine similarity of consecutive chroma frames: ~1 for sustained harmony, low for speech."""
    norms = np.linalg.norm(chroma_frames, axis=1)
    valid = norms > 1e-9
    if valid.sum() < 3:
        return 0.0
    unit = chroma_frames[valid] / norms[valid, None]
    return float(np.mean(np.sum(unit[1:] * unit[:-1], axis=1)))
