"""The local provider: schema-valid for any pydantic model, readable, deterministic."""

from __future__ import annotations

import enum
import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from artists.schemas import ArtistProfile, profile_errors
from llm.providers.local import LocalProvider
from llm.types import ProviderRequest


def ask(schema, content: str, seed: int = 1):
    request = ProviderRequest(
        messages=[{"role": "user", "content": content}],
        model="default",
        temperature=0.8,
        max_tokens=500,
        timeout=1,
        schema=schema,
        json_schema=schema.model_json_schema() if schema else None,
        seed=seed,
    )
    return LocalProvider().complete(request)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Inner(BaseModel):
    label: str = Field(min_length=5, max_length=12)
    weight: float = Field(gt=0, lt=1)


class Odd(BaseModel):
    """Field names the writer has never heard of, with awkward constraints."""

    frobnication: str = Field(min_length=40, max_length=60)
    count_of_things: int = Field(ge=3, le=4)
    ratio: float = Field(ge=10, le=11)
    flags: list[bool] = Field(min_length=2, max_length=2)
    colour: Colour
    side: Literal["left", "right"]
    maybe: int | None = None
    inner: Inner
    inners: list[Inner] = Field(min_length=1)
    lookup: dict[str, int] = {}
    code: str = Field(pattern=r"^[A-Z]{2}$")


@pytest.mark.parametrize("seed", range(5))
def test_any_schema_gets_a_valid_answer(seed):
    answer = ask(Odd, "anything at all", seed)
    parsed = Odd.model_validate_json(answer.text)
    assert 3 <= parsed.count_of_things <= 4 and len(parsed.flags) == 2
    assert answer.tokens_in > 0 and answer.tokens_out > 0


@pytest.mark.parametrize(
    ("brief", "genre", "country"),
    [
        ("dark synthwave duo from Berlin", "synthwave", "DE"),
        ("sunny afrobeats singer from Lagos", "afrobeats", "NG"),
        ("Oslo techno producer, cold and relentless", "techno", "NO"),
        ("lo-fi beats for studying, from Tokyo", "lo-fi", "JP"),
    ],
)
def test_artist_profiles_follow_the_brief(brief, genre, country):
    profile = json.loads(ask(ArtistProfile, f"Brief: {brief}").text)
    assert profile_errors(profile) == []
    assert profile["primary_genre"] == genre
    assert profile["target_audience"]["countries"][0] == country
    assert genre.split("-")[0] in profile["persona"].lower()
    low, high = {"synthwave": (84, 124), "afrobeats": (96, 115), "techno": (124, 150), "lo-fi": (65, 92)}[genre]
    assert low <= profile["musical_defaults"]["tempo_min"] <= profile["musical_defaults"]["tempo_max"] <= high
    assert "lorem" not in json.dumps(profile).lower()


def test_same_request_same_answer_other_seed_other_answer():
    assert ask(ArtistProfile, "Brief: jazz trio", 3).text == ask(ArtistProfile, "Brief: jazz trio", 3).text
    assert ask(ArtistProfile, "Brief: jazz trio", 3).text != ask(ArtistProfile, "Brief: jazz trio", 4).text


class Track(BaseModel):
    title: str
    lyrics: str
    music_prompt: str
    style_tags: list[str]


def test_track_text_uses_the_stated_parameters():
    text = "Genre: house\nTempo: 124\nKey: F\nMode: minor\nEnergy: 0.8\nThemes: sunrise, freedom\nVoice: Soulful alto"
    track = Track.model_validate_json(ask(Track, text).text)
    assert "124 BPM in F minor" in track.music_prompt and "house" in track.music_prompt
    assert "[Chorus]" in track.lyrics and track.title
    assert "house" in track.style_tags


def test_instrumental_artists_get_no_lyrics():
    track = Track.model_validate_json(ask(Track, "Genre: techno\nVoice: Instrumental: kicks\nInstrumental: yes").text)
    assert track.lyrics == "" and "no vocals" in track.music_prompt


def test_plain_text_answers_read_as_prose():
    answer = ask(None, "Brief: melancholic folk songwriter from Dublin")
    assert "folk" in answer.text and answer.text.endswith(".")


def test_plain_text_follows_the_role():
    facts = json.dumps(
        {
            "title": "Neon Rain",
            "artist": "Neon Vesper",
            "tempo": 108.2,
            "key": "A",
            "mode": "minor",
            "genre": "synthwave",
        }
    )
    request = ProviderRequest(
        messages=[{"role": "user", "content": facts}], model="default", temperature=0.4, max_tokens=200, timeout=1,
        seed=3, role="analyst",
    )  # fmt: skip
    text = LocalProvider().complete(request).text
    assert text.startswith("Neon Rain is a") and "synthwave single by Neon Vesper at 108 BPM in A minor" in text


class Lengths(BaseModel):
    essay: str = Field(min_length=400, max_length=450)
    tagline: str = Field(max_length=12)


def test_lengths_are_met_with_sentences_not_repetition():
    parsed = Lengths.model_validate_json(ask(Lengths, "Genre: jazz").text)
    assert 400 <= len(parsed.essay) <= 450 and parsed.essay.count(parsed.essay[:30]) == 1
    assert len(parsed.tagline) <= 12
