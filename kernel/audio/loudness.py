"""ITU-R BS.1770-4 loudness, EBU Tech 3342 loudness range and BS.1770-4 Annex 2 true peak.

One implementation for the analyser, the release master and QC. The K-weighting filters are
pyloudnorm's design; the gating is computed from 100 ms mean squares (the 400 ms gating
blocks with 75 % overlap and the 3 s short-term blocks are sums of those), which gives
pyloudnorm's integrated loudness (held within 0.1 LU by the tests) at a fraction of its cost.
All functions take float arrays, channels first (channels x frames).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from pyloudnorm.iirfilter import IIRfilter
from scipy import signal

ABSOLUTE_GATE_LUFS = -70.0


@cache
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


def _mean_squares(data: np.ndarray, rate: int) -> np.ndarray:
    """Channel-weighted mean square of the K-weighted signal per 100 ms (an empty array under 0.4 s)."""
    data = np.atleast_2d(data)
    chans, gains = _channel_weights(data.shape[0])
    sos = _k_weighting_sos(rate)
    if data.dtype == np.float32:
        sos = sos.astype(np.float32)
    step = max(1, int(round(rate / 10)))
    usable = (data.shape[1] // step) * step
    if usable < 4 * step:
        return np.empty(0)
    sub = np.zeros(usable // step)
    for gain, channel in zip(gains, chans, strict=True):
        weighted = signal.sosfilt(sos, data[channel, :usable])
        blocks = weighted.reshape(-1, step)
        sub += gain * np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64)
    return sub / step


def _block_loudness(sub: np.ndarray, length: int) -> np.ndarray:
    """Loudness of every `length` x 100 ms block, moving by 100 ms."""
    if len(sub) < length:
        return np.empty(0)
    summed = np.convolve(sub, np.ones(length), mode="valid") / length
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(summed)


def _integrated(sub: np.ndarray) -> float | None:
    momentary = _block_loudness(sub, 4)
    gated = momentary[momentary >= ABSOLUTE_GATE_LUFS]
    if not gated.size:
        return None
    relative = -0.691 + 10 * np.log10(np.mean(10 ** ((gated + 0.691) / 10))) - 10
    final = gated[gated > relative]
    if not final.size:
        return None
    return float(-0.691 + 10 * np.log10(np.mean(10 ** ((final + 0.691) / 10))))


def _range(sub: np.ndarray) -> float | None:
    short_term = _block_loudness(sub, 30)
    short_term = short_term[short_term >= ABSOLUTE_GATE_LUFS]
    if not short_term.size:
        return None
    level = 10 * np.log10(np.mean(10 ** (short_term / 10)))
    short_term = short_term[short_term >= level - 20]
    if not short_term.size:
        return None
    return float(np.percentile(short_term, 95) - np.percentile(short_term, 10))


def loudness(data: np.ndarray, rate: int) -> tuple[float | None, float | None]:
    """(integrated loudness in LUFS, loudness range in LU), filtering the signal once.

    Integrated: BS.1770-4 gating (-70 LUFS absolute, -10 LU relative); None under 0.4 s or
    below the absolute gate. Range: EBU Tech 3342 (3 s blocks, -20 LU relative gate,
    95th minus 10th percentile); None under 3 s.
    """
    sub = _mean_squares(data, rate)
    return _integrated(sub), _range(sub)


def integrated_loudness(data: np.ndarray, rate: int) -> float | None:
    """BS.1770-4 integrated loudness in LUFS; None when too short (< 0.4 s) or silent."""
    return _integrated(_mean_squares(data, rate))


def loudness_range(data: np.ndarray, rate: int) -> float | None:
    """EBU Tech 3342 loudness range in LU; None when shorter than 3 s or silent."""
    return _range(_mean_squares(data, rate))


# 4x oversampling interpolator (BS.1770-4 Annex 2 uses a 48-tap, 4-phase FIR): phase 0 is
# the sample itself; the three fractional phases, 12 taps each, are a Kaiser-windowed sinc
# with unit gain at DC.
_TP_TAPS = 12
_TP_HALF = _TP_TAPS // 2
_TP_PHASES = np.array(
    [np.sinc(np.arange(-_TP_HALF + 1, _TP_HALF + 1) - frac) * np.kaiser(_TP_TAPS, 5.0) for frac in (0.25, 0.5, 0.75)]
)
_TP_PHASES /= _TP_PHASES.sum(axis=1, keepdims=True)


def _interpolate(channel: np.ndarray, starts: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """The interpolated values a fraction after each of `starts` (indices with full support)."""
    values = np.zeros(starts.size, dtype=np.float64)
    for tap, coefficient in enumerate(phase):
        values += coefficient * channel[starts + tap - _TP_HALF + 1]
    return values


def oversampled_peaks(data: np.ndarray) -> np.ndarray:
    """Per frame, the largest |value| of the 4x-oversampled signal over the sample and the three
    points after it, across channels: the curve a true-peak limiter needs."""
    data = np.atleast_2d(data)
    peaks = np.abs(data).max(axis=0).astype(np.float64)
    frames = data.shape[1]
    if frames < _TP_TAPS:
        return peaks
    starts = np.arange(_TP_HALF - 1, frames - _TP_HALF)
    for channel in data:
        channel = channel.astype(np.float64, copy=False)
        for phase in _TP_PHASES:
            # A correlation with the phase's taps: value after sample s from s-5 .. s+6.
            values = np.abs(np.correlate(channel, phase, mode="valid"))
            np.maximum(peaks[starts], values, out=values)
            peaks[starts] = values
    return peaks


def true_peak(data: np.ndarray) -> float | None:
    """True peak in dBTP: the maximum of the 4x-oversampled signal (BS.1770-4 Annex 2).

    Equal to `oversampled_peaks(data).max()` but evaluated only next to local maxima of |x|
    within 6 dB of the sample peak: the continuous signal peaks next to a sample maximum,
    and inter-sample overshoot of band-limited audio stays well below 6 dB. None for silence.
    """
    data = np.atleast_2d(data)
    if data.size == 0:
        return None
    peak = float(max(data.max(), -data.min()))
    if peak == 0:
        return None
    best = peak
    for channel in data:
        mag = np.abs(channel)
        # Loud samples first (a few per cent of a mastered track), then which of them are
        # local maxima: two comparisons over the loud ones instead of over every sample.
        loud = np.flatnonzero(mag[1:-1] >= 0.5 * peak) + 1
        level = mag[loud]
        maxima = loud[(level >= mag[loud - 1]) & (level >= mag[loud + 1])]
        # The intervals before and after each maximum: interpolate at 1/4, 1/2 and 3/4. Two
        # maxima two samples apart share an interval: computing it twice is cheaper than a
        # sort to drop the duplicate.
        starts = np.concatenate([maxima - 1, maxima])
        starts = starts[(starts >= _TP_HALF - 1) & (starts < len(channel) - _TP_HALF)]
        if starts.size == 0:
            continue
        for phase in _TP_PHASES:
            best = max(best, float(np.abs(_interpolate(channel, starts, phase)).max()))
    return 20 * math.log10(best)
