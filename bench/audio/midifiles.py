"""A tempo set from the MIDI music that Debian's game packages ship, rendered by FluidSynth.

The score corpus (corpus.py) is classical and folk music whose drum kit, where there is one,
is ours; the tracker modules (modules.py) bring their own samples. These are a third kind:
songs sequenced as MIDI by game musicians nobody on the team knows, with their own drum
parts (funk, blues, boogie, marches, ballads): OpenMSX, the free music set of OpenTTD, by
several composers, and Planet Blupi's music. FluidSynth plays them with Debian's FluidR3 GM
SoundFont; nothing here changes a note.

Ground truth: a MIDI file states its tempo. The label is the beat rate over the excerpt,
from the file's tempo map, of the conventional beat of its time signature (as corpus.py: a
quarter in x/4, a half in x/2, a dotted quarter in 6/8, 9/8 and 12/8). Excerpts in which the
tempo moves by more than 2 % or the time signature changes, in another metre (3/8, 5/8...),
or outside 40-240 BPM are not used. As with the modules, the notated beat is a convention a
listener may tap at twice or half, so read Acc2 beside Acc1; there are no key labels.

Songs are split by a hash of their file name: `train` (40 %), which a fit may read
(`tune.py --extra midi=DIR:train`), and `heldout`, only scored. `--tempo-factors` renders the
`train` songs again at other speeds (the tempo map scaled, the label with it) so a fit sees
the same drum parts at other tempi; held-out songs are rendered at their own tempo only.

    python bench/audio/midifiles.py --out bench/out/midi            # ~3 min: download, render
    python bench/audio/evaluate.py --set midi=bench/out/midi --splits heldout --methods ours,librosa

Needs `apt-get download` (packages unpacked into `<out>/src/`, not installed), `mido`
(bench/audio/requirements.txt) and the Debian packages `fluidsynth` and `fluid-soundfont-gm`.
Writes `<split>-NNN-<song>-<excerpt>[-x<factor>].wav` (44.1 kHz, 16-bit stereo, 30 s) and
`labels.json` ({file: {tempo, key: null, split, piece (the song), package, song, meter,
start, tempo_factor}}).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import SR, _render_audio  # noqa: E402  (the same FluidSynth call as the score corpus)
from modules import _category, _slug, hash_fraction, unpack, write_excerpt  # noqa: E402  (the modules set's helpers)

PACKAGES = ("openttd-openmsx", "planetblupi-music-midi")
EXTENSIONS = {".mid", ".midi"}
EXCERPT_SECONDS = 30.0
MARGIN_SECONDS = 2.0  # the tempo must hold this far either side (the render starts at the first sound)
TOLERANCE = 0.02
TRAIN_SHARE = 0.4
EXCERPTS = {"train": 3, "heldout": 2}  # non-overlapping excerpts per song
# A beat unit (in quarters) per time signature: corpus.py's convention (music21's beat).
BEAT_QUARTERS = {(2, 4): 1.0, (3, 4): 1.0, (4, 4): 1.0, (2, 2): 2.0, (3, 2): 2.0, (4, 2): 2.0}
BEAT_QUARTERS |= {(6, 8): 1.5, (9, 8): 1.5, (12, 8): 1.5}


@dataclass(frozen=True)
class TempoMap:
    """Times (s) at which the quarter-note tempo (BPM) and the time signature change."""

    tempo_times: np.ndarray
    quarter_bpm: np.ndarray
    meter_times: np.ndarray
    meters: list[tuple[int, int]]
    duration: float
    first_note: float  # the render starts here (corpus.py's renderer cuts the silence before it)


def tempo_map(path: Path) -> TempoMap:
    import mido

    song = mido.MidiFile(str(path))
    tempo_times, bpms, meter_times, meters = [0.0], [120.0], [0.0], [(4, 4)]
    elapsed, first_note = 0.0, None
    for message in song:  # merged tracks, `time` in seconds under the tempo in force
        elapsed += message.time
        if message.type == "set_tempo":
            tempo_times.append(elapsed)
            bpms.append(mido.tempo2bpm(message.tempo))
        elif message.type == "time_signature":
            meter_times.append(elapsed)
            meters.append((message.numerator, message.denominator))
        elif message.type == "note_on" and message.velocity > 0 and first_note is None:
            first_note = elapsed
    return TempoMap(np.array(tempo_times), np.array(bpms), np.array(meter_times), meters, elapsed, first_note or 0.0)


def _in_force(times: np.ndarray, start: float, end: float) -> np.ndarray:
    """Indices of the events in force at some moment of [start, end) (the last at or before
    `start`, then every later one before `end`; simultaneous events keep the last)."""
    first = int(np.searchsorted(times, start, side="right")) - 1
    return np.arange(max(first, 0), int(np.searchsorted(times, end, side="left")))


def excerpt_label(song: TempoMap, start: float) -> tuple[float, str] | str:
    """(the beat rate, the metre) over [start, start + 30 s], or why the excerpt has none."""
    from analytics.audio.tempo import MAX_BPM, MIN_BPM

    lo, hi = start - MARGIN_SECONDS, start + EXCERPT_SECONDS + MARGIN_SECONDS
    meters = {song.meters[i] for i in _in_force(song.meter_times, max(lo, 0.0), hi)}
    if len(meters) != 1:
        return "the time signature changes"
    meter = meters.pop()
    if meter not in BEAT_QUARTERS:
        return f"metre {meter[0]}/{meter[1]} has no conventional beat here"
    indices = _in_force(song.tempo_times, max(lo, 0.0), hi)
    # Time-weighted mean quarter tempo over the window.
    edges = np.clip(np.append(song.tempo_times[indices], np.inf), max(lo, 0.0), hi)
    weights = np.diff(edges)
    bpms = song.quarter_bpm[indices]
    mean = float(np.sum(bpms * weights) / weights.sum())
    spread = float(np.max(np.abs(bpms[weights > 0] / mean - 1.0)))
    if spread > TOLERANCE:
        return f"tempo changes ({spread:.0%} off the mean)"
    beat = mean / BEAT_QUARTERS[meter]
    if not MIN_BPM <= beat <= MAX_BPM:
        return f"outside {MIN_BPM:.0f}-{MAX_BPM:.0f} ({beat:.0f} BPM)"
    return round(beat, 2), f"{meter[0]}/{meter[1]}"


def excerpt_starts(duration: float, count: int) -> list[float]:
    """Past the opening (an intro, a count-in), then back to back."""
    first = float(np.clip(0.1 * duration, MARGIN_SECONDS, 15.0))
    starts = []
    while len(starts) < count and first + len(starts) * EXCERPT_SECONDS + EXCERPT_SECONDS <= duration:
        starts.append(first + len(starts) * EXCERPT_SECONDS)
    return starts


def scaled(path: Path, factor: float, folder: Path) -> Path:
    """A copy of the song played `factor` times faster (every tempo event scaled)."""
    import mido

    song = mido.MidiFile(str(path))
    for track in song.tracks:
        for index, message in enumerate(track):
            if message.type == "set_tempo":
                track[index] = message.copy(tempo=max(1, round(message.tempo / factor)))
    if not any(m.type == "set_tempo" for track in song.tracks for m in track):  # the 120 BPM default
        song.tracks[0].insert(0, mido.MetaMessage("set_tempo", tempo=round(500000 / factor), time=0))
    target = folder / f"{path.stem}-x{factor}.mid"
    song.save(str(target))
    return target


def split_of(song: str) -> str:
    return "train" if hash_fraction(song) < TRAIN_SHARE else "heldout"


def build(out: Path, packages: tuple[str, ...], factors: tuple[float, ...]) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    labels: dict[str, dict] = {}
    skipped: dict[str, int] = {}
    counters = {"train": 0, "heldout": 0}
    found = unpack(packages, out / "src", EXTENSIONS)
    with tempfile.TemporaryDirectory() as scratch:
        for package, songs in found.items():
            for path in songs:
                song_name = f"{package}/{path.stem}"
                split = split_of(song_name)
                try:
                    song = tempo_map(path)
                except (OSError, ValueError, EOFError) as exc:
                    print(f"skip {song_name}: mido cannot read it ({exc})")
                    skipped["unreadable"] = skipped.get("unreadable", 0) + 1
                    continue
                excerpts = []
                for number, start in enumerate(excerpt_starts(song.duration, EXCERPTS[split])):
                    labelled = excerpt_label(song, start)
                    if isinstance(labelled, str):
                        print(f"skip {song_name} at {start:.0f} s: {labelled}")
                        skipped[_category(labelled)] = skipped.get(_category(labelled), 0) + 1
                    else:
                        excerpts.append((number, start, *labelled))
                if not excerpts:
                    continue
                last = max(start for _, start, *_ in excerpts)
                for factor in (1.0, *factors) if split == "train" else (1.0,):
                    midi = path if factor == 1.0 else scaled(path, factor, Path(scratch))
                    audio = _render_audio(midi, (last + EXCERPT_SECONDS - song.first_note) / factor)
                    for number, start, beat, meter in excerpts:
                        begin = int(round((start - song.first_note) / factor * SR))
                        clip = audio[:, begin : begin + int(EXCERPT_SECONDS / factor * SR)]
                        if clip.shape[1] < 0.9 * EXCERPT_SECONDS / factor * SR:
                            continue  # the render ended early
                        suffix = "" if factor == 1.0 else f"-x{factor}"
                        name = f"{split}-{counters[split]:03d}-{_slug(path.stem)}-{number}{suffix}.wav"
                        counters[split] += 1
                        write_excerpt(out / name, clip.T, SR)
                        labels[name] = {
                            "tempo": round(beat * factor, 2),
                            "key": None,
                            "split": split,
                            "piece": song_name,  # evaluate.py's intervals resample songs, not excerpts
                            "package": package,
                            "song": path.name,
                            "meter": meter,
                            "start": round(start, 2),
                            "tempo_factor": factor,
                        }
    (out / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True))
    return {"files": len(labels), "by_split": counters, "skipped": skipped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out/midi")
    parser.add_argument(
        "--tempo-factors",
        default="0.8,1.25",
        help="comma-separated speeds at which the train songs are rendered again ('' for none)",
    )
    args = parser.parse_args()
    factors = tuple(float(f) for f in args.tempo_factors.split(",") if f)
    print(json.dumps(build(args.out, PACKAGES, factors)))


if __name__ == "__main__":
    main()
