"""Tempo, beats, metre and onset rate from the band-wise onset flux."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from analytics.audio.common import FPS, MIN_TEMPO_SECONDS
from analytics.audio.metrical import MetricalModel, default_model
from analytics.audio.spectra import Spectra

MIN_BPM, MAX_BPM = 40.0, 240.0


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


def _combs(acf: np.ndarray, periods: np.ndarray, harmonics: int = 4) -> np.ndarray:
    """_comb for many periods at once (one interpolation call: the tempo stage's hot loop)."""
    lags = np.asarray(periods, dtype=float)[:, None] * np.arange(1, harmonics + 1)[None, :]
    valid = lags < len(acf) - 1
    values = np.interp(np.where(valid, lags, 0.0), np.arange(len(acf)), acf) * valid
    counts = valid.sum(axis=1)
    return np.where(counts > 0, values.sum(axis=1) / np.maximum(counts, 1), 0.0)


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


# The metrical-level decision: each candidate tempo is described by the features below and
# scored by analytics.audio.metrical (fitted by bench/audio/tune.py on the tuning split of the
# real-music corpus only), the candidates' scores turned into probabilities by a softmax.
CANDIDATE_FEATURES = (
    "log2_tempo",  # log2(bpm / 110): with its square, a learned tempo prior
    "log2_tempo_sq",
    "comb",  # periodicity of the onsets at the period and its multiples (relative to the best)
    "acf_1",  # autocorrelation at 1, 2, 3, 4 periods and at 1/2, 1/3 of it: which groupings
    "acf_2",  # and subdivisions of this beat the music repeats at
    "acf_3",
    "acf_4",
    "acf_half",
    "acf_third",
    "density_x_tempo",  # log2(onsets per minute / 110) x log2_tempo: busier music, faster beat
    "pulse",  # onset accent on the beats minus halfway between, at the best phase
    "triple_sub",  # accent at thirds of the beat minus at its half: compound subdivision
    "bass_comb",  # periodicity of the low band (bass notes, kick) at the period
    "beat_fill",  # share of this grid's beats that carry an onset, at the best phase
    "half_fill",  # ... of the points halfway between them
    "third_fill",  # ... of the points at their thirds
    "backbeat",  # snares on every other beat, not between (drums)
    "hat_accent",  # hi-hats accented on this grid's beats (high at twice the beat)
    "harm_pulse",  # harmonic change (new chord or bass note) on the beats minus halfway between
    "harm_triple",  # ... at thirds of the beat minus at its half
    "harm_comb",  # periodicity of the harmonic changes at the period and its multiples
    "harm_acf_2",  # ... at 2 and 3 periods: chords that change every 2 or 3 of these beats
    "harm_acf_3",
    "bass_pulse",  # low-band onsets (bass notes, kick) on the beats minus halfway between
    "bass_triple",  # ... at thirds of the beat minus at its half
)
# The same for every candidate of a file: what kind of music it is, which the model's hidden
# layer combines with the candidate's own features (drums make the backbeat decisive, a busy
# texture shifts the prior).
FILE_FEATURES = (
    "file_density",  # log2(onsets per minute / 110)
    "file_backbeat",  # the strongest backbeat of any candidate: a drum kit is playing
    "file_hats",  # the strongest hi-hat accent of any candidate
)
# A candidate is judged against the file's others, not alone: the same evidence means more
# when no other level has it. These are its features minus the file's best, and the features
# of the candidates at twice and half its tempo minus its own (zero, with the flag at 0, when
# there is none): "the beat twice as fast fills as well as this one" is what separates a beat
# from its subdivision. The tempo terms are left out: they differ by a constant between levels.
COMPARED_FEATURES = tuple(
    name for name in CANDIDATE_FEATURES if name not in ("log2_tempo", "log2_tempo_sq", "density_x_tempo")
)
NEIGHBOUR_TOLERANCE = 0.04
TEMPO_FEATURES = (
    *CANDIDATE_FEATURES,
    *FILE_FEATURES,
    *(f"{name}_vs_best" for name in COMPARED_FEATURES),
    *(f"{name}_x2_minus_own" for name in COMPARED_FEATURES),
    "has_x2",
    *(f"{name}_half_minus_own" for name in COMPARED_FEATURES),
    "has_half",
)
REFERENCE_BPM = 110.0


def _acf_at(acf: np.ndarray, lag: float) -> float:
    if lag >= len(acf) - 1 or lag < 1:
        return 0.0
    return float(np.interp(lag, np.arange(len(acf)), acf))


GRID_WINDOW_SECONDS = 30.0


def _grid_means(values: np.ndarray, period: float, fractions: tuple[float, ...]) -> np.ndarray:
    """Mean of `values` at each fraction of the beat, on the grid of `period` whose beats hold
    the most. Measured on the middle GRID_WINDOW_SECONDS of the file: a candidate period off by
    0.1 % would drift off its own grid over minutes, and the weights were fitted on 30 s
    excerpts."""
    window = int(GRID_WINDOW_SECONDS * FPS)
    if len(values) > window:
        start = (len(values) - window) // 2
        values = values[start : start + window]
    n_beats = int((len(values) - 1) / period)
    if n_beats < 4:
        return np.zeros(len(fractions))
    phases = np.arange(0, period, 1.0)
    k = np.arange(n_beats)
    last = len(values) - 1

    def at(fraction: float) -> np.ndarray:
        index = np.rint(phases[:, None] + (k[None, :] + fraction) * period).astype(int)
        return values[np.clip(index, 0, last)].mean(axis=1)

    on = at(0.0)
    best = int(np.argmax(on))
    return np.array([on[best] if f == 0.0 else at(f)[best] for f in fractions])


def _phase_accents(env: np.ndarray, period: float) -> tuple[float, float, float, float]:
    """Mean accent (log, locally maximal) on the beats, at their halves and at their thirds, at
    the phase with the strongest beats; and the envelope's mean, for scale."""
    smoothed = maximum_filter1d(np.log1p(env), size=3)
    on, half, third, two_thirds = _grid_means(smoothed, period, (0.0, 0.5, 1 / 3, 2 / 3))
    return float(on), float(half), float(0.5 * (third + two_thirds)), float(smoothed.mean() + 1e-9)


def _fills(impulses: np.ndarray, period: float) -> tuple[float, float, float]:
    """Share of the beats, half-beats and third-beats with an onset within ±2 frames, at the
    phase where the beats have the most."""
    near = maximum_filter1d(impulses, size=5)
    on, half, third, two_thirds = _grid_means(near, period, (0.0, 0.5, 1 / 3, 2 / 3))
    return float(on), float(half), float(0.5 * (third + two_thirds))


def tempo_candidates(spectra: Spectra, duration: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(periods in frames, features per candidate, full onset envelope); empty when no pulse."""
    full = _normalise_onsets(spectra.flux_low + spectra.flux_mid + spectra.flux_high)
    if duration < MIN_TEMPO_SECONDS or full.max() <= 0:
        return np.empty(0), np.empty((0, len(TEMPO_FEATURES))), full
    acf = _autocorrelation(full)
    bpms = 30.0 * 2.0 ** (np.arange(0, 3.4 * 72) / 72)  # 30-315 BPM, 1/72 octave apart
    combs = _combs(acf, 60.0 * FPS / bpms)
    peaks, _ = signal.find_peaks(combs)
    if peaks.size == 0:
        return np.empty(0), np.empty((0, len(TEMPO_FEATURES))), full
    in_range = peaks[(bpms[peaks] >= MIN_BPM) & (bpms[peaks] <= MAX_BPM)]
    top = list(peaks[np.argsort(combs[peaks])[::-1][:3]]) + list(in_range[np.argsort(combs[in_range])[::-1][:6]])
    raw: list[float] = []
    for p in top:
        for factor in (1 / 3, 0.5, 2 / 3, 1.0, 1.5, 2.0, 3.0):
            tempo = bpms[p] * factor
            if MIN_BPM <= tempo <= MAX_BPM:
                raw.append(float(tempo))
    periods: list[float] = []
    for tempo in sorted(raw):
        period = _refine_period(acf, 60.0 * FPS / tempo)
        if all(abs(period - other) > 0.02 * period for other in periods):
            periods.append(period)
    snare = _normalise_onsets(spectra.flux_snare)
    hats = _normalise_onsets(spectra.flux_high)
    low = _normalise_onsets(spectra.flux_low)
    low_acf = _autocorrelation(low)
    onset_rate = max(_onset_rate(full, duration), 0.1)
    harmonic = _normalise_onsets(spectra.harmonic_change)
    harmonic_acf = _autocorrelation(harmonic)
    harmonic_best = max(max(_comb(harmonic_acf, p) for p in periods), 1e-6)
    impulses = np.zeros(len(full))
    impulses[signal.find_peaks(full, height=1.0, distance=max(1, int(0.05 * FPS)))[0]] = 1.0
    best_comb = max(max(_comb(acf, p) for p in periods), 1e-6)
    rows = []
    for period in periods:
        bpm = 60.0 * FPS / period
        log_tempo = math.log2(bpm / REFERENCE_BPM)
        on, half, third, scale = _phase_accents(full, period)
        h_on, h_half, h_third, h_scale = _phase_accents(harmonic, period)
        b_on, b_half, b_third, b_scale = _phase_accents(low, period)
        rows.append(
            [
                log_tempo,
                log_tempo**2,
                _comb(acf, period) / best_comb,
                _acf_at(acf, period),
                _acf_at(acf, 2 * period),
                _acf_at(acf, 3 * period),
                _acf_at(acf, 4 * period),
                _acf_at(acf, period / 2),
                _acf_at(acf, period / 3),
                math.log2(onset_rate * 60.0 / REFERENCE_BPM) * log_tempo,
                (on - half) / scale,
                (third - half) / scale,
                _comb(low_acf, period),
                *_fills(impulses, period),
                _backbeat_contrast(snare, period),
                _on_off_contrast(hats, period),
                (h_on - h_half) / h_scale,
                (h_third - h_half) / h_scale,
                _comb(harmonic_acf, period) / harmonic_best,
                _acf_at(harmonic_acf, 2 * period),
                _acf_at(harmonic_acf, 3 * period),
                (b_on - b_half) / b_scale,
                (b_third - b_half) / b_scale,
            ]
        )
    own = np.asarray(rows)
    context = [
        math.log2(onset_rate * 60.0 / REFERENCE_BPM),
        own[:, CANDIDATE_FEATURES.index("backbeat")].max(),
        own[:, CANDIDATE_FEATURES.index("hat_accent")].max(),
    ]
    period_array = np.asarray(periods)
    compared = own[:, [CANDIDATE_FEATURES.index(name) for name in COMPARED_FEATURES]]
    features = np.hstack(
        [
            own,
            np.tile(context, (len(own), 1)),
            compared - compared.max(axis=0),
            _neighbour_differences(period_array, compared, 2.0),
            _neighbour_differences(period_array, compared, 0.5),
        ]
    )
    return period_array, features, full


def _neighbour_differences(periods: np.ndarray, compared: np.ndarray, factor: float) -> np.ndarray:
    """For each candidate, the compared features of the candidate at `factor` times its tempo
    minus its own, and a presence flag; zeros and 0 where no candidate is within
    NEIGHBOUR_TOLERANCE of that tempo."""
    out = np.zeros((len(periods), compared.shape[1] + 1))
    for i, period in enumerate(periods):
        ratios = period / (periods * factor)
        j = int(np.argmin(np.abs(np.log(ratios))))
        if j != i and abs(ratios[j] - 1.0) <= NEIGHBOUR_TOLERANCE:
            out[i, :-1] = compared[j] - compared[i]
            out[i, -1] = 1.0
    return out


def choose_tempo(features: np.ndarray, model: MetricalModel | None = None) -> tuple[int, np.ndarray]:
    """Index of the best candidate and every candidate's probability (softmax of the scores)."""
    probabilities = (model or default_model()).probabilities(features)
    return int(np.argmax(probabilities)), probabilities


def choose_level(periods: np.ndarray, features: np.ndarray, model: MetricalModel | None = None) -> tuple[int, float]:
    """Index of the chosen candidate and the confidence in its metrical level: the probability
    of the candidates within 4 % of its period counted together, so near-duplicate candidates
    do not split it; low when another level is about as likely."""
    best, probabilities = choose_tempo(features, model)
    same = np.abs(periods / periods[best] - 1.0) <= 0.04
    return best, float(probabilities[same].sum())


def rhythm(spectra: Spectra, duration: float) -> Rhythm:
    """Tempo, beats, metre and onset rate from the band-wise spectral flux."""
    periods, features, full = tempo_candidates(spectra, duration)
    onset_rate = _onset_rate(full, duration)
    if periods.size == 0:
        return Rhythm(None, 0.0, np.empty(0), None, onset_rate, 0.0, 0.0)
    best, confidence = choose_level(periods, features)
    period = float(periods[best])
    acf = _autocorrelation(full)
    periodicity = max(_comb(acf, period), 0.0)
    tempo = 60.0 * FPS / period
    beats = _track_beats(full, period, _best_phase(full, period))
    snare = _normalise_onsets(spectra.flux_snare)
    backbeat = float(features[best, TEMPO_FEATURES.index("backbeat")])
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
    return float(grid[int(np.argmax(_combs(acf, grid, harmonics=8)))])


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
