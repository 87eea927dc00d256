"""Audio feature extraction: one decode, two short-time spectra, every feature from those.

Pure numpy/scipy (no numba), so a fresh worker pays no JIT compile cost and a task costs
only its own arithmetic. The pipeline:

1. decode once (soundfile: WAV, FLAC, MP3, OGG) to float32; loudness, true peak and
   loudness range are measured on the original channels at the original rate;
2. a mono 22.05 kHz signal feeds the *rhythm/timbre spectrum* (1024-point STFT, hop 256,
   ~86 frames/s), reduced chunk by chunk to 64 mel bands and per-frame spectral
   statistics, so even a 20-minute file stays within a few tens of MB;
3. the same signal decimated to 11.025 kHz feeds the *tonal spectrum* (4096-point STFT,
   2.7 Hz bins) from which spectral peaks are mapped to pitches for the key;
4. tempo, beats, metre, key, timbre, descriptors and sections are computed from those.

How each feature is derived, and its limits, is documented in docs/audio_analysis.md.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from pydantic import BaseModel, Field
from pyloudnorm.iirfilter import IIRfilter
from scipy import fft as sp_fft
from scipy import signal, sparse
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d

from kernel.errors import ApplicationError

ANALYZER_VERSION = "1.0"
PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
ANALYSIS_SR = 22050
TONAL_SR = 11025
N_FFT, HOP = 1024, 256
TONAL_N_FFT, TONAL_HOP = 4096, 2048
N_MELS, N_MFCC = 64, 13
FPS = ANALYSIS_SR / HOP
DEFAULT_MAX_SECONDS = 45 * 60.0
MIN_TEMPO_SECONDS = 4.0
SILENCE_DBFS = -80.0
MIN_BPM, MAX_BPM = 50.0, 220.0
# A weak tie-breaker only: log-normal around 120 BPM, one octave wide. At 60 or 240 BPM it
# costs 1.5 points, while a clear backbeat is worth 3-6 (see rhythm()).
PRIOR_BPM, PRIOR_OCTAVES = 120.0, 1.0
HARMONIC_3_WEIGHT = 0.4

# Key profiles from Albrecht & Shanahan (2013), pitch-class distributions counted in a
# corpus of tonal music. Unlike Krumhansl's probe-tone ratings they give the tonic and
# dominant most of the weight and the leading tone of minor keys its due, which keeps
# minor keys from reading as their relative major (docs/audio_analysis.md compares them).
MAJOR_PROFILE = np.array([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081])
MINOR_PROFILE = np.array([0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052])


class AudioAnalysisError(ApplicationError):
    """The file cannot be analysed: missing, empty, not audio, corrupt, too long or too slow."""

    status_code = 422
    code = "bad_audio"


class Section(BaseModel):
    """A structural section of the track."""

    start: float
    end: float
    label: str = Field(description="intro, verse, chorus, bridge or outro (verse/chorus are similarity-based).")
    energy: float = Field(description="Mean RMS of the section relative to the loudest section, 0-1.")


class AudioAnalysis(BaseModel):
    """Everything the extractor measured on one file."""

    path: str
    analyzer_version: str = ANALYZER_VERSION
    duration: float
    sample_rate: int
    channels: int
    format: str = ""
    tempo: float | None = None
    tempo_confidence: float = 0.0
    beats: list[float] = Field(default_factory=list)
    time_signature: int | None = None
    key: str | None = None
    mode: str | None = None
    key_confidence: float = 0.0
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None
    sample_peak_dbfs: float | None = None
    loudness_range_lu: float | None = None
    energy: float = 0.0
    danceability: float = 0.0
    valence: float = 0.0
    acousticness: float = 0.0
    instrumentalness: float = 0.0
    speechiness: float = 0.0
    onset_rate: float = 0.0
    spectral_centroid: float | None = None
    spectral_rolloff: float | None = None
    spectral_flatness: float | None = None
    mfcc_mean: list[float] = Field(default_factory=list)
    mfcc_std: list[float] = Field(default_factory=list)
    chroma: list[float] = Field(default_factory=list)
    rms_curve: list[float] = Field(default_factory=list, description="RMS in dBFS, one value per rms_hop seconds.")
    rms_hop: float = 0.0
    sections: list[Section] = Field(default_factory=list)
    waveform_png: str | None = None
    spectrogram_png: str | None = None
    warnings: list[str] = Field(default_factory=list)
    seconds_taken: float = 0.0


class _Deadline:
    """A cooperative time limit checked between stages (every stage is bounded numpy work)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds if seconds else None

    def check(self, stage: str) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise AudioAnalysisError(
                f"Analysis exceeded its time limit of {self.seconds:g} s (during {stage}).",
                extra={"reason": "time_limit", "stage": stage},
            )


