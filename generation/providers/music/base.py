"""The music provider interface: a request in, a WAV file out."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kernel.music import PITCH_CLASSES, normalise_key

__all__ = ["PITCH_CLASSES", "MusicProvider", "MusicRequest", "MusicResult", "normalise_key"]


class MusicRequest(BaseModel):
    """What the pipeline asks a music provider for (one run's musical parameters)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    prompt: str = Field(default="", max_length=5000, description="Free-text description for text-to-music vendors")
    style: str = Field(default="", max_length=1000, description="Style tags, e.g. 'dark synthwave, analog pads'")
    title: str = Field(default="Untitled", max_length=200)
    genre: str = Field(default="electronic", max_length=80)
    tempo: float = Field(default=120.0, ge=40.0, le=220.0, description="Beats per minute")
    key: str = Field(default="C", description="Tonic pitch name, e.g. 'F#'")
    mode: Literal["major", "minor"] = "minor"
    energy: float = Field(default=0.6, ge=0.0, le=1.0)
    duration_seconds: float = Field(default=30.0, ge=5.0, le=600.0)
    seed: int = Field(default=0, ge=0)
    instrumental: bool = True
    lyrics: str = Field(default="", max_length=5000)
    voice: str = Field(default="", max_length=500, description="The artist's voice description, for a sung line")

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        return normalise_key(value)


class MusicResult(BaseModel):
    """The audio a provider made: always a 44.1 kHz 16-bit stereo WAV at `path`."""

    path: Path
    format: str = "wav"
    provider: str
    job_id: str = ""
    duration: float = Field(description="Seconds")
    source_url: str = ""
    original_path: Path | None = Field(default=None, description="The vendor's file before conversion to WAV")


class MusicProvider(Protocol):
    name: str

    def generate(self, request: MusicRequest, *, workdir: Path) -> MusicResult: ...


class MusicJobProvider(MusicProvider, Protocol):
    """A vendor that renders in the background: submit now, check later (never sleep on it)."""

    def submit(self, request: MusicRequest) -> str: ...

    def check(self, job_id: str, request: MusicRequest, *, workdir: Path) -> MusicResult | None: ...
