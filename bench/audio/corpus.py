"""Build a real-music evaluation corpus: scores nobody on the team wrote, rendered to audio.

Scores come from music21's corpus (string quartets by Haydn, Mozart and Beethoven, piano
and chamber pieces, songs, rags, folk tunes from the Essen, O'Neill and Nottingham
collections). The Bach chorales, and all of Bach, are left out: the team keeps them as its
own held-out check. Each piece is rendered by FluidSynth with a General MIDI SoundFont at a
tempo and key chosen here, with instruments drawn from a few ensembles and, for some
renders, a drum kit (backbeat) or light percussion (no backbeat).

Ground truth:
  * tempo: the chosen BPM of the score's notated beat, the conventional tactus (music21's
    beat: a quarter in 2/4, 3/4, 4/4; a half in 2/2, 3/2, 4/2; a dotted quarter in 6/8, 9/8,
    12/8), drawn in a range per beat unit (BEAT_RANGES); 3/8, one notated beat per bar, and
    3/1 or 4/1, a whole-note beat, are left out;
  * key: the score's key transposed by the chosen interval. A score's mode is taken from an
    explicit key (ABC `K:` fields, MusicXML modes) or else from its key signature, with the
    major/relative-minor choice made by the bass: the lowest note at the first downbeat and
    at the very end must both be the tonic. Pieces where they disagree, modal tunes
    (dorian, mixolydian...), and pieces that change metre in the excerpt are not used.

`--tempo-from notation` builds a variant of the same plan (same pieces, splits, keys,
ensembles, drums and draws) in which a piece is played near the tempo its score asks for: its
numbered metronome mark, else its opening tempo word (Allegro, Andante...), else its dance
type (an ABC `R:` field: reel, jig, hornpipe...), each a range of the notated beat
(`notated_range`); the drawn position is kept inside that range. Pieces whose notation says
nothing usable (most Essen songs, O'Neill's airs) keep their drawn tempo. Labels carry
`tempo_source` (mark, word, dance, drawn), so evaluate.py `--by tempo_source` can split them.

`--soundfont musescore` or `timgm6mb` renders the same plan with another General MIDI sample
set (Debian's MuseScore General or TimGM6mb instead of FluidR3), and `--splits heldout,heldout2`
renders only those parts: the held-out figures on instrument samples the fit never heard.

`--performed` plays the same plan as a player would rather than as a sequencer does:
accented beats, onsets off the grid and a tempo that breathes around the labelled one
(`_perform`; `--performed jitter` and the like for one part at a time). Its tuning renders
join the metrical fit (`tune.py --also DIR --also-fit`), its held-out parts are evaluated.
Two more parts are asked for by name: `swing` (the second eighth of each quarter late) and
`ritard` (a slowing at each phrase's end), e.g. `--performed accent,jitter,drift,swing,ritard`.

Pieces are split by a hash of their name into a *tuning* part (40 %) and a *held-out* part
(60 %) that estimator work must never look at; both are reported by evaluate.py.
`--train-pieces N` adds a third, training-only part ("train"): up to N more folk tunes from
collection files the plan does not use, on the tuning side by the same hash, never one that
shares a title or opening with a tune of the plan.

Needs (not needed by `make test`): `pip install -r bench/audio/requirements.txt` (music21,
and the other open methods evaluate.py compares) and the Debian packages `fluidsynth` and
`fluid-soundfont-gm` (`--install-debian` runs `apt-get install -y` for them).

    python bench/audio/corpus.py --out bench/audio/corpus --install-debian   # ~10 min on 2 cores

writes `<split>-NNN-<piece>.wav` (30 s, 44.1 kHz, 16-bit stereo; `train-NNN-R-<piece>.wav`
for the training-only part), `long-N-<piece>.wav`
(180 s, for speed) and `labels.json` ({file: {tempo, key, mode, split, source, piece,
meter, drums, ensemble}}).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# General MIDI SoundFonts from Debian: (file, package). The corpus is rendered with FluidR3;
# `--soundfont` renders the same plan with another sample set, so the held-out figures can be
# checked for what only one set of instrument samples taught the fit.
SOUNDFONTS = {
    "fluidr3": (Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"), "fluid-soundfont-gm"),
    "musescore": (Path("/usr/share/sounds/sf3/MuseScore_General_Full.sf3"), "musescore-general-soundfont"),
    "timgm6mb": (Path("/usr/share/sounds/sf2/TimGM6mb.sf2"), "timgm6mb-soundfont"),
}
SOUNDFONT = SOUNDFONTS["fluidr3"][0]
PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
SR = 44100
EXCERPT_SECONDS = 30.0
LONG_SECONDS = 180.0

# (corpus path or composer, collection label). Multi-movement works list each movement file.
CLASSICAL = ["beethoven", "mozart", "haydn", "schumann_robert", "schumann_clara"]
SINGLE = [
    "beach/prayer_of_a_tired_child.musicxml",
    "chopin/mazurka06-2.krn",
    "corelli/opus3no1/1grave.xml",
    "cpebach/h186.mxl",
    "handel/rinaldo/Lascia_chio_pianga.mxl",
    "johnson_j_r/lift_every_voice.mxl",
    "joplin/maple_leaf_rag.mxl",
    "leadSheet/berlinAlexandersRagtime.mxl",
    "leadSheet/fosterBrownHair.mxl",
    "liliuokalani/aloha_oe.mxl",
    "schubert/Lindenbaum.xml",
    "weber/concertino_clarinet.mxl",
    "verdi/laDonnaEMobile.mxl",
]
# Whole late quartets in one file: a minute each to parse, and they open in no certain key.
TOO_LARGE = {"beethoven/opus132.mxl", "beethoven/opus133.mxl"}
# ABC collections (one file, many tunes): how many tunes to take from each.
FOLK = {
    "nottingham-dataset/reelsa-c.abc": 8,
    "oneills1850/0001-0050.abc": 10,
    "oneills1850/0351-0400.abc": 10,
    "oneills1850/1276-1375.abc": 10,
    "oneills1850/0101-0200.abc": 10,
    "essenFolksong/altdeu10.abc": 8,
    "essenFolksong/ballad10.abc": 8,
    "essenFolksong/ballad20.abc": 8,
    "essenFolksong/erk10.abc": 8,
    "essenFolksong/boehme10.abc": 8,
    "essenFolksong/kinder0.abc": 6,
    "essenFolksong/han1.abc": 8,
    "essenFolksong/zuccal0.abc": 8,
    "airdsAirs/book1.abc": 10,
    "airdsAirs/book2.abc": 10,
    "airdsAirs/book3.abc": 10,
}

# Ryan's Mammoth Collection stores one tune per file (reels, jigs in 6/8, hornpipes,
# strathspeys): every RYANS_STEP-th file in name order.
RYANS_STEP = 20

# Training-only pieces (`--train-pieces`, split "train"): folk tunes from the collection files
# the plan above does not use, and Ryan's files halfway between its RYANS_STEP picks: do more
# distinct pieces help the metrical-level fit? (87 of them moved its cross-validated Acc1 by
# under a point, not fold by fold: not shipped, docs/benchmarks.md.) Only names whose hash
# puts them on the tuning side are taken, and a tune that shares its title or opening with
# any piece of the plan is skipped, so no held-out tune enters a fit under another name.
TRAIN_FOLK_DIRS = ("essenFolksong", "oneills1850", "airdsAirs", "miscFolk")
TRAIN_FOLK_PER_FILE = 4
NOT_TUNES = {
    "essenFolksong/test0.abc",
    "essenFolksong/test1.abc",
    "essenFolksong/testd.abc",
    "essenFolksong/teste.abc",
    "essenFolksong/variant0.abc",
}

# General MIDI programs per ensemble, from the top part down; the last one repeats.
ENSEMBLES = {
    "strings": [40, 40, 41, 42],
    "piano": [0],
    "winds": [73, 68, 71, 70],
    "brass": [56, 60, 57, 58],
    "band": [25, 0, 32],
    "organ": [19],
    "guitar": [24, 24, 32],
}
FOLK_ENSEMBLES = {"fiddle": [110], "flute": [73], "accordion": [21], "piano": [0], "guitar": [24]}


@dataclass(frozen=True)
class Render:
    """One file to render: which piece, at which tempo and key, with what."""

    file: str
    source: str
    index: int  # reference number (X:) of the tune in an ABC collection, 0 for single scores
    piece: str
    split: str
    tempo: float
    transpose: int
    drums: str  # none, percussion (no backbeat), kit (backbeat)
    ensemble: str
    seconds: float
    tempo_from: str = "draw"  # draw: the drawn tempo in the beat's range; notation: see notated_range
    soundfont: str = "fluidr3"  # a key of SOUNDFONTS
    performed: str = ""  # which of PERFORMANCE (+ PERFORMANCE_MORE) a player adds (_perform)


def split_of(piece: str) -> str:
    """A stable 40/60 split by piece name, so every render of a piece is on the same side."""
    return "tune" if int(hashlib.sha256(piece.encode()).hexdigest(), 16) % 5 < 2 else "heldout"


def _movement_paths(composer: str) -> list[str]:
    from music21 import corpus

    paths = []
    for path in corpus.getComposer(composer):
        relative = str(path).split("/corpus/", 1)[1]
        if relative.endswith((".mxl", ".xml", ".musicxml", ".krn")):
            # Beethoven's opus18no1 is stored twice (krn and mxl): keep one.
            if relative.endswith(".krn") and Path(relative).with_suffix(".mxl").name in {
                Path(p).name for p in map(str, corpus.getComposer(composer))
            }:
                continue
            paths.append(relative)
    return sorted(paths)


def _load(source: str, index: int):
    """The score; for an ABC collection, only the tune with reference number `index` is parsed."""
    from music21 import corpus

    if source.endswith(".abc"):
        return corpus.parse(source, number=index)
    return corpus.parse(source)


def _tune_numbers(source: str, count: int) -> list[int]:
    """Reference numbers (X:) of `count` tunes spread over an ABC collection."""
    import re

    from music21 import corpus

    text = Path(str(corpus.getWork(source))).read_text(errors="replace")
    numbers = [int(n) for n in re.findall(r"^X:\s*(\d+)", text, flags=re.MULTILINE)]
    step = max(1, len(numbers) // count)
    return numbers[::step][:count]


def _ryans_files() -> list[str]:
    from music21 import corpus

    folder = Path(str(corpus.getWork("ryansMammoth/AcaciaReel.abc"))).parent
    return [f"ryansMammoth/{p.name}" for p in sorted(folder.glob("*.abc"))][::RYANS_STEP]


def _unplanned_sources(side: str) -> list[tuple[str, int, str]]:
    """(source, tune number, piece) of the folk tunes outside the plan whose name's hash puts
    them on `side`: "tune" for the training-only part, "heldout" for the held-out extension."""
    from music21 import corpus

    root = Path(str(corpus.getWork("ryansMammoth/AcaciaReel.abc"))).parents[1]
    sources: list[tuple[str, int, str]] = []
    for folder in TRAIN_FOLK_DIRS:
        for file in sorted((root / folder).glob("*.abc")):
            path = f"{folder}/{file.name}"
            if path in FOLK or path in NOT_TUNES:
                continue
            sources += [(path, n, f"{path}#{n}") for n in _tune_numbers(path, TRAIN_FOLK_PER_FILE)]
    ryans = [f"ryansMammoth/{p.name}" for p in sorted((root / "ryansMammoth").glob("*.abc"))]
    for path in ryans[RYANS_STEP // 2 :: RYANS_STEP]:
        sources += [(path, n, f"{path}#{n}") for n in _tune_numbers(path, 1)]
    return [source for source in sources if split_of(source[2]) == side]


def fingerprint(score) -> tuple[str, tuple[int, ...]]:
    """A tune's identity across collections: its title (letters only) and the intervals
    between the first 13 distinct successive top-voice pitches (transposition-free)."""
    import re

    title = re.sub(r"[^a-z]", "", ((score.metadata.title if score.metadata else None) or "").lower())
    pitches: list[float] = []
    for note in score.parts[0].flatten().notes:
        top = max(p.ps for p in note.pitches)
        if not pitches or top != pitches[-1]:
            pitches.append(top)
        if len(pitches) == 13:
            break
    return title, tuple(int(b - a) for a, b in zip(pitches, pitches[1:], strict=False))


def fingerprint_of(source: str, index: int) -> tuple[str, tuple[int, ...]] | None:
    """The fingerprint of one plan piece (a worker task); None when it does not parse."""
    try:
        return fingerprint(_load(source, index))
    except Exception:  # music21 raises many kinds on odd scores; such a piece is not rendered either
        return None


def _same_tune(score, forbidden: tuple[set[str], set[tuple[int, ...]]]) -> bool:
    title, intervals = fingerprint(score)
    return (len(title) > 3 and title in forbidden[0]) or (len(intervals) >= 8 and intervals in forbidden[1])


def _key_label(score) -> tuple[int, str] | None:
    """(tonic pitch class, mode) of the score's opening, or None when it is not certain."""
    from music21 import key as m21key

    first = score.recurse().getElementsByClass(["Key", "KeySignature"]).first()
    if first is None:
        return None
    if isinstance(first, m21key.Key) and first.mode not in ("major", "minor"):
        return None  # dorian, mixolydian...: no major/minor truth
    notes = list(score.flatten().notes)
    if not notes:
        return None

    def bass_at(offset: float) -> int | None:
        sounding = [p for n in notes if abs(n.offset - offset) < 1e-6 for p in n.pitches]
        return min(sounding, key=lambda p: p.ps).pitchClass if sounding else None

    ending = bass_at(max(n.offset for n in notes))
    if isinstance(first, m21key.Key):
        return (first.tonic.pitchClass, first.mode) if ending == first.tonic.pitchClass else None
    major, minor = first.asKey("major").tonic.pitchClass, first.asKey("minor").tonic.pitchClass
    # The opening bass of a piece with a pickup is often the dominant: the first full bar's
    # downbeat counts too.
    measures = list(score.parts[0].getElementsByClass("Measure"))
    downbeat = None
    if measures:
        pickup = measures[0].duration.quarterLength < measures[0].barDuration.quarterLength
        downbeat = measures[1].offset if pickup and len(measures) > 1 else measures[0].offset
    opening = {bass_at(min(n.offset for n in notes)), bass_at(downbeat) if downbeat is not None else None}
    opening.discard(None)
    if major in opening and ending == major and minor not in opening:
        return major, "major"
    if minor in opening and ending == minor and major not in opening:
        return minor, "minor"
    return None


