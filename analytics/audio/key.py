"""Key and mode: spectral peaks of the tonal spectrum become pitches, folded to a chroma
profile and matched against key profiles."""

from __future__ import annotations

import numpy as np
from scipy import fft as sp_fft
from scipy import signal
from scipy.ndimage import uniform_filter1d

from analytics.audio.common import PITCHES, TONAL_HOP, TONAL_N_FFT, TONAL_SR, frames_view

HARMONIC_3_WEIGHT = 0.4

# Key profiles from Albrecht & Shanahan (2013), pitch-class distributions counted in a
# corpus of tonal music. Unlike Krumhansl's probe-tone ratings they give the tonic and
# dominant most of the weight and the leading tone of minor keys its due, which keeps
# minor keys from reading as their relative major (docs/audio_analysis.md compares them).
MAJOR_PROFILE = np.array([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081])
MINOR_PROFILE = np.array([0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052])


_TONAL_WINDOW = signal.get_window("hann", TONAL_N_FFT).astype(np.float32)
_PITCH_LO, _PITCH_HI = 40, 96  # E2 (82 Hz) .. C7 (2093 Hz): above the kick drum's tail

# A spectral peak counts only within PEAK_FLOOR_DB of its frame's strongest peak: weak upper
# partials beside loud notes (what a lossy encoder drops as masked) otherwise pull the chroma
# off the notes played. Chosen on the corpus's tuning split against a 144-loop harmonic-minor
# guard (docs/benchmarks.md, twelfth session): no floor 0.782 there, 30 dB 0.820.
PEAK_FLOOR_DB = 30.0


