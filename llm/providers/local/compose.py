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
import unicodedata
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from llm.providers.local import vocabulary as vocab

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
GENRE_MOODS = {
    "synthwave": "dark",
    "techno": "dark",
    "lo-fi": "calm",
    "hip-hop": "aggressive",
    "pop": "euphoric",
    "rock": "aggressive",
    "house": "euphoric",
    "ambient": "calm",
    "drum and bass": "euphoric",
    "R&B": "dreamy",
    "metal": "aggressive",
    "folk": "melancholic",
    "reggaeton": "euphoric",
    "afrobeats": "euphoric",
    "jazz": "dreamy",
}
SMALL_WORDS = {"a", "an", "the", "of", "to", "at", "in", "on", "and", "or", "for", "by"}
ARTICLE = re.compile(r"\b([Aa]) ([aeiouAEIOU])")
LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _-]{0,40}?)\s*:\s*(.+?)\s*$", re.MULTILINE)


@dataclass
class Context:
    """What the local writer understood from the conversation."""

    text: str
    hints: dict[str, Any]
    genre: vocab.Genre
    genre_name: str
    mood: vocab.Mood
    countries: list[str]
    city: str
    group: tuple[str, str]
    themes: list[str]
    instrumental: bool
    rng: random.Random
    used: set[str] = field(default_factory=set)

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


def _find_genre(text: str) -> tuple[vocab.Genre, str] | None:
    lowered = f" {text.lower()} "
    best: tuple[int, vocab.Genre, str] | None = None
    for genre in vocab.GENRES.values():
        for alias in genre.aliases:
            match = re.search(rf"(?<![a-z]){re.escape(alias)}(?![a-z])", lowered)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), genre, alias)
    if best is None:
        return None
    _, genre, alias = best
    return genre, genre.name if alias in (genre.name, genre.name.lower()) else alias


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [item.strip() for item in re.split(r"[,;/]", value) if item.strip()]
    return []


