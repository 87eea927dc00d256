"""Shared music facts: pitch names, genres, countries and name cultures, read from `kernel/data/`.

The facts are data files (genres.json, places.json, names.json), not code, so the offline
artist writer, the synthesizer and the cover renderer agree on one vocabulary. A genre merges
its family's defaults (drum pattern, bass, chords, lead, look) with its own overrides.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}


def normalise_key(value: str) -> str:
    """A pitch name in the sharps-only spelling the project uses ("Bb" -> "A#"); ValueError otherwise."""
    name = value.strip()
    name = name[:1].upper() + name[1:].replace("♯", "#").replace("♭", "b")
    name = _FLATS.get(name, name)
    if name not in PITCH_CLASSES:
        raise ValueError(f"unknown key {value!r}; use one of {', '.join(PITCH_CLASSES)}")
    return name


def plain(text: str) -> str:
    """Lower case, accents removed, hyphens and underscores as spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[-_‐–]+", " ", stripped)


@dataclass(frozen=True)
class Genre:
    """One genre with its family's defaults applied: what it sounds and looks like."""

    name: str
    family: str
    aliases: tuple[str, ...]
    tempo: tuple[int, int]
    modes: tuple[str, ...]
    keys: tuple[str, ...]
    countries: tuple[str, ...]
    instruments: tuple[str, ...]
    influences: tuple[str, ...]
    drums: str
    bass: str
    chords: str
    lead: str
    arp: int
    swing: float
    sevenths: bool
    energy: float
    motifs: tuple[str, ...]
    typography: str
    palettes: tuple[tuple[str, ...], ...]
    voices: tuple[str, ...]
    production: tuple[str, ...]
    themes: tuple[str, ...]
    images: tuple[str, ...]
    places: tuple[str, ...]
    language: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Country:
    """A country by ISO 3166-1 alpha-2 code, with the words that name it and its cities."""

    code: str
    language: str
    names: tuple[str, ...]
    cities: tuple[str, ...]


@dataclass(frozen=True)
class NameCulture:
    """Name parts for artists of one language or culture."""

    key: str
    first: tuple[str, ...]
    last: tuple[str, ...]
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    band: str
    duo: str
    producer: str = ""


def _load(name: str) -> dict:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


_TUPLES = (
    "modes",
    "keys",
    "countries",
    "instruments",
    "influences",
    "motifs",
    "voices",
    "production",
    "themes",
    "images",
)


@lru_cache(maxsize=1)
def genres() -> dict[str, Genre]:
    """Every genre by name, in the data file's order."""
    data = _load("genres.json")
    out: dict[str, Genre] = {}
    for raw in data["genres"]:
        merged = {**data["families"][raw["family"]], **raw}
        out[raw["name"]] = Genre(
            name=raw["name"],
            family=raw["family"],
            aliases=tuple(raw.get("aliases", ())),
            tempo=(int(merged["tempo"][0]), int(merged["tempo"][1])),
            drums=merged["drums"],
            bass=merged["bass"],
            chords=merged["chords"],
            lead=merged["lead"],
            arp=int(merged.get("arp", 0)),
            swing=float(merged.get("swing", 0.0)),
            sevenths=bool(merged.get("sevenths", False)),
            energy=float(merged.get("energy", 0.6)),
            typography=merged.get("typography", "sans"),
            palettes=tuple(tuple(p) for p in merged.get("palettes", ())),
            places=tuple(merged.get("places", ())),
            language=merged.get("language", ""),
            **{key: tuple(merged.get(key, ())) for key in _TUPLES},
        )
    return out


_TOKEN = re.compile(r"[\w&'’]+|[^\w\s]")


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(plain(text)))


class _PhraseIndex:
    """Phrases (runs of words) to values, found in text leftmost-longest in one pass over its words.

    A dictionary of word tuples, so matching a brief against a thousand aliases costs a few lookups
    per word, not a thousand regular expressions.
    """

    def __init__(self, phrases: dict[tuple[str, ...], object]) -> None:
        self.phrases = phrases
        self.longest = max((len(key) for key in phrases), default=1)

    def find(self, text: str) -> list[tuple[int, int, tuple[str, ...], object]]:
        """(start, end, phrase, value) in the plain text, without overlaps."""
        lowered = plain(text)
        spans = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(lowered)]
        words = [word for *_, word in spans]
        found, i = [], 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key = tuple(words[i : i + n])
                if key in self.phrases:
                    found.append((spans[i][0], spans[i + n - 1][1], key, self.phrases[key]))
                    i += n
                    break
            else:
                i += 1
        return found


@lru_cache(maxsize=1)
def _alias_index() -> _PhraseIndex:
    """Every genre name and alias; where two genres share an alias, the one listed first keeps it."""
    phrases: dict[tuple[str, ...], object] = {}
    for genre in genres().values():
        for alias in genre.names:
            phrases.setdefault(_tokens(alias), genre)
    return _PhraseIndex(phrases)


