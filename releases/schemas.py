"""The shape of `metadata.json`: what a distributor (and our QC) reads about a release."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArtistRef(_Strict):
    id: int
    name: str = Field(min_length=1)
    slug: str = Field(min_length=1)


class Section(_Strict):
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    label: str
    energy: float | None = None


class Structure(_Strict):
    source: Literal["analysis", "energy"]
    summary: str = Field(min_length=1)
    sections: list[Section]


class Visuals(_Strict):
    cover_source: Literal["run", "rendered"]
    video_source: str = ""
    video_source_id: str = ""
    video_url: str = ""
    video_licence: str = ""
    video_attribution: str = ""


class Loudness(_Strict):
    normalised: bool
    source_lufs: float | None
    source_true_peak_dbtp: float | None
    gain_db: float
    limited: bool
    integrated_lufs: float | None
    true_peak_dbtp: float | None


class Teaser(_Strict):
    start: float = Field(ge=0)
    duration: float = Field(gt=0)
    section_source: Literal["analysis", "energy"]


class FileChecksum(_Strict):
    name: str = Field(min_length=1)
    kind: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0)


class ReleaseMetadata(_Strict):
    """Everything about one release; validated before it is written, and again by QC."""

    schema_version: Literal["1.0"] = "1.0"
    release_id: int
    run_id: int
    artist: ArtistRef
    title: str = Field(min_length=1, max_length=200)
    genre: str = Field(min_length=1)
    release_date: date
    isrc: str
    upc: str
    label: str = Field(min_length=1)
    territories: list[str] = Field(min_length=1)
    duration_seconds: float = Field(gt=0)
    tempo: float | None = Field(default=None, gt=0)
    key: str | None = None
    mode: Literal["major", "minor"] | None = None
    structure: Structure
    visuals: Visuals
    loudness: Loudness
    teaser: Teaser | None
    summary: str = Field(min_length=1)
    summary_source: str = Field(min_length=1, description="'llm:<provider>/<model>' or 'template'.")
    prompts: dict
    files: list[FileChecksum] = Field(min_length=1)
    created_at: datetime

    @field_validator("isrc")
    @classmethod
    def _isrc(cls, value: str) -> str:
        from releases.services.identifiers import IdentifierError, isrc_validate  # services import this module

        try:
            return isrc_validate(value)
        except IdentifierError as exc:
            raise ValueError(exc.message) from exc

    @field_validator("upc")
    @classmethod
    def _upc(cls, value: str) -> str:
        from releases.services.identifiers import IdentifierError, upc_validate

        try:
            return upc_validate(value)
        except IdentifierError as exc:
            raise ValueError(exc.message) from exc


class PromptsUsed(_Strict):
    """`prompts_used.json`: how the track was asked for, so it can be reproduced or audited."""

    run_id: int
    variant: str
    seed: int
    parameters: dict
    prompts: dict