def _prepare(render: Render, score):
    """The excerpt of the score as music21 will write it, with tempo, key and instruments set;
    also its bar grid for the drums. None when the piece cannot be labelled."""
    import copy

    from music21 import duration, instrument, tempo

    label = _key_label(score)
    if label is None:
        return None
    signatures = score.parts[0].recurse().getElementsByClass("TimeSignature")
    signature = signatures.first()
    if signature is None:
        return None
    beat_ql = float(signature.beatDuration.quarterLength)
    if signature.beatCount < 2:
        return None  # 3/8 and the like: one notated beat per bar, no agreed tactus
    if beat_ql not in BEAT_RANGES:
        return None  # 3/1, 4/1: a whole-note beat, whose tempo range no one agrees on either
    tempo_source = "drawn"
    notated = None
    if render.tempo_from == "notation":
        notated = notated_range(score, render.source, render.index, beat_ql, signature.ratioString)
    if notated is not None:
        bpm, tempo_source = beat_tempo(render.tempo, beat_ql, notated[0]), notated[1]
    else:
        bpm = beat_tempo(render.tempo, beat_ql)
    needed_ql = (render.seconds + 2.0) * bpm / 60.0 * beat_ql
    if any(ts.ratioString != signature.ratioString for ts in signatures if ts.getOffsetInHierarchy(score) < needed_ql):
        return None  # a metre change inside the excerpt
    if score.highestTime < needed_ql * 0.6:
        return None
    measures = score.parts[0].getElementsByClass("Measure")
    last = next((m.number for m in measures if m.offset >= needed_ql), measures[-1].number if measures else None)
    if last is None:
        return None
    # A deep copy: measures() shares elements with the score, and the edits below must not
    # reach the next render of the same piece.
    excerpt = copy.deepcopy(score.measures(measures[0].number, last) if score.highestTime > needed_ql else score)
    if render.transpose:
        excerpt = excerpt.transpose(render.transpose)
    # Tempo marks go (one tempo is set below), and so do key signatures: a transposed one can
    # name eight sharps, which MIDI cannot carry, and they do not sound.
    for element in list(excerpt.recurse().getElementsByClass(["MetronomeMark", "TempoIndication", "KeySignature"])):
        element.activeSite.remove(element)
    palette = (FOLK_ENSEMBLES if render.source.endswith(".abc") else ENSEMBLES)[render.ensemble]
    parts = list(excerpt.parts)
    for number, part in enumerate(parts):
        for old in list(part.recurse().getElementsByClass("Instrument")):
            old.activeSite.remove(old)
        program = palette[min(number, len(palette) - 1)]
        chosen = instrument.Instrument()
        chosen.midiProgram = program
        chosen.midiChannel = number if number < 9 else number + 1
        part.insert(0, chosen)
        part.insert(0, tempo.MetronomeMark(number=bpm, referent=duration.Duration(beat_ql)))
    bars = [
        (float(m.offset), float(m.barDuration.quarterLength), float(m.duration.quarterLength))
        for m in excerpt.parts[0].getElementsByClass("Measure")
    ]
    tonic = (label[0] + render.transpose) % 12
    return excerpt, bars, beat_ql, signature.ratioString, tonic, label[1], bpm, tempo_source


