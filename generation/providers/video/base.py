"""The video provider interface: a request in, an MP4 out (with the track as its audio when given)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

Orientation = Literal["landscape", "portrait", "square"]


class VideoRequest(BaseModel):
    """What the pipeline asks for: search words, shape, length, look, and the track to put under it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    query_terms: list[str] = Field(default_factory=list, description="Most important first")
    orientation: Orientation = "landscape"
    duration_seconds: float = Field(default=30.0, gt=0, le=600)
    palette: list[str] = Field(default_factory=lambda: ["#101018", "#e94560", "#f5f5f5"])
    title: str = Field(default="", max_length=200)
    artist_name: str = Field(default="", max_length=200)
    audio_path: Path | None = None
    seed: int = Field(default=0, ge=0)


class VideoResult(BaseModel):
    """The clip a provider made or found, with what a release needs to credit it."""

    path: Path
    source: str = Field(description="Provider: pexels, pixabay, luma, local")
    source_id: str = ""
    url: str = ""
    licence: str = ""
    attribution: str = ""


class VideoProvider(Protocol):
    name: str

    def fetch(self, request: VideoRequest, *, workdir: Path) -> VideoResult: ...


def frame_size(orientation: Orientation, long_side: int) -> tuple[int, int]:
    """(width, height), both even (H.264 4:2:0 needs it)."""
    long_side = long_side - long_side % 2
    short = int(round(long_side * 9 / 16 / 2)) * 2
    if orientation == "portrait":
        return short, long_side
    if orientation == "square":
        return short, short
    return long_side, short
