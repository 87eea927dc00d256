"""Audio fixtures: labelled excerpts from the benchmark generator, and deliberately bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from bench.audio.generate import PITCHES, SR, Excerpt, render


def write_excerpt(
    folder: Path, *, tempo: float, key: str, mode: str, style: str, seconds: float = 16.0, seed: int = 1
) -> Path:
    excerpt = Excerpt(
        file=f"{style}-{tempo:g}-{key}-{mode}.wav",
        tempo=tempo,
        tonic=PITCHES.index(key),
        mode=mode,
        style=style,
        seconds=seconds,
    )
    path = folder / excerpt.file
    if not path.exists():
        sf.write(path, render(excerpt, seed), SR, subtype="PCM_16")
    return path


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="session")
def music_wav(audio_dir) -> Path:
    """16 s of 4/4 pop in A minor at 124 BPM, 44.1 kHz stereo."""
    return write_excerpt(audio_dir, tempo=124.0, key="A", mode="minor", style="backbeat")


def sine(seconds: float, *, rate: int = 44100, freq: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