@dataclass
class _Spectra:
    """The reductions of the rhythm/timbre spectrum kept for later stages."""

    mel_power: np.ndarray  # frames x N_MELS
    flux_low: np.ndarray
    flux_mid: np.ndarray
    flux_high: np.ndarray
    flux_kick: np.ndarray
    flux_snare: np.ndarray
    centroid: np.ndarray
    rolloff: np.ndarray
    flatness: np.ndarray
    frame_rms: np.ndarray


# --- decoding -----------------------------------------------------------------------------


def decode(path: str | Path, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> tuple[np.ndarray, int, str, list[str]]:
    """Read the whole file once: float32, channels first (channels x frames); clear errors for bad input.

    16-bit PCM is read as integers and scaled here, several times faster than asking
    libsndfile for floats.
    """
    path = Path(path)
    warnings: list[str] = []
    if not path.is_file():
        raise AudioAnalysisError(f"No such file: {path}.", extra={"reason": "missing"})
    if path.stat().st_size == 0:
        raise AudioAnalysisError(f"{path.name} is empty (0 bytes).", extra={"reason": "empty"})
    try:
        with sf.SoundFile(str(path)) as handle:
            rate, declared, fmt, subtype = handle.samplerate, handle.frames, handle.format, handle.subtype
            if "should be" in (handle.extra_info or ""):
                # libsndfile reads what is there and notes that the header promised more.
                warnings.append("truncated: the file holds less data than its header declares")
            if rate <= 0:
                raise AudioAnalysisError(f"{path.name} declares no sample rate.", extra={"reason": "corrupt"})
            if declared > 0 and declared / rate > max_seconds:
                raise AudioAnalysisError(
                    f"{path.name} is {declared / rate / 60:.1f} min long; the limit is {max_seconds / 60:.0f} min.",
                    extra={"reason": "too_long"},
                )
            if subtype == "PCM_16":
                raw = handle.read(dtype="int16", always_2d=True)
                data = np.ascontiguousarray(raw.T).astype(np.float32)
                data *= 1.0 / 32768.0
            else:
                data = np.ascontiguousarray(handle.read(dtype="float32", always_2d=True).T)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError) as exc:
        raise AudioAnalysisError(
            f"{path.name} is not a readable WAV, FLAC, MP3 or OGG file ({exc}).", extra={"reason": "unreadable"}
        ) from exc
    if data.shape[1] == 0:
        raise AudioAnalysisError(f"{path.name} contains no audio samples.", extra={"reason": "no_samples"})
    if declared > 0 and data.shape[1] < declared * 0.99 and not warnings:
        warnings.append(f"truncated: header declares {declared} frames, {data.shape[1]} could be read")
    if subtype in {"FLOAT", "DOUBLE"} and not np.isfinite(data).all():
        raise AudioAnalysisError(f"{path.name} contains non-finite samples (NaN/inf).", extra={"reason": "corrupt"})
    return data, int(rate), fmt, warnings


def _resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    if rate_in == rate_out:
        return x.astype(np.float32, copy=False)
    return soxr.resample(x, rate_in, rate_out, quality="HQ").astype(np.float32, copy=False)


# --- loudness -----------------------------------------------------------------------------


def _k_weighting_sos(rate: int) -> np.ndarray:
    """BS.1770 K-weighting as pyloudnorm designs it (shelf at 1.5 kHz, high-pass at 38 Hz)."""
    stages = [
        IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    ]
    return np.array([np.concatenate([st.b / st.a[0], st.a / st.a[0]]) for st in stages])


def _channel_weights(channels: int) -> tuple[list[int], list[float]]:
    """Channels and BS.1770 gains: L, R, C at 1.0, surrounds at 1.41; the 5.1 LFE is excluded."""
    if channels == 6:
        return [0, 1, 2, 4, 5], [1.0, 1.0, 1.0, 1.41, 1.41]
    if channels <= 5:
        return list(range(channels)), [1.0, 1.0, 1.0, 1.41, 1.41][:channels]
    return list(range(channels)), [1.0] * channels