def genre_named(name: str) -> Genre | None:
    """The genre whose name or alias is exactly `name` (case, accents and hyphens ignored)."""
    found = _alias_index().phrases.get(_tokens(name))
    return found if isinstance(found, Genre) else None


# Words after a genre name that make it an influence rather than the genre ("jazz-influenced").
_SECONDARY_AFTER = re.compile(r"^\s*(influenced|inspired|influences|touches|tinged|elements|flavou?red|infused)")


def find_genres(text: str) -> list[tuple[int, Genre, str]]:
    """Genres named in free text as (position, genre, alias), earliest first; "x-influenced" ranks last."""
    lowered = plain(text)
    found: dict[str, tuple[int, int, Genre, str]] = {}
    for start, end, phrase, genre in _alias_index().find(text):
        assert isinstance(genre, Genre)
        weight = 1 if _SECONDARY_AFTER.match(lowered[end:]) else 0
        if genre.name not in found or (weight, start) < found[genre.name][:2]:
            found[genre.name] = (weight, start, genre, " ".join(phrase))
    ranked = sorted(found.values(), key=lambda item: (item[0], item[1]))
    return [(start, genre, alias) for _, start, genre, alias in ranked]


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    data = _load("places.json")["countries"]
    return {
        code: Country(
            code=code,
            language=raw["language"],
            names=tuple(raw["names"]),
            cities=tuple(dict.fromkeys(city.split(">")[-1] for city in raw["cities"])),
        )
        for code, raw in data.items()
    }


@lru_cache(maxsize=1)
def _place_index() -> _PhraseIndex:
    """Country names, demonyms and cities -> (ISO code, city or ""); the first spelling of a city names it.

    City entries may be "Word>City": a demonym or another spelling that means the city ("carioca").
    """
    phrases: dict[tuple[str, ...], object] = {}
    for code, raw in _load("places.json")["countries"].items():
        for name in raw["names"]:
            phrases.setdefault(_tokens(name), (code, ""))
        for entry in raw["cities"]:
            word, _, city = entry.partition(">")
            phrases.setdefault(_tokens(word), (code, city or word))
    return _PhraseIndex(phrases)


_FROM_WORDS = re.compile(
    r"(?:from|out of|based in|de|da|do|des|du|desde|aus|von|di|da|dal|della|uit|fra|från|z|из|から)\s+(?:the\s+)?$"
)


@dataclass(frozen=True)
class PlaceMention:
    code: str
    city: str
    position: int
    score: int


def find_places(text: str) -> list[PlaceMention]:
    """Countries and cities named in free text, best first: a city, then "from X", then the earliest."""
    lowered = f" {plain(text)}"
    mentions: list[PlaceMention] = []
    for start, _, _, value in _place_index().find(text):
        code, city = value  # type: ignore[misc]
        before = lowered[max(0, start + 1 - 16) : start + 1]
        score = (2 if city else 0) + (1 if _FROM_WORDS.search(before) else 0)
        mentions.append(PlaceMention(code=code, city=city, position=start, score=score))
    return sorted(mentions, key=lambda m: (-m.score, m.position))


@lru_cache(maxsize=1)
def name_cultures() -> dict[str, NameCulture]:
    data = _load("names.json")["cultures"]
    return {
        key: NameCulture(
            key=key,
            first=tuple(raw["first"]),
            last=tuple(raw["last"]),
            nouns=tuple(raw["nouns"]),
            adjectives=tuple(raw.get("adjectives", ())),
            band=raw["band"],
            duo=raw["duo"],
            producer=raw.get("producer", ""),
        )
        for key, raw in data.items()
    }


def culture_for(country_code: str) -> NameCulture:
    """The name culture of a country's artists (English when the data knows nothing better)."""
    mapping = _load_culture_map()
    country = countries().get(country_code)
    key = mapping.get(country_code) or (country.language if country else "en")
    return name_cultures().get(key) or name_cultures()["en"]


@lru_cache(maxsize=1)
def _load_culture_map() -> dict[str, str]:
    return dict(_load("names.json")["country_culture"])


def language_of(country_code: str) -> str:
    """The main language (ISO 639-1) of a country, English when unknown."""
    country = countries().get(country_code)
    return country.language if country else "en"


@lru_cache(maxsize=1)
def drum_patterns() -> dict[str, dict[str, dict[int, float]]]:
    """Drum patterns on a 16-step bar by name: instrument -> {step: velocity} (kernel/data/drums.json)."""
    raw = _load("drums.json")["patterns"]
    return {
        name: {inst: {int(step): float(v) for step, v in hits.items()} for inst, hits in pattern.items()}
        for name, pattern in raw.items()
    }


def genre_for(text: str) -> Genre | None:
    """The genre a free-text genre name means: exact name or alias first, else the first one named in it."""
    exact = genre_named(text)
    if exact is not None:
        return exact
    found = find_genres(text)
    return found[0][1] if found else None
