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


# Who the artist is: no evolution step may change these (the name lives on the Artist row).
IDENTITY_CORE_FIELDS = ("persona", "primary_genre", "voice")
# The primary genre keeps at least this share of the genre mix, so the artist stays recognisable.
PRIMARY_GENRE_MIN_SHARE = 0.5
# With no explicit mix, the primary genre takes this share and the secondaries split the rest.
DEFAULT_PRIMARY_SHARE = 0.7


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
    valence: float | None = Field(
        default=None, ge=0.0, le=1.0, description="How bright the tracks feel, 0 dark to 1 bright; None: from the modes"
    )

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

    genre_mix: dict[str, float] = Field(
        default_factory=dict,
        description="Share of tracks per genre, the primary genre included, summing to 1; empty: derived",
    )
    style_notes: list[str] = Field(
        default_factory=list, max_length=8, description="Short production and writing notes kept by reflection"
    )

    @field_validator("style_notes")
    @classmethod
    def _short_notes(cls, value: list[str]) -> list[str]:
        value = [note.strip() for note in value if note.strip()]
        long = [note for note in value if len(note) > 200]
        if long:
            raise ValueError(f"style notes are at most 200 characters: {long[0][:40]}...")
        return value

    @model_validator(mode="after")
    def _genre_mix(self) -> ArtistProfile:
        if not self.genre_mix:
            return self
        mix = {genre.strip().lower(): share for genre, share in self.genre_mix.items()}
        if any(share < 0 or share > 1 for share in mix.values()):
            raise ValueError("genre_mix shares are between 0 and 1")
        if abs(sum(mix.values()) - 1.0) > 0.01:
            raise ValueError(f"genre_mix shares must sum to 1 (they sum to {sum(mix.values()):.3f})")
        primary = self.primary_genre.strip().lower()
        if mix.get(primary, 0.0) < PRIMARY_GENRE_MIN_SHARE:
            raise ValueError(
                f"the primary genre {self.primary_genre!r} keeps at least {PRIMARY_GENRE_MIN_SHARE:.0%} of genre_mix"
            )
        if len(mix) > 7:
            raise ValueError("genre_mix has at most 7 genres (the primary and six others)")
        self.genre_mix = mix
        return self


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


def effective_genre_mix(profile: dict) -> dict[str, float]:
    """The artist's genre mix: the explicit one, or the primary genre with its secondaries sharing the rest."""
    mix = profile.get("genre_mix") or {}
    if mix:
        return {genre.lower(): float(share) for genre, share in mix.items()}
    primary = str(profile.get("primary_genre", "")).lower()
    secondary = [g.lower() for g in profile.get("secondary_genres", []) if g.lower() != primary]
    if not secondary:
        return {primary: 1.0}
    rest = round((1.0 - DEFAULT_PRIMARY_SHARE) / len(secondary), 6)
    return {primary: round(1.0 - rest * len(secondary), 6), **dict.fromkeys(secondary, rest)}


def effective_valence(musical_defaults: dict) -> float:
    """The valence the artist aims for: the explicit one, or what its preferred modes imply."""
    if musical_defaults.get("valence") is not None:
        return float(musical_defaults["valence"])
    modes = set(musical_defaults.get("preferred_modes") or [])
    if modes == {"major"}:
        return 0.65
    if modes == {"minor"}:
        return 0.35
    return 0.5