def _plain(text: str) -> str:
    """Lower case without accents, so "Medellín" and "São Paulo" match the city list."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _countries(hints: dict[str, Any], text: str, genre: vocab.Genre) -> tuple[list[str], str]:
    lowered = _plain(text)
    codes = [code.upper() for code in _as_list(hints.get("countries")) if re.fullmatch(r"[A-Za-z]{2}", code)]
    city = ""
    for name, code in sorted(vocab.CITIES.items(), key=lambda item: -len(item[0])):
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
            city = city or name.title()
            codes.append(code)
    for name, code in vocab.COUNTRY_NAMES.items():
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
            codes.append(code)
    codes = list(dict.fromkeys(codes))
    for code in genre.countries:
        if len(codes) >= 4:
            break
        if code not in codes:
            codes.append(code)
    return codes, city or vocab.CITY_OF_COUNTRY.get(codes[0], "a harbour town")


def build_context(messages: list[dict[str, str]], seed: int) -> Context:
    rng = random.Random(seed)
    conversation = "\n".join(m.get("content") or "" for m in messages if m.get("role") != "system")
    hints = read_hints(messages)
    stated = " ".join(str(hints.get(key, "")) for key in ("genre", "primary_genre"))
    found = _find_genre(stated) or _find_genre(conversation)
    if found:
        genre, genre_name = found
    else:
        genre = vocab.GENRES[rng.choice(sorted(vocab.GENRES))]
        genre_name = genre.name
    explicit = str(hints.get("primary_genre") or hints.get("genre") or "").strip()
    if explicit and not _find_genre(explicit):
        genre_name = explicit[:60]  # a genre the vocabulary does not know keeps its name
    lowered = conversation.lower()
    mood = next(
        (m for m in vocab.MOODS.values() if any(re.search(rf"\b{w}\b", lowered) for w in m.words)),
        vocab.MOODS[GENRE_MOODS.get(genre.name, vocab.DEFAULT_MOOD)],
    )
    countries, city = _countries(hints, conversation, genre)
    group = next(
        (value for word, value in vocab.GROUPS.items() if re.search(rf"\b{word}\b", lowered)), ("project", "they")
    )
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
        group=group,
        themes=themes,
        instrumental=instrumental,
        rng=rng,
    )


def title_case(text: str) -> str:
    def cap(word: str) -> str:
        return re.sub(r"[A-Za-z]", lambda m: m.group().upper(), word, count=1)

    return " ".join(word if i and word.lower() in SMALL_WORDS else cap(word) for i, word in enumerate(text.split()))


def _slots(ctx: Context) -> dict[str, str]:
    themes = ctx.themes or list(ctx.genre.themes)
    return {
        "image": ctx.pick(ctx.genre.images),
        "place": ctx.pick(ctx.genre.places),
        "feeling": ctx.pick(ctx.mood.feelings),
        "theme": ctx.pick(themes),
        "adj": ctx.pick(ctx.mood.adjectives),
        "genre": ctx.genre_name,
        "city": ctx.city,
        "group": ctx.group[0],
        "pronoun": ctx.group[1],
        "origin": ctx.pick(ctx.genre.origins or ("a rented rehearsal room",)),
        "instrument": ctx.pick(ctx.genre.instruments),
        "influence": ctx.pick(ctx.genre.influences),
    }


def _fill(pattern: str, ctx: Context) -> str:
    slots = _slots(ctx)
    slots.update({key.capitalize(): value for key, value in slots.items()})
    # The relative clause follows "a <group> who ...": singular verb, fresh images.
    first, _, rest = ctx.pick(vocab.PERSONA_VERBS).format(**_slots(ctx)).partition(" ")
    slots["verb"] = f"{first}s {rest}"
    text = ARTICLE.sub(lambda m: f"{m.group(1)}n {m.group(2)}", pattern.format(**slots))
    return text[:1].upper() + text[1:]


# --- Curated writers, by field name ---------------------------------------------------


def write_name(ctx: Context) -> str:
    first, second = ctx.pick(ctx.genre.name_first), ctx.pick(ctx.genre.name_second)
    return f"{first} {second}"


def write_title(ctx: Context) -> str:
    title = re.sub(r"(?<!\bto)(?<!\bat) (?:a|an) ", " ", _fill(ctx.pick(vocab.TITLE_PATTERNS), ctx))
    title = re.sub(r"^(?:A|An) ", "", title)
    return title_case(" ".join(word.lower() if word.istitle() else word for word in title.split()))


def write_persona(ctx: Context) -> str:
    return _fill(ctx.pick(vocab.PERSONA_PATTERNS), ctx)


def write_backstory(ctx: Context) -> str:
    first = _fill(ctx.pick(vocab.BACKSTORY_PATTERNS), ctx)
    verb = "play" if ctx.group[1] == "they" else "plays"
    theme = _slots(ctx)["theme"]
    return f"{first} Today {ctx.group[1]} {verb} {ctx.genre_name} about {theme} for listeners far beyond {ctx.city}."


def write_lyrics(ctx: Context) -> str:
    if ctx.instrumental:
        return ""
    chorus = [_fill(line, ctx) for line in ctx.sample(vocab.CHORUS_LINES, 3)]
    verses = [_fill(line, ctx) for line in ctx.sample(vocab.VERSE_LINES, 8)]  # no line twice in one song
    sections = [
        ("Verse 1", verses[:4]),
        ("Chorus", chorus),
        ("Verse 2", verses[4:]),
        ("Chorus", chorus),
        ("Bridge", [_fill(line, ctx) for line in ctx.sample(vocab.BRIDGE_LINES, 2)]),
        ("Chorus", chorus),
    ]
    return "\n\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in sections)


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
    instruments = ctx.sample(ctx.genre.instruments, 3)
    voice = str(ctx.hints.get("voice") or ctx.pick(ctx.genre.voices))
    voice = "no vocals" if ctx.instrumental else voice[:1].lower() + voice[1:]
    themes = ", ".join(ctx.sample(ctx.themes or list(ctx.genre.themes), 2))
    return (
        f"{ctx.pick(ctx.mood.adjectives).capitalize()} {ctx.genre_name} at {tempo} BPM in {key} {mode}: "
        f"{instruments[0]}, {instruments[1]} and {instruments[2]}; {voice}; {ctx.pick(ctx.genre.production)}. "
        f"Mood: {ctx.pick(ctx.mood.feelings)}, {themes}. Energy {energy:.2f}, about {seconds} seconds."
    )


def _related(ctx: Context) -> list[str]:
    return ctx.sample([g for g in ctx.genre.related if g.lower() != ctx.genre_name.lower()], 2)


def write_tags(ctx: Context) -> list[str]:
    tags = [ctx.genre_name, *ctx.sample(ctx.genre.related, 2), ctx.mood.name, ctx.pick(ctx.mood.adjectives)]
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
        first, second = ctx.sample(ctx.genre.instruments, 2)
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
        instrument = ctx.pick(ctx.genre.instruments)
        return (
            f"What worked: {_slots(ctx)['theme']} and a {ctx.pick(ctx.mood.adjectives)} {ctx.genre_name} sound. "
            f"What to try next: more {instrument}, without losing the artist's {ctx.mood.name} core."
        )
    return f"{write_persona(ctx)} {write_summary(ctx)}"


def write_audience(ctx: Context) -> str:
    return ctx.pick(ctx.genre.audiences)


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
    "style_keywords": lambda ctx: ctx.sample(ctx.genre.visual, 5),
    "visual_keywords": lambda ctx: ctx.sample(ctx.genre.visual, 5),
    "typography": lambda ctx: ctx.genre.typography,
    "voice": write_voice,
    "age_range": lambda ctx: ctx.genre.age_range,
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
    "instruments": lambda ctx: ctx.sample(ctx.genre.instruments, 3),
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
