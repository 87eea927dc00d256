"""The artist profile schema: every profile stored on an Artist validates against it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kernel.music import PITCH_CLASSES

Mode = Literal["major", "minor"]
ActType = Literal["solo", "duo", "band", "producer"]
LANGUAGE = re.compile(r"^[a-z]{2}$")
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VisualIdentity(_Strict):
    """How the artist looks: palette for covers and visualizers, style words for stock search."""

    palette: list[str] = Field(min_length=2, max_length=6, description="Hex colours, e.g. #1a1a2e")
    style_keywords: list[str] = Field(min_length=1, max_length=12)
    typography: str = Field(default="sans", max_length=40)

    @field_validator("palette")
    @classmethod
    def _hex_colours(cls, value: list[str]) -> list[str]:
        bad = [colour for colour in value if not HEX_COLOUR.match(colour)]
        if bad:
            raise ValueError(f"not hex colours (#rrggbb): {', '.join(bad)}")
        return [colour.lower() for colour in value]


class MusicalDefaults(_Strict):
    """Where the artist's tracks start before evolution plans adapt them."""

    tempo_min: int = Field(ge=40, le=220)
    tempo_max: int = Field(ge=40, le=220)
    preferred_keys: list[str] = Field(min_length=1, max_length=12)
    preferred_modes: list[Mode] = Field(min_length=1, max_length=2)
    energy: float = Field(ge=0.0, le=1.0)
    track_seconds: int = Field(default=30, ge=5, le=600)

    @field_validator("preferred_keys")
    @classmethod
    def _pitch_names(cls, value: list[str]) -> list[str]:
        bad = [key for key in value if key not in PITCH_CLASSES]
        if bad:
            raise ValueError(f"unknown pitch names {bad}; use one of {', '.join(PITCH_CLASSES)}")
        return value

    @model_validator(mode="after")
    def _tempo_range(self) -> MusicalDefaults:
        if self.tempo_min > self.tempo_max:
            raise ValueError("tempo_min must not exceed tempo_max")
        return self


class TargetAudience(_Strict):
    description: str = Field(min_length=3, max_length=500)
    age_range: str = Field(default="18-34", max_length=20)
    countries: list[str] = Field(min_length=1, max_length=30, description="ISO 3166-1 alpha-2 codes")

    @field_validator("countries")
    @classmethod
    def _iso_countries(cls, value: list[str]) -> list[str]:
        value = [code.upper() for code in value]
        bad = [code for code in value if not COUNTRY.match(code)]
        if bad:
            raise ValueError(f"not ISO 3166-1 alpha-2 country codes: {', '.join(bad)}")
        return value


class Origin(_Strict):
    """Where the artist comes from; target countries start here. Empty for profiles older than the field."""

    country: str = Field(default="", description="ISO 3166-1 alpha-2 code of the home country, e.g. PT")
    city: str = Field(default="", max_length=80, description="Home city, e.g. Lisbon")

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        value = value.upper()
        if value and not COUNTRY.match(value):
            raise ValueError(f"not an ISO 3166-1 alpha-2 country code: {value}")
        return value


class ArtistProfile(_Strict):
    """The full identity of a virtual artist, as written by the LLM author and kept in versions."""

    persona: str = Field(min_length=10, max_length=2000)
    backstory: str = Field(min_length=10, max_length=5000)
    primary_genre: str = Field(min_length=2, max_length=60)
    secondary_genres: list[str] = Field(default_factory=list, max_length=6)
    influences: list[str] = Field(default_factory=list, max_length=12)
    themes: list[str] = Field(min_length=1, max_length=12)
    visual_identity: VisualIdentity
    voice: str = Field(min_length=3, max_length=500, description="Voice or lead-instrument description")
    target_audience: TargetAudience
    musical_defaults: MusicalDefaults
    origin: Origin = Field(default_factory=Origin)
    language: str = Field(default="en", description="ISO 639-1 code of the language the artist sings in")
    act_type: ActType = Field(default="solo", description="solo, duo, band or producer")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        value = value.lower()
        if not LANGUAGE.match(value):
            raise ValueError(f"not an ISO 639-1 language code: {value}")
        return value


class LLMSettings(_Strict):
    """Per-artist overrides of the LLM router (chains per role, temperature)."""

    chains: dict[str, str] = Field(default_factory=dict)
    temperature: float = Field(default=0.8, ge=0.0, le=2.0)


def profile_errors(data: object) -> list[str]:
    """Validation errors as 'field.path: message' lines; empty when the profile is valid."""
    try:
        ArtistProfile.model_validate(data)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(part) for part in error['loc']) or 'profile'}: {error['msg']}" for error in exc.errors()
        ]
    return []