def loudness(data: np.ndarray, rate: int) -> tuple[float | None, float | None]:
    """Integrated loudness (BS.1770-4 gating) and loudness range (EBU Tech 3342), in LUFS / LU.

    The K-weighting filters are pyloudnorm's; the signal is filtered once and reduced to
    100 ms mean-square blocks, from which the 400 ms gating blocks (75 % overlap) and the
    3 s short-term blocks are sums. Tests hold the integrated value to pyloudnorm's within
    0.05 LU. None when shorter than 0.4 s or below the -70 LUFS absolute gate.
    """
    chans, gains = _channel_weights(data.shape[0])
    sos = _k_weighting_sos(rate).astype(np.float32)
    step = max(1, int(round(rate / 10)))
    usable = (data.shape[1] // step) * step
    if usable < 4 * step:
        return None, None
    sub = np.zeros(usable // step)
    for gain, channel in zip(gains, chans, strict=True):
        weighted = signal.sosfilt(sos, data[channel, :usable])
        sub += gain * np.einsum("ij,ij->i", *(weighted.reshape(-1, step),) * 2, dtype=np.float64)
    sub /= step

    def blocks(length: int) -> np.ndarray:
        if len(sub) < length:
            return np.empty(0)
        summed = np.convolve(sub, np.ones(length), mode="valid") / length
        with np.errstate(divide="ignore"):
            return -0.691 + 10 * np.log10(summed)

    momentary = blocks(4)
    integrated = None
    gated = momentary[momentary >= -70.0]
    if gated.size:
        relative = -0.691 + 10 * np.log10(np.mean(10 ** ((gated + 0.691) / 10))) - 10
        final = gated[gated > relative]
        if final.size:
            integrated = float(-0.691 + 10 * np.log10(np.mean(10 ** ((final + 0.691) / 10))))
    short_term = blocks(30)
    lra = None
    short_term = short_term[short_term >= -70.0]
    if short_term.size:
        level = 10 * np.log10(np.mean(10 ** (short_term / 10)))
        short_term = short_term[short_term >= level - 20]
        if short_term.size:
            lra = float(np.percentile(short_term, 95) - np.percentile(short_term, 10))
    return integrated, lra


# 4x oversampling interpolator (BS.1770-4 Annex 2 uses a 48-tap, 4-phase FIR): the three
# fractional phases, 12 taps each, as a windowed sinc.
_TP_TAPS = 12
_TP_PHASES = np.array(
    [
        np.sinc(np.arange(-_TP_TAPS // 2 + 1, _TP_TAPS // 2 + 1) - frac) * np.kaiser(_TP_TAPS, 5.0)
        for frac in (0.25, 0.5, 0.75)
    ]
)
_TP_PHASES /= _TP_PHASES.sum(axis=1, keepdims=True)


def true_peak(data: np.ndarray) -> float | None:
    """True peak in dBTP: the 4x-oversampled maximum (BS.1770-4 Annex 2).

    The continuous signal peaks next to a local maximum of |x|, so the interpolator runs
    only around local maxima within 6 dB of the sample peak (inter-sample overshoot of
    band-limited audio stays well below that), not over every sample.
    """
    peak = float(max(data.max(), -data.min()))
    if peak == 0:
        return None
    best = peak
    half = _TP_TAPS // 2
    for channel in data:
        mag = np.abs(channel)
        inner = mag[1:-1]
        maxima = np.flatnonzero((inner >= 0.5 * peak) & (inner >= mag[:-2]) & (inner >= mag[2:])) + 1
        # The intervals before and after each maximum: interpolate at 1/4, 1/2 and 3/4.
        starts = np.unique(np.concatenate([maxima - 1, maxima]))
        starts = starts[(starts >= half - 1) & (starts < len(channel) - half)]
        if starts.size == 0:
            continue
        for phase in _TP_PHASES:
            values = np.zeros(starts.size, dtype=np.float64)
            for tap, coefficient in enumerate(phase):
                values += coefficient * channel[starts + tap - half + 1]
            best = max(best, float(np.abs(values).max()))
    return 20 * math.log10(best)


# --- spectra ------------------------------------------------------------------------------


def _mel_filterbank(
    sr: int, n_fft: int, n_mels: int, fmin: float = 30.0, fmax: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Triangular filters evenly spaced on the HTK mel scale, area-normalised (n_mels x bins),
    with each band's centre frequency and half-width in Hz."""
    fmax = fmax or sr / 2

    def hz_to_mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel_to_hz(m):
        return 700.0 * (10 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:] - edges[1:-1])[:, None]
    bank = np.maximum(0, np.minimum(lower, upper))
    bank *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return bank.astype(np.float32), edges[1:-1], (edges[2:] - edges[:-2]) / 2


_MEL_BANK, _MEL_CENTRES, _MEL_WIDTHS = _mel_filterbank(ANALYSIS_SR, N_FFT, N_MELS)
# Sparse (two non-zeros per bin): in C without BLAS threads, which cost more than they
# save on these small products when the cores are busy.
_MEL_SPARSE = sparse.csr_matrix(_MEL_BANK)
_FREQS = np.fft.rfftfreq(N_FFT, 1 / ANALYSIS_SR).astype(np.float32)
_WINDOW = signal.get_window("hann", N_FFT).astype(np.float32)
_LOW = _MEL_CENTRES < 200
_HIGH = _MEL_CENTRES > 4000
_MID = ~_LOW & ~_HIGH
_KICK = _MEL_CENTRES < 150
_SNARE_BINS = (_FREQS > 1000) & (_FREQS < 4000)
_SNARE = (_MEL_CENTRES > 1000) & (_MEL_CENTRES < 4000)


def _shift(x: np.ndarray, frames: int) -> np.ndarray:
    """x moved `frames` earlier (x[t + frames] at t), the end padded with the last value."""
    return np.concatenate([x[frames:], np.repeat(x[-1:], frames)]) if len(x) > frames else x


def _frames(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    padded = np.pad(x, (n_fft // 2, n_fft // 2))
    if len(padded) < n_fft:
        padded = np.pad(padded, (0, n_fft - len(padded)))
    return np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]


def rhythm_spectra(y: np.ndarray, deadline: _Deadline) -> _Spectra:
    """STFT of the 22.05 kHz mono signal, reduced chunk by chunk (cache-sized) to what later stages need."""
    frames = _frames(y, N_FFT, HOP)
    total = frames.shape[0]
    mel = np.empty((total, N_MELS), dtype=np.float32)
    centroid, rms, noisiness = (np.empty(total, dtype=np.float32) for _ in range(3))
    chunk = 512
    for start in range(0, total, chunk):
        raw = frames[start : start + chunk]
        rms[start : start + chunk] = np.sqrt(np.einsum("ij,ij->i", raw, raw) / N_FFT)
        spectrum = sp_fft.rfft(raw * _WINDOW, axis=1)
        power = spectrum.real**2
        power += spectrum.imag**2
        mel[start : start + chunk] = (_MEL_SPARSE @ power.T).T
        centroid[start : start + chunk] = (power @ _FREQS) / (power.sum(axis=1) + 1e-12)
        band = power[:, _SNARE_BINS] + 1e-10
        noisiness[start : start + chunk] = np.exp(np.mean(np.log(band), axis=1)) / np.mean(band, axis=1)
        if start % (chunk * 32) == 0:
            deadline.check("spectrum")
    log_mel = np.log1p(1000.0 * np.sqrt(mel))
    diff = np.maximum(0.0, np.diff(log_mel, axis=0, prepend=log_mel[:1]))
    # Snares and claps are broadband noise that lasts: the level that holds for the next
    # ~50 ms (a forward minimum), compared with the level just before. A kick's click or a
    # hi-hat is gone by then; a melody note is not broadband.
    sustained = minimum_filter1d(log_mel[:, _SNARE], size=5, axis=0, origin=-2, mode="nearest")
    before = np.concatenate([log_mel[:1, _SNARE], log_mel[:-1, _SNARE]])
    snare_rise = np.maximum(0.0, sustained - before)
    # The filters are area-normalised (power density per band); energy is density x width.
    cumulative = np.cumsum(mel * _MEL_WIDTHS.astype(np.float32), axis=1)
    rolloff = _MEL_CENTRES[np.argmax(cumulative >= 0.85 * cumulative[:, -1:], axis=1)]
    flatness = np.exp(np.mean(np.log(mel + 1e-10), axis=1)) / (mel.mean(axis=1) + 1e-10)
    return _Spectra(
        mel_power=mel,
        flux_low=diff[:, _LOW].sum(axis=1),
        flux_mid=diff[:, _MID].sum(axis=1),
        flux_high=diff[:, _HIGH].sum(axis=1),
        flux_kick=diff[:, _KICK].sum(axis=1),
        # Weighted by how noise-like (flat) the 1-4 kHz spectrum is a few frames on, so that
        # chord changes, which are harmonic, do not pass for snares.
        flux_snare=np.median(snare_rise, axis=1) * np.sqrt(_shift(noisiness, 2)),
        centroid=centroid,
        rolloff=rolloff.astype(np.float32),
        flatness=flatness.astype(np.float32),
        frame_rms=rms,
    )


# --- rhythm -------------------------------------------------------------------------------


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


def rhythm(spectra: _Spectra, duration: float) -> Rhythm:
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


# --- key ----------------------------------------------------------------------------------

_TONAL_WINDOW = signal.get_window("hann", TONAL_N_FFT).astype(np.float32)
_PITCH_LO, _PITCH_HI = 40, 96  # E2 (82 Hz) .. C7 (2093 Hz): above the kick drum's tail


def pitch_histogram(y_tonal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spectral peaks mapped to semitones: (histogram over MIDI 40..95, per-frame chroma).

    Each frame's log spectrum is whitened against its local average, so only tonal peaks
    that stand out of their neighbourhood count; broadband drums and noise do not.
    """
    frames = _frames(y_tonal, TONAL_N_FFT, TONAL_HOP)
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
        histogram += np.bincount(midi[keep] - _PITCH_LO, weights=weight[keep], minlength=n_pitches)
        np.add.at(chroma_frames, (start + rows[keep], midi[keep] % 12), weight[keep])
    return histogram, chroma_frames


def _chroma_from_histogram(histogram: np.ndarray) -> np.ndarray:
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


def key_from_chroma(chroma: np.ndarray) -> tuple[str | None, str | None, float]:
    """The key whose profile correlates best with the chroma; confidence in [0, 1]."""
    if chroma.sum() <= 0 or np.allclose(chroma, chroma[0]):
        return None, None, 0.0
    scores = []
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            scores.append((float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1]), tonic, mode))
    scores.sort(reverse=True)
    best, tonic, mode = scores[0]
    margin = best - scores[1][0]
    confidence = float(np.clip(best, 0, 1) * np.clip(0.5 + 5 * margin, 0, 1))
    return PITCHES[tonic], mode, round(confidence, 3)


# --- timbre, descriptors, structure -------------------------------------------------------


def mfcc(mel_power: np.ndarray) -> np.ndarray:
    """MFCCs (frames x 13): DCT-II of the log mel power (dB), as the usual definition."""
    log_mel = 10 * np.log10(np.maximum(mel_power, 1e-10))
    log_mel = np.maximum(log_mel, log_mel.max() - 80.0)
    return sp_fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, :N_MFCC]


def _clip01(value: float) -> float:
    return float(np.clip(value, 0.0, 1.0))


def descriptors(
    *,
    lufs: float | None,
    rhythm_: Rhythm,
    spectra: _Spectra,
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


def sections(
    *, duration: float, beats: np.ndarray, mfccs: np.ndarray, chroma_frames: np.ndarray, frame_rms: np.ndarray
) -> list[Section]:
    """Structure: novelty boundaries on bar-level timbre+harmony, then labels from similarity and energy."""
    if duration < 8.0:
        return [Section(start=0.0, end=round(duration, 2), label="verse", energy=1.0)]
    bar = 4 * float(np.median(np.diff(beats))) if len(beats) > 8 else 2.0
    unit = max(bar, 1.0)
    edges = np.arange(0.0, duration, unit)
    if len(edges) < 4:
        return [Section(start=0.0, end=round(duration, 2), label="verse", energy=1.0)]
    mf_t = np.arange(len(mfccs)) / FPS
    ch_t = np.arange(len(chroma_frames)) * TONAL_HOP / TONAL_SR
    features, energies = [], []
    for start in edges:
        end = start + unit
        sel = (mf_t >= start) & (mf_t < end)
        chs = (ch_t >= start) & (ch_t < end)
        timbre = mfccs[sel].mean(axis=0) if sel.any() else np.zeros(N_MFCC)
        harmony = chroma_frames[chs].mean(axis=0) if chs.any() else np.zeros(12)
        harmony = harmony / (np.linalg.norm(harmony) + 1e-9)
        level = float(np.sqrt(np.mean(frame_rms[sel] ** 2))) if sel.any() else 0.0
        features.append(np.concatenate([timbre[1:] / 20.0, harmony, [20 * np.log10(level + 1e-6) / 20.0]]))
        energies.append(level)
    feats = np.asarray(features)
    feats = (feats - feats.mean(axis=0)) / (feats.std(axis=0) + 1e-6)
    unit_feats = feats / (np.linalg.norm(feats, axis=1, keepdims=True) + 1e-9)
    ssm = unit_feats @ unit_feats.T
    half = 4
    kernel = np.outer(np.r_[-np.ones(half), np.ones(half)], np.r_[-np.ones(half), np.ones(half)])
    kernel *= np.outer(
        signal.get_window("hann", 2 * half, fftbins=False), signal.get_window("hann", 2 * half, fftbins=False)
    )
    padded = np.pad(ssm, half, mode="edge")
    novelty = np.array([np.sum(padded[i : i + 2 * half, i : i + 2 * half] * kernel) for i in range(len(ssm))])
    min_gap = max(2, int(round(8.0 / unit)))
    peaks, _ = signal.find_peaks(novelty, distance=min_gap, height=novelty.mean() + 0.5 * novelty.std())
    bounds = [0] + [int(p) for p in peaks if min_gap <= p <= len(edges) - min_gap] + [len(edges)]
    segments = list(zip(bounds[:-1], bounds[1:], strict=True))
    seg_feats = [feats[a:b].mean(axis=0) for a, b in segments]
    seg_energy = np.array([float(np.sqrt(np.mean(np.square(energies[a:b])))) for a, b in segments])
    rel_energy = seg_energy / (seg_energy.max() + 1e-12)
    groups: list[int] = []
    for i, vec in enumerate(seg_feats):
        label = next(
            (
                groups[j]
                for j in range(i)
                if np.dot(vec, seg_feats[j]) / (np.linalg.norm(vec) * np.linalg.norm(seg_feats[j]) + 1e-9) > 0.7
            ),
            None,
        )
        groups.append(label if label is not None else (max(groups) + 1 if groups else 0))
    # Neighbours that sound alike are one section (a loop repeating is not a new part).
    merged = [0]
    for i in range(1, len(segments)):
        if groups[i] != groups[merged[-1]]:
            merged.append(i)
    ends = [segments[j][0] for j in merged[1:]] + [segments[-1][1]]
    segments = [(segments[j][0], end) for j, end in zip(merged, ends, strict=True)]
    groups = [groups[j] for j in merged]
    seg_energy = np.array([float(np.sqrt(np.mean(np.square(energies[a:b])))) for a, b in segments])
    rel_energy = seg_energy / (seg_energy.max() + 1e-12)
    counts = {g: groups.count(g) for g in groups}
    group_energy = {g: float(np.mean([rel_energy[i] for i, x in enumerate(groups) if x == g])) for g in counts}
    loud = [g for g in counts if group_energy[g] >= 0.75]
    repeated_loud = [g for g in loud if counts[g] > 1]
    chorus = max(repeated_loud or loud, key=group_energy.get) if len(segments) > 1 and loud else None
    labels = ["chorus" if g == chorus else "verse" for g in groups]
    if len(segments) >= 4:
        for i in range(len(segments) // 2, len(segments) - 1):
            if counts[groups[i]] == 1 and labels[i] != "chorus":
                labels[i] = "bridge"
                break
    if len(segments) >= 2:
        # Quiet edges are the intro and outro, whatever they resemble.
        if rel_energy[0] < 0.8 * np.median(rel_energy[1:]):
            labels[0] = "intro"
        if rel_energy[-1] < 0.8 * np.median(rel_energy[:-1]):
            labels[-1] = "outro"
    return [
        Section(
            start=round(a * unit, 2),
            end=round(min(b * unit, duration), 2),
            label=labels[i],
            energy=round(float(rel_energy[i]), 3),
        )
        for i, (a, b) in enumerate(segments)
    ]


# --- the entry point ----------------------------------------------------------------------


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
    deadline = _Deadline(time_limit)
    data, rate, fmt, warnings = decode(path, max_seconds=max_seconds)
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
    lufs, lra = loudness(data, rate)
    deadline.check("loudness")
    mono = data.mean(axis=0) if data.shape[0] > 1 else data[0]
    y = _resample(mono, rate, ANALYSIS_SR)
    y_tonal = _resample(y, ANALYSIS_SR, TONAL_SR)
    deadline.check("resample")
    spectra = rhythm_spectra(y, deadline)
    rhy = rhythm(spectra, duration)
    deadline.check("tempo")
    histogram, chroma_frames = pitch_histogram(y_tonal)
    chroma = _chroma_from_histogram(histogram)
    key, mode, key_confidence = key_from_chroma(chroma)
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

    tp = true_peak(data)
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
        from analytics.images import render_spectrogram, render_waveform

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
