"""The rhythm/timbre spectrum: a 1024-point STFT of the 22.05 kHz mono mix, reduced as it is
computed to mel bands, band-wise onset flux and per-frame spectral statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sp_fft
from scipy import signal, sparse
from scipy.ndimage import minimum_filter1d

from analytics.audio.common import ANALYSIS_SR, HOP, N_FFT, N_MELS, N_MFCC, Deadline, frames_view


@dataclass
class Spectra:
    """The reductions of the rhythm/timbre spectrum kept for later stages."""

    mel_power: np.ndarray  # frames x N_MELS
    flux_low: np.ndarray
    flux_mid: np.ndarray
    flux_high: np.ndarray
    flux_kick: np.ndarray
    flux_snare: np.ndarray
    harmonic_change: np.ndarray  # how much the pitch content changes at each frame (chord changes)
    centroid: np.ndarray
    rolloff: np.ndarray
    flatness: np.ndarray
    frame_rms: np.ndarray


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


def _chroma_folding(sr: int, n_fft: int, fmin: float = 130.0, fmax: float = 4000.0) -> sparse.csr_matrix:
    """Each STFT bin from C3 to B7 summed into the pitch class it lies nearest to (12 x bins)."""
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    bins = np.flatnonzero((freqs >= fmin) & (freqs <= fmax))
    classes = np.rint(69 + 12 * np.log2(freqs[bins] / 440.0)).astype(int) % 12
    return sparse.csr_matrix((np.ones(bins.size, dtype=np.float32), (classes, bins)), shape=(12, freqs.size))


_CHROMA_FOLD = _chroma_folding(ANALYSIS_SR, N_FFT)
HARMONIC_WINDOW = 8  # frames (~93 ms) of pitch content compared before and after each frame


def harmonic_change(chroma: np.ndarray, window: int = HARMONIC_WINDOW) -> np.ndarray:
    """Cosine distance between the mean (log) chroma of the `window` frames before each frame
    and of the `window` frames from two frames after it (past the attack).

    A new chord or bass note changes the pitch classes that sound; a chord struck again, a
    drum hit or a louder bar does not. So this marks harmonic rhythm, which in music without
    drums falls on the beats more reliably than note onsets do.
    """
    total = len(chroma)
    if total < 2 * window + 4:
        return np.zeros(total, dtype=np.float32)
    levels = np.log1p(chroma / (chroma.max() * 1e-3 + 1e-12))
    cumulative = np.concatenate([np.zeros((1, 12), dtype=np.float64), np.cumsum(levels, axis=0, dtype=np.float64)])
    t = np.arange(total)
    before_lo, before_hi = np.clip(t - window, 0, total), t
    after_lo, after_hi = np.clip(t + 2, 0, total), np.clip(t + 2 + window, 0, total)
    before = cumulative[before_hi] - cumulative[before_lo]
    after = cumulative[after_hi] - cumulative[after_lo]
    norms = np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1)
    cosine = np.einsum("ij,ij->i", before, after) / np.maximum(norms, 1e-12)
    change = np.where(norms > 1e-12, 1.0 - cosine, 0.0)
    return change.astype(np.float32)


def _shift(x: np.ndarray, frames: int) -> np.ndarray:
    """x moved `frames` earlier (x[t + frames] at t), the end padded with the last value."""
    return np.concatenate([x[frames:], np.repeat(x[-1:], frames)]) if len(x) > frames else x


def rhythm_spectra(y: np.ndarray, deadline: Deadline) -> Spectra:
    """STFT of the 22.05 kHz mono signal, reduced chunk by chunk (cache-sized) to what later stages need."""
    frames = frames_view(y, N_FFT, HOP)
    total = frames.shape[0]
    mel = np.empty((total, N_MELS), dtype=np.float32)
    chroma = np.empty((total, 12), dtype=np.float32)
    centroid, rms, noisiness = (np.empty(total, dtype=np.float32) for _ in range(3))
    chunk = 512
    for start in range(0, total, chunk):
        raw = frames[start : start + chunk]
        rms[start : start + chunk] = np.sqrt(np.einsum("ij,ij->i", raw, raw) / N_FFT)
        spectrum = sp_fft.rfft(raw * _WINDOW, axis=1)
        power = spectrum.real**2
        power += spectrum.imag**2
        mel[start : start + chunk] = (_MEL_SPARSE @ power.T).T
        chroma[start : start + chunk] = (_CHROMA_FOLD @ power.T).T
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
    return Spectra(
        mel_power=mel,
        flux_low=diff[:, _LOW].sum(axis=1),
        flux_mid=diff[:, _MID].sum(axis=1),
        flux_high=diff[:, _HIGH].sum(axis=1),
        flux_kick=diff[:, _KICK].sum(axis=1),
        # Weighted by how noise-like (flat) the 1-4 kHz spectrum is a few frames on, so that
        # chord changes, which are harmonic, do not pass for snares.
        flux_snare=np.median(snare_rise, axis=1) * np.sqrt(_shift(noisiness, 2)),
        harmonic_change=harmonic_change(chroma),
        centroid=centroid,
        rolloff=rolloff.astype(np.float32),
        flatness=flatness.astype(np.float32),
        frame_rms=rms,
    )


def mfcc(mel_power: np.ndarray) -> np.ndarray:
    """MFCCs (frames x 13): DCT-II of the log mel power (dB), as the usual definition."""
    log_mel = 10 * np.log10(np.maximum(mel_power, 1e-10))
    log_mel = np.maximum(log_mel, log_mel.max() - 80.0)
    return sp_fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, :N_MFCC]