# The range of the notated beat's tempo, by beat length in quarter notes: a quarter beat
# 60-180 BPM; a dotted quarter (6/8, 9/8, 12/8) 40-130, from a slow siciliano to a fast jig;
# a half (2/2, 3/2) 50-120, a reel's range. The drawn tempo (log-uniform 60-180) is mapped
# to the same position on the log scale of its beat's range, so the subdivisions stay
# playable and the beat stays the conventional tactus.
BEAT_RANGES = {1.0: (60.0, 180.0), 1.5: (40.0, 130.0), 2.0: (50.0, 120.0), 3.0: (40.0, 90.0)}


def beat_tempo(drawn: float, beat_ql: float, within: tuple[float, float] | None = None) -> float:
    lo, hi = within or BEAT_RANGES[beat_ql]
    position = math.log(drawn / 60.0) / math.log(3.0)
    return round(lo * (hi / lo) ** position, 1)


# `--tempo-from notation`: each piece is played near the tempo its notation asks for, as a
# performer would, instead of anywhere in its beat's range. What the score says, in order:
# a numbered metronome mark (played within 10 % of it); a tempo word at the start; a dance
# type (ABC `R:`). The word ranges are for a quarter-note beat (conventional metronome
# ranges); a dotted-quarter beat takes 3/4 of them and a half-note beat 3/5 (an alla-breve
# Allegro, half = 72-96). Dance ranges are for the tune's main pulse: a half in 2/2 and a
# quarter in 2/4 (the same tune written in halved values), a dotted quarter in 6/8 and 9/8,
# a quarter in 4/4; session and dance-band practice. A range is kept only inside the beat's
# BEAT_RANGES (a 4/4 reel's quarter at 200-240 is not a tactus anyone taps): a piece whose
# notation gives no usable range keeps its drawn tempo, and its label says so.
TEMPO_WORDS = {
    "grave": (40.0, 54.0),
    "largo": (42.0, 58.0),
    "lento": (46.0, 60.0),
    "larghetto": (58.0, 72.0),
    "adagio": (56.0, 76.0),
    "tranquillo": (56.0, 76.0),
    "nicht schnell": (66.0, 90.0),
    "andante": (72.0, 104.0),
    "massig": (84.0, 108.0),
    "mässig": (84.0, 108.0),
    "moderato": (96.0, 120.0),
    "allegretto": (100.0, 128.0),
    "menuetto": (100.0, 132.0),
    "allegro": (120.0, 160.0),
    "vivace": (144.0, 176.0),
    "presto": (160.0, 200.0),
}
WORD_SCALE = {1.0: 1.0, 1.5: 0.75, 2.0: 0.6, 3.0: 0.5}
DANCE_PULSE = {
    "reel": (100.0, 120.0),
    "hornpipe": (72.0, 96.0),
    "clog": (72.0, 96.0),
    "strathspey": (112.0, 140.0),
    "jig": (100.0, 125.0),
    "slipjig": (110.0, 130.0),
    "polka": (110.0, 140.0),
}


