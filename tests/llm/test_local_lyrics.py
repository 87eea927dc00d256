"""The local lyricist: grammar ("an unhurried"), rhyme, meter, language and variety."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, Field

from artists.schemas import ArtistProfile
from llm.providers.local import LocalProvider
from llm.providers.local.lyrics import fix_articles, syllables
from llm.types import ProviderRequest


class TrackLyrics(BaseModel):
    title: str = Field(min_length=1, max_length=120)
    lyrics: str = Field(default="", max_length=6000)


def ask(schema, content: str, seed: int):
    request = ProviderRequest(
        messages=[{"role": "user", "content": content}], model="default", temperature=0.8, max_tokens=800,
        timeout=1, schema=schema, json_schema=None, seed=seed,
    )  # fmt: skip
    return schema.model_validate_json(LocalProvider().complete(request).text)


# Words that start with a vowel letter but a consonant sound, and the reverse: the test's own list.
CONSONANT_SOUND = ("uni", "use", "usu", "one", "once", "euro", "ufo")
VOWEL_SOUND = ("hour", "honest", "heir", "honour")


def article_errors(text: str) -> list[str]:
    """'a' before a vowel sound or 'an' before a consonant sound, judged independently of the writer."""
    errors = []
    for article, word in re.findall(r"\b(an?) ([A-Za-z][\w'-]*)", text, flags=re.IGNORECASE):
        lower = word.lower()
        vowel = lower[0] in "aeiou" and not lower.startswith(CONSONANT_SOUND) or lower.startswith(VOWEL_SOUND)
        if article.lower() == "a" and vowel or article.lower() == "an" and not vowel:
            errors.append(f"{article} {word}")
    return errors


def test_the_checker_itself_fails_on_a_before_a_vowel_sound():
    assert article_errors("a unhurried walk, a borrowed coat, an hour, a unicorn") == ["a unhurried"]
    assert article_errors("an borrowed handclap") == ["an borrowed"]


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("a unhurried night", "an unhurried night"),
        ("a empty room and a open door", "an empty room and an open door"),
        ("an borrowed coat", "a borrowed coat"),
        ("a unicorn, a one-way ticket, a euro", "a unicorn, a one-way ticket, a euro"),
        ("a hour, a honest man", "an hour, an honest man"),
        ("A electric night", "An electric night"),
        ("a MC with a 808", "an MC with an 808"),
    ],
)
def test_fix_articles(raw, fixed):
    assert fix_articles(raw) == fixed


def test_no_song_persona_or_backstory_puts_a_before_a_vowel_sound():
    texts = []
    for seed in range(40):
        song = ask(TrackLyrics, f"Genre: lo-fi\nThemes: slow mornings, small comforts\nVariation: {seed}", seed)
        texts += [song.title, song.lyrics]
    for seed, brief in enumerate(("calm lo-fi producer from Tokyo", "euphoric house duo", "a unhurried folk singer")):
        profile = ask(ArtistProfile, f"Brief: {brief}", seed)
        texts += [profile.persona, profile.backstory, profile.target_audience.description]
    assert [error for text in texts for error in article_errors(text)] == []


def _lines(lyrics: str) -> list[list[str]]:
    sections, current = [], []
    for line in lyrics.splitlines():
        if line.startswith("["):
            current = []
            sections.append(current)
        elif line.strip():
            current.append(line.strip())
    return sections


def test_songs_have_form_rhyme_and_meter():
    song = ask(TrackLyrics, "Genre: synthwave\nThemes: night drives, neon rain\nVariation: 7", 7)
    tags = re.findall(r"^\[(.+)\]$", song.lyrics, flags=re.MULTILINE)
    assert tags == ["Verse 1", "Chorus", "Verse 2", "Chorus", "Bridge", "Chorus"]
    verse = _lines(song.lyrics)[0]
    ends = [re.sub(r"\W", "", line.split()[-1].lower()) for line in verse]
    # Each verse pairs its four lines on two rhyme sounds (AABB or ABAB): some pair shares an ending.
    assert any(ends[i][-2:] == ends[j][-2:] for i in range(4) for j in range(i + 1, 4))
    assert all(5 <= syllables(line) <= 14 for line in verse)
    assert song.title.lower() in song.lyrics.lower()


def test_lyrics_are_in_the_artists_language():
    pt = ask(TrackLyrics, "Genre: fado\nLanguage: pt\nThemes: saudade", 3)
    es = ask(TrackLyrics, "Genre: reggaeton\nLanguage: es\nThemes: summer heat", 3)
    assert "[Refrão]" in pt.lyrics and "[Coro]" in es.lyrics
    assert not re.search(r"\b(the|and|you)\b", pt.lyrics + es.lyrics)


def test_forty_songs_share_no_line_pattern():
    songs = [ask(TrackLyrics, f"Genre: pop\nThemes: first love\nVariation: {i}", 500 + i) for i in range(40)]
    counts: dict[tuple[str, ...], int] = {}
    for song in songs:
        grams = set()
        for line in song.lyrics.splitlines():
            words = re.findall(r"[a-z']+", line.lower())
            grams.update(tuple(words[i : i + 4]) for i in range(len(words) - 3))
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    worst = max(counts.items(), key=lambda item: item[1])
    assert worst[1] <= 6, worst  # 15% of 40; bench/lyrics.py measures 100 songs against 10%
    assert len({song.title for song in songs}) >= 38
