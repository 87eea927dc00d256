"""Key and mode: spectral peaks of the tonal spectrum become pitches, frame by frame; their
chroma profile is matched against key profiles and their short windows are read as chords,
which each key explains more or less well."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

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
_FOLD = np.eye(12)[(np.arange(_PITCH_HI - _PITCH_LO) + _PITCH_LO) % 12]  # semitone -> pitch class

# A spectral peak counts only within PEAK_FLOOR_DB of its frame's strongest peak: weak upper
# partials beside loud notes (what a lossy encoder drops as masked) otherwise pull the chroma
# off the notes played. Chosen on the corpus's tuning split against a 144-loop harmonic-minor
# guard (docs/benchmarks.md, twelfth session): no floor 0.782 there, 30 dB 0.820.
PEAK_FLOOR_DB = 30.0


class PitchFrames(NamedTuple):
    """What the tonal spectrum holds, frame by frame (TONAL_HOP apart)."""

    notes: np.ndarray  # (frames, 56): weight of each semitone MIDI 40..95, PEAK_FLOOR_DB applied
    chroma: np.ndarray  # (frames, 12): pitch classes with the weak partials kept (sections)

    @property
    def histogram(self) -> np.ndarray:
        """The whole excerpt's weight per semitone: what the key profiles are matched on."""
        return self.notes.sum(axis=0)


def pitch_frames(y_tonal: np.ndarray) -> PitchFrames:
    """Spectral peaks mapped to semitones, frame by frame.

    Each frame's log spectrum is whitened against its local average, so only tonal peaks
    that stand out of their neighbourhood count; broadband drums and noise do not. The
    key's notes also leave out partials far below the frame's loudest (PEAK_FLOOR_DB).
    """
    frames = frames_view(y_tonal, TONAL_N_FFT, TONAL_HOP)
    lo_bin = int(_midi_hz(_PITCH_LO - 0.5) * TONAL_N_FFT / TONAL_SR)
    hi_bin = int(_midi_hz(_PITCH_HI + 0.5) * TONAL_N_FFT / TONAL_SR) + 2
    n_pitches = _PITCH_HI - _PITCH_LO
    notes = np.zeros((frames.shape[0], n_pitches))
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
        np.add.at(notes, (start + rows[note], midi[note] - _PITCH_LO), weight[note])
        # The per-frame chroma keeps the weak partials: for the section finder they are part
        # of a passage's texture (with the floor its held-out boundary F fell 0.814 -> 0.807).
        np.add.at(chroma_frames, (start + rows[keep], midi[keep] % 12), weight[keep])
    return PitchFrames(notes, chroma_frames)


def chroma_from_histogram(histogram: np.ndarray) -> np.ndarray:
    """Fold to pitch classes after removing part of each note's third harmonic.

    The third harmonic of a note sounds an octave and a fifth above it (19 semitones), so
    every chord feeds its own dominant; left in, it pulls keys a fifth up (C major read as
    G major). 0.4 of the energy 19 semitones below is taken off each pitch.
    """
    return _without_partials(histogram) @ _FOLD


def _without_partials(notes: np.ndarray, fifth_harmonic: float = 0.0) -> np.ndarray:
    """Semitone weights (last axis, MIDI 40..95) less HARMONIC_3_WEIGHT of the pitch 19 semitones
    below and `fifth_harmonic` of the one 28 below (a note's third and fifth harmonics)."""
    notes = np.asarray(notes, dtype=float)
    compensated = notes.copy()
    compensated[..., 19:] = np.maximum(0.0, notes[..., 19:] - HARMONIC_3_WEIGHT * notes[..., :-19])
    if fifth_harmonic:
        compensated[..., 28:] = np.maximum(0.0, compensated[..., 28:] - fifth_harmonic * notes[..., :-28])
    return compensated


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


# A key is also heard in its chords: "E major in A minor" is the dominant, the commonest chord
# after the tonic, while a profile only sees a G# that a tune in E minor could hold too. Each
# short window of tonal frames is read as one of the 24 major and minor triads or the 12 power
# chords (root and fifth: rock's distorted guitar), and a key scores the energy-weighted mean
# over windows of the log-likelihood of the harmony, summed over its readings, under
# P(chord | key). Parameters chosen on tuning-side sets by the rule in docs/benchmarks.md
# (fourteenth session).
CHORD_WEIGHT = 0.7  # lambda: how much the chord term moves the profile score
CHORD_WINDOW_FRAMES = 2  # 0.37 s of tonal frames per chord reading
CHORD_SHARPNESS = 20.0  # beta: log P(window | chord) = beta x cosine(window chroma, chord)
NO_CHORD_LEVEL = 0.3  # a melody-line window reads as "no chord", equally likely in every key
FIFTH_HARMONIC_WEIGHT = 0.4  # a note's 5th harmonic (a major third, 28 semitones up), taken off
OTHER_CHORD_SHARE = 0.003


@dataclass(frozen=True)
class ChordReading:
    """The chord term's settings: the shipped ones by default, others in tune.py --key-chords."""

    weight: float = CHORD_WEIGHT
    window_frames: int = CHORD_WINDOW_FRAMES
    sharpness: float = CHORD_SHARPNESS
    no_chord: float = NO_CHORD_LEVEL
    fifth_harmonic: float = FIFTH_HARMONIC_WEIGHT

    def __post_init__(self) -> None:
        if self.window_frames < 1:
            raise ValueError("a chord window holds at least one frame")


