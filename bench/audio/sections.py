"""Sections benchmark: full-length songs whose structure is known, and how well
`analytics.audio.sections` finds it.

Two sets, each split by a hash of the song's name into a *tuning* part (40 %) and a
*held-out* part (60 %) that the sections work never looks at (`corpus.split_of`):

* `scores`: songs assembled from music21 corpus pieces nobody on the team wrote (Monteverdi
  madrigals, Palestrina, Haydn / Mozart / Beethoven quartets, Schumann), rendered with
  FluidSynth and the General MIDI SoundFont through `bench/audio/corpus.py`'s helpers. A
  madrigal or Palestrina song takes three pieces of one metre, transposed to one key: a
  passage of the first is the verse, of the second the chorus, of the third the bridge (a
  quartet or Schumann song takes the three passages from one movement, at its start, a third
  and two thirds in, since movements change metre), in the form
  intro / verse / chorus / verse / chorus / bridge / chorus / outro. The intro plays the verse
  material thinly, the outro the chorus material softly; the chorus repeats the same passage
  louder, with the top and bottom parts doubled and a drum kit; the second verse may add light
  percussion; the bridge changes instruments. Tempo, key, section length (15-28 s) and
  ensemble vary by song, so songs last about 2 to 3.5 minutes.
* `local`: the product's own offline music provider at TRACK_SECONDS=150, whose arrangement
  (`generation.providers.music.local._arrangement`) is the ground truth.

Metrics (mir_eval): boundary hit rate P/R/F at +-0.5 s and +-3 s (first and last boundary
trimmed, as MIREX does), pairwise frame clustering F of the repetition groups, whether the
occurrences of a repeated section get the same group, chorus frames F and frame accuracy of
the names (intro, verse, chorus, bridge, outro). The CPU time of `sections()` itself is
reported per song.

    python bench/audio/sections.py build       # ~30 min on 2 shared cores, cached in bench/out/sections
    python bench/audio/sections.py evaluate [--split tune|heldout|all] [--show]
    python bench/audio/sections.py evaluate --method other.module:function   # another finder, same cache
    python bench/audio/sections.py speed       # CPU of sections() against the whole analysis, 6 longest songs

Songs whose pieces do not fit (no run of full bars long enough, music21 cannot expand the
repeats) are skipped and said so on stderr.

`build` caches each song's WAV, its truth (`<song>.json`) and the analyser's intermediate
features (`<song>.npz`: beats, MFCCs, chroma frames, frame RMS), so `evaluate` reruns only
the section finder. Needs `pip install -r bench/audio/requirements.txt` and the Debian
packages fluidsynth and fluid-soundfont-gm (`corpus.py --install-debian`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.audio.corpus import ENSEMBLES, SR, _drum_events, _ensure_debian, _render_audio, split_of  # noqa: E402

FORM = ["intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"]
NAMES = ["intro", "verse", "chorus", "bridge", "outro"]
# Families of pieces a song draws its three pieces from (music21 corpus paths, by prefix).
FAMILIES = {
    "madrigal": ("monteverdi/madrigal.", ".mxl"),
    "renaissance": ("palestrina/", ".krn"),
    "quartet": (("haydn/", "mozart/k", "beethoven/opus18no1/"), ".mxl"),
    "romantic": (("schumann_robert/", "schumann_clara/"), (".mxl", ".xml", ".krn")),
}
# Movements of these change metre from one to the next: a song takes its three passages from
# one movement (verse at the start, chorus a third in, bridge two thirds in).
ONE_PIECE = {"quartet", "romantic"}
MAX_PARTS = 6
TOP_DOUBLE, BASS_DOUBLE, DRUMS = 6, 7, 9
DOUBLES = {"top": [56, 61, 48, 81], "bass": [32, 33, 43, 38]}
LOCAL_GENRES = ["pop", "phonk", "fado", "amapiano", "k-pop", "bluegrass", "soca", "tango", "synthwave", "reggae",
                "trap", "house", "folk", "rock", "jazz", "lofi"]  # fmt: skip


def _family_pool() -> dict[str, list[str]]:
    from music21 import corpus

    paths = [str(p).split("/corpus/", 1)[1] for p in corpus.getPaths()]
    pool = {}
    for family, (prefix, suffix) in FAMILIES.items():
        chosen = sorted(p for p in paths if p.startswith(prefix) and p.endswith(suffix) and "_old" not in p)
        pool[family] = chosen
    return pool


def _passages(score, bars_needed: int) -> tuple[str, float, list[int]] | None:
    """(metre, bar length in quarters, measure numbers of full bars in one run of constant metre)."""
    measures = list(score.parts[0].getElementsByClass("Measure"))
    if len(measures) < bars_needed + 2:
        return None
    signature = score.parts[0].recurse().getElementsByClass("TimeSignature").first()
    if signature is None:
        return None
    bar_ql = float(signature.barDuration.quarterLength)
    run: list[int] = []
    best: list[int] = []
    for m in measures[1:]:  # the first bar may be a pickup
        full = abs(float(m.duration.quarterLength) - bar_ql) < 1e-6 and m.number not in run
        if full and abs(float(m.barDuration.quarterLength) - bar_ql) < 1e-6:
            run.append(m.number)
        else:
            best, run = max(best, run, key=len), []
    best = max(best, run, key=len)
    return (signature.ratioString, bar_ql, best) if len(best) >= bars_needed else None


def _tonic(score) -> int:
    """Major tonic of the opening key signature (0 when none): enough to put three pieces in one key."""
    signature = score.recurse().getElementsByClass(["KeySignature", "Key"]).first()
    return 0 if signature is None else signature.asKey("major").tonic.pitchClass


def _excerpt_events(score, first: int, bars: int, transpose: int, bpm_q: float) -> list[tuple[float, int, int, int]]:
    """(seconds, part, note, velocity; velocity 0 = off) of bars first..first+bars-1 at bpm_q quarters/min."""
    import copy

    import mido
    from music21 import tempo

    excerpt = copy.deepcopy(score.measures(first, first + bars - 1))
    if transpose:
        excerpt = excerpt.transpose(transpose)
    for element in list(excerpt.recurse().getElementsByClass(["MetronomeMark", "TempoIndication", "KeySignature"])):
        element.activeSite.remove(element)
    for part in excerpt.parts:
        part.insert(0, tempo.MetronomeMark(number=bpm_q))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "excerpt.mid"
        excerpt.write("midi", fp=str(path))
        song = mido.MidiFile(str(path))
    tempo_us = next((m.tempo for t in song.tracks for m in t if m.type == "set_tempo"), 500000)
    seconds_per_tick = tempo_us / 1e6 / song.ticks_per_beat
    events, part = [], 0
    for track in song.tracks:
        tick, notes = 0, []
        for message in track:
            tick += message.time
            if message.type in ("note_on", "note_off"):
                velocity = message.velocity if message.type == "note_on" else 0
                notes.append((tick * seconds_per_tick, part, message.note, velocity))
        if notes:
            events += notes
            part += 1
    return events


class Song:
    """One song's MIDI events (seconds, channel, kind, data1, data2) and its sections."""

    def __init__(self) -> None:
        self.events: list[tuple[float, int, str, int, int]] = []
        self.sections: list[dict] = []
        self.at = 0.0

    def add(
        self,
        label: str,
        length: float,
        notes: list[tuple[float, int, int, int]],
        *,
        programs: list[int],
        gain: float,
        parts: list[int] | None = None,
        doubles: dict[str, int] | None = None,
        drums: list[tuple[float, int, int]] = (),
    ) -> None:
        start = self.at
        used = sorted({p for _, p, _, _ in notes})
        keep = set(used if parts is None else [used[i] for i in parts if -len(used) <= i < len(used)])
        for channel in range(MAX_PARTS):
            self.events.append((start, channel, "program", programs[min(channel, len(programs) - 1)], 0))
        for name, channel in (("top", TOP_DOUBLE), ("bass", BASS_DOUBLE)):
            if doubles and name in doubles:
                self.events.append((start, channel, "program", doubles[name], 0))
        for at, part, note, velocity in notes:
            if at >= length - 1e-6 and velocity:
                continue  # only what starts inside the section
            if part not in keep or used.index(part) >= MAX_PARTS:
                continue
            channel = used.index(part)
            scaled = min(127, max(1, int(round(velocity * gain)))) if velocity else 0
            self.events.append((start + min(at, length), channel, "note", note, scaled))
            if doubles and "top" in doubles and part == used[0]:
                self.events.append((start + min(at, length), TOP_DOUBLE, "note", min(note + 12, 127), scaled))
            if doubles and "bass" in doubles and part == used[-1]:
                self.events.append((start + min(at, length), BASS_DOUBLE, "note", max(note - 12, 0), scaled))
        for at, note, velocity in drums:
            if at < length:
                self.events.append((start + at, DRUMS, "note", note, int(velocity * min(gain, 1.2))))
                self.events.append((start + at + 0.1, DRUMS, "note", note, 0))
        self.sections.append({"label": label, "start": round(start, 3), "end": round(start + length, 3)})
        self.at = start + length

    def align(self) -> None:
        """Start the song at its first note, as the renderer does (it trims leading silence)."""
        shift = min(at for at, _, kind, _, velocity in self.events if kind == "note" and velocity)
        self.events = [(max(0.0, at - shift), *rest) for at, *rest in self.events]
        for section in self.sections:
            section["start"] = round(max(0.0, section["start"] - shift), 3)
            section["end"] = round(section["end"] - shift, 3)
        self.at -= shift

    def write_midi(self, path: Path) -> None:
        import mido

        ticks_per_second = 960  # 480 ticks per beat at the default 120 BPM
        song = mido.MidiFile(ticks_per_beat=480)
        track = mido.MidiTrack()
        song.tracks.append(track)
        order = {"program": 0, "note": 1}
        last = 0
        for at, channel, kind, a, b in sorted(self.events, key=lambda e: (e[0], order[e[2]], e[4] > 0)):
            tick = int(round(at * ticks_per_second))
            if kind == "program":
                message = mido.Message("program_change", channel=channel, program=a)
            elif b:
                message = mido.Message("note_on", channel=channel, note=a, velocity=b)
            else:
                message = mido.Message("note_off", channel=channel, note=a, velocity=0)
            track.append(message.copy(time=tick - last))
            last = tick
        song.save(str(path))


