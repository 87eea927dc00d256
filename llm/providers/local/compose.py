"""Fill any pydantic model with content that reads well, from the request's own words.

The context (genre, mood, countries, city, themes, tempo...) is read from the conversation:
"Key: value" lines, JSON objects pasted into messages, and keywords. Fields are filled by
name where a curated writer exists (name, persona, lyrics, music_prompt...) and otherwise by
type and constraints, so every schema gets a valid answer. All choices come from one seeded
random generator: the same request always yields the same answer.
"""

from __future__ import annotations

import enum
import json
import random
import re
import types
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from kernel import music
from kernel.music import PITCH_CLASSES, Genre, find_genres, find_places, genre_named, plain
from llm.providers.local import lyrics as lyric_writer
from llm.providers.local import vocabulary as vocab

SMALL_WORDS = {"a", "an", "the", "of", "to", "at", "in", "on", "and", "or", "for", "by"}
LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _-]{0,40}?)\s*:\s*(.+?)\s*$", re.MULTILINE)


def fix_articles(text: str) -> str:
    """ "a" before a vowel sound becomes "an" (and back), with the usual exceptions ("a unicorn", "an hour")."""
    return lyric_writer.fix_articles(text)


@dataclass
class Context:
    """What the local writer understood from the conversation."""

    text: str
    hints: dict[str, Any]
    genre: Genre
    genre_name: str
    mood: vocab.Mood
    countries: list[str]
    city: str
    act_type: str
    act_noun: str
    pronoun: str
    language: str
    era: str
    instruments: list[str]
    themes: list[str]
    instrumental: bool
    rng: random.Random
    used: set[str] = field(default_factory=set)
    song_cache: Any = None

    @property
    def origin_country(self) -> str:
        return self.countries[0]

    def pick(self, options: typing.Sequence[str]) -> str:
        """A seeded choice that avoids repeating itself while fresh options remain."""
        fresh = [option for option in options if option not in self.used] or list(options)
        choice = self.rng.choice(fresh)
        self.used.add(choice)
        return choice

    def sample(self, options: typing.Sequence[str], n: int) -> list[str]:
        options = list(dict.fromkeys(options))
        return self.rng.sample(options, min(n, len(options)))


def _snake(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.strip().lower()).strip("_")


def _json_objects(text: str) -> list[dict]:
    """JSON objects found in a message (whole message, or the outermost {...} span)."""
    found = []
    for candidate in (text, text[text.find("{") : text.rfind("}") + 1] if "{" in text else ""):
        if not candidate:
            continue
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
            break
    return found