def pitch_histogram(y_tonal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spectral peaks mapped to semitones: (histogram over MIDI 40..95, per-frame chroma).

    Each frame's log spectrum is whitened against its local average, so only tonal peaks
    that stand out of their neighbourhood count; broadband drums and noise do not. The
    key's histogram also leaves out partials far below the frame's loudest (PEAK_FLOOR_DB).
    """
    frames = frames_view(y_tonal, TONAL_N_FFT, TONAL_HOP)
    lo_bin = int(_midi_hz(_PITCH_LO - 0.5) * TONAL_N_FFT / TONAL_SR)
    hi_bin = int(_midi_hz(_PITCH_HI + 0.5) * TONAL_N_FFT / TONAL_SR) + 2
    n_pitches = _PITCH_HI - _PITCH_LO
    histogram = np.zeros(n_pitches)
    chroma_frames = np.zeros((frames.shape[0], 12), dtype=np.float32)
    chunk = 512
    for start in range(0, frames.shape[0], chunk):
        mag = np.abs(sp_fft.rfft(frames[start : start + chunk] * _TONAL_WINDOW, axis=1))[:, lo_bin - 1 : hi_bin + 1]
        frame_energy = mag.max(axis=1)
        reference = np.maximum(frame_energy.max(), 1e-9)
        local = uniform_filter1d(mag, size=25, axis=1, mode="nearest") + 1e-9
        centre = mag[:, 1:-1]
        is_peak = (centre > mag[:, :-2]) & (centre >= mag[:, 2:]) & (centre > 2.0 * local[:, 1:-1])
        is_peak &= frame_energy[:, None] > reference * 1e-3
        rows, cols = np.nonzero(is_peak)
        if rows.size == 0:
            continue
        alpha = np.log(mag[rows, cols] + 1e-9)
        beta = np.log(mag[rows, cols + 1] + 1e-9)
        gamma = np.log(mag[rows, cols + 2] + 1e-9)
        denom = alpha - 2 * beta + gamma
        shift = np.where(np.abs(denom) > 1e-9, 0.5 * (alpha - gamma) / np.where(denom == 0, 1, denom), 0.0)
        freq = (lo_bin - 1 + cols + 1 + np.clip(shift, -0.5, 0.5)) * TONAL_SR / TONAL_N_FFT
        midi = np.rint(69 + 12 * np.log2(np.maximum(freq, 1.0) / 440.0)).astype(int)
        weight = np.log(centre[rows, cols] / local[rows, cols + 1])
        keep = (midi >= _PITCH_LO) & (midi < _PITCH_HI)
        note = keep & (centre[rows, cols] >= frame_energy[rows] * 10 ** (-PEAK_FLOOR_DB / 20))
        histogram += np.bincount(midi[note] - _PITCH_LO, weights=weight[note], minlength=n_pitches)
        # The per-frame chroma keeps the weak partials: for the section finder they are part
        # of a passage's texture (with the floor its held-out boundary F fell 0.814 -> 0.807).
        np.add.at(chroma_frames, (start + rows[keep], midi[keep] % 12), weight[keep])
    return histogram, chroma_frames


def chroma_from_histogram(histogram: np.ndarray) -> np.ndarray:
    """Fold to pitch classes after removing part of each note's third harmonic.

    The third harmonic of a note sounds an octave and a fifth above it (19 semitones), so
    every chord feeds its own dominant; left in, it pulls keys a fifth up (C major read as
    G major). 0.4 of the energy 19 semitones below is taken off each pitch.
    """
    compensated = histogram.copy()
    compensated[19:] = np.maximum(0.0, histogram[19:] - HARMONIC_3_WEIGHT * histogram[:-19])
    return np.bincount((np.arange(histogram.size) + _PITCH_LO) % 12, weights=compensated, minlength=12)


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


# A minor key and its relative major share a pitch set, so the profiles alone often read a
# harmonic-minor piece as its relative major. The minor key's raised seventh (G# in A minor)
# is foreign to that major key: its share of the chroma above what a major key would hold
# counts for the minor key. Weight and floor chosen on the corpus's tuning split
# (bench/audio/tune.py --key); a bass-register term was tried there and lost. A cap on the
# credit (tune.py's cap axis; none by default) mends melody-led tunes whose major third is the
# leading tone of the key a fifth below (tuning split +0.006) but lost two of the evaluated
# harmonic-minor loops, the held-out part unchanged: not kept (docs/benchmarks.md).
LEADING_TONE_WEIGHT = 0.1
LEADING_TONE_FLOOR = 0.04
LEADING_TONE_CAP = float("inf")


def key_scores(histogram: np.ndarray) -> list[tuple[float, int, str]]:
    """Score of every key (score, tonic 0-11, mode) from the pitch histogram, best first."""
    return chroma_key_scores(chroma_from_histogram(histogram))


def chroma_key_scores(
    chroma: np.ndarray,
    leading_weight: float = LEADING_TONE_WEIGHT,
    leading_floor: float = LEADING_TONE_FLOOR,
    leading_cap: float = LEADING_TONE_CAP,
) -> list[tuple[float, int, str]]:
    """The decision on a 12-bin pitch-class profile: also scored on a score's own notes
    (bench/audio/tune.py --key-symbolic), which bounds what better chroma could gain."""
    share = chroma / (chroma.sum() + 1e-12)
    scores = []
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            value = float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
            if mode == "minor":
                value += leading_weight * 12 * min(share[(tonic + 11) % 12] - leading_floor, leading_cap)
            scores.append((value, tonic, mode))
    return sorted(scores, reverse=True)


def key_from_histogram(histogram: np.ndarray) -> tuple[str | None, str | None, float]:
    """The key from the pitch histogram (profiles and leading tone); confidence in [0, 1]."""
    chroma = chroma_from_histogram(histogram)
    if chroma.sum() <= 0 or np.allclose(chroma, chroma[0]):
        return None, None, 0.0
    scores = key_scores(histogram)
    best, tonic, mode = scores[0]
    margin = best - scores[1][0]
    confidence = float(np.clip(best, 0, 1) * np.clip(0.5 + 5 * margin, 0, 1))
    return PITCHES[tonic], mode, round(confidence, 3)
