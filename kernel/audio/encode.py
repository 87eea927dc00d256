"""One writer for 16-bit PCM files (WAV for the pipeline, WAV and FLAC for the master)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

_LSB = 1 / 32768


def write_pcm16(
    path: str | Path, data: np.ndarray, sample_rate: int, *, format: str = "WAV", dither_seed: int | None = None
) -> None:
    """Write float audio (channels x frames, full scale 1.0) as 16-bit PCM.

    With `dither_seed`, TPDF dither of one LSB is added first, so the quantisation error is
    noise rather than distortion correlated with the signal (what a master needs); without
    it the samples are rounded, which keeps a decode/encode round trip exact.
    """
    if dither_seed is not None:
        rng = np.random.default_rng(dither_seed)
        data = data + (rng.random(data.shape) - rng.random(data.shape)) * _LSB
    pcm = np.clip(np.rint(np.asarray(data, dtype=np.float64) * 32768.0), -32768, 32767).astype(np.int16)
    sf.write(str(path), pcm.T, sample_rate, subtype="PCM_16", format=format)
