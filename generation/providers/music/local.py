"""The embedded music provider: a numpy synthesizer that writes a real stereo 44.1 kHz WAV.

It renders drums, bass, chords and a lead line from the run's tempo, key, mode, energy and
genre, arranged into intro, sections and outro. Everything random comes from the seed, so one
request always gives the same file. It is written to be analysable: kicks and hats lock the
tempo, the bass and chords sit on a diatonic progression that starts on the tonic and turns
through a major V (raised 7th in minor keys), so key detection hears the tonic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage, signal

from kernel import audio as toolkit

from ..audio import write_wav
from .base import PITCH_CLASSES, MusicRequest, MusicResult

SR = 44100
TARGET_LUFS = -14.0
PEAK_CEILING = 10 ** (-1.5 / 20)  # leaves room for inter-sample peaks under -1 dBTP

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)

# Progressions as scale degrees (0 = tonic), one chord per bar; each starts on the tonic and
# ends on the dominant so the loop resolves home.
MAJOR_PROGRESSIONS = ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 0, 4), (0, 3, 5, 4), (0, 2, 3, 4))
MINOR_PROGRESSIONS = ((0, 5, 3, 4), (0, 3, 4, 0), (0, 5, 0, 4), (0, 5, 2, 4), (0, 3, 0, 4))

# Drum patterns on a 16-step bar: instrument -> {step: velocity}.
PATTERNS: dict[str, dict[str, dict[int, float]]] = {
    "four_on_floor": {
        "kick": {0: 1.0, 4: 1.0, 8: 1.0, 12: 1.0},
        "clap": {4: 0.8, 12: 0.8},
        "open_hat": {2: 0.55, 6: 0.55, 10: 0.55, 14: 0.55},
        "hat": {s: 0.25 for s in range(0, 16, 2)},
    },
    "boom_bap": {
        "kick": {0: 1.0, 7: 0.6, 10: 0.85},
        "snare": {4: 0.9, 12: 0.9},
        "hat": {s: (0.45 if s % 4 == 0 else 0.3) for s in range(0, 16, 2)},
    },
    "trap": {
        "kick": {0: 1.0, 7: 0.6, 8: 0.7, 11: 0.6},
        "snare": {4: 0.9, 12: 1.0},
        "clap": {12: 0.5},
        "hat": {s: (0.6 if s % 4 == 0 else 0.3 if s % 2 == 0 else 0.12) for s in range(16)},
    },
    "driving": {
        "kick": {0: 1.0, 6: 0.7, 8: 1.0},
        "snare": {4: 1.0, 12: 1.0},
        "hat": {s: (0.5 if s % 4 == 0 else 0.38) for s in range(0, 16, 2)},
    },
    "pop": {
        "kick": {0: 1.0, 8: 0.9, 10: 0.6},
        "snare": {4: 0.9, 12: 0.9},
        "hat": {s: (0.42 if s % 4 == 0 else 0.3) for s in range(0, 16, 2)},
    },
    "dembow": {
        "kick": {0: 1.0, 4: 1.0, 8: 1.0, 12: 1.0},
        "snare": {3: 0.8, 6: 0.7, 11: 0.8, 14: 0.7},
        "hat": {s: 0.3 for s in range(0, 16, 2)},
    },
    "breakbeat": {
        "kick": {0: 1.0, 10: 0.9},
        "snare": {4: 1.0, 12: 1.0},
        "hat": {s: 0.35 for s in range(0, 16, 2)},
    },
    "ambient": {
        "kick": {0: 0.7, 4: 0.45, 8: 0.6, 12: 0.45},
        "snare": {4: 0.7, 12: 0.7},
        "hat": {s: (0.35 if s % 4 == 0 else 0.12) for s in range(0, 16, 2)},
    },
}


@dataclass(frozen=True)
class Style:
    """How a genre family sounds: drum pattern, swing and the timbre of each part."""

    drums: str
    bass: str  # offbeat | eighths | roots | sub
    chords: str  # pad | rhodes | stab | organ
    lead: str  # saw | square | bell | soft
    swing: float = 0.0
    sevenths: bool = False
    arp: int = 0  # arpeggio step in 16ths (0: none)


STYLES: dict[str, Style] = {
    "techno": Style("four_on_floor", "eighths", "stab", "square", arp=1),
    "house": Style("four_on_floor", "offbeat", "organ", "bell", sevenths=True, arp=2),
    "lofi": Style("boom_bap", "roots", "rhodes", "soft", swing=0.18, sevenths=True),
    "hiphop": Style("boom_bap", "roots", "rhodes", "bell", swing=0.12),
    "trap": Style("trap", "sub", "pad", "bell"),
    "synthwave": Style("driving", "eighths", "pad", "saw", arp=1),
    "rock": Style("driving", "eighths", "organ", "square"),
    "pop": Style("pop", "roots", "pad", "saw", arp=2),
    "latin": Style("dembow", "roots", "stab", "bell"),
    "dnb": Style("breakbeat", "sub", "pad", "saw"),
    "ambient": Style("ambient", "sub", "pad", "soft", arp=4),
}

# Words in a genre name that choose a style; checked in order, first match wins.
GENRE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("lo-fi", "lofi", "lo fi", "chillhop", "jazzhop"), "lofi"),
    (("trap", "drill", "phonk"), "trap"),
    (("hip-hop", "hip hop", "hiphop", "rap", "boom bap", "r&b", "rnb", "soul"), "hiphop"),
    (("drum and bass", "drum & bass", "dnb", "jungle", "breakbeat", "breaks"), "dnb"),
    (("techno", "electro", "industrial", "hard"), "techno"),
    (("house", "disco", "edm", "dance", "trance", "garage", "afro"), "house"),
    (("synthwave", "retrowave", "outrun", "darkwave", "new wave", "synth"), "synthwave"),
    (("rock", "punk", "metal", "indie", "grunge", "shoegaze"), "rock"),
    (("reggaeton", "dembow", "latin", "dancehall", "moombah"), "latin"),
    (("ambient", "drone", "chill", "downtempo", "new age", "cinematic"), "ambient"),
)


def style_for(genre: str) -> Style:
    """The style family of a free-text genre name; pop when nothing matches."""
    name = genre.lower()
    for words, style in GENRE_WORDS:
        if any(word in name for word in words):
            return STYLES[style]
    return STYLES["pop"]


# --- Sound sources ------------------------------------------------------------------------


def _env(n: int, attack: float, decay: float, sustain: float, release: float) -> np.ndarray:
    """An ADSR envelope of `n` samples (times in seconds; the release ends the note)."""
    t = np.arange(n, dtype=np.float32) / SR
    a = max(attack, 1e-3)
    env = np.where(t < a, t / a, sustain + (1 - sustain) * np.exp(-(t - a) / max(decay, 1e-3)))
    r = min(int(release * SR), n)
    if r > 0:
        env[n - r :] *= np.linspace(1.0, 0.0, r, dtype=np.float32)
    return env.astype(np.float32)


def _additive(freq: float, n: int, weights: np.ndarray, *, vibrato: float = 0.0, detune: float = 0.0) -> np.ndarray:
    """Band-limited additive oscillator: harmonic k has amplitude weights[k-1].

    Harmonics come from the Chebyshev recurrence sin(k x) = 2 cos(x) sin((k-1) x) - sin((k-2) x),
    so a note costs one sine and one cosine however many harmonics it has.
    """
    freq = freq * 2 ** (detune / 1200)
    t = np.arange(n, dtype=np.float64) / SR
    phase = 2 * np.pi * freq * t
    if vibrato:
        onset = np.clip((t - 0.15) / 0.2, 0, 1)
        phase = phase + vibrato * onset * np.sin(2 * np.pi * 5.2 * t)
    top = min(len(weights), int((SR / 2 - 1000) // freq))
    previous = np.zeros(n, dtype=np.float32)
    current = np.sin(phase).astype(np.float32)
    twice_cos = (2 * np.cos(phase)).astype(np.float32)
    out = current * np.float32(weights[0])
    for k in range(2, top + 1):
        previous, current = current, twice_cos * current - previous
        if weights[k - 1]:
            out += current * np.float32(weights[k - 1])
    return out


def _midi_hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


_SAW = 1.0 / np.arange(1, 13)
_SQUARE = np.array([1.0 / k**1.6 if k % 2 else 0.0 for k in range(1, 12)])
_SOFT = np.array([1.0, 0.25, 0.08, 0.03])
_PAD = 1.0 / np.arange(1, 8) ** 1.6
_ORGAN = np.array([1.0, 0.6, 0.0, 0.35, 0.0, 0.2, 0.0, 0.12])


@lru_cache(maxsize=1024)
def _tone(kind: str, midi: int, n: int, detune: float = 0.0) -> np.ndarray:
    """One note of an instrument, cached: arrangements repeat the same notes many times."""
    f = _midi_hz(midi)
    if kind == "bass_saw":
        sig = _additive(f, n, 1.0 / np.arange(1, 9) ** 2.0) * _env(n, 0.004, 0.12, 0.55, 0.02)
    elif kind == "bass_sub":
        sig = _additive(f, n, np.array([1.0, 0.3, 0.08])) * _env(n, 0.006, 0.3, 0.8, 0.03)
    elif kind == "bass_round":
        sig = _additive(f, n, np.array([1.0, 0.45, 0.2, 0.08])) * _env(n, 0.005, 0.18, 0.6, 0.03)
    elif kind == "pad":
        sig = _additive(f, n, _PAD, detune=detune) * _env(n, min(0.25, n / SR / 4), 0.8, 0.75, 0.15)
    elif kind == "organ":
        sig = _additive(f, n, _ORGAN, detune=detune) * _env(n, 0.01, 0.3, 0.7, 0.05)
    elif kind == "stab":
        sig = _additive(f, n, _SAW[:8] ** 1.4, detune=detune) * _env(n, 0.003, 0.07, 0.0, 0.01)
    elif kind == "rhodes":
        t = np.arange(n, dtype=np.float32) / SR
        bell = np.sin(2 * np.pi * f * 7.0 * t) * 0.25 * np.exp(-t * 12)
        body = _additive(f, n, np.array([1.0, 0.2, 0.05]), detune=detune)
        sig = (body + bell.astype(np.float32)) * _env(n, 0.003, 0.6, 0.25, 0.08)
    elif kind == "lead_saw":
        sig = _additive(f, n, _SAW * 0.8, vibrato=0.004 * f / 5.2) * _env(n, 0.008, 0.2, 0.6, 0.04)
    elif kind == "lead_square":
        sig = _additive(f, n, _SQUARE, vibrato=0.003 * f / 5.2) * _env(n, 0.005, 0.15, 0.5, 0.03)
    elif kind == "lead_soft":
        sig = _additive(f, n, _SOFT, vibrato=0.003 * f / 5.2) * _env(n, 0.02, 0.4, 0.6, 0.06)
    elif kind == "arp":
        sig = _additive(f, n, _SQUARE[:7], detune=detune) * _env(n, 0.002, 0.06, 0.15, 0.01)
    elif kind == "lead_bell":
        t = np.arange(n, dtype=np.float64) / SR
        mod = 2.2 * np.exp(-t * 6) * np.sin(2 * np.pi * f * 3.5 * t)
        sig = np.sin(2 * np.pi * f * t + mod).astype(np.float32) * _env(n, 0.002, 0.35, 0.15, 0.05)
    else:  # pragma: no cover - guarded by Style
        raise ValueError(kind)
    sig.flags.writeable = False
    return sig


@lru_cache(maxsize=1)
def _drum_kit() -> dict[str, np.ndarray]:
    """Kick, snare, clap and hats synthesised once (fixed noise, so every render is identical)."""
    rng = np.random.default_rng(7)

    def t(seconds: float) -> np.ndarray:
        return np.arange(int(seconds * SR), dtype=np.float64) / SR

    tk = t(0.42)
    kick_freq = 48 + 120 * np.exp(-tk * 32)
    kick = np.sin(2 * np.pi * np.cumsum(kick_freq) / SR) * np.exp(-tk * 7.5)
    kick[: int(0.003 * SR)] += rng.standard_normal(int(0.003 * SR)) * 0.3
    hp_b, hp_a = signal.butter(2, 6500 / (SR / 2), "highpass")
    bp_b, bp_a = signal.butter(2, [1200 / (SR / 2), 6000 / (SR / 2)], "bandpass")
    ts = t(0.25)
    snare = signal.lfilter(bp_b, bp_a, rng.standard_normal(len(ts))) * np.exp(-ts * 18) * 1.6
    snare += np.sin(2 * np.pi * 185 * ts) * np.exp(-ts * 30) * 0.6
    tc = t(0.3)
    bursts = sum(np.where(tc >= d, np.exp(-(tc - d) * (220 if d < 0.02 else 16)), 0.0) for d in (0.0, 0.009, 0.02))
    clap = signal.lfilter(bp_b, bp_a, rng.standard_normal(len(tc))) * bursts * 1.4
    th = t(0.06)
    hat = signal.lfilter(hp_b, hp_a, rng.standard_normal(len(th))) * np.exp(-th * 75)
    to = t(0.3)
    open_hat = signal.lfilter(hp_b, hp_a, rng.standard_normal(len(to))) * np.exp(-to * 11)
    tcr = t(1.8)
    crash_b, crash_a = signal.butter(2, 3500 / (SR / 2), "highpass")
    crash = signal.lfilter(crash_b, crash_a, rng.standard_normal(len(tcr))) * np.exp(-tcr * 2.6)
    kit = {"kick": kick, "snare": snare, "clap": clap, "hat": hat, "open_hat": open_hat, "crash": crash}
    out = {}
    for name, sample in kit.items():
        sample = (sample / np.max(np.abs(sample))).astype(np.float32)
        sample.flags.writeable = False
        out[name] = sample
    return out


# --- Composition ----------------------------------------------------------------------------


@dataclass
class _Bus:
    """A stereo buffer that notes are added into."""

    left: np.ndarray
    right: np.ndarray

    @classmethod
    def of(cls, n: int) -> _Bus:
        return cls(np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32))

    def add(self, start: int, sig: np.ndarray, gain: float, pan: float = 0.0) -> None:
        if start >= len(self.left) or gain <= 0:
            return
        end = min(len(self.left), start + len(sig))
        angle = (pan + 1) * math.pi / 4
        seg = sig[: end - start]
        self.left[start:end] += seg * (gain * math.cos(angle))
        self.right[start:end] += seg * (gain * math.sin(angle))

    def echo(self, taps: list[tuple[int, float, float]]) -> None:
        """Add delayed copies (samples, left gain, right gain): a cheap ping-pong delay / room."""
        mono = (self.left + self.right) * 0.5
        for delay, gl, gr in taps:
            if delay >= len(mono):
                continue
            self.left[delay:] += mono[:-delay] * gl
            self.right[delay:] += mono[:-delay] * gr


def _scale(mode: str) -> tuple[int, ...]:
    return MAJOR if mode == "major" else MINOR


def _chord_pcs(degree: int, tonic: int, mode: str, sevenths: bool) -> list[int]:
    """Pitch classes of the diatonic chord on `degree`; minor keys get a major V (raised 7th)."""
    scale = _scale(mode)
    # Sevenths colour the other chords; the tonic stays a plain triad so the key stays clear.
    steps = (0, 2, 4, 6) if sevenths and degree not in (0, 4) else (0, 2, 4)
    pcs = []
    for step in steps:
        semis = scale[(degree + step) % 7]
        if mode == "minor" and degree == 4 and step == 2:
            semis = 11  # the leading tone: V is major, so the tonic is unmistakable
        pcs.append((tonic + semis) % 12)
    return pcs


def _voice(pcs: list[int], low: int, high: int) -> list[int]:
    """Each pitch class placed once inside [low, high): a close voicing around the middle."""
    notes = []
    for pc in pcs:
        midi = low + (pc - low) % 12
        notes.append(midi if midi < high else midi - 12)
    return sorted(notes)


def _arrangement(n_bars: int) -> list[str]:
    """Section label per bar: intro, A (groove), B (full, with lead), break, outro."""
    if n_bars <= 4:
        return ["intro"] + ["B"] * max(0, n_bars - 2) + ["outro"] * min(1, n_bars - 1)
    if n_bars < 8:
        return ["intro"] + ["A"] * ((n_bars - 2) // 2) + ["B"] * (n_bars - 2 - (n_bars - 2) // 2) + ["outro"]
    intro = 2 if n_bars < 16 else 4
    outro = 2 if n_bars < 24 else 4
    body = n_bars - intro - outro
    if body < 12:  # short tracks: a groove, then the full section with the hook to the end
        groove = min(4, body // 3)
        return ["intro"] * intro + ["A"] * groove + ["B"] * (body - groove) + ["outro"] * outro
    length = 8 if body >= 32 else 4
    order = ["A", "B", "break", "B"]
    labels: list[str] = []
    i = 0
    while len(labels) < body:
        labels += [order[i % len(order)]] * min(length, body - len(labels))
        i += 1
    tail = labels[-1]
    if tail != "B":  # the last section before the outro is always the full one
        start = len(labels)
        while start > 0 and labels[start - 1] == tail:
            start -= 1
        labels[start:] = ["B"] * (len(labels) - start)
    return ["intro"] * intro + labels + ["outro"] * outro


# Section -> which parts play and how hard.
SECTION_PARTS = {
    "intro": {"kick": 0.7, "snare": 0.0, "hats": 0.8, "bass": 0.0, "chords": 0.9, "arp": 0.5, "lead": 0.0},
    "A": {"kick": 1.0, "snare": 1.0, "hats": 1.0, "bass": 1.0, "chords": 1.0, "arp": 1.0, "lead": 0.0},
    "B": {"kick": 1.0, "snare": 1.0, "hats": 1.0, "bass": 1.0, "chords": 1.0, "arp": 0.5, "lead": 1.0},
    "break": {"kick": 0.0, "snare": 0.0, "hats": 0.6, "bass": 0.6, "chords": 1.0, "arp": 0.8, "lead": 0.8},
    "outro": {"kick": 0.8, "snare": 0.7, "hats": 0.8, "bass": 0.7, "chords": 0.9, "arp": 0.4, "lead": 0.0},
}

LEAD_RHYTHMS = (
    ((0, 3), (3, 3), (6, 2), (8, 4), (12, 4)),
    ((0, 2), (2, 2), (4, 4), (10, 2), (12, 4)),
    ((0, 4), (4, 2), (6, 2), (8, 6), (14, 2)),
    ((0, 1), (2, 1), (4, 2), (7, 3), (10, 2), (12, 4)),
    ((0, 6), (6, 2), (8, 2), (10, 2), (12, 4)),
)


def _lead_motif(rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
    """A two-bar motif: (bar offset, step, length in steps, contour in scale steps)."""
    motif = []
    contour = 0
    for bar in range(2):
        rhythm = LEAD_RHYTHMS[int(rng.integers(len(LEAD_RHYTHMS)))]
        if bar == 1:
            rhythm = rhythm[:-2] + ((rhythm[-2][0], 16 - rhythm[-2][0]),)  # end the phrase on a long note
        for step, length in rhythm:
            contour = int(np.clip(contour + rng.choice([-2, -1, -1, 0, 1, 1, 2, 3]), -3, 5))
            motif.append((bar, step, length, contour))
    return motif


def _nearest(candidates: list[int], target: float) -> int:
    return min(candidates, key=lambda note: (abs(note - target), note))


def render(request: MusicRequest) -> np.ndarray:
    """The track as a float32 array of shape (samples, 2), peak below -1.5 dBFS."""
    try:
        return _render(request)
    finally:
        _tone.cache_clear()  # notes are reused within a track; across tracks the cache would only grow


def _render(request: MusicRequest) -> np.ndarray:
    style = style_for(request.genre)
    seed = request.seed
    rng_form = np.random.default_rng([seed, 1])
    rng_lead = np.random.default_rng([seed, 2])
    rng_vel = np.random.default_rng([seed, 3])
    energy = request.energy
    tonic = PITCH_CLASSES.index(request.key)
    mode = request.mode

    n_total = int(round(request.duration_seconds * SR))
    beat = 60.0 / request.tempo
    bar_len = 4 * beat
    step_len = beat / 4
    n_bars = max(1, int(math.ceil(request.duration_seconds / bar_len)))
    sections = _arrangement(n_bars)
    progressions = MAJOR_PROGRESSIONS if mode == "major" else MINOR_PROGRESSIONS
    progression = progressions[int(rng_form.integers(len(progressions)))]
    chords = [progression[i % len(progression)] for i in range(n_bars)]
    chords[-1] = 0  # end home

    tail = int(2.0 * SR)
    drums, bass, keys, lead = (_Bus.of(n_total + tail) for _ in range(4))
    kit = _drum_kit()
    pattern = PATTERNS[style.drums]
    level = 0.55 + 0.45 * energy

    def at(bar: int, step: float) -> int:
        swing = style.swing * step_len if int(step) % 2 == 1 else 0.0
        return int(round((bar * bar_len + step * step_len + swing) * SR))

    def vel() -> float:
        return float(1.0 + rng_vel.uniform(-0.08, 0.08))

    scale = _scale(mode)
    for bar, section in enumerate(sections):
        parts = SECTION_PARTS[section]
        degree = chords[bar]
        pcs = _chord_pcs(degree, tonic, mode, style.sevenths)
        # Drums, with a crash where a full section starts and a snare fill where one ends.
        starts = section in ("A", "B") and (bar == 0 or sections[bar - 1] != section)
        ends = section in ("A", "B") and bar + 1 < n_bars and sections[bar + 1] != section
        if starts and parts["snare"] > 0:
            drums.add(at(bar, 0), kit["crash"], 0.3 * level * vel(), -0.3)
        if ends and style.drums != "ambient":
            for step, velocity in ((12, 0.45), (13, 0.55), (14, 0.7), (15, 0.85)):
                drums.add(at(bar, step), kit["snare"], 0.85 * velocity * level * vel(), 0.1)
        for inst, hits in pattern.items():
            part = "hats" if "hat" in inst else ("kick" if inst == "kick" else "snare")
            amount = parts[part]
            if amount <= 0:
                continue
            gains = {"kick": 0.95, "snare": 0.85, "clap": 0.7, "hat": 0.6, "open_hat": 0.4}
            pans = {"hat": 0.3, "open_hat": -0.25, "clap": 0.1}
            for step, velocity in hits.items():
                if inst == "hat" and energy < 0.35 and step % 4:
                    velocity *= 0.4  # calm: off-beat hats recede (kept: they tell the beat from the 8th)
                if ends and inst in ("snare", "clap") and step >= 12 and style.drums != "ambient":
                    continue  # the fill takes the last beat
                drums.add(
                    at(bar, step), kit[inst], gains[inst] * velocity * amount * level * vel(), pans.get(inst, 0.0)
                )
            driven = energy > 0.65 and style.drums != "ambient"
            if inst == "hat" and driven and section in ("A", "B", "outro") and len(hits) <= 8:
                for step in range(1, 16, 2):  # driven: 16th-note hats in the full sections
                    drums.add(at(bar, step), kit["hat"], 0.3 * amount * level * vel(), 0.3)
        # Bass: the chord root, two octaves down.
        if parts["bass"] > 0:
            root = 33 + (pcs[0] - 33) % 12
            kind = {"sub": "bass_sub", "roots": "bass_round"}.get(style.bass, "bass_saw")
            if style.bass == "offbeat":
                notes = [(s, 2, root if s != 14 else root + 12) for s in (2, 6, 10, 14)]
            elif style.bass == "eighths":
                notes = [(s, 2, root + (12 if s in (6, 14) and energy > 0.6 else 0)) for s in range(0, 16, 2)]
            elif style.bass == "sub":
                notes = [(0, 7, root), (7, 3, root), (10, 6, root)]
            else:
                fifth = 33 + (pcs[2 if len(pcs) > 2 else 0] - 33) % 12
                notes = [(0, 6, root), (6, 2, root), (8, 4, root), (12, 2, fifth), (14, 2, root + 12)]
            for step, length, midi in notes:
                n = int(length * step_len * SR)
                bass.add(at(bar, step), _tone(kind, midi, n), 0.36 * parts["bass"] * level * vel())
        # Chords.
        if parts["chords"] > 0:
            voicing = _voice(pcs, 55, 67)
            if style.chords == "stab":
                hits = [(s, 1.5) for s in ((2, 6, 10, 14) if energy < 0.6 else (0, 3, 6, 10, 12, 14))]
            elif style.chords == "rhodes":
                hits = [(0, 7), (7, 9)]
            elif style.chords == "organ":
                hits = [(0, 3), (4, 3), (8, 3), (12, 4)] if energy > 0.5 else [(0, 16)]
            else:
                hits = [(0, 16)]
            kind = style.chords
            gain = {"pad": 0.12, "organ": 0.09, "stab": 0.11, "rhodes": 0.15}[kind] * parts["chords"]
            for step, length in hits:
                n = int(length * step_len * SR)
                for i, midi in enumerate(voicing):
                    spread = (i - (len(voicing) - 1) / 2) * 0.35
                    keys.add(at(bar, step), _tone(kind, midi, n, 7.0), gain * vel(), spread - 0.25)
                    keys.add(at(bar, step), _tone(kind, midi, n, -7.0), gain * vel(), spread + 0.25)
            if tonic in pcs:
                # A tonic pedal under every chord that contains it: the ear (and key detection) hears home.
                keys.add(at(bar, 0), _tone("pad", 48 + (tonic - 48) % 12, int(bar_len * SR)), 0.1 * parts["chords"])
        # Arpeggio: the chord's tones an octave up, rising and falling, panned side to side.
        if style.arp and parts["arp"] > 0:
            tones = _voice(pcs, 67, 79)
            cycle = tones + tones[-2:0:-1]
            n = int(style.arp * step_len * SR * 0.9)
            for i, step in enumerate(range(0, 16, style.arp)):
                midi = cycle[i % len(cycle)]
                pan = 0.45 if i % 2 else -0.45
                keys.add(at(bar, step), _tone("arp", midi, n), 0.07 * parts["arp"] * level * vel(), pan)

    # Lead: a two-bar motif per section, realised against each bar's chord.
    lead_kind = f"lead_{style.lead}"
    low, high = 67, 86
    motifs: dict[str, list[tuple[int, int, int, int]]] = {}
    anchor_pc = tonic
    anchor = low + (anchor_pc - low) % 12 + 2
    bar = 0
    while bar < n_bars:
        section = sections[bar]
        amount = SECTION_PARTS[section]["lead"]
        if amount <= 0:
            bar += 1
            continue
        motif = motifs.setdefault(section, _lead_motif(rng_lead))
        phrase_end = bar + 2 >= n_bars or sections[min(bar + 2, n_bars - 1)] != section
        for bar_offset, step, length, contour in motif:
            b = bar + bar_offset
            if b >= n_bars or sections[b] != section:
                continue
            pcs = _chord_pcs(chords[b], tonic, mode, False)
            scale_pcs = {(tonic + s) % 12 for s in scale}
            if mode == "minor" and chords[b] == 4:
                scale_pcs = (scale_pcs - {(tonic + 10) % 12}) | {(tonic + 11) % 12}
            in_range = list(range(low, high))
            target = anchor + contour * 1.8
            strong = step in (0, 8) or length >= 4
            if phrase_end and bar_offset == 1 and step == motif[-1][1]:
                pool = [n for n in in_range if n % 12 == tonic]
            elif strong:
                pool = [n for n in in_range if n % 12 in pcs]
            else:
                pool = [n for n in in_range if n % 12 in scale_pcs]
            midi = _nearest(pool, target)
            n = int(length * step_len * SR * 0.92)
            lead.add(at(b, step), _tone(lead_kind, midi, n), 0.3 * amount * level * vel(), -0.15)
        bar += 2

    beat_samples = int(beat * SR)
    lead.echo([(int(beat_samples * 0.75), 0.28, 0.1), (int(beat_samples * 1.5), 0.08, 0.2)])
    keys.echo([(int(0.031 * SR), 0.18, 0.1), (int(0.047 * SR), 0.1, 0.18), (int(0.089 * SR), 0.08, 0.1)])

    # Energy opens the tone: a calm track is darker (lower cut-off over everything but the bass)
    # and sits a little lower in level; release packaging normalises loudness for the stores.
    tone = signal.butter(2, min(0.95, (4000 + 14000 * energy) / (SR / 2)), "lowpass", output="sos")
    mix = np.empty((n_total, 2), dtype=np.float32)
    for channel, side in enumerate(("left", "right")):
        wet = getattr(drums, side)
        wet += getattr(keys, side)
        wet += getattr(lead, side)
        mix[:, channel] = signal.sosfilt(tone, wet[:n_total])
        mix[:, channel] += getattr(bass, side)[:n_total]
    del drums, bass, keys, lead  # long tracks: free the part buses before mastering
    return master(mix, target_lufs=TARGET_LUFS - 4.0 * (1.0 - energy))


def master(mix: np.ndarray, *, target_lufs: float = TARGET_LUFS) -> np.ndarray:
    """Fades, loudness to `target_lufs` (-14 by default, lower for calm tracks), then a look-ahead peak limiter."""
    n = len(mix)
    fade_in = min(n, int(0.01 * SR))
    mix[:fade_in] *= np.linspace(0, 1, fade_in, dtype=np.float32)[:, None]
    fade_out = min(n // 4, int(2.0 * SR))
    if fade_out > 0:
        mix[n - fade_out :] *= np.linspace(1, 0, fade_out, dtype=np.float32)[:, None] ** 1.5
    mix -= mix.mean(axis=0, keepdims=True)
    loudness = toolkit.integrated_loudness(mix.T, SR)
    if loudness is not None:
        mix *= np.float32(10 ** ((target_lufs - loudness) / 20))
    peak = np.maximum(np.abs(mix[:, 0]), np.abs(mix[:, 1]))
    gain = np.minimum(1.0, PEAK_CEILING / np.maximum(peak, 1e-9))
    window = int(0.005 * SR)
    gain = ndimage.minimum_filter1d(gain, size=2 * window + 1)
    gain = ndimage.uniform_filter1d(gain, size=window)
    mix *= gain[:, None].astype(np.float32)
    return np.clip(mix, -PEAK_CEILING, PEAK_CEILING, out=mix)


class LocalMusicProvider:
    """Renders the track on this machine; needs no key and no network."""

    name = "local"

    def generate(self, request: MusicRequest, *, workdir: Path) -> MusicResult:
        workdir.mkdir(parents=True, exist_ok=True)
        audio = render(request)
        path = workdir / f"track-local-{request.seed}.wav"
        write_wav(path, audio)
        return MusicResult(
            path=path,
            format="wav",
            provider=self.name,
            job_id=f"local-{request.seed}",
            duration=len(audio) / SR,
        )
