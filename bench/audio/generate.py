"""Generate a labelled audio test set: multi-instrument excerpts with known tempo and key.

Every excerpt is synthesized from a deterministic seed: a drum kit playing a style-typical
pattern (backbeat, four-on-the-floor, ballad, shuffle-free funk), a bass line on the chord
roots, a chord instrument and a lead melody, over a progression in the labelled key. Minor
keys use harmonic-minor dominants (the raised seventh), as real minor-key music does, so the
tonic is audible rather than implied.

    python bench/audio/generate.py --out bench/audio/data --count 48 --seconds 30 --seed 2026

writes `NNN.wav` (44.1 kHz, 16-bit stereo) and `labels.json` ({file: {tempo, key, mode, style}}).
`--long 4 --long-seconds 180` adds 180 s tracks used for real-time-factor measurements.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

SR = 44100
PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11]
HARMONIC_MINOR_SCALE = [0, 2, 3, 5, 7, 8, 11]
NATURAL_MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10]

# Chords as (root in semitones above the tonic, quality). One chord per bar.
MAJOR_PROGRESSIONS = [
    [(0, "maj"), (7, "maj"), (9, "min"), (5, "maj")],  # I V vi IV
    [(0, "maj"), (5, "maj"), (7, "maj"), (0, "maj")],  # I IV V I
    [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj")],  # I vi IV V
    [(0, "maj"), (2, "min"), (7, "dom7"), (0, "maj")],  # I ii V7 I
]
MINOR_PROGRESSIONS = [
    [(0, "min"), (5, "min"), (7, "maj"), (0, "min")],  # i iv V i
    [(0, "min"), (8, "maj"), (5, "min"), (7, "maj")],  # i VI iv V
    [(0, "min"), (10, "maj"), (8, "maj"), (7, "maj")],  # i VII VI V (Andalusian)
    [(0, "min"), (5, "min"), (0, "min"), (7, "dom7")],  # i iv i V7
]
# Harmonic minor with accompaniment that leans on the relative major: i, III, VI and VII
# chords (all diatonic to the relative major) with the dominant (V, the raised seventh) only
# once per cycle, and a lead line on the harmonic-minor scale. The key is in the leading tone,
# the cadence and the bass, not in the chord count.
AMBIGUOUS_MINOR_PROGRESSIONS = [
    [(0, "min"), (3, "maj"), (8, "maj"), (7, "maj")],  # i III VI V
    [(3, "maj"), (10, "maj"), (0, "min"), (7, "maj")],  # III VII i V
    [(8, "maj"), (3, "maj"), (10, "maj"), (0, "min")],  # VI III VII i  (V only in the lead)
    [(0, "min"), (10, "maj"), (3, "maj"), (7, "dom7")],  # i VII III V7
]
CHORD_INTERVALS = {"maj": [0, 4, 7], "min": [0, 3, 7], "dom7": [0, 4, 7, 10]}

# Drum patterns on a 16-step bar: (kick steps, snare steps, closed-hat steps, open-hat steps).
STYLES = {
    "backbeat": ([0, 8], [4, 12], [0, 2, 4, 6, 8, 10, 12, 14], []),
    "four_on_floor": ([0, 4, 8, 12], [4, 12], [0, 4, 8, 12], [2, 6, 10, 14]),
    "ballad": ([0, 10], [4, 12], list(range(0, 16, 2)), []),
    "funk": ([0, 3, 8, 10], [4, 12], list(range(16)), []),
    "rock": ([0, 6, 8], [4, 12], [0, 2, 4, 6, 8, 10, 12, 14], []),
}


@dataclass(frozen=True)
class Excerpt:
    """The label of one generated file."""

    file: str
    tempo: float
    tonic: int
    mode: str
    style: str
    seconds: float
    harmony: str = "standard"  # or "ambiguous": harmonic minor over relative-major chords

    @property
    def key(self) -> str:
        return f"{PITCHES[self.tonic]} {self.mode}"


def midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def envelope(n: int, attack: float, decay: float, sr: int = SR) -> np.ndarray:
    t = np.arange(n) / sr
    env = np.exp(-t / decay)
    a = max(1, int(attack * sr))
    env[:a] *= np.linspace(0, 1, a)
    return env


def add(buffer: np.ndarray, start: int, sound: np.ndarray, gain: float) -> None:
    end = min(len(buffer), start + len(sound))
    if start < end:
        buffer[start:end] += gain * sound[: end - start]


def kick(rng: np.random.Generator) -> np.ndarray:
    n = int(0.35 * SR)
    t = np.arange(n) / SR
    f0, f1 = rng.uniform(110, 160), rng.uniform(42, 55)
    freq = f1 + (f0 - f1) * np.exp(-t / 0.04)
    phase = 2 * np.pi * np.cumsum(freq) / SR
    return np.sin(phase) * envelope(n, 0.001, rng.uniform(0.12, 0.25))


def snare(rng: np.random.Generator) -> np.ndarray:
    n = int(0.25 * SR)
    noise = rng.standard_normal(n)
    sos = signal.butter(2, [1500, 8000], btype="band", fs=SR, output="sos")
    body = np.sin(2 * np.pi * rng.uniform(170, 220) * np.arange(n) / SR)
    return (0.7 * signal.sosfilt(sos, noise) + 0.5 * body * envelope(n, 0.001, 0.04)) * envelope(n, 0.001, 0.09)


def hat(rng: np.random.Generator, open_: bool) -> np.ndarray:
    n = int((0.3 if open_ else 0.06) * SR)
    sos = signal.butter(4, 7000, btype="high", fs=SR, output="sos")
    return signal.sosfilt(sos, rng.standard_normal(n)) * envelope(n, 0.0005, 0.12 if open_ else 0.02)


def tone(freq: float, seconds: float, kind: str, rng: np.random.Generator) -> np.ndarray:
    """One note: 'bass' (filtered saw), 'keys' (decaying harmonics), 'pad' (detuned saws), 'lead' (square-ish)."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if kind == "bass":
        wave = sum(np.sin(2 * np.pi * freq * h * t) / h for h in range(1, 6))
        return wave * envelope(n, 0.005, seconds * 0.8)
    if kind == "keys":
        wave = sum(np.sin(2 * np.pi * freq * h * t) * np.exp(-t * h * 1.5) / h**1.2 for h in range(1, 8))
        return wave * envelope(n, 0.003, seconds * 0.9)
    if kind == "pad":
        wave = sum(np.sin(2 * np.pi * freq * d * h * t) / h for d in (0.997, 1.0, 1.003) for h in range(1, 6)) / 3
        env = np.minimum(1, t / 0.08) * np.minimum(1, (seconds - t) / 0.1).clip(0)
        return wave * env
    wave = sum(np.sin(2 * np.pi * freq * h * t) / h for h in (1, 3, 5, 7))
    vibrato = 1 + 0.002 * np.sin(2 * np.pi * 5.5 * t)
    wave = np.sin(2 * np.pi * freq * np.cumsum(vibrato) / SR) + 0.3 * wave
    return wave * envelope(n, 0.01, seconds * 0.7)