@functools.lru_cache(maxsize=256)
def _abc_rhythm(source: str, index: int) -> str:
    """The `R:` field (dance type) of tune `index` of an ABC file, lower case, or ''."""
    import re

    from music21 import corpus

    text = Path(str(corpus.getWork(source))).read_text(errors="replace")
    for block in re.split(r"(?m)^(?=X:)", text):
        number = re.match(r"X:\s*(\d+)", block)
        if number and int(number.group(1)) == index:
            field = re.search(r"(?m)^R:\s*(.+)$", block)
            return field.group(1).strip().lower() if field else ""
    return ""


def metronome_mark(score, before_ql: float = math.inf) -> float | None:
    """Quarter notes per minute of the score's first numbered metronome mark, if it stands
    before `before_ql` (quarter notes from the start)."""
    for mark in score.recurse().getElementsByClass("MetronomeMark"):
        if mark.number and mark.referent is not None:
            if mark.getOffsetInHierarchy(score) >= before_ql:
                return None
            return float(mark.number) * float(mark.referent.quarterLength)
    return None


def notated_range(score, source: str, index: int, beat_ql: float, meter: str) -> tuple[tuple[float, float], str] | None:
    """The notated beat's tempo range the score itself asks for, and where it came from
    (mark, word, dance), or None when it says nothing usable."""
    lo_beat, hi_beat = BEAT_RANGES[beat_ql]

    def inside(lo: float, hi: float, origin: str):
        lo, hi = max(lo, lo_beat), min(hi, hi_beat)
        return ((lo, hi), origin) if hi - lo >= 0.05 * hi else None

    quarters_per_minute = metronome_mark(score, before_ql=4 * beat_ql)
    if quarters_per_minute:
        mark = quarters_per_minute / beat_ql
        return inside(mark / 1.1, mark * 1.1, "mark")
    if source.endswith(".abc"):
        rhythm = _abc_rhythm(source, index).replace(" ", "").replace("-", "")
        dance = next((d for d in sorted(DANCE_PULSE, key=len, reverse=True) if d in rhythm), None)
        if dance is None:
            return None
        lo, hi = DANCE_PULSE[dance]
        if beat_ql == 1.0 and meter in ("4/4", "3/4") and dance in ("reel", "hornpipe", "clog"):
            lo, hi = 2 * lo, 2 * hi  # written in halves: the quarter runs at twice the pulse
        return inside(lo, hi, "dance")
    texts = [
        str(getattr(t, "content", None) or getattr(t, "text", None) or "")
        for t in score.recurse().getElementsByClass(["TextExpression", "MetronomeMark", "TempoText"])
        if t.getOffsetInHierarchy(score) < 4 * beat_ql
    ]
    text = " ".join(texts).lower()
    found = sorted((text.find(word), word) for word in TEMPO_WORDS if word in text)
    if not found:
        return None
    lo, hi = TEMPO_WORDS[found[0][1]]
    scale = WORD_SCALE.get(beat_ql, 1.0)
    return inside(lo * scale, hi * scale, "word")


def _bar_start(offset: float, bar_ql: float, actual_ql: float) -> float:
    """Where a bar's beat grid starts (quarter notes): a pickup bar ends on the downbeat, so
    its grid starts before its first note."""
    return offset + (actual_ql - bar_ql if actual_ql < bar_ql else 0.0)


def _drum_events(bars, beat_ql: float, meter: str, style: str, rng) -> list[tuple[float, int, int]]:
    """(offset in quarter notes, GM drum note, velocity) for each hit of the kit or percussion."""
    events = []
    numerator = int(meter.split("/")[0])
    compound = beat_ql == 1.5
    for offset, bar_ql, actual_ql in bars:
        start = _bar_start(offset, bar_ql, actual_ql)
        beats = int(round(bar_ql / beat_ql))
        subdivision = beat_ql / (3 if compound else 2)
        for step in range(int(round(bar_ql / subdivision))):
            at = start + step * subdivision
            if at < offset - 1e-9:
                continue
            on_beat = abs((step * subdivision) / beat_ql - round((step * subdivision) / beat_ql)) < 1e-6
            beat_index = int(round(step * subdivision / beat_ql)) if on_beat else -1
            if style == "kit":
                events.append((at, 42, 70 if on_beat else 55))  # closed hi-hat on every subdivision
                if beat_index == 0 or (beats == 4 and beat_index == 2):
                    events.append((at, 36, 100))  # kick
                elif on_beat and (beat_index % 2 == 1 or numerator == 3 and beat_index > 0):
                    events.append((at, 38, 95 if numerator != 3 else 75))  # snare: the backbeat
            else:
                events.append((at, 82, 60 if on_beat else 45))  # shaker on every subdivision
                if beat_index == 0:
                    events.append((at, 36, 80))  # soft kick on the downbeat only
    return events


