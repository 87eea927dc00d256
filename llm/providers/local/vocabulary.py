"""Word lists for the local provider that are about writing, not music facts.

Genres, countries and name cultures are data files read through `kernel.music` (shared with
the synthesizer and the cover renderer); this module holds moods, act types, eras and
languages as the brief may state them (in several languages), and the sentence patterns.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.music import Genre, genres


@dataclass(frozen=True)
class Mood:
    """A mood colours adjectives, themes, mode and energy on top of the genre."""

    name: str
    words: tuple[str, ...]
    adjectives: tuple[str, ...]
    feelings: tuple[str, ...]
    mode: str | None
    energy_shift: float


MOODS: dict[str, Mood] = {
    "dark": Mood(
        "dark",
        (
            "dark",
            "gothic",
            "noir",
            "sinister",
            "brooding",
            "shadowy",
            "haunted",
            "grim",
            "cold",
            "oscuro",
            "oscura",
            "sombrio",
            "sombria",
            "sombre",
            "düster",
            "dunkel",
            "dunkle",
            "dunkler",
            "cupo",
            "tenebroso",
        ),
        ("shadowed", "nocturnal", "brooding", "cold", "haunted"),
        ("dread", "longing", "restlessness", "defiance"),
        "minor",
        0.05,
    ),
    "melancholic": Mood(
        "melancholic",
        (
            "sad",
            "melancholic",
            "melancholy",
            "heartbroken",
            "wistful",
            "lonely",
            "bittersweet",
            "nostalgic",
            "melancólico",
            "melancólica",
            "melancolico",
            "triste",
            "nostálgico",
            "nostálgica",
            "mélancolique",
            "melancholisch",
            "traurig",
            "malinconico",
            "saudoso",
            "saudosa",
            "sorrowful",
            "mournful",
        ),
        ("wistful", "bittersweet", "fading", "tender", "lonely"),
        ("saudade", "regret", "longing", "tenderness"),
        "minor",
        -0.1,
    ),
    "euphoric": Mood(
        "euphoric",
        (
            "euphoric",
            "happy",
            "joyful",
            "uplifting",
            "party",
            "summer",
            "sunny",
            "anthemic",
            "bright",
            "festive",
            "alegre",
            "feliz",
            "festivo",
            "festiva",
            "fiesta",
            "eufórico",
            "eufórica",
            "joyeux",
            "joyeuse",
            "fröhlich",
            "euphorisch",
            "allegro",
            "solar",
            "ensolarado",
        ),
        ("golden", "electric", "radiant", "weightless", "bright"),
        ("joy", "freedom", "rush", "belonging"),
        "major",
        0.1,
    ),
    "dreamy": Mood(
        "dreamy",
        (
            "dreamy",
            "ethereal",
            "hazy",
            "floating",
            "cosmic",
            "celestial",
            "psychedelic",
            "soñador",
            "soñadora",
            "onírico",
            "sonhador",
            "sonhadora",
            "rêveur",
            "rêveuse",
            "verträumt",
            "etéreo",
            "etérea",
        ),
        ("hazy", "floating", "starlit", "soft-focus", "weightless"),
        ("wonder", "drift", "reverie", "calm"),
        None,
        -0.1,
    ),
    "aggressive": Mood(
        "aggressive",
        (
            "aggressive",
            "angry",
            "hard",
            "heavy",
            "raw",
            "brutal",
            "furious",
            "loud",
            "intense",
            "agresivo",
            "agresiva",
            "agressivo",
            "agressiva",
            "agressif",
            "agressive",
            "aggressiv",
            "wütend",
            "aggressivo",
            "rabioso",
            "furioso",
            "pesado",
            "pesada",
        ),
        ("jagged", "relentless", "serrated", "burning", "raw"),
        ("fury", "defiance", "adrenaline", "release"),
        "minor",
        0.12,
    ),
    "calm": Mood(
        "calm",
        (
            "calm",
            "chill",
            "relaxed",
            "gentle",
            "soft",
            "peaceful",
            "cozy",
            "mellow",
            "quiet",
            "tranquilo",
            "tranquila",
            "calmo",
            "calma",
            "suave",
            "doux",
            "douce",
            "calme",
            "ruhig",
            "sanft",
            "entspannt",
            "sereno",
        ),
        ("gentle", "slow", "unhurried", "warm", "quiet"),
        ("ease", "comfort", "stillness", "contentment"),
        "major",
        -0.15,
    ),
}
DEFAULT_MOOD = "dreamy"
# The mood a family falls back to when the brief names none.
FAMILY_MOODS = {
    "synthwave": "dark", "techno": "dark", "house": "euphoric", "trance": "euphoric", "dnb": "euphoric",
    "bass": "aggressive", "ambient": "calm", "lofi": "calm", "hiphop": "aggressive", "trap": "dark",
    "drill": "dark", "phonk": "aggressive", "rnb": "dreamy", "pop": "euphoric", "rock": "aggressive",
    "punk": "aggressive", "metal": "aggressive", "folk": "melancholic", "country": "melancholic",
    "jazz": "dreamy", "soul": "euphoric", "blues": "melancholic", "reggaeton": "euphoric", "latin": "euphoric",
    "brazil": "dreamy", "baile": "euphoric", "afro": "euphoric", "amapiano": "euphoric", "caribbean": "calm",
    "classical": "melancholic", "disco": "euphoric", "world": "melancholic",
}  # fmt: skip

# Brief word (plain: lower case, no accents) -> act type; the longest word found wins.
ACT_WORDS: dict[str, str] = {
    "duo": "duo", "dupla": "duo", "pair": "duo", "twins": "duo", "sisters": "duo", "brothers": "duo",
    "band": "band", "trio": "band", "quartet": "band", "quintet": "band", "collective": "band", "group": "band",
    "girl group": "band", "boy band": "band", "boy group": "band", "banda": "band", "grupo": "band",
    "groupe": "band", "gruppe": "band", "kollektiv": "band", "colectivo": "band", "coletivo": "band",
    "ensemble": "band", "orchestra": "band", "orquesta": "band", "conjunto": "band", "crew": "band",
    "producer": "producer", "productor": "producer", "productora": "producer", "produtor": "producer",
    "produtora": "producer", "producteur": "producer", "productrice": "producer", "produzent": "producer",
    "produzentin": "producer", "produttore": "producer", "produttrice": "producer", "beatmaker": "producer",
    "dj": "producer", "beat maker": "producer", "dj producer": "producer",
}  # fmt: skip
ACT_NOUNS = {"solo": "artist", "duo": "duo", "band": "band", "producer": "producer"}
# Specific nouns that read better than the act type ("trio", "rapper"), in the language of the brief.
NOUN_WORDS: dict[str, str] = {
    "trio": "trio", "quartet": "quartet", "collective": "collective", "girl group": "girl group",
    "boy band": "boy band", "dj": "DJ", "rapper": "rapper", "rapera": "rapper", "rapero": "rapper",
    "mc": "MC", "singer": "singer", "cantante": "singer", "cantora": "singer", "cantor": "singer",
    "chanteuse": "singer", "chanteur": "singer", "sangerin": "singer", "sanger": "singer", "vocalist": "singer",
    "songwriter": "songwriter", "fadista": "fadista", "crooner": "crooner", "pianist": "pianist",
    "guitarist": "guitarist", "composer": "composer", "compositora": "composer", "compositor": "composer",
    "diva": "diva", "idol": "idol", "orchestra": "orchestra",
}  # fmt: skip
SHE_WORDS = ("she", "her", "woman", "female", "girl", "cantora", "chanteuse", "sangerin", "produzentin",
             "productora", "produtora", "rapera", "singer-songwriter girl", "diva", "queen", "frau")  # fmt: skip
HE_WORDS = ("he", "his", "man", "male", "boy", "cantor", "chanteur", "sanger", "produzent", "rapero", "king")

# "sings in Portuguese", "en español", "auf Deutsch" -> ISO 639-1.
LANGUAGE_WORDS: dict[str, str] = {
    "english": "en", "ingles": "en", "anglais": "en", "englisch": "en", "inglese": "en",
    "spanish": "es", "espanol": "es", "castellano": "es", "espagnol": "es", "spanisch": "es", "espanhol": "es",
    "portuguese": "pt", "portugues": "pt", "portugais": "pt", "portugiesisch": "pt",
    "french": "fr", "frances": "fr", "francais": "fr", "franzosisch": "fr", "francesa": "fr",
    "german": "de", "aleman": "de", "allemand": "de", "deutsch": "de", "alemao": "de",
    "japanese": "ja", "japones": "ja", "japonais": "ja", "korean": "ko", "coreano": "ko", "italian": "it",
    "italiano": "it", "italien": "it",
}  # fmt: skip
LANGUAGE_LEAD = r"(?:in|en|em|auf|na|sung in|sings in|singing in|canta en|canta em|chante en|singt auf)"

# Eras: plain brief words -> how the persona names the era.
ERA_WORDS: dict[str, str] = {
    "50s": "1950s", "1950s": "1950s", "60s": "1960s", "1960s": "1960s", "sixties": "1960s",
    "70s": "1970s", "1970s": "1970s", "seventies": "1970s", "80s": "1980s", "1980s": "1980s",
    "eighties": "1980s", "90s": "1990s", "1990s": "1990s", "nineties": "1990s", "2000s": "2000s",
    "y2k": "2000s", "anos 80": "1980s", "anos 90": "1990s", "anos 70": "1970s", "anos 60": "1960s",
    "annees 80": "1980s", "annees 90": "1990s", "annees 70": "1970s", "achtziger": "1980s",
    "neunziger": "1990s", "ochentas": "1980s", "noventas": "1990s",
}  # fmt: skip
REVIVAL_WORDS = ("revival", "retro", "vintage", "throwback", "old-school", "old school", "renacimiento", "resgate")

# Cover motif families -> words that also work as stock-footage search terms.
MOTIF_WORDS = {
    "sun": "sunset", "grid": "neon grid", "skyline": "city skyline at night", "shards": "broken glass",
    "halftone": "print texture", "rings": "vinyl record", "rays": "sun rays", "stars": "starry sky",
    "mountains": "mountains", "botanical": "plants", "waves": "ocean waves", "palms": "palm trees",
    "checker": "tiles", "zigzag": "lightning", "orbits": "planets", "bands": "stripes",
}  # fmt: skip

AGE_RANGES = {"ambient": "25-50", "classical": "30-60", "jazz": "25-55", "blues": "30-60", "folk": "20-45",
              "country": "20-50", "world": "25-60", "soul": "25-50", "trap": "16-28", "drill": "16-26",
              "phonk": "15-25", "pop": "14-30", "hiphop": "16-30"}  # fmt: skip


def related(genre: Genre) -> list[str]:
    """Plausible secondary genres: those sharing home countries, language and family with this one."""

    def closeness(other: Genre) -> int:
        shared = min(1, len(set(other.countries) & set(genre.countries)))
        language = bool(genre.language) and other.language == genre.language
        sound = 2 * (other.bass == genre.bass) + (other.drums == genre.drums) + (other.family == genre.family)
        return 2 * shared + 2 * language + sound

    scored = sorted((-closeness(other), index, other.name) for index, other in enumerate(genres().values()))
    return [name for score, _, name in scored if score < 0 and name != genre.name][:6]


def visual_words(genre: Genre) -> list[str]:
    return [*(MOTIF_WORDS[m] for m in genre.motifs if m in MOTIF_WORDS), *genre.images]


PERSONA_PATTERNS = (
    "A {adj} {genre} {act} from {city}, {country}, who {verb}.",
    "{City}'s {adj} {genre} {act}, who {verb}.",
    "A {genre} {act} from {city} who {verb}, chasing {feeling} through {place}.",
    "Out of {city}, {country}: a {adj} {genre} {act} who {verb}.",
)
PERSONA_VERBS = (
    "turn {theme} into slow-burning anthems",
    "score {theme} for people who stay up too late",
    "write about {theme} with {image} in every chorus",
    "make {theme} sound like a secret shared at {place}",
    "build songs from {instrument} and {theme}",
    "carry {theme} from {place} to the rest of the world",
)
BACKSTORY_PATTERNS = (
    "It started in {origin} in {city}, where {pronoun} swapped demos built on {instrument} until dawn; "
    "the first record was finished in a single night, with {image} on the cover.",
    "Formed around {origin} in {city}; {pronoun} learnt {genre} from {influence} records, "
    "and the first single came out of a week spent at {place}.",
    "Before the first release there was {origin} in {city}, a borrowed {instrument} "
    "and a notebook of songs about {theme}.",
    "{City} raised {object} on {influence} and {genre} from the neighbours' windows; "
    "{pronoun} recorded the first songs at {place}, {instrument} first and words after.",
)
ORIGINS = (
    "a rented rehearsal room",
    "a shared flat",
    "a late-night radio show",
    "a record shop's back room",
    "a community centre's music room",
    "a phone full of voice memos",
    "weekend jam sessions",
    "a church hall",
)
AUDIENCE_PATTERNS = (
    "{Genre} listeners in {countries} who follow {influence}",
    "Fans of {influence} and {genre} playlists, first in {countries}",
    "Listeners who want {adj} {genre} about {theme}, in {countries} and beyond",
)
