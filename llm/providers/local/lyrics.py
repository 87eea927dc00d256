"""Song lyrics for the local provider: verses, choruses and a bridge that rhyme, scan and vary.

Lines are built from a small phrase grammar (subject, verb, object, a prepositional tail that
ends on a rhyme word) rather than from whole-line templates, so no fixed phrase of more than
three words recurs across songs (bench/lyrics.py measures it). Each verse pairs its lines on
one rhyme sound, lines are kept within a syllable range (meter), the chorus is built around a
hook that gives the song its title, and the song is written in the artist's language when
the grammar knows it (English, Spanish, Portuguese); any other language falls back to English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kernel import text as kernel_text

if TYPE_CHECKING:  # the context is built by compose; lyrics only read it
    from llm.providers.local.compose import Context

# --- Articles: one rule for every writer, in kernel.text -------------------------------

fix_articles = kernel_text.fix_articles


# --- Syllables (meter) ------------------------------------------------------------------

_VOWEL_GROUPS = re.compile(r"[aeiouyáéíóúàâêôãõäëïöüåæøœ]+", re.IGNORECASE)


def syllables(line: str, language: str = "en") -> int:
    """An estimate good enough for meter: vowel groups per word, with the English silent-e rule."""
    total = 0
    for word in re.findall(r"[^\W\d_]+", line.lower()):
        count = len(_VOWEL_GROUPS.findall(word))
        if language == "en" and word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
            count -= 1
        total += max(1, count)
    return total


# --- Grammars ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Grammar:
    """Phrase parts of one language. Nouns carry their article forms; rhyme nouns are grouped by sound."""

    language: str
    subjects: tuple[tuple[str, str], ...]  # (subject, person key for the verb tables)
    transitive: dict[str, tuple[str, ...]]  # person -> past-tense verbs that take an object
    intransitive: dict[str, tuple[str, ...]]
    object_verbs: tuple[str, ...]  # things that act: "the radio hummed"
    imperatives: tuple[str, ...]
    times: tuple[str, ...]
    prepositions: tuple[str, ...]
    determiners: dict[str, tuple[str, ...]]  # gender -> determiners
    nouns: tuple[tuple[str, str], ...]  # (noun, gender) objects
    rhymes: tuple[tuple[tuple[str, str], ...], ...]  # rhyme groups of (noun, gender)
    adjectives: tuple[str, ...]
    hooks: tuple[str, ...]  # chorus openers: "Oh,", "Tonight"
    questions: tuple[str, ...]  # bridge lines; "{x}" takes a tail, "{np}" a noun phrase
    section_names: dict[str, str]
    hook_verbs: tuple[str, ...] = ()


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def _gendered(text: str, gender: str = "n") -> tuple[tuple[str, str], ...]:
    out = []
    for item in _words(text):
        word, _, g = item.partition(":")
        out.append((word, g or gender))
    return tuple(out)


ENGLISH = Grammar(
    language="en",
    subjects=(("I", "1"), ("you", "2"), ("we", "3"), ("she", "3"), ("they", "3"), ("nobody", "3")),
    transitive={
        key: _words(
            "kept, lost, found, followed, painted, buried, carried, traded, counted, stole, hid, chased, broke, "
            "shared, named, burned, folded, dropped, sold, borrowed, wore, mended, traced, wrapped, whispered, "
            "saved, left, hung, threw, caught, opened, locked, lit, dreamed, forgot, remembered, sketched, rewound, "
            "hummed, unpacked, pawned, tore, guarded, gathered, polished, bent"
        )
        for key in ("1", "2", "3")
    },
    intransitive={
        key: _words(
            "danced, waited, drifted, stayed, wandered, fell, ran, sang, shivered, laughed, prayed, slept, woke, "
            "lingered, turned, froze, swayed, stumbled, shone, cried, sighed, floated, raced, rested, listened, "
            "kneeled, hitched a ride, stood still, held on, let go, came home, broke down, looked back"
        )
        for key in ("1", "2", "3")
    },
    object_verbs=_words(
        "hummed, burned, flickered, shook, waited, faded, echoed, cracked, swayed, trembled, glowed, rang, fell, "
        "slept, sang, rusted, blinked, sparked, bloomed, drowned, shattered, stalled"
    ),
    imperatives=_words(
        "Leave, Bring, Hold, Keep, Take, Send, Hide, Throw, Save, Light, Find, Carry, Bury, Trade, Paint, Follow, "
        "Return, Wrap, Mend, Show me, Sell me, Lend me, Give me, Spare me"
    ),
    times=_words(
        "At midnight, All summer, Since Sunday, Every winter, By morning, In the dark, After the show, Last "
        "December, On the night bus, When the lights went out, Before the train, Years ago, Every Friday, "
        "At a quarter past two, Since the fall, Before dawn, Tonight, Once again, Out of habit, Till sunrise, "
        "For a while, On a Tuesday, In the small hours, In slow motion"
    ),
    prepositions=_words(
        "under, across, beyond, behind, beneath, inside, along, against, into, through, beside, above, below, "
        "toward, past, near, around, over, outside, between"
    ),
    determiners={"n": ("the", "the", "my", "your", "our", "a", "that")},
    nouns=_gendered(
        "jacket, postcard, lighter, map, candle, letter, ticket, photograph, promise, coin, ribbon, record, "
        "mirror, compass, bottle, suitcase, blanket, rumour, melody, signal, sweater, umbrella, notebook, flower, "
        "necklace, engine, headline, feather, ring, cassette, polaroid, matchbox, locket, bracelet, anthem, "
        "window, telephone, alibi, orchid, envelope, overcoat, secret, lantern, keychain, pillow, garden, tattoo"
    ),
    rhymes=tuple(
        _gendered(group)
        for group in (
            "light, night, flight, kite, sight, satellite, twilight, spotlight, streetlight",
            "rain, train, lane, chain, hurricane, champagne, windowpane, weather vane",
            "home, stone, phone, bone, zone, throne, microphone, ozone, cologne, saxophone",
            "fire, wire, choir, desire, spire, amplifier, empire, telephone wire",
            "day, way, bay, highway, runway, display, café, ballet, bouquet, replay",
            "glow, snow, radio, window, shadow, undertow, tomorrow, echo, meadow, studio",
            "heart, start, dark, park, spark, art, chart, arc, landmark",
            "blue, view, avenue, canoe, tattoo, rendezvous, debut, queue, bamboo, curfew",
            "sound, ground, town, crown, gown, playground, merry-go-round, underground",
            "sea, key, tree, melody, memory, balcony, symphony, harmony, gallery, canopy",
            "flame, name, frame, game, picture frame, same old game",
            "song, summer long, sing-along, radio song, drinking song",
            "tide, side, ride, pride, countryside, riverside, divide, passenger side",
            "space, face, place, lace, race, staircase, suitcase, bookcase, fireplace, embrace",
            "stars, cars, bars, scars, guitars, boulevards, cigars, jars",
            "door, floor, shore, store, dance floor, seashore, encore, corridor",
            "street, heat, sheet, seat, beat, concrete, backseat, heartbeat, summer heat",
            "sky, lullaby, alibi, butterfly, goodbye, firefly, July, dragonfly, evening sky",
        )
    ),
    adjectives=_words(
        "silver, golden, empty, broken, borrowed, paper, quiet, electric, frozen, faded, crooked, velvet, "
        "midnight, hollow, open, restless, burning, secondhand, neon, salted, painted, distant, endless, unhurried"
    ),
    hooks=_words("Oh, Tonight, So, And still, Hey, Baby, Come on, Darling, Right now, Oh no"),
    questions=_words(
        "Do you remember {np}?, Who will carry {np}?, Is it still {np}?, Why did we leave {np}?, "
        "Can you hear {np}?, What if we run {x}?, How long till {np}?, Who painted {np}?, Where is {np}?, "
        "Will you wait {x}?, Who sold {np}?, Should I burn {np}?, Could we sleep {x}?, Have you seen {np}?, "
        "Was it only {np}?, When did you lose {np}?, Did she keep {np}?, Why won't you leave {np}?"
    ),
    hook_verbs=_words(
        "meet me, take me, dance with me, hold me, find me, wait for me, run with me, stay with me, call me, "
        "leave me, follow me, kiss me, walk me home, bring me back"
    ),
    section_names={"verse": "Verse", "chorus": "Chorus", "bridge": "Bridge", "outro": "Outro"},
)

SPANISH = Grammar(
    language="es",
    subjects=(("", "1"), ("tú", "2"), ("", "4"), ("ella", "3"), ("nadie", "3")),
    transitive={
        "1": _words(
            "guardé, perdí, encontré, seguí, pinté, enterré, llevé, conté, robé, escondí, rompí, quemé, "
            "vendí, abrí, dejé, busqué, canté, crucé, soñé, olvidé, bordé, doblé, salvé, apagué, encendí"
        ),
        "2": _words(
            "guardaste, perdiste, encontraste, seguiste, pintaste, enterraste, llevaste, robaste, "
            "escondiste, rompiste, quemaste, vendiste, abriste, dejaste, buscaste, olvidaste"
        ),
        "3": _words(
            "guardó, perdió, encontró, siguió, pintó, enterró, llevó, robó, escondió, rompió, quemó, "
            "vendió, abrió, dejó, buscó, olvidó, cantó, soñó"
        ),
        "4": _words(
            "guardamos, perdimos, encontramos, seguimos, pintamos, enterramos, llevamos, robamos, "
            "escondimos, rompimos, quemamos, vendimos, abrimos, dejamos, buscamos, olvidamos"
        ),
    },  # fmt: skip
    intransitive={
        "1": _words("bailé, esperé, volé, caí, corrí, canté, reí, dormí, desperté, temblé, grité, lloré, volví"),
        "2": _words("bailaste, esperaste, volaste, caíste, corriste, cantaste, reíste, dormiste, volviste"),
        "3": _words("bailó, esperó, voló, cayó, corrió, cantó, rió, durmió, volvió, tembló, lloró"),
        "4": _words("bailamos, esperamos, volamos, caímos, corrimos, cantamos, reímos, dormimos, volvimos"),
    },  # fmt: skip
    object_verbs=_words("ardió, tembló, brilló, cayó, cantó, esperó, se apagó, se rompió, sonó, durmió, volvió"),
    imperatives=_words("Guarda, Lleva, Deja, Busca, Esconde, Quema, Abre, Salva, Trae, Dame, Enséñame, Devuélveme"),
    times=_words(
        "A medianoche, Todo el verano, Desde el domingo, Cada invierno, Al amanecer, En la oscuridad, Después "
        "del baile, El diciembre pasado, En el último tren, Hace años, Cada viernes, Esta noche, Otra vez, "
        "Por costumbre, Hasta el alba, Un martes, En cámara lenta"
    ),
    prepositions=_words("bajo, sobre, entre, tras, hacia, contra, sin, con, desde, hasta, en"),
    determiners={"m": ("el", "mi", "tu", "un", "ese", "nuestro"), "f": ("la", "mi", "tu", "una", "esa", "nuestra")},
    nouns=_gendered(
        "chaqueta:f, postal:f, mapa:m, vela:f, carta:f, billete:m, foto:f, promesa:f, moneda:f, disco:m, "
        "espejo:m, brújula:f, botella:f, maleta:f, manta:f, rumor:m, secreto:m, cuaderno:m, flor:f, collar:m, "
        "anillo:m, casete:m, linterna:f, ventana:f, teléfono:m, sobre:m, abrigo:m, jardín:m, tatuaje:m, beso:m"
    ),
    rhymes=tuple(
        _gendered(group)
        for group in (
            "mar:m, lugar:m, altar:m, hogar:m, bar:m, collar:m, palomar:m, azahar:m, olivar:m",
            "corazón:m, balcón:m, rincón:m, callejón:m, salón:m, avión:m, escalón:m, colchón:m, acordeón:m",
            "bahía:f, fotografía:f, lotería:f, cafetería:f, melodía:f, estantería:f, alegría:f, lejanía:f",
            "pasado:m, tejado:m, mercado:m, costado:m, candado:m, tablado:m, puerto helado:m",
            "locura:f, cintura:f, altura:f, llanura:f, armadura:f, hermosura:f, escritura:f, aventura:f",
            "sendero:m, aguacero:m, lucero:m, sombrero:m, velero:m, mensajero:m, invierno entero:m",
            "puente:m, corriente:f, frente:f, fuente:f, gente:f, horizonte:m, continente:m, presente:m",
            "ciudad:f, tempestad:f, soledad:f, verdad:f, oscuridad:f, claridad:f, mitad:f, libertad:f",
            "estrella:f, huella:f, botella:f, centella:f, doncella:f, querella:f",
            "camino:m, destino:m, molino:m, vino:m, pino:m, remolino:m, casino:m",
        )
    ),
    adjectives=(),
    hooks=_words("Ay, Esta noche, Oye, Y todavía, Mira, Amor, Ven"),
    questions=_words("¿Te acuerdas de {np}?, ¿Quién recuerda {np}?, ¿Y si huimos {x}?, ¿Dónde está {np}?"),
    hook_verbs=_words("llévame, encuéntrame, espérame, baila conmigo, quédate, bésame, ven conmigo, búscame"),
    section_names={"verse": "Verso", "chorus": "Coro", "bridge": "Puente", "outro": "Final"},
)

PORTUGUESE = Grammar(
    language="pt",
    subjects=(("", "1"), ("tu", "2"), ("", "4"), ("ela", "3"), ("ninguém", "3")),
    transitive={
        "1": _words(
            "guardei, perdi, encontrei, segui, pintei, enterrei, levei, contei, roubei, escondi, parti, "
            "queimei, vendi, abri, deixei, busquei, cantei, cruzei, sonhei, esqueci, bordei, dobrei, salvei"
        ),
        "2": _words(
            "guardaste, perdeste, encontraste, seguiste, pintaste, levaste, escondeste, queimaste, "
            "vendeste, abriste, deixaste, esqueceste, cantaste"
        ),
        "3": _words(
            "guardou, perdeu, encontrou, seguiu, pintou, enterrou, levou, roubou, escondeu, queimou, "
            "vendeu, abriu, deixou, esqueceu, cantou, sonhou"
        ),
        "4": _words(
            "guardámos, perdemos, encontrámos, seguimos, pintámos, levámos, escondemos, queimámos, "
            "vendemos, abrimos, deixámos, esquecemos"
        ),
    },  # fmt: skip
    intransitive={
        "1": _words("dancei, esperei, voei, caí, corri, cantei, ri, dormi, acordei, tremi, chorei, voltei"),
        "2": _words("dançaste, esperaste, voaste, caíste, correste, cantaste, dormiste, voltaste"),
        "3": _words("dançou, esperou, voou, caiu, correu, cantou, dormiu, voltou, tremeu, chorou"),
        "4": _words("dançámos, esperámos, voámos, caímos, corremos, cantámos, dormimos, voltámos"),
    },  # fmt: skip
    object_verbs=_words("ardeu, tremeu, brilhou, caiu, cantou, esperou, apagou-se, partiu-se, tocou, dormiu"),
    imperatives=_words("Guarda, Leva, Deixa, Procura, Esconde, Queima, Abre, Salva, Traz, Dá-me, Mostra-me"),
    times=_words(
        "À meia-noite, O verão inteiro, Desde domingo, Cada inverno, De madrugada, No escuro, Depois do baile, "
        "No último elétrico, Há muitos anos, Toda a sexta-feira, Esta noite, Outra vez, Até ao sol nascer, "
        "Numa terça-feira, Em câmara lenta"
    ),
    prepositions=_words("sob, sobre, entre, até, contra, sem, com, desde, após"),
    determiners={
        "m": ("o", "meu", "teu", "um", "aquele", "nosso"),
        "f": ("a", "minha", "tua", "uma", "aquela", "nossa"),
    },
    nouns=_gendered(
        "casaco:m, postal:m, mapa:m, vela:f, carta:f, bilhete:m, fotografia:f, promessa:f, moeda:f, disco:m, "
        "espelho:m, bússola:f, garrafa:f, mala:f, manta:f, boato:m, segredo:m, caderno:m, flor:f, colar:m, "
        "anel:m, cassete:f, lanterna:f, janela:f, telefone:m, envelope:m, jardim:m, beijo:m, xaile:m"
    ),
    rhymes=tuple(
        _gendered(group)
        for group in (
            "coração:m, canção:f, estação:f, chão:m, mão:f, avião:m, balcão:m, portão:m, verão:m, solidão:f",
            "mar:m, luar:m, lugar:m, altar:m, bar:m, olhar:m, colar:m, pomar:m, lar:m",
            "saudade:f, cidade:f, metade:f, tempestade:f, verdade:f, claridade:f, liberdade:f, eternidade:f",
            "maresia:f, melodia:f, baía:f, padaria:f, ventania:f, fantasia:f, alegria:f, poesia:f",
            "fogueira:f, ladeira:f, bandeira:f, cadeira:f, fronteira:f, videira:f, ribeira:f",
            "sol:m, farol:m, lençol:m, anzol:m, caracol:m, girassol:m, rouxinol:m",
            "caminho:m, destino:m, moinho:m, vinho:m, ninho:m, pergaminho:m, azevinho:m",
            "estrela:f, janela:f, aquarela:f, viela:f, caravela:f, passarela:f, tigela:f",
        )
    ),
    adjectives=(),
    hooks=_words("Ai, Esta noite, Ouve, E ainda, Olha, Amor, Vem"),
    questions=_words("Quem vai guardar {np}?, E se fugirmos {x}?, Onde está {np}?, Quem pintou {np}?"),
    hook_verbs=_words("leva-me, encontra-me, espera-me, dança comigo, fica, beija-me, vem comigo, procura-me"),
    section_names={"verse": "Verso", "chorus": "Refrão", "bridge": "Ponte", "outro": "Final"},
)

GRAMMARS = {"en": ENGLISH, "es": SPANISH, "pt": PORTUGUESE}


@dataclass(frozen=True)
class Song:
    title: str
    text: str
    language: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]


class _Writer:
    """Builds one song; remembers the words it used so lines inside a song do not echo each other."""

    def __init__(self, ctx: Context, grammar: Grammar) -> None:
        self.ctx, self.g, self.rng = ctx, grammar, ctx.rng
        self.used: set[str] = set()
        self.title = ""
        extra = [image for image in ctx.genre.images if grammar.language == "en"]
        self.objects = [*extra, *(f"{{det:{g}}} {n}" for n, g in grammar.nouns)]
        if grammar.language == "en":
            themes = [t for t in ctx.themes if 0 < len(t.split()) <= 3]
            self.objects += themes

    def fresh(self, options: tuple[str, ...] | list[Any]) -> Any:
        choices = [o for o in options if str(o) not in self.used] or list(options)
        choice = self.rng.choice(choices)
        self.used.add(str(choice))
        return choice

    def det(self, gender: str) -> str:
        return self.rng.choice(self.g.determiners.get(gender) or self.g.determiners["n"])

    def noun_phrase(self, noun: str, gender: str, *, adjective: bool = True) -> str:
        det = self.det(gender)
        if adjective and self.g.adjectives and self.rng.random() < 0.4:
            return f"{det} {self.fresh(self.g.adjectives)} {noun}"
        return f"{det} {noun}"

    def obj(self) -> str:
        choice = self.fresh(self.objects)
        return re.sub(r"\{det:(\w)\}", lambda m: self.det(m.group(1)), choice)

    def tail(self, rhyme: tuple[str, str]) -> str:
        noun, gender = rhyme
        return f"{self.fresh(self.g.prepositions)} {self.noun_phrase(noun, gender)}"

    def head(self) -> str:
        kind = self.rng.choice(("svo", "svo", "sv", "ov", "imp", "time"))
        subject, person = self.rng.choice(self.g.subjects)
        if kind == "svo":
            text = f"{subject} {self.fresh(self.g.transitive[person])} {self.obj()}"
        elif kind == "sv":
            text = f"{subject} {self.fresh(self.g.intransitive[person])}"
        elif kind == "ov":
            text = f"{self.obj()} {self.fresh(self.g.object_verbs)}"
        elif kind == "imp":
            text = f"{self.fresh(self.g.imperatives)} {self.obj()}"
        else:
            text = f"{self.fresh(self.g.times)}, {subject} {self.fresh(self.g.intransitive[person])}"
        return " ".join(text.split())

    def line(self, rhyme: tuple[str, str], low: int, high: int) -> str:
        best = ""
        for _ in range(12):
            candidate = _polish(f"{self.head()} {self.tail(rhyme)}", self.g.language)
            count = syllables(candidate, self.g.language)
            if low <= count <= high:
                return candidate
            if not best or abs(count - (low + high) / 2) < abs(syllables(best, self.g.language) - (low + high) / 2):
                best = candidate
        return best

    def rhyme_pair(self) -> list[tuple[str, str]]:
        group = self.fresh(list(self.g.rhymes))
        first = self.fresh(group)
        second = self.fresh([word for word in group if word != first])
        return [first, second]

    def verse(self) -> list[str]:
        a, b = self.rhyme_pair(), self.rhyme_pair()
        order = (a[0], a[1], b[0], b[1]) if self.rng.random() < 0.5 else (a[0], b[0], a[1], b[1])
        return [self.line(rhyme, 7, 11) for rhyme in order]

    def chorus(self) -> tuple[list[str], str]:
        a = self.rhyme_pair()
        noun, gender = a[0]
        hook_np = self.noun_phrase(noun, gender)
        hook_tail = f"{self.fresh(self.g.prepositions)} {hook_np}"
        verb = self.fresh(self.g.hook_verbs)
        hook = _polish(f"{self.fresh(self.g.hooks)}, {verb} {hook_tail}", self.g.language)
        bare = hook_np.split(" ", 1)[1] if " " in hook_np else hook_np
        self.title = _title(self.rng.choice((hook_tail, bare, f"{verb} {hook_tail}")), self.g.language)
        answer = self.line(a[1], 6, 10)
        second = self.rhyme_pair()
        lines = [hook, self.line(second[0], 6, 10), answer, _polish(hook_tail, self.g.language)]
        if self.rng.random() < 0.5:
            lines[1], lines[2] = answer, self.line(second[0], 6, 10)
        return lines, hook_tail

    def bridge(self) -> list[str]:
        rhyme = self.rhyme_pair()
        noun, gender = rhyme[0]
        question = self.fresh(self.g.questions).replace("{x}", self.tail(rhyme[0]))
        question = question.replace("{np}", self.noun_phrase(noun, gender))
        return [_polish(question, self.g.language), self.line(rhyme[1], 6, 10)]


def _polish(text: str, language: str) -> str:
    text = " ".join(text.replace(" ,", ",").split())
    if language == "en":
        text = fix_articles(text)
    return text[:1].upper() + text[1:]


def _title(hook_tail: str, language: str) -> str:
    words = hook_tail.split()
    small = {"the", "a", "an", "my", "your", "our", "of", "me", "with", "for", "el", "la", "o", "um", "un", "una"}
    out = []
    for i, word in enumerate(words):
        out.append(word if i and word in small else word[:1].upper() + word[1:])
    return " ".join(out)


def song(ctx: Context) -> Song:
    """The song of this request: written once per context, so its title and lyrics agree."""
    cached = getattr(ctx, "song_cache", None)
    if cached is not None:
        return cached
    grammar = GRAMMARS.get(ctx.language, ENGLISH)
    writer = _Writer(ctx, grammar)
    chorus, hook = writer.chorus()
    names = grammar.section_names
    sections: list[tuple[str, tuple[str, ...]]] = [
        (f"{names['verse']} 1", tuple(writer.verse())),
        (names["chorus"], tuple(chorus)),
        (f"{names['verse']} 2", tuple(writer.verse())),
        (names["chorus"], tuple(chorus)),
        (names["bridge"], tuple(writer.bridge())),
        (names["chorus"], tuple(chorus)),
    ]
    text = "\n\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in sections)
    result = Song(title=writer.title, text=text, language=grammar.language, sections=tuple(sections))
    ctx.song_cache = result
    return result