def _write_midi(
    excerpt, bars, beat_ql, meter, drums: str, path: Path, seed: int, performed: str = "", bpm: float = 0.0
) -> None:
    import mido

    midi_path = path.with_suffix(".notes.mid")
    excerpt.write("midi", fp=str(midi_path))
    song = mido.MidiFile(str(midi_path))
    if drums != "none":
        ticks = song.ticks_per_beat  # per quarter note
        events = _drum_events(bars, beat_ql, meter, drums, np.random.default_rng(seed))
        messages = []
        for offset, note, velocity in events:
            tick = int(round(offset * ticks))
            messages.append((tick, mido.Message("note_on", channel=9, note=note, velocity=velocity)))
            messages.append((tick + ticks // 8, mido.Message("note_off", channel=9, note=note, velocity=0)))
        messages.sort(key=lambda item: (item[0], item[1].type == "note_on"))
        track = mido.MidiTrack()
        last = 0
        for tick, message in messages:
            track.append(message.copy(time=tick - last))
            last = tick
        song.tracks.append(track)
    if performed:
        parts = set(performed.split(","))
        _perform(song, bars, beat_ql, bpm, np.random.default_rng(seed + 1), parts, np.random.default_rng(seed + 2))
    song.save(str(path))
    midi_path.unlink()


def _metrical_weight(quarter: float, bars, beat_ql: float) -> int:
    """2 on a downbeat, 1 on another notated beat, 0 between beats (position in quarter notes)."""
    for offset, bar_ql, actual_ql in bars:
        if offset - 1e-6 <= quarter < offset + actual_ql - 1e-6:
            start = _bar_start(offset, bar_ql, actual_ql)
            beats = (quarter - start) / beat_ql
            if abs(quarter - start) < 1e-3:
                return 2
            return 1 if abs(beats - round(beats)) < 1e-3 else 0
    return 0


PERFORMANCE = ("accent", "jitter", "drift")
# Further ways of playing, asked for by name (`--performed swing`, `--performed
# accent,jitter,drift,swing,ritard`); not in the plain `--performed`, which keeps its renders.
PERFORMANCE_MORE = ("swing", "ritard")


def _swing(quarter: float, ratio: float) -> float:
    """Move each quarter note's second eighth from half-way to `ratio` of the quarter (a
    piecewise-linear warp of score time: everything in the first half stretches, the second
    half shrinks, so note ends move with the notes)."""
    whole = math.floor(quarter)
    part = quarter - whole
    if part < 0.5:
        return whole + part * 2 * ratio
    return whole + ratio + (part - 0.5) * 2 * (1 - ratio)


def _phrase_stretch(bars, beat_ql: float, phrase_bars: int, depth: float, span_beats: float):
    """Score time (quarters) -> played time (quarters) with a ritardando closing each phrase:
    over its last `span_beats` beats the local tempo falls linearly to 1 / (1 + depth) of the
    tempo, and the next phrase starts a tempo. Phrases are `phrase_bars` full bars from the
    first full bar (a pickup is not counted); the slowing lasts at most half a bar, so the
    excerpt's mean tempo stays within 3 % of the a-tempo label."""
    full = [(offset, bar_ql) for offset, bar_ql, actual_ql in bars if actual_ql >= bar_ql - 1e-6]
    ends = [full[i][0] + full[i][1] for i in range(phrase_bars - 1, len(full), phrase_bars)]
    span = min(span_beats * beat_ql, full[0][1] / 2) if full else 0.0  # at most half a bar
    total = (bars[-1][0] + bars[-1][2]) if bars else 0.0
    grid = np.arange(0.0, total + 1.0, 1 / 48)
    stretch = np.ones_like(grid)
    for end in ends:
        inside = (grid > end - span) & (grid <= end)
        stretch[inside] += depth * (grid[inside] - (end - span)) / span
    played = np.concatenate([[0.0], np.cumsum((stretch[1:] + stretch[:-1]) / 2 * np.diff(grid))])
    return lambda quarter: float(np.interp(quarter, grid, played))


def _perform(
    song, bars, beat_ql: float, bpm: float, rng: np.random.Generator, parts: set[str], more: np.random.Generator
) -> None:
    """Play the score as a player would rather than as a sequencer does (`--performed`), drawn
    per render: louder downbeats and beats (0.3-1 of +20 and +10 velocity, noise sd 5), note
    onsets off the grid (sd 5-20 ms, each note's end moving with its start) and a tempo that
    breathes (up to ±3 % over 8-16 beats, a sine whose mean over the excerpt is the label's).
    `parts` chooses which of the three; the draws are the same whichever are chosen.

    Two more parts are asked for by name (PERFORMANCE_MORE), drawn from their own generator
    (`more`), so the first three's renders do not change: `swing`, the second eighth of every
    quarter played late (at 0.55-0.68 of the quarter; simple metres only, a compound metre's
    beat is already in three), and `ritard`, a slowing at each phrase's end (phrases of 4 or 8
    bars; over the last 1-2 beats, at most half a bar, the tempo falls to 70-90 % of itself,
    the next phrase a tempo). The label stays the a-tempo beat: what a listener taps between
    the phrase ends."""
    ticks = song.ticks_per_beat
    ticks_per_second = ticks * bpm * beat_ql / 60.0
    accent = rng.uniform(0.3, 1.0)
    jitter_sd = rng.uniform(0.005, 0.020) * ticks_per_second
    drift = rng.uniform(0.0, 0.03)
    period = ticks * beat_ql * rng.uniform(8, 16)
    phase = rng.uniform(0, 2 * math.pi)
    accent = accent if "accent" in parts else 0.0
    jitter_sd = jitter_sd if "jitter" in parts else 0.0
    drift = drift if "drift" in parts else 0.0
    swing_ratio = float(more.uniform(0.55, 0.68))
    phrase_bars = int(more.choice([4, 8]))
    depth = float(1 / more.uniform(0.70, 0.90) - 1)
    span_beats = float(more.uniform(1.0, 2.0))
    swung = "swing" in parts and beat_ql != 1.5
    origin = _bar_start(*bars[0]) % 1.0 if bars else 0.0  # the quarter-note grid's phase
    stretch = _phrase_stretch(bars, beat_ql, phrase_bars, depth, span_beats) if "ritard" in parts else None

    def warp(tick: float) -> float:
        if swung or stretch is not None:
            quarter = tick / ticks
            quarter = _swing(quarter - origin, swing_ratio) + origin if swung else quarter
            tick = (stretch(quarter) if stretch is not None else quarter) * ticks
        return tick + drift * period / (2 * math.pi) * (math.sin(2 * math.pi * tick / period + phase) - math.sin(phase))

    for track in song.tracks:
        now, events = 0, []
        # (channel, note) -> [start, shift, index of its note-off or None]
        sounding: dict[tuple[int, int], list] = {}
        for message in track:
            now += message.time
            at = warp(now)
            key = (getattr(message, "channel", -1), getattr(message, "note", -1))
            if message.type == "note_on" and message.velocity > 0:
                shift = float(rng.normal(0, 1)) * jitter_sd
                at = max(0.0, at + shift)
                previous = sounding.get(key)
                if previous is not None and previous[2] is not None and events[previous[2]][0] >= at:
                    # A repeated note moved before the previous one's end: end that one first.
                    events[previous[2]][0] = max(previous[0] + 1, at - 1)
                sounding[key] = [at, shift, None]
                velocity = message.velocity
                if message.channel != 9:
                    weight = _metrical_weight(now / ticks, bars, beat_ql)
                    velocity += accent * (0, 10, 20)[weight] + rng.normal(0, 5) * (accent > 0)
                message = message.copy(velocity=int(np.clip(round(velocity), 1, 127)))
            elif message.type == "note_off" or (message.type == "note_on" and message.velocity == 0):
                started = sounding.get(key)
                if started is not None:
                    at = max(at + started[1], started[0] + 1)
                    started[2] = len(events)
            events.append([at, len(events), message])
        body = sorted((event for event in events if event[2].type != "end_of_track"), key=lambda e: (e[0], e[1]))
        end_at = max((event[0] for event in events), default=0.0)
        ordered = body + [[end_at, 0, event[2]] for event in events if event[2].type == "end_of_track"]
        track.clear()
        last = 0
        for at, _, message in ordered:
            tick = max(last, int(round(at)))
            track.append(message.copy(time=tick - last))
            last = tick


def _render_audio(midi: Path, seconds: float, soundfont: Path = SOUNDFONT) -> np.ndarray:
    """FluidSynth's fast file renderer. Some files keep it rendering past the song's end
    (fluidsynth 2.3 does not always see the end of a multi-track file): it is stopped once the
    file holds a few seconds more than needed, and the WAV is read as far as it goes."""

    wav = midi.with_suffix(".raw.wav")
    enough = (seconds + 4.0) * SR * 2 * 2 + 44  # 16-bit stereo
    command = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(SR), "-F", str(wav), str(soundfont), str(midi)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while process.poll() is None:
        if (wav.exists() and wav.stat().st_size > enough) or time.monotonic() > deadline:
            process.kill()
            process.wait()
            break
        time.sleep(0.05)
    # The header of a stopped render still says 0 frames: read the raw PCM after it.
    raw = np.frombuffer(wav.read_bytes()[44:], dtype="<i2")
    wav.unlink()
    audio = raw[: raw.size // 2 * 2].reshape(-1, 2).T.astype(np.float32) / 32768.0
    # Start at the first sound; keep `seconds`.
    level = np.abs(audio).max(axis=0) if audio.size else np.zeros(1)
    start = int(np.argmax(level > 1e-3)) if (level > 1e-3).any() else 0
    return audio[:, start : start + int(seconds * SR)]


def render_piece(
    renders: list[Render], out: Path, forbidden: tuple[set[str], set[tuple[int, ...]]] = (set(), set())
) -> list[dict | None]:
    """Parse the piece once and render each of its files (labels, None where unusable).

    Each label is also written next to its file (`<file>.label.json`): labels.json is built
    from those, so a build that is interrupted or restarted keeps what it made. A training-only
    piece whose fingerprint is `forbidden` (the plan's tunes) is not rendered."""
    done = [out / f"{render.file}.label.json" for render in renders]
    if all(path.exists() for path in done):
        return [json.loads(path.read_text()) for path in done]
    try:
        score = _load(renders[0].source, renders[0].index)
        if renders[0].split in ("train", "heldout2") and _same_tune(score, forbidden):
            print(f"skip {renders[0].piece}: the same tune as a piece of the plan", file=sys.stderr)
            return [None] * len(renders)
        if renders[0].source.endswith(".abc"):
            score = score.expandRepeats()  # a tune's repeated strains make it long enough
    except Exception as exc:  # music21 raises many kinds on odd scores: skip the piece, say why
        print(f"skip {renders[0].piece}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return [None] * len(renders)
    labels = [render_one(render, score, out) for render in renders]
    for path, label in zip(done, labels, strict=True):
        if label is not None:
            path.write_text(json.dumps(label))
    return labels


def render_one(render: Render, score, out: Path) -> dict | None:
    """Render one file; its label, or None when the piece was unusable (said on stderr)."""
    import soundfile as sf

    from kernel.audio import integrated_loudness, write_pcm16

    try:
        prepared = _prepare(render, score)
    except Exception as exc:  # music21 raises many kinds on odd scores: skip the piece, say why
        print(f"skip {render.piece}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None
    if prepared is None:
        print(f"skip {render.piece}: key, metre or length not certain", file=sys.stderr)
        return None
    excerpt, bars, beat_ql, meter, tonic, mode, bpm, tempo_source = prepared
    label = asdict(render)
    label.update(
        tempo=bpm,
        drawn_tempo=render.tempo,
        key=f"{PITCHES[tonic]} {mode}",
        tonic=PITCHES[tonic],
        mode=mode,
        meter=meter,
        beat_ql=beat_ql,
        tempo_source=tempo_source,
    )
    if (out / render.file).exists():  # rendered by an earlier, interrupted build: same seed, same audio
        label["seconds"] = round(sf.info(str(out / render.file)).duration, 2)
        return label
    with tempfile.TemporaryDirectory() as tmp:
        midi = Path(tmp) / "song.mid"
        seed = int(hashlib.sha256(render.file.encode()).hexdigest()[:8], 16)
        try:
            _write_midi(excerpt, bars, beat_ql, meter, render.drums, midi, seed, render.performed, bpm)
        except Exception as exc:  # music21's MIDI writer rejects some repeat structures: skip, say why
            print(f"skip {render.piece}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return None
        audio = _render_audio(midi, render.seconds, SOUNDFONTS[render.soundfont][0])
    if audio.shape[1] < 0.6 * render.seconds * SR:
        print(f"skip {render.piece}: rendered only {audio.shape[1] / SR:.1f} s", file=sys.stderr)
        return None
    lufs = integrated_loudness(audio, SR)
    if lufs is not None:
        audio = audio * 10 ** ((-16.0 - lufs) / 20)
    audio = audio / max(1.0, float(np.abs(audio).max()) / 0.98)
    write_pcm16(out / render.file, audio, SR)
    label["seconds"] = round(audio.shape[1] / SR, 2)
    return label


def _drawn(rng: np.random.Generator, file: str, source: str, index: int, piece: str, split: str) -> Render:
    """One more render of a piece, its tempo, key, drums and ensemble drawn from `rng` (in
    that order: the extra and training-only parts of earlier builds keep their draws)."""
    return Render(
        file=file,
        source=source,
        index=index,
        piece=piece,
        split=split,
        tempo=round(float(np.exp(rng.uniform(math.log(60), math.log(180)))), 1),
        transpose=int(rng.integers(-6, 6)),
        drums=str(rng.choice(["none", "none", "percussion", "kit"])),
        ensemble=str(rng.choice(list(FOLK_ENSEMBLES if source.endswith(".abc") else ENSEMBLES))),
        seconds=EXCERPT_SECONDS,
    )


def plan(
    seed: int,
    renders_per_piece: int,
    long_count: int,
    extra_tune: int = 0,
    train_pieces: int = 0,
    train_renders: int = 6,
    heldout_pieces: int = 0,
) -> list[Render]:
    """Every file to render, deterministic for a seed: tempi log-uniform 60-180 BPM (bounded so
    the quarter-note rate stays playable), keys spread over all twelve tonics.

    `extra_tune` more renders of every *tuning* piece (other tempi, keys, instruments) give the
    fit more examples; they are drawn from their own random stream, so the rest of the plan,
    and the held-out part above all, is the same with or without them. `train_pieces` adds
    up to that many training-only pieces (split "train", `train_renders` renders each) from
    the collections' other tunes, also from a stream of their own. `heldout_pieces` adds up to
    that many more held-out pieces (split "heldout2", one render each) from the same
    collections' tunes on the held-out side of the hash, from a third stream: a larger
    held-out measurement, never read by tune.py."""
    rng = np.random.default_rng(seed)
    pieces: list[tuple[str, int, str]] = []
    for composer in CLASSICAL:
        pieces += [(path, 0, path) for path in _movement_paths(composer) if path not in TOO_LARGE]
    pieces += [(path, 0, path) for path in SINGLE]
    for path, count in FOLK.items():
        pieces += [(path, number, f"{path}#{number}") for number in _tune_numbers(path, count)]
    for path in _ryans_files():
        pieces += [(path, number, f"{path}#{number}") for number in _tune_numbers(path, 1)]
    renders = []
    number = 0
    for source, index, piece in pieces:
        folk = source.endswith(".abc")
        for _copy in range(1 if folk else renders_per_piece):
            tempo = float(np.exp(rng.uniform(math.log(60), math.log(180))))
            ensemble = str(rng.choice(list(FOLK_ENSEMBLES if folk else ENSEMBLES)))
            drums = str(rng.choice(["none", "none", "percussion", "kit"]))
            transpose = int(rng.integers(-6, 6))
            split = split_of(piece)
            name = piece.replace("/", "_").replace("#", "-").rsplit(".", 1)[0]
            renders.append(
                Render(
                    file=f"{split}-{number:03d}-{name}.wav",
                    source=source,
                    index=index,
                    piece=piece,
                    split=split,
                    tempo=round(tempo, 1),
                    transpose=transpose,
                    drums=drums,
                    ensemble=ensemble,
                    seconds=EXCERPT_SECONDS,
                )
            )
            number += 1
    extra_rng = np.random.default_rng(seed + 1000)
    tuning = [p for p in pieces if split_of(p[2]) == "tune"]
    for copy in range(extra_tune):
        for number, (source, index, piece) in enumerate(tuning):
            name = piece.replace("/", "_").replace("#", "-").rsplit(".", 1)[0]
            renders.append(_drawn(extra_rng, f"tune-x{copy}-{number:03d}-{name}.wav", source, index, piece, "tune"))
    train_rng = np.random.default_rng(seed + 2000)
    candidates = _unplanned_sources("tune") if train_pieces else []
    spread = np.unique(np.linspace(0, len(candidates) - 1, train_pieces).astype(int)) if candidates else []
    for number, (source, index, piece) in enumerate(candidates[int(i)] for i in spread):
        name = piece.replace("/", "_").replace("#", "-").rsplit(".", 1)[0]
        for copy in range(train_renders):
            renders.append(_drawn(train_rng, f"train-{number:03d}-{copy}-{name}.wav", source, index, piece, "train"))
    more_rng = np.random.default_rng(seed + 3000)
    candidates = _unplanned_sources("heldout") if heldout_pieces else []
    spread = np.unique(np.linspace(0, len(candidates) - 1, heldout_pieces).astype(int)) if candidates else []
    for number, (source, index, piece) in enumerate(candidates[int(i)] for i in spread):
        name = piece.replace("/", "_").replace("#", "-").rsplit(".", 1)[0]
        renders.append(_drawn(more_rng, f"heldout2-{number:03d}-{name}.wav", source, index, piece, "heldout2"))
    # Full-length files for the speed measurement: the longest classical movements.
    long_sources = [p for p in pieces if not p[0].endswith(".abc") and p[0].startswith(("beethoven", "mozart"))]
    for n, (source, index, piece) in enumerate(long_sources[:long_count]):
        name = piece.replace("/", "_").rsplit(".", 1)[0]
        renders.append(
            Render(
                file=f"long-{n}-{name}.wav",
                source=source,
                index=index,
                piece=piece,
                split="speed",
                tempo=round(float(rng.uniform(90, 150)), 1),
                transpose=0,
                drums=str(rng.choice(["none", "kit"])),
                ensemble="strings",
                seconds=LONG_SECONDS,
            )
        )
    return renders


def collect_labels(out: Path) -> dict:
    """labels.json from the per-file labels (also usable on a build still running)."""
    labels = {}
    for path in sorted(out.glob("*.label.json")):
        label = json.loads(path.read_text())
        if (out / label["file"]).exists():
            labels[label["file"]] = label
    (out / "labels.json").write_text(json.dumps(labels, indent=1))
    return labels


def _ensure_debian(install: bool, soundfont: str = "fluidr3") -> None:
    path, package = SOUNDFONTS[soundfont]
    if shutil.which("fluidsynth") and path.exists():
        return
    if not install:
        sys.exit(f"fluidsynth or the SoundFont {path} is missing: apt-get install -y fluidsynth {package}")
    subprocess.run(["apt-get", "install", "-y", "fluidsynth", package], check=True)


def _plan_fingerprints(renders: list[Render], out: Path, jobs: int) -> tuple[set[str], set[tuple[int, ...]]]:
    """Titles and openings of every folk tune of the plan (tuning and held-out), kept in
    `out/plan-fingerprints.json` so a restarted build does not parse them again."""
    cached = out / "plan-fingerprints.json"
    if cached.exists():
        found = [tuple(item) for item in json.loads(cached.read_text())]
    else:
        planned = [r for r in renders if r.split in ("tune", "heldout") and r.source.endswith(".abc")]
        tunes = sorted({(r.source, r.index) for r in planned})
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            found = [f for f in pool.map(fingerprint_of, *zip(*tunes, strict=True), chunksize=8) if f is not None]
        cached.write_text(json.dumps([[title, list(intervals)] for title, intervals in found]))
    return {title for title, _ in found}, {tuple(intervals) for _, intervals in found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/audio/corpus")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--renders-per-piece", type=int, default=3)
    parser.add_argument("--long", type=int, default=6, help="180 s files for the speed measurement")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--extra-tune", type=int, default=0, help="more renders of every tuning piece (for the fit)")
    parser.add_argument("--train-pieces", type=int, default=0, help="training-only folk pieces (split train)")
    parser.add_argument("--train-renders", type=int, default=6, help="renders of each training-only piece")
    parser.add_argument("--heldout-pieces", type=int, default=0, help="more held-out folk pieces (split heldout2)")
    parser.add_argument(
        "--tempo-from",
        choices=("draw", "notation"),
        default="draw",
        help="notation: play each piece near the tempo its score asks for (mark, word, dance type)",
    )
    parser.add_argument(
        "--soundfont",
        choices=sorted(SOUNDFONTS),
        default="fluidr3",
        help="the General MIDI sample set to render with (same plan; labels carry it)",
    )
    parser.add_argument(
        "--performed",
        nargs="?",
        const=",".join(PERFORMANCE),
        default="",
        help=(
            "accents, onset jitter and a breathing tempo, as a player would (or some of: "
            "accent,jitter,drift, and the named-only swing,ritard)"
        ),
    )
    parser.add_argument(
        "--splits", default="", help="render only these splits of the plan (comma-separated, e.g. heldout,heldout2)"
    )
    parser.add_argument(
        "--install-debian", action="store_true", help="apt-get install fluidsynth and the SoundFont's package"
    )
    parser.add_argument("--collect", action="store_true", help="only rebuild labels.json from what is rendered")
    args = parser.parse_args()
    unknown = set(filter(None, args.performed.split(","))) - set(PERFORMANCE + PERFORMANCE_MORE)
    if unknown:
        parser.error(f"--performed: no such part {', '.join(sorted(unknown))} (from {PERFORMANCE + PERFORMANCE_MORE})")
    if args.collect:
        print(f"{len(collect_labels(args.out))} files in labels.json")
        return
    _ensure_debian(args.install_debian, args.soundfont)
    args.out.mkdir(parents=True, exist_ok=True)
    renders = plan(
        args.seed,
        args.renders_per_piece,
        args.long,
        args.extra_tune,
        args.train_pieces,
        args.train_renders,
        args.heldout_pieces,
    )
    renders = [
        replace(render, tempo_from=args.tempo_from, soundfont=args.soundfont, performed=args.performed)
        for render in renders
    ]
    unplanned = args.train_pieces or args.heldout_pieces
    forbidden = _plan_fingerprints(renders, args.out, args.jobs) if unplanned else (set(), set())
    if args.splits:  # after the fingerprints: heldout2 is checked against the whole plan
        renders = [render for render in renders if render.split in args.splits.split(",")]
    groups: dict[tuple[str, int], list[Render]] = {}
    for render in renders:
        groups.setdefault((render.source, render.index), []).append(render)

    def size(group: list[Render]) -> int:
        from music21 import corpus

        try:
            return Path(str(corpus.getWork(group[0].source))).stat().st_size
        except Exception:  # not in this music21 version: render_piece reports it
            return 0

    # Small scores first. Workers are fresh interpreters (spawn), and each result is also
    # on disk, so nothing depends on the pool handing results back.
    ordered = sorted(groups.values(), key=size)
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in as_completed([pool.submit(render_piece, group, args.out, forbidden) for group in ordered]):
            future.result()
            print(f"{sum(1 for _ in args.out.glob('*.label.json'))} files labelled", flush=True)
    labels = collect_labels(args.out)
    counts = {
        split: sum(1 for v in labels.values() if v["split"] == split)
        for split in ("tune", "heldout", "heldout2", "train", "speed")
    }
    print(f"{len(labels)} of {len(renders)} files rendered: {counts}")


if __name__ == "__main__":
    main()
