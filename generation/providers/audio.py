"""Reading and writing audio files for the providers (vendors send MP3, WAV, M4A...).

Decoding, resampling and writing are the project's one audio toolkit (`kernel.audio`);
this module fixes the providers' working shape: float32 stereo, frames x channels, 44.1 kHz.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kernel import audio as toolkit
from kernel.errors import ApplicationError

SR = 44100


def read_audio(path: Path, *, sample_rate: int = SR) -> np.ndarray:
    """Decode any audio file the toolkit reads into float32 stereo (samples, 2) at `sample_rate`."""
    try:
        decoded = toolkit.decode(path)
    except toolkit.AudioDecodeError as exc:
        raise ApplicationError(f"cannot decode audio {Path(path).name}: {exc.message}", exc.extra) from exc
    stereo = toolkit.to_channels(decoded.data, 2)
    resampled = toolkit.resample(stereo, decoded.sample_rate, sample_rate)
    return np.ascontiguousarray(resampled.T, dtype=np.float32)


def write_wav(path: Path, audio: np.ndarray, *, sample_rate: int = SR) -> None:
    """Write float audio (samples, channels) as 16-bit PCM WAV."""
    toolkit.write_pcm16(path, np.asarray(audio).T, sample_rate)


def to_wav(source: Path, dest: Path) -> float:
    """Convert a vendor's audio file to the project's 44.1 kHz 16-bit stereo WAV; returns seconds."""
    audio = read_audio(source)
    write_wav(dest, audio)
    return len(audio) / SR