def render(excerpt: Excerpt, seed: int) -> np.ndarray:
    """Render one excerpt to a stereo float array."""
    rng = np.random.default_rng(seed)
    n = int(excerpt.seconds * SR)
    beat = 60.0 / excerpt.tempo
    step = beat / 4
    progressions = MAJOR_PROGRESSIONS if excerpt.mode == "major" else MINOR_PROGRESSIONS
    scale = MAJOR_SCALE if excerpt.mode == "major" else NATURAL_MINOR_SCALE
    if excerpt.harmony == "ambiguous":
        progressions, scale = AMBIGUOUS_MINOR_PROGRESSIONS, HARMONIC_MINOR_SCALE
    progression = progressions[rng.integers(len(progressions))]
    kicks, snares, hats, open_hats = STYLES[excerpt.style]
    # 16ths at fast tempi are not played by anyone; thin them to 8ths.
    if excerpt.tempo > 140:
        hats = [s for s in hats if s % 2 == 0]
    drums, bass, chords, lead = (np.zeros(n) for _ in range(4))
    kick_s, snare_s = kick(rng), snare(rng)
    hat_s, ohat_s = hat(rng, False), hat(rng, True)
    chord_kind = ["keys", "pad"][int(rng.integers(2))]
    bass_steps = [[0, 8], [0, 4, 8, 12], [0, 6, 8, 14]][int(rng.integers(3))]
    tonic_midi = 48 + excerpt.tonic  # C3..B3
    detune = rng.uniform(-0.15, 0.15)  # semitones: real recordings are not always at A440
    bars = int(np.ceil(excerpt.seconds / (4 * beat)))
    melody_degree = 0
    for bar in range(bars):
        root, quality = progression[bar % len(progression)]
        bar_start = bar * 4 * beat
        # The lead enters after the first cycle, as arrangements usually do.
        play_lead = bar >= len(progression) // 2
        for s in range(16):
            at = int((bar_start + s * step) * SR)
            if s in kicks:
                add(drums, at, kick_s, 0.9)
            if s in snares:
                add(drums, at, snare_s, 0.55)
            if s in hats:
                add(drums, at, hat_s, 0.18 if s % 4 else 0.25)
            if s in open_hats:
                add(drums, at, ohat_s, 0.15)
        for s in bass_steps:
            at = int((bar_start + s * step) * SR)
            note = tonic_midi - 24 + root + detune
            add(bass, at, tone(midi_hz(note), step * 3.5, "bass", rng), 0.5)
        chord_notes = [tonic_midi + root + i for i in CHORD_INTERVALS[quality]]
        hits = [0] if chord_kind == "pad" else [0, 6, 8, 14]
        for s in hits:
            at = int((bar_start + s * step) * SR)
            length = 16 * step if chord_kind == "pad" else 5 * step
            for note in chord_notes:
                add(chords, at, tone(midi_hz(note + detune), length, chord_kind, rng), 0.16)
        if play_lead:
            for s in range(0, 16, 2):
                if rng.random() < 0.25:
                    continue
                at = int((bar_start + s * step) * SR)
                if s % 4 == 0:
                    # On the beat, a chord tone (the raised seventh appears in V chords of minor keys).
                    interval = CHORD_INTERVALS[quality][rng.integers(len(CHORD_INTERVALS[quality]))]
                    note = tonic_midi + 12 + (root + interval) % 12
                else:
                    melody_degree = int(np.clip(melody_degree + rng.integers(-2, 3), 0, 6))
                    note = tonic_midi + 12 + scale[melody_degree]
                add(lead, at, tone(midi_hz(note + detune), step * 2.2, "lead", rng), 0.12)
    gains = {name: 10 ** (rng.uniform(-3, 3) / 20) for name in ("drums", "bass", "chords", "lead")}
    pans = {"drums": 0.0, "bass": 0.0, "chords": rng.uniform(-0.4, 0.4), "lead": rng.uniform(-0.4, 0.4)}
    stereo = np.zeros((n, 2))
    for name, part in (("drums", drums), ("bass", bass), ("chords", chords), ("lead", lead)):
        left, right = np.sqrt(0.5 - pans[name] / 2), np.sqrt(0.5 + pans[name] / 2)
        stereo[:, 0] += gains[name] * left * part
        stereo[:, 1] += gains[name] * right * part
    fade = int(0.01 * SR)
    stereo[:fade] *= np.linspace(0, 1, fade)[:, None]
    stereo[-fade:] *= np.linspace(1, 0, fade)[:, None]
    return 0.89 * stereo / np.max(np.abs(stereo))


