"""Tempo, beats, metre and onset rate from the band-wise onset flux."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from analytics.audio.common import FPS, MIN_TEMPO_SECONDS
from analytics.audio.spectra import Spectra

MIN_BPM, MAX_BPM = 50.0, 220.0
# A weak tie-breaker only: log-normal around 120 BPM, one octave wide. At 60 or 240 BPM it
# costs 1.5 points, while a clear backbeat is worth 3-6 (see rhythm()).
PRIOR_BPM, PRIOR_OCTAVES = 120.0, 1.0


def _normalise_onsets(flux: np.ndarray) -> np.ndarray:
    """Remove the slowly varying part and scale to unit standard deviation."""
    env = flux - uniform_filter1d(flux, size=int(FPS), mode="nearest")
    env = np.maximum(env, 0)
    std = env.std()
    return env / std if std > 1e-9 else env


def _autocorrelation(env: np.ndarray) -> np.ndarray:
    n = len(env)
    spectrum = np.fft.rfft(env - env.mean(), 2 * n)
    acf = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    acf /= np.arange(n, 0, -1)  # unbiased: long lags are not penalised for having fewer terms
    return acf / acf[0] if acf[0] > 0 else acf


def _comb(acf: np.ndarray, period: float, harmonics: int = 4) -> float:
    lags = period * np.arange(1, harmonics + 1)
    lags = lags[lags < len(acf) - 1]
    if lags.size == 0:
        return 0.0
    return float(np.mean(np.interp(lags, np.arange(len(acf)), acf)))


def _backbeat_contrast(snare: np.ndarray, period: float) -> float:
    """How strongly snare-like hits fall on every other beat of this period, and not between.

    The octave decision. Popular music puts the snare (or clap) on beats 2 and 4: at the
    true beat period the even beats carry snares and the odd ones do not. At half the tempo
    both of the candidate's beat classes carry snares, at double the tempo or at 2/3 and 3/2
    only a fraction of them do, so the contrast peaks at the true tempo without a prior that
    would halve every fast track or double every slow one.
    """
    n_beats = int((len(snare) - 1) / period)
    if n_beats < 4:
        return 0.0
    smoothed = maximum_filter1d(np.log1p(snare), size=5)
    k = np.arange(n_beats)
    positions = np.clip(
        np.rint(np.arange(0, 2 * period, 1.0)[:, None] + k[None, :] * period).astype(int), 0, len(snare) - 1
    )
    values = smoothed[positions]
    contrast = values[:, 0::2].mean(axis=1) - values[:, 1::2].mean(axis=1)
    return float(contrast.max() / (smoothed.mean() + 1e-9))


def _on_off_contrast(env: np.ndarray, period: float) -> float:
    """Accent on the beats minus accent halfway between them, at the best phase.

    Used on the hi-hat band, where it is high at *twice* the true tempo (eighth-note hats
    on the candidate's beats, nothing on its off-beats) and low at the true beat, which the
    hats subdivide evenly.
    """
    n_beats = int((len(env) - 1) / period)
    if n_beats < 4:
        return 0.0
    smoothed = maximum_filter1d(np.log1p(env), size=5)
    k = np.arange(n_beats)
    phases = np.arange(0, period, 1.0)
    last = len(env) - 1
    on = smoothed[np.clip(np.rint(phases[:, None] + k[None, :] * period).astype(int), 0, last)].mean(axis=1)
    off = smoothed[np.clip(np.rint(phases[:, None] + (k[None, :] + 0.5) * period).astype(int), 0, last)].mean(axis=1)
    best = int(np.argmax(on))
    return float((on[best] - off[best]) / (smoothed.mean() + 1e-9))


def _best_phase(env: np.ndarray, period: float) -> float:
    n_beats = int((len(env) - 1) / period)
    if n_beats < 1:
        return 0.0
    smoothed = maximum_filter1d(env, size=3)
    k = np.arange(n_beats)
    phases = np.arange(0, period, 1.0)
    positions = np.clip(np.rint(phases[:, None] + k[None, :] * period).astype(int), 0, len(env) - 1)
    return float(phases[int(np.argmax(smoothed[positions].mean(axis=1)))])


def _track_beats(env: np.ndarray, period: float, phase: float) -> np.ndarray:
    """Beat frames: follow the onset peaks from the best phase, re-predicting from each found beat."""
    if period <= 0:
        return np.empty(0)
    beats = []
    window = max(1, int(0.12 * period))
    position = phase
    while position < len(env):
        centre = int(round(position))
        lo, hi = max(0, centre - window), min(len(env), centre + window + 1)
        if lo >= hi:
            break
        offsets = np.arange(lo, hi)
        weights = env[lo:hi] * np.exp(-0.5 * ((offsets - position) / (window / 2 + 1e-9)) ** 2)
        found = offsets[int(np.argmax(weights))] if weights.max() > 0 else centre
        beats.append(found)
        # Damped: the next prediction starts halfway between the found and the predicted
        # beat, so one stray onset cannot drag the grid off the music.
        position = 0.5 * (found + position) + period
    return np.asarray(beats, dtype=float)


@dataclass
class Rhythm:
    """What rhythm() found; pulse clarity and backbeat strength also feed the descriptors."""

    tempo: float | None
    confidence: float
    beats: np.ndarray
    time_signature: int | None
    onset_rate: float
    pulse_clarity: float
    beat_strength: float


def rhythm(spectra: Spectra, duration: float) -> Rhythm:
    """Tempo, beats, metre and onset rate from the band-wise spectral flux."""
    full = _normalise_onsets(spectra.flux_low + spectra.flux_mid + spectra.flux_high)
    onset_rate = _onset_rate(full, duration)
    if duration < MIN_TEMPO_SECONDS or full.max() <= 0:
        return Rhythm(None, 0.0, np.empty(0), None, onset_rate, 0.0, 0.0)
    snare = _normalise_onsets(spectra.flux_snare)
    hats = _normalise_onsets(spectra.flux_high)
    acf = _autocorrelation(full)
    bpms = np.arange(40.0, 260.0, 0.5)
    combs = np.array([_comb(acf, 60.0 * FPS / b) for b in bpms])
    peaks, _ = signal.find_peaks(combs)
    if peaks.size == 0:
        return Rhythm(None, 0.0, np.empty(0), None, onset_rate, 0.0, 0.0)
    top = peaks[np.argsort(combs[peaks])[::-1][:3]]
    candidates: set[float] = set()
    for p in top:
        for factor in (1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0):
            tempo = bpms[p] * factor
            if MIN_BPM <= tempo <= MAX_BPM:
                candidates.add(round(float(tempo), 1))
    scored = []
    for tempo in sorted(candidates):
        period = _refine_period(acf, 60.0 * FPS / tempo)
        if any(abs(period - other[1]) < 0.01 * period for other in scored):
            continue
        backbeat = _backbeat_contrast(snare, period)
        hat_accent = _on_off_contrast(hats, period)
        log_prior = -0.5 * (math.log2(60.0 * FPS / period / PRIOR_BPM) / PRIOR_OCTAVES) ** 2
        score = 0.5 * backbeat - 0.5 * hat_accent + 3.0 * log_prior
        scored.append((score, period, backbeat))
    scored.sort(reverse=True)
    best_score, period, backbeat = scored[0]
    margin = best_score - scored[1][0] if len(scored) > 1 else 3.0
    periodicity = max(_comb(acf, period), 0.0)
    tempo = 60.0 * FPS / period
    beats = _track_beats(full, period, _best_phase(full, period))
    confidence = float(np.clip(periodicity, 0.0, 1.0)) * (1.0 - math.exp(-max(margin, 0.0)))
    return Rhythm(
        tempo=round(tempo, 2),
        confidence=round(confidence, 3),
        beats=beats / FPS,
        time_signature=_time_signature(_normalise_onsets(spectra.flux_kick), snare, beats),
        onset_rate=onset_rate,
        pulse_clarity=float(np.clip(periodicity, 0, 1)),
        beat_strength=float(np.clip(backbeat / 12.0, 0, 1)),
    )


def _refine_period(acf: np.ndarray, period: float) -> float:
    """The period maximising a comb over 8 multiples, searched within ±3 %: sub-frame precision."""
    grid = period * np.linspace(0.97, 1.03, 121)
    scores = [_comb(acf, p, harmonics=8) for p in grid]
    return float(grid[int(np.argmax(scores))])


def _time_signature(kick: np.ndarray, snare: np.ndarray, beats: np.ndarray) -> int | None:
    """3 or 4 beats per bar: whether the per-beat kick/snare pattern repeats every 3 or every 2/4 beats."""
    if len(beats) < 12:
        return None
    idx = np.clip(np.rint(beats).astype(int), 0, len(kick) - 1)
    pattern = np.stack(
        [maximum_filter1d(np.log1p(kick), size=5)[idx], maximum_filter1d(np.log1p(snare), size=5)[idx]], axis=1
    )
    pattern = pattern - pattern.mean(axis=0)

    def similarity(lag: int) -> float:
        a, b = pattern[:-lag].ravel(), pattern[lag:].ravel()
        return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))

    return 3 if similarity(3) > max(similarity(2), similarity(4)) else 4


def _onset_rate(env: np.ndarray, duration: float) -> float:
    if duration <= 0 or env.max() <= 0:
        return 0.0
    peaks, _ = signal.find_peaks(env, height=1.0, distance=max(1, int(0.05 * FPS)))
    return round(len(peaks) / duration, 3)