def _score_song(name: str, family: str, pieces: list[str], seed: int) -> dict | None:
    """Assemble and render one song; its truth, or None when the pieces do not fit."""
    from music21 import corpus

    rng = np.random.default_rng(seed)
    bpm_q = float(np.exp(rng.uniform(math.log(72), math.log(150))))
    target = float(rng.uniform(15, 28))  # seconds per verse/chorus/bridge
    scores, grids, parsed = [], [], {}
    for path in pieces:
        try:
            parsed[path] = parsed.get(path) or corpus.parse(path)
        except Exception as exc:  # music21 raises many kinds on odd scores: skip, say why
            print(f"skip {name}: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return None
        scores.append(parsed[path])
    single = len(set(pieces)) == 1
    for score in scores:
        bar_seconds = None
        try:
            signature = score.parts[0].recurse().getElementsByClass("TimeSignature").first()
            bar_seconds = float(signature.barDuration.quarterLength) * 60 / bpm_q
        except Exception:  # no parts or no metre
            return None
        bars = max(2, int(round(target / bar_seconds / 2)) * 2)
        grid = _passages(score, 4 * bars if single else bars)
        if grid is None:
            print(f"skip {name}: a piece has no {bars} full bars in one metre", file=sys.stderr)
            return None
        grids.append((grid, bars))
    if len({grid[0] for grid, _ in grids}) != 1:
        return None
    meter, bar_ql = grids[0][0][0], grids[0][0][1]
    bars = grids[0][1]
    home = (_tonic(scores[0]) + int(rng.integers(-5, 7))) % 12
    ensembles = list(ENSEMBLES)
    ensemble = ENSEMBLES[str(rng.choice(ensembles))]
    bridge_ensemble = ENSEMBLES[str(rng.choice([e for e in ensembles if ENSEMBLES[e] != ensemble]))]
    beat_ql = 1.5 if meter.endswith("/8") and int(meter.split("/")[0]) % 3 == 0 else 1.0

    def material(index: int, count: int, where: float) -> list:
        score, (grid, _) = scores[index], grids[index]
        numbers = grid[2]
        first = numbers[int(where * (len(numbers) - count))]
        transpose = (home - _tonic(score) + 6) % 12 - 6
        return _excerpt_events(score, first, count, transpose, bpm_q)

    where = (float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8)))
    verse = material(0, bars, 0.0)
    chorus = material(1, bars, 1 / 3 if single else where[0])
    bridge = material(2, bars, 2 / 3 if single else where[1])
    half = max(2, bars // 2)
    section_seconds = bars * bar_ql * 60 / bpm_q
    half_seconds = half * bar_ql * 60 / bpm_q
    bar_grid = [(i * bar_ql, bar_ql, bar_ql) for i in range(bars)]
    quarter = 60 / bpm_q

    def drums(style: str) -> list[tuple[float, int, int]]:
        return [(q * quarter, n, v) for q, n, v in _drum_events(bar_grid, beat_ql, meter, style, rng)]

    song = Song()
    thin = str(rng.choice(["top", "piano"]))
    song.add(
        "intro",
        half_seconds,
        verse,
        programs=[0] if thin == "piano" else ensemble,
        gain=0.55,
        parts=[0, 1] if thin == "top" else None,
    )
    second_verse_drums = str(rng.choice(["none", "percussion"]))
    top, bass = int(rng.choice(DOUBLES["top"])), int(rng.choice(DOUBLES["bass"]))
    for label in FORM[1:-1]:
        if label == "verse":
            style = "none" if not any(s["label"] == "verse" for s in song.sections) else second_verse_drums
            song.add("verse", section_seconds, verse, programs=ensemble, gain=0.75,
                     drums=drums(style) if style != "none" else ())  # fmt: skip
        elif label == "chorus":
            song.add("chorus", section_seconds, chorus, programs=ensemble, gain=1.05,
                     doubles={"top": top, "bass": bass}, drums=drums("kit"))  # fmt: skip
        else:
            song.add("bridge", section_seconds, bridge, programs=bridge_ensemble, gain=0.7)
    song.add("outro", half_seconds, chorus, programs=[0, 48], gain=0.5)
    song.align()
    return {"song": song, "meter": meter, "bpm_q": round(bpm_q, 1), "tonic": home, "pieces": pieces}


def _render_score_song(name: str, family: str, pieces: list[str], seed: int, out: Path) -> dict | None:
    import soundfile as sf

    from kernel.audio import integrated_loudness, write_pcm16

    truth_path = out / f"{name}.json"
    if truth_path.exists():
        return json.loads(truth_path.read_text())
    try:
        made = _score_song(name, family, pieces, seed)
    except Exception as exc:  # music21 raises many kinds on odd scores (repeats, spanners): skip, say why
        print(f"skip {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        made = None
    if made is None:
        return None
    song: Song = made.pop("song")
    wav = out / f"{name}.wav"
    if not wav.exists():  # an earlier build rendered it (same seed, same audio)
        with tempfile.TemporaryDirectory() as tmp:
            midi = Path(tmp) / "song.mid"
            song.write_midi(midi)
            audio = _render_audio(midi, song.at)
        if audio.shape[1] < 0.95 * song.at * SR:
            print(f"skip {name}: rendered {audio.shape[1] / SR:.1f} of {song.at:.1f} s", file=sys.stderr)
            return None
        lufs = integrated_loudness(audio, SR)
        if lufs is not None:
            audio = audio * 10 ** ((-16.0 - lufs) / 20)
        audio = audio / max(1.0, float(np.abs(audio).max()) / 0.98)
        write_pcm16(wav, audio, SR)
    if not wav.with_suffix(".npz").exists():
        _cache_features(wav)
    truth = {
        "file": wav.name,
        "set": "scores",
        "family": family,
        "split": split_of(name),
        "duration": round(sf.info(str(wav)).duration, 3),
        "sections": song.sections,
        **made,
    }
    truth_path.write_text(json.dumps(truth))
    return truth


def _local_song(index: int, out: Path) -> dict:
    """One offline-provider track at 150 s and its arrangement, as the pipeline makes them."""
    from generation.providers.music import MusicRequest, get_music_provider
    from generation.providers.music.local import _arrangement

    name = f"local-{index:02d}"
    truth_path = out / f"{name}.json"
    if truth_path.exists():
        return json.loads(truth_path.read_text())
    rng = np.random.default_rng([index, 150])
    request = MusicRequest(
        genre=LOCAL_GENRES[index % len(LOCAL_GENRES)],
        tempo=round(float(rng.uniform(78, 150)), 1),
        key=str(rng.choice(["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"])),
        mode=str(rng.choice(["major", "minor"])),
        energy=round(float(rng.uniform(0.3, 0.95)), 2),
        duration_seconds=150,
        seed=index,
    )
    with tempfile.TemporaryDirectory() as tmp:
        result = get_music_provider("local").generate(request, workdir=Path(tmp))
        (out / f"{name}.wav").write_bytes(result.path.read_bytes())
    bar = 4 * 60 / request.tempo
    labels = _arrangement(int(math.ceil(150 / bar)))
    sections = []
    for bar_index, label in enumerate(labels):
        start = bar_index * bar
        if start >= 150:
            break
        if sections and sections[-1]["label"] == label:
            sections[-1]["end"] = round(min(150.0, start + bar), 3)
        else:
            sections.append({"label": label, "start": round(start, 3), "end": round(min(150.0, start + bar), 3)})
    truth = {
        "file": f"{name}.wav",
        "set": "local",
        "family": request.genre,
        "split": split_of(name),
        "duration": 150.0,
        "sections": sections,
        "tempo": request.tempo,
        "energy": request.energy,
    }
    _cache_features(out / f"{name}.wav")
    truth_path.write_text(json.dumps(truth))
    return truth


def _cache_features(wav: Path) -> None:
    """What the analyser hands to `sections()`, computed as `extract_features` does."""
    from analytics.audio.common import ANALYSIS_SR, TONAL_SR, Deadline
    from analytics.audio.key import pitch_frames
    from analytics.audio.spectra import mfcc, rhythm_spectra
    from analytics.audio.tempo import rhythm
    from kernel import audio as toolkit

    decoded = toolkit.decode(wav)
    data, rate = decoded.data, decoded.sample_rate
    mono = data.mean(axis=0) if data.shape[0] > 1 else data[0]
    y = toolkit.resample(mono, rate, ANALYSIS_SR)
    spectra = rhythm_spectra(y, Deadline(None))
    duration = data.shape[1] / rate
    rhy = rhythm(spectra, duration)
    chroma_frames = pitch_frames(toolkit.resample(y, ANALYSIS_SR, TONAL_SR)).chroma
    np.savez_compressed(
        wav.with_suffix(".npz"),
        duration=duration,
        beats=np.asarray(rhy.beats, dtype=np.float64),
        mfccs=mfcc(spectra.mel_power).astype(np.float32),
        chroma_frames=chroma_frames.astype(np.float32),
        frame_rms=spectra.frame_rms.astype(np.float32),
    )


def _plan(songs: int, seed: int) -> list[tuple[str, str, list[str], int]]:
    """(name, family, three pieces, seed) per song, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    pool = _family_pool()
    families = [f for f in FAMILIES if len(pool[f]) >= 3]
    plan = []
    for number in range(songs):
        family = families[number % len(families)]
        pieces = [str(p) for p in rng.choice(pool[family], size=3, replace=False)]
        if family in ONE_PIECE:
            pieces = [pieces[0]] * 3
        digest = hashlib.sha256("|".join(pieces).encode()).hexdigest()[:6]
        plan.append((f"song-{number:02d}-{family}-{digest}", family, pieces, int(rng.integers(2**31))))
    return plan


def build(out: Path, songs: int, local: int, jobs: int, seed: int) -> None:
    _ensure_debian(False)
    out.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_local_song, index, out) for index in range(local)]
        futures += [pool.submit(_render_score_song, *item, out) for item in _plan(songs, seed)]
        for future in as_completed(futures):
            truth = future.result()
            if truth:
                print(f"{truth['file']}: {truth['duration']:.0f} s, {len(truth['sections'])} sections", flush=True)


# ---------------------------------------------------------------- evaluation


def _intervals(sections: list[dict]) -> tuple[np.ndarray, list[str]]:
    return np.array([[s["start"], s["end"]] for s in sections], dtype=float), [s["label"] for s in sections]


def _frames(sections: list[dict], key: str, times: np.ndarray) -> np.ndarray:
    labels = np.array([""] * len(times), dtype=object)
    for s in sections:
        labels[(times >= s["start"]) & (times < s["end"])] = s[key]
    return labels


def score_song(truth: dict, estimate: list[dict]) -> dict:
    """Every metric for one song (estimate: sections as dicts with start, end, label, group)."""
    import mir_eval

    duration = truth["sections"][-1]["end"]
    est = [dict(s, end=min(s["end"], duration)) for s in estimate if s["start"] < duration]
    est[-1]["end"] = duration
    ref_iv, ref_lab = _intervals(truth["sections"])
    est_iv, _ = _intervals(est)
    groups = [s.get("group") or s["label"] for s in est]
    result = {}
    for window in (0.5, 3.0):
        p, r, f = mir_eval.segment.detection(ref_iv, est_iv, window=window, trim=True)
        result[f"P@{window:g}"], result[f"R@{window:g}"], result[f"F@{window:g}"] = p, r, f
    result["pairwise_F"] = mir_eval.segment.pairwise(ref_iv, ref_lab, est_iv, groups)[2]
    times = np.arange(0.0, duration, 0.1)
    ref_names = _frames(truth["sections"], "label", times)
    est_names = _frames(est, "label", times)
    est_groups = _frames([dict(s, group=g) for s, g in zip(est, groups, strict=True)], "group", times)
    result["name_accuracy"] = float(np.mean(ref_names == est_names))
    ref_chorus, est_chorus = ref_names == "chorus", est_names == "chorus"
    hits = float(np.sum(ref_chorus & est_chorus))
    result["chorus_F"] = 2 * hits / max(1.0, float(ref_chorus.sum() + est_chorus.sum()))
    # Repeated sections: each occurrence's majority group; pairs of occurrences that agree.
    same, pairs = 0, 0
    for name in set(ref_lab):
        occurrences = [s for s in truth["sections"] if s["label"] == name]
        majority = []
        for s in occurrences:
            inside = est_groups[(times >= s["start"]) & (times < s["end"])]
            values, counts = np.unique(inside.astype(str), return_counts=True)
            majority.append(values[np.argmax(counts)])
        for i in range(len(majority)):
            for j in range(i + 1, len(majority)):
                pairs += 1
                same += majority[i] == majority[j]
    result["repeats_same"] = same / pairs if pairs else float("nan")
    result["sections"] = len(est)
    return result


def evaluate(out: Path, split: str, show: bool, method: str) -> None:
    import importlib

    module, function = method.split(":")
    sections = getattr(importlib.import_module(module), function)

    truths = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    rows = []
    for truth in truths:
        if split != "all" and truth["split"] != split:
            continue
        cached = np.load(out / truth["file"].replace(".wav", ".npz"))
        inputs = {k: cached[k] for k in cached.files}
        inputs["duration"] = float(inputs["duration"])
        started = time.process_time()
        found = sections(**inputs)
        cpu = time.process_time() - started
        estimate = [s.model_dump() for s in found]
        row = score_song(truth, estimate)
        row.update(set=truth["set"], split=truth["split"], file=truth["file"], cpu=cpu)
        rows.append(row)
        if show:
            ref = " ".join(f"{s['label'][:2]}{s['start']:.0f}" for s in truth["sections"])
            got = " ".join(f"{s['label'][:2]}{s.get('group', '')}{s['start']:.0f}" for s in estimate)
            print(f"{truth['file']}\n  ref {ref}\n  est {got}")
    metrics = ["F@0.5", "F@3", "P@3", "R@3", "pairwise_F", "repeats_same", "chorus_F", "name_accuracy", "sections"]
    header = f"{'set':7} {'split':8} {'n':>3} " + " ".join(f"{m:>13}" for m in metrics) + f" {'cpu ms':>7}"
    print(header)
    for set_name in ("scores", "local"):
        for part in ("tune", "heldout"):
            chosen = [r for r in rows if r["set"] == set_name and r["split"] == part]
            if not chosen:
                continue
            values = " ".join(f"{np.nanmean([r[m] for r in chosen]):13.3f}" for m in metrics)
            cpu = 1000 * float(np.mean([r["cpu"] for r in chosen]))
            print(f"{set_name:7} {part:8} {len(chosen):3d} {values} {cpu:7.1f}")


def speed(out: Path, count: int) -> None:
    """CPU time of `sections()` against the whole `extract_features` on the longest songs."""
    from analytics.audio import extract_features
    from analytics.audio.sections import sections

    truths = sorted((json.loads(p.read_text()) for p in out.glob("*.json")), key=lambda t: -t["duration"])
    whole_total = part_total = audio_total = 0.0
    for truth in truths[:count]:
        wav = out / truth["file"]
        started = time.process_time()
        analysis = extract_features(wav)
        whole = time.process_time() - started
        cached = np.load(wav.with_suffix(".npz"))
        inputs = {k: cached[k] for k in cached.files}
        inputs["duration"] = float(inputs["duration"])
        started = time.process_time()
        sections(**inputs)
        part = time.process_time() - started
        whole_total, part_total, audio_total = whole_total + whole, part_total + part, audio_total + analysis.duration
        print(f"{wav.name}: {analysis.duration:.0f} s, whole {whole:.2f} s CPU, sections {1000 * part:.1f} ms")
    print(
        f"{count} songs, {audio_total:.0f} s of audio: extract_features {audio_total / whole_total:.0f}x real time "
        f"(CPU), sections {1000 * part_total / count:.1f} ms per song = {100 * part_total / whole_total:.1f} % of it"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "evaluate", "speed"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out/sections")
    parser.add_argument("--songs", type=int, default=60, help="songs assembled from scores (some are skipped)")
    parser.add_argument("--local", type=int, default=12, help="offline-provider tracks (150 s)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--split", choices=["tune", "heldout", "all"], default="all")
    parser.add_argument("--show", action="store_true", help="print each song's reference and estimate")
    parser.add_argument(
        "--method", default="analytics.audio.sections:sections", help="module:function taking the cached features"
    )
    args = parser.parse_args()
    if args.command == "build":
        build(args.out, args.songs, args.local, args.jobs, args.seed)
    elif args.command == "speed":
        speed(args.out, 6)
    else:
        evaluate(args.out, args.split, args.show, args.method)


if __name__ == "__main__":
    main()