# P(chord | key) by (root above the tonic, quality): how often each triad serves in a key, in
# the order textbook harmonic function gives (not fitted). Each row is renormalised.
MAJOR_KEY_CHORDS = {
    (0, "maj"): 0.28, (7, "maj"): 0.20, (5, "maj"): 0.15, (9, "min"): 0.09, (2, "min"): 0.08,
    (4, "min"): 0.04, (10, "maj"): 0.02, (4, "maj"): 0.02, (2, "maj"): 0.02, (9, "maj"): 0.01,
    (5, "min"): 0.01, (8, "maj"): 0.01,
}  # fmt: skip
MINOR_KEY_CHORDS = {
    (0, "min"): 0.28, (7, "maj"): 0.16, (5, "min"): 0.12, (8, "maj"): 0.10, (3, "maj"): 0.09,
    (10, "maj"): 0.08, (7, "min"): 0.04, (5, "maj"): 0.02, (1, "maj"): 0.01, (0, "maj"): 0.01,
}  # fmt: skip
_CHORD_INTERVALS = {"maj": (0, 4, 7), "min": (0, 3, 7), "power": (0, 7)}
_CHORDS = [(root, quality) for quality in _CHORD_INTERVALS for root in range(12)]


def _chord_templates() -> np.ndarray:
    templates = np.zeros((len(_CHORDS), 12))
    for row, (root, quality) in enumerate(_CHORDS):
        templates[row, [(root + step) % 12 for step in _CHORD_INTERVALS[quality]]] = 1.0
    return templates / np.linalg.norm(templates, axis=1, keepdims=True)


def _key_chord_log_probabilities() -> np.ndarray:
    """(24 keys: major tonics 0-11 then minor, chords) log P(chord | key). A power chord has no
    third, so it counts for a key as either triad on its root would: its share is the base
    OTHER_CHORD_SHARE plus the shares of the triads on its root that the table lists."""
    out = np.zeros((24, len(_CHORDS)))
    for key in range(24):
        tonic, table = key % 12, MAJOR_KEY_CHORDS if key < 12 else MINOR_KEY_CHORDS
        probabilities = np.full(len(_CHORDS), OTHER_CHORD_SHARE)
        for (interval, quality), share in table.items():
            root = (tonic + interval) % 12
            probabilities[_CHORDS.index((root, quality))] = share
            probabilities[_CHORDS.index((root, "power"))] += share
        out[key] = np.log(probabilities / probabilities.sum())
    return out


_TEMPLATES = _chord_templates()
_KEY_CHORD_LOG_P = _key_chord_log_probabilities()
_KEY_CHORD_P = np.exp(_KEY_CHORD_LOG_P)


def chord_key_loglik(notes: np.ndarray, reading: ChordReading = ChordReading()) -> np.ndarray:
    """Per key (24: major tonics 0-11, then minor), the energy-weighted mean over chord windows of
    log sum over chords of P(window | chord) P(chord | key), "no chord" included."""
    chroma = _without_partials(notes, reading.fifth_harmonic) @ _FOLD
    size = reading.window_frames
    n_windows = chroma.shape[0] // size
    windows = chroma[: n_windows * size].reshape(n_windows, size, 12).sum(axis=1)
    energy = windows.sum(axis=1)
    sounding = energy > 1e-6
    if not sounding.any():
        return np.zeros(24)
    windows, energy = windows[sounding], energy[sounding]
    evidence = reading.sharpness * (windows / np.linalg.norm(windows, axis=1, keepdims=True)) @ _TEMPLATES.T
    # log sum_c exp(evidence) P(c | key), plus "no chord": a matrix product over a shared shift,
    # not a window x key x chord array (a 45-minute file would hold 300 MB of it).
    no_chord = reading.sharpness * reading.no_chord
    shift = np.maximum(evidence.max(axis=1, keepdims=True), no_chord)
    mixture = np.exp(evidence - shift) @ _KEY_CHORD_P.T + np.exp(no_chord - shift)
    return (energy / energy.sum()) @ (np.log(mixture) + shift)


def key_scores(
    notes: np.ndarray,
    leading_weight: float = LEADING_TONE_WEIGHT,
    leading_floor: float = LEADING_TONE_FLOOR,
    leading_cap: float = LEADING_TONE_CAP,
    reading: ChordReading = ChordReading(),
) -> list[tuple[float, int, str]]:
    """Score of every key (score, tonic 0-11, mode) from the frames' notes, best first: the
    profile score plus the chord weight x the chord term's lag behind the best key's."""
    chroma = chroma_from_histogram(notes.sum(axis=0))
    profile = chroma_key_scores(chroma, leading_weight, leading_floor, leading_cap)
    chords = chord_key_loglik(notes, reading)
    chords -= chords.max()
    combined = [
        (value + reading.weight * chords[tonic + (12 if mode == "minor" else 0)], tonic, mode)
        for value, tonic, mode in profile
    ]
    return sorted(combined, reverse=True)


def chroma_key_scores(
    chroma: np.ndarray,
    leading_weight: float = LEADING_TONE_WEIGHT,
    leading_floor: float = LEADING_TONE_FLOOR,
    leading_cap: float = LEADING_TONE_CAP,
) -> list[tuple[float, int, str]]:
    """The profile decision on a 12-bin pitch-class profile: also scored on a score's own notes
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


def key_from_notes(notes: np.ndarray) -> tuple[str | None, str | None, float]:
    """The key from the frames' notes (profiles, leading tone, chords); confidence in [0, 1]."""
    chroma = chroma_from_histogram(notes.sum(axis=0))
    if chroma.sum() <= 0 or np.allclose(chroma, chroma[0]):
        return None, None, 0.0
    scores = key_scores(notes)
    best, tonic, mode = scores[0]
    margin = best - scores[1][0]
    confidence = float(np.clip(best, 0, 1) * np.clip(0.5 + 5 * margin, 0, 1))
    return PITCHES[tonic], mode, round(confidence, 3)