def _flatten(data: dict, into: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            _flatten(value, into)
        into.setdefault(_snake(str(key)), value)


def read_hints(messages: list[dict[str, str]]) -> dict[str, Any]:
    """Key/value facts stated in the user and assistant messages; later messages win."""
    hints: dict[str, Any] = {}
    for message in reversed([m for m in messages if m.get("role") != "system"]):
        content = message.get("content") or ""
        for obj in _json_objects(content):
            _flatten(obj, hints)
        for key, value in LINE.findall(content):
            hints.setdefault(_snake(key), value)
    return hints


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [item.strip() for item in re.split(r"[,;/]", value) if item.strip()]
    return []


@lru_cache(maxsize=64)
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled pattern for a word list (longest first), instead of one search per word."""
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    return re.compile(r"(?<![\w])(" + "|".join(map(re.escape, ordered)) + r")(?![\w])")


def _words_in(text: str, words: typing.Iterable[str]) -> list[tuple[int, str]]:
    """(position, word) for each of `words` found in plain `text` as a whole word, earliest first."""
    words = tuple(words)
    if not words:
        return []
    found: dict[str, int] = {}
    for match in _alternation(words).finditer(text):
        found.setdefault(match.group(1), match.start())
    return sorted((position, word) for word, position in found.items())


def _choose_genre(hints: dict[str, Any], brief: str, conversation: str, rng: random.Random) -> tuple[Genre, str]:
    """The stated genre (operator or earlier step) first, then the brief, then the whole conversation."""
    stated = str(hints.get("primary_genre") or hints.get("genre") or "").strip()
    if stated:
        exact = genre_named(stated)
        if exact is not None:
            return exact, exact.name
        found = find_genres(stated)
        known = found[0][1] if found else None
        fallback = known or _genre_from(brief) or _genre_from(conversation) or music.genres()["pop"]
        return fallback, stated[:60]  # a genre the vocabulary does not know keeps its name
    genre = _genre_from(brief) or _genre_from(conversation)
    if genre is None:
        genre = music.genres()[rng.choice(sorted(music.genres()))]
    return genre, genre.name


def _genre_from(text: str) -> Genre | None:
    found = find_genres(text) if text else []
    return found[0][1] if found else None


def _places(hints: dict[str, Any], brief: str, conversation: str, genre: Genre) -> tuple[list[str], str]:
    """Target countries, origin first, and the home city: stated hints, then the brief, then the genre."""
    codes: list[str] = []
    city = str(hints.get("city") or "").strip()
    stated = str(hints.get("country") or "").strip().upper()
    if re.fullmatch(r"[A-Z]{2}", stated):
        codes.append(stated)
    mentions = find_places(brief) or find_places(conversation)
    for mention in mentions:
        codes.append(mention.code)
        if not city and mention.city and mention.code == codes[0]:
            city = mention.city
    codes += [code.upper() for code in _as_list(hints.get("countries")) if re.fullmatch(r"[A-Za-z]{2}", code)]
    codes = list(dict.fromkeys(codes))
    for code in genre.countries:
        if len(codes) >= 4:
            break
        if code not in codes:
            codes.append(code)
    codes = codes or ["US"]
    if not city:
        country = music.countries().get(codes[0])
        city = country.cities[0] if country and country.cities else ""
    return codes, city


def _act(hints: dict[str, Any], text: str) -> tuple[str, str, str]:
    """(act type, the noun the persona uses, pronoun) from the brief's words, in any of its languages."""
    stated = str(hints.get("act_type") or "").strip().lower()
    act_found = _words_in(text, vocab.ACT_WORDS)
    act = stated if stated in vocab.ACT_NOUNS else (vocab.ACT_WORDS[act_found[0][1]] if act_found else "solo")
    nouns = [word for _, word in _words_in(text, vocab.NOUN_WORDS)]
    noun = vocab.NOUN_WORDS[nouns[0]] if nouns else vocab.ACT_NOUNS[act]
    if act in ("duo", "band") and noun in ("singer", "rapper", "songwriter", "MC", "artist"):
        noun = vocab.ACT_NOUNS[act]
    if act == "producer" and noun not in ("DJ", "producer"):
        noun = "producer"
    pronoun = "they"
    if act == "solo":
        if _words_in(text, vocab.SHE_WORDS):
            pronoun = "she"
        elif _words_in(text, vocab.HE_WORDS):
            pronoun = "he"
    return act, noun, pronoun


@lru_cache(maxsize=1)
def _language_pattern() -> re.Pattern[str]:
    return re.compile(rf"{vocab.LANGUAGE_LEAD}\s+({'|'.join(map(re.escape, vocab.LANGUAGE_WORDS))})\b")


def _language(hints: dict[str, Any], text: str, country: str, genre: Genre) -> str:
    stated = str(hints.get("language") or "").strip().lower()
    if re.fullmatch(r"[a-z]{2}", stated):
        return stated
    match = _language_pattern().search(text)
    if match:
        return vocab.LANGUAGE_WORDS[match.group(1)]
    return music.language_of(country) if country in music.countries() else (genre.language or "en")


def _era(text: str) -> str:
    found = _words_in(text, vocab.ERA_WORDS)
    era = vocab.ERA_WORDS[found[0][1]] if found else ""
    if _words_in(text, vocab.REVIVAL_WORDS):
        return f"{era} revival".strip() if era else "revival"
    return era


@lru_cache(maxsize=1)
def _instrument_words() -> dict[str, str]:
    """Plain instrument word -> how it reads, from every genre's instrumentation."""
    words: dict[str, str] = {}
    for genre in music.genres().values():
        for instrument in genre.instruments:
            words.setdefault(plain(instrument), instrument)
    for extra in ("guitar", "piano", "harp", "cello", "violin", "saxophone", "trumpet", "synths", "accordion",
                  "strings", "choir", "flute", "banjo", "organ", "808s", "drum machine", "bass clarinet"):  # fmt: skip
        words.setdefault(extra, extra)
    return words


def build_context(messages: list[dict[str, str]], seed: int) -> Context:
    rng = random.Random(seed)
    conversation = "\n".join(m.get("content") or "" for m in messages if m.get("role") != "system")
    hints = read_hints(messages)
    brief = str(hints.get("brief") or "")
    genre, genre_name = _choose_genre(hints, brief, conversation, rng)
    about = plain(brief or conversation)
    found_mood = _words_in(about, tuple(plain(word) for mood in vocab.MOODS.values() for word in mood.words))
    mood_name = next(
        (m.name for m in vocab.MOODS.values() if found_mood and found_mood[0][1] in map(plain, m.words)),
        vocab.FAMILY_MOODS.get(genre.family, vocab.DEFAULT_MOOD),
    )
    stated_mood = str(hints.get("mood") or "").lower()
    mood = vocab.MOODS.get(stated_mood) or vocab.MOODS[mood_name]
    countries, city = _places(hints, brief, conversation, genre)
    act, noun, pronoun = _act(hints, about)
    instruments = [_instrument_words()[word] for _, word in _words_in(about, _instrument_words())]
    themes = _as_list(hints.get("themes")) or []
    voice = str(hints.get("voice", ""))
    instrumental = "instrumental" in voice.lower() or str(hints.get("instrumental", "")).lower() in ("true", "1", "yes")
    return Context(
        text=conversation,
        hints=hints,
        genre=genre,
        genre_name=genre_name,
        mood=mood,
        countries=countries,
        city=city,
        act_type=act,
        act_noun=noun,
        pronoun=pronoun,
        language=_language(hints, about, countries[0], genre),
        era=str(hints.get("era") or _era(about)),
        instruments=list(dict.fromkeys([*instruments, *genre.instruments])),
        themes=themes,
        instrumental=instrumental,
        rng=rng,
    )


def title_case(text: str) -> str:
    def cap(word: str) -> str:
        return re.sub(r"[^\W\d_]", lambda m: m.group().upper(), word, count=1)

    return " ".join(word if i and word.lower() in SMALL_WORDS else cap(word) for i, word in enumerate(text.split()))


def country_name(code: str) -> str:
    country = music.countries().get(code)
    return title_case(country.names[0]) if country else code


def _slots(ctx: Context) -> dict[str, str]:
    themes = ctx.themes or list(ctx.genre.themes)
    if ctx.era.endswith("revival"):
        genre_words = f"{ctx.era.replace('revival', '').strip()} {ctx.genre_name} revival".strip()
    else:
        genre_words = f"{ctx.era} {ctx.genre_name}".strip()
    return {
        "image": ctx.pick(ctx.genre.images),
        "place": ctx.pick(ctx.genre.places),
        "feeling": ctx.pick(ctx.mood.feelings),
        "theme": ctx.pick(themes),
        "adj": ctx.pick(ctx.mood.adjectives),
        "genre": genre_words,
        "city": ctx.city,
        "country": country_name(ctx.origin_country),
        "act": ctx.act_noun,
        "pronoun": ctx.pronoun,
        "object": {"she": "her", "he": "him"}.get(ctx.pronoun, "them"),
        "origin": ctx.pick(vocab.ORIGINS),
        "instrument": ctx.pick(ctx.instruments[:4] or ["a borrowed guitar"]),
        "influence": ctx.pick(ctx.genre.influences),
        "countries": ", ".join(country_name(code) for code in ctx.countries[:3]),
    }


def _fill(pattern: str, ctx: Context) -> str:
    slots = _slots(ctx)
    slots.update({key.capitalize(): value[:1].upper() + value[1:] for key, value in slots.items()})
    # The relative clause follows "a <act> who ...": singular verb, fresh images.
    first, _, rest = ctx.pick(vocab.PERSONA_VERBS).format(**_slots(ctx)).partition(" ")
    slots["verb"] = f"{first}s {rest}"
    text = re.sub(r"(?<!\.)\.\.(?!\.)", ".", fix_articles(pattern.format(**slots)))
    return text[:1].upper() + text[1:]


# --- Curated writers, by field name ---------------------------------------------------


def write_name(ctx: Context) -> str:
    """A name that fits the act and its culture: a person's name, a duo, a band or a producer alias."""
    culture = music.culture_for(ctx.origin_country)
    noun, adjective = ctx.pick(culture.nouns), ctx.pick(culture.adjectives or culture.nouns)
    if ctx.act_type == "band":
        return culture.band.format(noun=noun, adj=adjective).replace("{noun}", ctx.pick(culture.nouns))
    if ctx.act_type == "duo":
        if ctx.rng.random() < 0.5:
            return f"{ctx.pick(culture.first)} & {ctx.pick(culture.first)}"
        return culture.duo.format(noun=noun, adj=adjective).replace("{noun}", ctx.pick(culture.nouns))
    if ctx.act_type == "producer":
        handle = noun.upper() if ctx.rng.random() < 0.4 else noun
        pattern = culture.producer or ctx.rng.choice(("{noun}", "DJ {noun}", "{first} {noun}"))
        return pattern.format(noun=handle, first=ctx.pick(culture.first))
    if ctx.rng.random() < 0.25:
        return ctx.pick(culture.first)
    return f"{ctx.pick(culture.first)} {ctx.pick(culture.last)}"


def write_persona(ctx: Context) -> str:
    return _fill(ctx.pick(vocab.PERSONA_PATTERNS), ctx)


def write_backstory(ctx: Context) -> str:
    first = _fill(ctx.pick(vocab.BACKSTORY_PATTERNS), ctx)
    verb = "play" if ctx.pronoun == "they" else "plays"
    theme = _slots(ctx)["theme"]
    return fix_articles(
        f"{first} Today {ctx.pronoun} {verb} {ctx.genre_name} about {theme} for listeners far beyond {ctx.city}."
    )


def write_title(ctx: Context) -> str:
    return lyric_writer.song(ctx).title


def write_lyrics(ctx: Context) -> str:
    return "" if ctx.instrumental else lyric_writer.song(ctx).text


def _number(ctx: Context, *keys: str) -> float | None:
    for key in keys:
        match = re.search(r"-?\d+(?:\.\d+)?", str(ctx.hints.get(key, "")))
        if match:
            return float(match.group())
    return None


def write_tempo(ctx: Context) -> int:
    stated = _number(ctx, "tempo", "bpm")
    low, high = ctx.genre.tempo
    return int(stated) if stated else ctx.rng.randint(low + (high - low) // 4, high - (high - low) // 4)


def write_key(ctx: Context) -> str:
    stated = str(ctx.hints.get("key", "")).split(" ")[0].strip()
    return stated if stated in PITCH_CLASSES else ctx.pick(ctx.genre.keys)


def write_mode(ctx: Context) -> str:
    stated = str(ctx.hints.get("mode", "")).lower()
    if stated in ("major", "minor"):
        return stated
    key_hint = str(ctx.hints.get("key", "")).lower()
    if "minor" in key_hint or "major" in key_hint:
        return "minor" if "minor" in key_hint else "major"
    return ctx.mood.mode or ctx.genre.modes[0]


def write_energy(ctx: Context) -> float:
    stated = _number(ctx, "energy")
    if stated is not None and 0 <= stated <= 1:
        return stated
    return round(min(0.98, max(0.05, ctx.genre.energy + ctx.mood.energy_shift)), 2)


def write_music_prompt(ctx: Context) -> str:
    tempo, key, mode = write_tempo(ctx), write_key(ctx), write_mode(ctx)
    energy = write_energy(ctx)
    seconds = int(_number(ctx, "duration_seconds", "duration", "track_seconds") or 30)
    stated = [i for i in ctx.instruments if i not in ctx.genre.instruments]
    instruments = (stated + ctx.sample(ctx.genre.instruments, 3))[:3]
    while len(instruments) < 3:
        instruments.append(ctx.pick(ctx.genre.production))
    voice = str(ctx.hints.get("voice") or ctx.pick(ctx.genre.voices))
    voice = "no vocals" if ctx.instrumental else voice[:1].lower() + voice[1:]
    themes = ", ".join(ctx.sample(ctx.themes or list(ctx.genre.themes), 2))
    return (
        f"{ctx.pick(ctx.mood.adjectives).capitalize()} {ctx.genre_name} at {tempo} BPM in {key} {mode}: "
        f"{instruments[0]}, {instruments[1]} and {instruments[2]}; {voice}; {ctx.pick(ctx.genre.production)}. "
        f"Mood: {ctx.pick(ctx.mood.feelings)}, {themes}. Energy {energy:.2f}, about {seconds} seconds."
    )


def _related(ctx: Context) -> list[str]:
    return ctx.sample([g for g in vocab.related(ctx.genre) if g.lower() != ctx.genre_name.lower()], 2)


def write_tags(ctx: Context) -> list[str]:
    tags = [ctx.genre_name, *_related(ctx), ctx.mood.name, ctx.pick(ctx.mood.adjectives)]
    if ctx.era:
        tags.insert(1, ctx.era)
    return list(dict.fromkeys(tag.lower() for tag in tags))


def write_summary(ctx: Context) -> str:
    themes = " and ".join(ctx.sample(ctx.themes or list(ctx.genre.themes), 2))
    return (
        f"A coherent {ctx.mood.name} {ctx.genre_name} identity: {themes} suit the sound, and the tempo, "
        f"keys and palette sit where {ctx.genre_name} listeners expect them."
    )


def write_prose(ctx: Context, role: str) -> str:
    """A free-text answer in the voice of the role: a release note, a reflection, or a persona."""
    title, artist = ctx.hints.get("title"), ctx.hints.get("artist") or ctx.hints.get("artist_name")
    if role == "analyst" and title and artist:
        tempo = _number(ctx, "tempo", "bpm")
        key = write_key(ctx) if ctx.hints.get("key") else ""
        where = f" at {tempo:.0f} BPM" if tempo else ""
        where += f" in {key} {write_mode(ctx)}" if key else ""
        first, second = ctx.sample(ctx.instruments[:4], 2)
        audience = write_audience(ctx)
        return (
            f"{title} is a {ctx.pick(ctx.mood.adjectives)} {ctx.genre_name} single by {artist}{where}. "
            f"It leans on {first} and {second}, for {audience[:1].lower()}{audience[1:]}."
        )
    if role == "analyst":
        markets = ", ".join(ctx.countries[:3])
        return (
            f"{ctx.genre_name.capitalize()} listeners in {markets} respond to {_slots(ctx)['theme']}; "
            f"{ctx.mood.name} tracks around {write_tempo(ctx)} BPM are the ones to watch."
        )
    if role == "reflection":
        instrument = ctx.pick(ctx.instruments[:4])
        return (
            f"What worked: {_slots(ctx)['theme']} and a {ctx.pick(ctx.mood.adjectives)} {ctx.genre_name} sound. "
            f"What to try next: more {instrument}, without losing the artist's {ctx.mood.name} core."
        )
    return f"{write_persona(ctx)} {write_summary(ctx)}"


def write_audience(ctx: Context) -> str:
    return _fill(ctx.pick(vocab.AUDIENCE_PATTERNS), ctx)


def write_voice(ctx: Context) -> str:
    return ctx.pick(ctx.genre.voices)


def write_palette(ctx: Context) -> list[str]:
    return list(ctx.rng.choice(ctx.genre.palettes))


def write_preferred_modes(ctx: Context) -> list[str]:
    return [ctx.mood.mode] if ctx.mood.mode else list(ctx.genre.modes)


def write_tempo_range(ctx: Context) -> tuple[int, int]:
    low, high = ctx.genre.tempo
    span = high - low
    start = ctx.rng.randint(low, low + span // 3)
    return start, min(high, start + max(8, span // 2))


NAMED: dict[str, typing.Callable[[Context], Any]] = {
    "name": write_name,
    "artist_name": write_name,
    "stage_name": write_name,
    "band_name": write_name,
    "title": write_title,
    "track_title": write_title,
    "song_title": write_title,
    "persona": write_persona,
    "backstory": write_backstory,
    "biography": write_backstory,
    "bio": write_backstory,
    "primary_genre": lambda ctx: ctx.genre_name,
    "genre": lambda ctx: ctx.genre_name,
    "secondary_genres": lambda ctx: _related(ctx),
    "subgenres": lambda ctx: _related(ctx),
    "influences": lambda ctx: ctx.sample(ctx.genre.influences, 4),
    "themes": lambda ctx: ctx.themes[:6] or ctx.sample(ctx.genre.themes, 4),
    "palette": write_palette,
    "style_keywords": lambda ctx: ctx.sample(vocab.visual_words(ctx.genre), 5),
    "visual_keywords": lambda ctx: ctx.sample(vocab.visual_words(ctx.genre), 5),
    "typography": lambda ctx: ctx.genre.typography,
    "voice": write_voice,
    "age_range": lambda ctx: vocab.AGE_RANGES.get(ctx.genre.family, "18-34"),
    "country": lambda ctx: ctx.origin_country,
    "city": lambda ctx: ctx.city,
    "language": lambda ctx: ctx.language,
    "act_type": lambda ctx: ctx.act_type,
    "era": lambda ctx: ctx.era,
    "countries": lambda ctx: ctx.countries,
    "target_countries": lambda ctx: ctx.countries,
    "tempo": write_tempo,
    "bpm": write_tempo,
    "key": write_key,
    "mode": write_mode,
    "preferred_keys": lambda ctx: ctx.sample(ctx.genre.keys, 3),
    "preferred_modes": write_preferred_modes,
    "energy": write_energy,
    "track_seconds": lambda ctx: 30,
    "duration_seconds": lambda ctx: int(_number(ctx, "duration_seconds", "duration") or 30),
    "lyrics": write_lyrics,
    "music_prompt": write_music_prompt,
    "prompt": write_music_prompt,
    "style_prompt": write_music_prompt,
    "style_tags": write_tags,
    "tags": write_tags,
    "mood": lambda ctx: ctx.mood.name,
    "instruments": lambda ctx: ctx.instruments[:3],
    "instrumental": lambda ctx: ctx.instrumental,
    "issues": lambda ctx: [],
    "warnings": lambda ctx: [],
    "problems": lambda ctx: [],
    "errors": lambda ctx: [],
    "consistent": lambda ctx: True,
    "ok": lambda ctx: True,
    "valid": lambda ctx: True,
    "is_valid": lambda ctx: True,
    "approved": lambda ctx: True,
    "summary": write_summary,
    "rationale": write_summary,
    "reasoning": write_summary,
    "notes": write_summary,
    "comment": write_summary,
    "feedback": write_summary,
    "analysis": write_summary,
    "explanation": write_summary,
    "reflection": write_summary,
}
# Names whose meaning depends on the model they sit in.
CONTEXTUAL: dict[tuple[str, str], typing.Callable[[Context], Any]] = {
    ("audience", "description"): write_audience,
}


# --- Generic filling by type and constraints --------------------------------------------


@dataclass
class Constraints:
    min_length: int | None = None
    max_length: int | None = None
    ge: float | None = None
    le: float | None = None
    pattern: str | None = None

    @classmethod
    def of(cls, metadata: typing.Iterable[Any]) -> Constraints:
        found = cls()
        for item in metadata:
            for attr in ("min_length", "max_length", "pattern"):
                if getattr(item, attr, None) is not None:
                    setattr(found, attr, getattr(item, attr))
            if getattr(item, "ge", None) is not None:
                found.ge = item.ge
            if getattr(item, "gt", None) is not None:
                found.ge = item.gt + (1 if isinstance(item.gt, int) else 1e-6)
            if getattr(item, "le", None) is not None:
                found.le = item.le
            if getattr(item, "lt", None) is not None:
                found.le = item.lt - (1 if isinstance(item.lt, int) else 1e-6)
        return found


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip Annotated and Optional; return the bare type and any Annotated metadata."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
            continue
        if origin in (typing.Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = options[0] if options else str
            continue
        return annotation, metadata


def _text(ctx: Context, name: str, limits: Constraints) -> str:
    if limits.pattern:
        if "0-9A-Fa-f" in limits.pattern or "0-9a-f" in limits.pattern.lower():
            return write_palette(ctx)[0]
        if "A-Z]{2}" in limits.pattern:
            return ctx.countries[0]
    words = name.replace("_", " ")
    return f"{ctx.pick(ctx.mood.adjectives).capitalize()} {ctx.genre_name} {words}: {_slots(ctx)['theme']}"


def _clip(value: Any, limits: Constraints, ctx: Context) -> Any:
    """Fit a value into the field's bounds: lengthen short text with more sentences, cut long text at a word."""
    if isinstance(value, str):
        for _ in range(20):
            if not limits.min_length or len(value) >= limits.min_length:
                break
            value = f"{value} {write_summary(ctx)}".strip()
        if limits.max_length is not None and len(value) > limits.max_length:
            cut = value[: limits.max_length]
            value = (
                cut.rsplit(" ", 1)[0] if " " in cut and len(cut.rsplit(" ", 1)[0]) >= (limits.min_length or 0) else cut
            )
    elif isinstance(value, list):
        if limits.max_length is not None:
            value = value[: limits.max_length]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if limits.ge is not None and value < limits.ge:
            value = type(value)(limits.ge)
        if limits.le is not None and value > limits.le:
            value = type(value)(limits.le)
    return value


def generate(annotation: Any, name: str, ctx: Context, limits: Constraints, parent: str = "", named: bool = True):
    """A value for one field: a curated writer by name, a stated hint, or a typed default."""
    annotation, extra = _unwrap(annotation)
    if extra:
        more = Constraints.of(extra)
        limits = Constraints(**{k: v if v is not None else getattr(more, k) for k, v in vars(limits).items()})
    if named:
        writer = next((w for (p, n), w in CONTEXTUAL.items() if n == name and p in parent.lower()), None)
        writer = writer or NAMED.get(name)
        if writer is not None:
            return _clip(writer(ctx), limits, ctx)
        if ctx.hints.get(name) not in (None, ""):
            try:
                return validate_hint(annotation, ctx.hints[name])
            except ValidationError:
                pass
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return fill_model(annotation, ctx)
    if origin is typing.Literal:
        options = list(get_args(annotation))
        stated = [o for o in options if isinstance(o, str) and re.search(rf"\b{re.escape(o)}\b", ctx.text.lower())]
        return (stated or [ctx.rng.choice(options)])[0]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return ctx.rng.choice(list(annotation)).value
    if origin in (list, set, tuple, frozenset) or annotation in (list, set, tuple):
        args = get_args(annotation)
        item_type = args[0] if args else str
        count = max(limits.min_length or 0, min(3, limits.max_length if limits.max_length is not None else 3))
        items: list[Any] = []
        for tries in range(count * 4):
            if len(items) >= count:
                break
            item = generate(item_type, name.rstrip("s"), ctx, Constraints(), parent, named=False)
            # Prefer distinct items, but accept repeats (e.g. booleans) rather than fall short.
            if isinstance(item, (str, int)) and item in items and tries < count * 3:
                continue
            items.append(item)
        return items
    if origin is dict or annotation is dict:
        return {}
    if annotation is bool:
        return True
    if annotation is int:
        low = int(limits.ge) if limits.ge is not None else (0 if limits.le is None else int(limits.le) - 10)
        high = int(limits.le) if limits.le is not None else low + 10
        return ctx.rng.randint(low, max(low, high))
    if annotation is float:
        low = limits.ge if limits.ge is not None else 0.0
        high = limits.le if limits.le is not None else low + 1.0
        return round(ctx.rng.uniform(low, high), 3)
    return _clip(_text(ctx, name, limits), limits, ctx)


def fill_model(model: type[BaseModel], ctx: Context, max_rounds: int = 3) -> BaseModel:
    """A valid instance of `model`; fields that fail validation are regenerated generically."""
    fields: dict[str, FieldInfo] = model.model_fields
    data: dict[str, Any] = {}
    for name, info in fields.items():
        limits = Constraints.of(info.metadata)
        data[name] = generate(info.annotation, name, ctx, limits, parent=model.__name__)
    if "tempo_min" in data and "tempo_max" in data:
        data["tempo_min"], data["tempo_max"] = write_tempo_range(ctx)
    for _ in range(max_rounds):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                if name in fields:
                    info = fields[name]
                    data[name] = generate(
                        info.annotation, name, ctx, Constraints.of(info.metadata), model.__name__, named=False
                    )
    return model.model_validate(data)


def validate_hint(annotation: Any, value: Any) -> Any:
    return TypeAdapter(annotation).validate_python(value)