def plan(count: int, seconds: float, seed: int, prefix: str = "", harmonic_minor: bool = False) -> list[Excerpt]:
    """Tempi spread evenly over 60-180 BPM, every one of the 24 keys used equally often
    (with `harmonic_minor`, the 12 minor keys, over ambiguous accompaniment)."""
    rng = np.random.default_rng(seed)
    tempi = np.round(rng.permutation(np.linspace(60, 180, count)), 1)
    modes = ("minor",) if harmonic_minor else ("major", "minor")
    keys = [(tonic, mode) for mode in modes for tonic in range(12)]
    order = rng.permutation(count)
    styles = list(STYLES)
    return [
        Excerpt(
            file=f"{prefix}{i:03d}.wav",
            tempo=float(tempi[i]),
            tonic=keys[order[i] % len(keys)][0],
            mode=keys[order[i] % len(keys)][1],
            style=styles[int(rng.integers(len(styles)))],
            seconds=seconds,
            harmony="ambiguous" if harmonic_minor else "standard",
        )
        for i in range(count)
    ]


def generate(
    out: Path,
    count: int,
    seconds: float,
    seed: int,
    long: int = 0,
    long_seconds: float = 180.0,
    harmonic_minor: bool = False,
) -> dict:
    """Write the excerpts and labels.json; returns the labels."""
    out.mkdir(parents=True, exist_ok=True)
    excerpts = plan(count, seconds, seed, harmonic_minor=harmonic_minor)
    if long:
        excerpts += plan(long, long_seconds, seed + 1, prefix="long-")
    labels = {}
    for i, excerpt in enumerate(excerpts):
        audio = render(excerpt, seed * 1000 + i)
        sf.write(out / excerpt.file, audio, SR, subtype="PCM_16")
        labels[excerpt.file] = {
            "tempo": excerpt.tempo,
            "key": excerpt.key,
            "mode": excerpt.mode,
            "style": excerpt.style,
            "harmony": excerpt.harmony,
            "seconds": excerpt.seconds,
        }
    (out / "labels.json").write_text(json.dumps(labels, indent=1))
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("bench/audio/data"))
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--long", type=int, default=0, help="Extra long tracks for speed measurements.")
    parser.add_argument("--long-seconds", type=float, default=180.0)
    parser.add_argument(
        "--harmonic-minor", action="store_true", help="Minor keys only: harmonic-minor lead over relative-major chords."
    )
    args = parser.parse_args()
    labels = generate(
        args.out, args.count, args.seconds, args.seed, args.long, args.long_seconds, harmonic_minor=args.harmonic_minor
    )
    print(f"wrote {len(labels)} files and labels.json to {args.out}")


if __name__ == "__main__":
    main()
