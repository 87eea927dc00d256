"""Reading and writing audio files for the providers (vendors send MP3, WAV, M4A...)."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np

from kernel.errors import ApplicationError

SR = 44100


def read_audio(path: Path, *, sample_rate: int = SR) -> np.ndarray:
    """Decode any audio file PyAV understands into float32 stereo (samples, 2) at `sample_rate`."""
    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise ApplicationError(f"{path.name} has no audio stream")
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=sample_rate)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray())
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
    except av.error.FFmpegError as exc:
        raise ApplicationError(f"cannot decode audio {path.name}: {exc}") from exc
    if not chunks:
        raise ApplicationError(f"{path.name} holds no audio samples")
    return np.ascontiguousarray(np.concatenate(chunks, axis=1).T, dtype=np.float32)


def write_wav(path: Path, audio: np.ndarray, *, sample_rate: int = SR) -> None:
    """Write float audio (samples, channels) as 16-bit PCM WAV."""
    pcm = np.round(np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(pcm.shape[1])
        fh.setsampwidth(2)
        fh.setframerate(sample_rate)
        fh.writeframes(pcm.tobytes())


def to_wav(source: Path, dest: Path) -> float:
    """Convert a vendor's audio file to the project's 44.1 kHz 16-bit stereo WAV; returns seconds."""
    audio = read_audio(source)
    write_wav(dest, audio)
    return len(audio) / SR
