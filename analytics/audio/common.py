"""What the analyser returns and the limits it works within."""

from __future__ import annotations

import time

import numpy as np
from pydantic import BaseModel, Field

from kernel.errors import ApplicationError

ANALYZER_VERSION = "1.1"  # 1.1: the key reads chords too (fourteenth session)
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


class AudioAnalysisError(ApplicationError):
    """The file cannot be analysed: missing, empty, not audio, corrupt, too long or too slow."""

    status_code = 422
    code = "bad_audio"


class Section(BaseModel):
    """A structural section of the track."""

    start: float
    end: float
    label: str = Field(description="intro, verse, chorus, bridge or outro (by repetition, position and energy).")
    energy: float = Field(description="Mean RMS of the section relative to the loudest section, 0-1.")
    group: str = Field(default="", description="Repetition group: the same letter means the same material.")


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


class Deadline:
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


def frames_view(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Centred frames of x (zero-padded by n_fft/2 at both ends) as a strided view, one per hop."""
    padded = np.pad(x, (n_fft // 2, n_fft // 2))
    if len(padded) < n_fft:
        padded = np.pad(padded, (0, n_fft - len(padded)))
    return np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
