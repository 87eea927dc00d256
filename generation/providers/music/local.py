"""The embedded music provider: a numpy synthesizer that writes a real stereo 44.1 kHz WAV.

It renders drums, bass, chords and a lead line from the run's tempo, key, mode, energy and
genre, arranged as a song (intro, verses, choruses, a bridge, outro); the instrumentation and
drum pattern of each genre come from the shared data files (`kernel/data/genres.json`,
`drums.json`). With lyrics and no instrumental flag, the lyrics are sung on the vocal melody
by the embedded singer (`generation.providers.singer`). Everything random comes from the seed, so one
request always gives the same file. It is written to be analysable: kicks and hats lock the
tempo, the bass and chords sit on a diatonic progression that starts on the tonic and turns
through a major V (raised 7th in minor keys), so key detection hears the tonic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage, signal

from kernel import audio as toolkit
from kernel.music import Genre, drum_patterns, genre_for, genres

from ..audio import write_wav
from ..singer import Note, sing, syllabify, voice_from_description
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

# Drum patterns on a 16-step bar (instrument -> {step: velocity}), shared data: kernel/data/drums.json.
PATTERNS: dict[str, dict[str, dict[int, float]]] = drum_patterns()


@dataclass(frozen=True)
class Style:
    """How a genre sounds: drum pattern, swing and the instrument of each part (from the genre data)."""

    drums: str
    bass: str  # offbeat | eighths | roots | sub | slide808 | wobble | walking | octaves | logdrum | tuba
    chords: str  # pad | rhodes | stab | organ | piano | guitar | guitar_dist | strings | accordion | skank | pluck
    lead: str  # saw | square | bell | soft | pluck | flute | brass | sax | guitar | fiddle | marimba | ...
    swing: float = 0.0
    sevenths: bool = False
    arp: int = 0  # arpeggio step in 16ths (0: none)
    genre: str = "pop"


def _style_of(genre: Genre) -> Style:
    return Style(
        drums=genre.drums if genre.drums in PATTERNS else "pop",
        bass=genre.bass,
        chords=genre.chords,
        lead=genre.lead,
        swing=genre.swing,
        sevenths=genre.sevenths,
        arp=genre.arp,
        genre=genre.name,
    )


# Words of genre names the data does not list, mapped to a genre that sounds close; first match wins.
GENRE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("lo-fi", "lofi", "lo fi", "chillhop", "jazzhop"), "lo-fi"),
    (("trap", "drill", "phonk"), "trap"),
    (("hip-hop", "hip hop", "hiphop", "rap", "boom bap", "r&b", "rnb", "soul"), "hip-hop"),
    (("drum and bass", "drum & bass", "dnb", "jungle", "breakbeat", "breaks"), "drum and bass"),
    (("techno", "electro", "industrial", "hard"), "techno"),
    (("house", "disco", "edm", "dance", "trance", "garage", "afro"), "house"),
    (("synthwave", "retrowave", "outrun", "darkwave", "new wave", "synth"), "synthwave"),
    (("rock", "punk", "metal", "indie", "grunge", "shoegaze"), "indie rock"),
    (("reggaeton", "dembow", "latin", "dancehall", "moombah"), "reggaeton"),
    (("ambient", "drone", "chill", "downtempo", "new age", "cinematic"), "ambient"),
)


def style_for(genre: str) -> Style:
    """The style of a free-text genre name: the data's genre, else a close one by its words; pop otherwise."""
    known = genre_for(genre)
    if known is None:
        name = genre.lower()
        fallback = next((target for words, target in GENRE_WORDS if any(word in name for word in words)), "pop")
        known = genres()[fallback]
    return _style_of(known)


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


def _pluck(f: float, n: int, *, brightness: float, decay: float, buzz: float = 0.0) -> np.ndarray:
    """A plucked string: harmonics that die faster the higher they are (a Karplus-Strong-like sound)."""
    t = np.arange(n, dtype=np.float32) / SR
    top = max(1, min(16, int((SR / 2 - 1000) // f)))
    out = np.zeros(n, dtype=np.float32)
    for k in range(1, top + 1):
        amp = brightness**k / k ** (1.0 - buzz * 0.6)
        out += (
            amp * np.sin(2 * np.pi * f * k * (1 + buzz * 0.0015 * k) * t) * np.exp(-t * decay * (1 + 0.45 * k))
        ).astype(np.float32)
    attack = min(n, int(0.002 * SR))
    out[:attack] *= np.linspace(0, 1, attack, dtype=np.float32)
    return out


@lru_cache(maxsize=1024)
def _tone(kind: str, midi: int, n: int, detune: float = 0.0) -> np.ndarray:
    """One note of an instrument, cached: arrangements repeat the same notes many times."""
    f = _midi_hz(midi)
    vib = 0.003 * f / 5.2
    if kind == "bass_saw":
        sig = _additive(f, n, 1.0 / np.arange(1, 9) ** 2.0) * _env(n, 0.004, 0.12, 0.55, 0.02)
    elif kind == "bass_sub":
        sig = _additive(f, n, np.array([1.0, 0.3, 0.08])) * _env(n, 0.006, 0.3, 0.8, 0.03)
    elif kind == "bass_round":
        sig = _additive(f, n, np.array([1.0, 0.45, 0.2, 0.08])) * _env(n, 0.005, 0.18, 0.6, 0.03)
    elif kind == "bass_808":
        t = np.arange(n, dtype=np.float64) / SR
        glide = f * (1 + 0.5 * np.exp(-t * 30))  # the 808's pitch drop, then a long sub with a little drive
        sig = np.tanh(1.8 * np.sin(2 * np.pi * np.cumsum(glide) / SR)).astype(np.float32) * _env(
            n, 0.003, 0.6, 0.7, 0.05
        )
    elif kind == "bass_wobble":
        t = np.arange(n, dtype=np.float32) / SR
        dark = _additive(f, n, np.array([1.0, 0.4, 0.1]))
        bright = _additive(f, n, 1.0 / np.arange(1, 12))
        lfo = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * t - np.pi / 2)
        sig = (dark * (1 - lfo) + bright * lfo * 1.2) * _env(n, 0.005, 0.3, 0.85, 0.03)
    elif kind == "bass_log":
        t = np.arange(n, dtype=np.float64) / SR
        glide = f * (1 + 0.25 * np.exp(-t * 18))
        sig = np.sin(2 * np.pi * np.cumsum(glide) / SR).astype(np.float32) * np.exp(-t * 6).astype(np.float32)
    elif kind == "bass_tuba":
        sig = _additive(f, n, np.array([1.0, 0.7, 0.4, 0.2, 0.1]), vibrato=vib) * _env(n, 0.03, 0.2, 0.7, 0.05)
    elif kind == "pad":
        sig = _additive(f, n, _PAD, detune=detune) * _env(n, min(0.25, n / SR / 4), 0.8, 0.75, 0.15)
    elif kind == "strings":
        sig = _additive(f, n, _SAW[:9] ** 1.3, vibrato=vib, detune=detune) * _env(
            n, min(0.3, n / SR / 3), 0.9, 0.8, 0.2
        )
    elif kind in ("organ", "accordion"):
        weights = _ORGAN if kind == "organ" else np.array([1.0, 0.7, 0.5, 0.45, 0.3, 0.25, 0.15, 0.1])
        sig = _additive(f, n, weights, detune=detune + (9.0 if kind == "accordion" else 0.0))
        if kind == "accordion":
            sig = 0.5 * (sig + _additive(f, n, weights, detune=detune - 9.0))
        sig = sig * _env(n, 0.015, 0.3, 0.75, 0.05)
    elif kind in ("stab", "skank"):
        decay = 0.07 if kind == "stab" else 0.05
        sig = _additive(f, n, _SAW[:8] ** 1.4, detune=detune) * _env(n, 0.003, decay, 0.0, 0.01)
    elif kind == "rhodes":
        t = np.arange(n, dtype=np.float32) / SR
        bell = np.sin(2 * np.pi * f * 7.0 * t) * 0.25 * np.exp(-t * 12)
        body = _additive(f, n, np.array([1.0, 0.2, 0.05]), detune=detune)
        sig = (body + bell.astype(np.float32)) * _env(n, 0.003, 0.6, 0.25, 0.08)
    elif kind == "piano":
        sig = _pluck(f, n, brightness=0.55, decay=1.2) * _env(n, 0.002, 2.0, 0.9, 0.06)
    elif kind in ("guitar", "pluck", "lead_pluck", "lead_oud", "lead_banjo", "lead_sitar", "lead_guitar_clean"):
        decay = {"lead_banjo": 6.0, "lead_oud": 3.5, "lead_sitar": 1.8, "pluck": 3.0}.get(kind, 2.2)
        buzz = 1.0 if kind == "lead_sitar" else 0.0
        sig = _pluck(f, n, brightness=0.7 if kind != "guitar" else 0.6, decay=decay, buzz=buzz)
        sig = sig * _env(n, 0.001, 5.0, 1.0, 0.03)
    elif kind in ("guitar_dist", "lead_guitar"):
        raw = _additive(f, n, _SAW, vibrato=vib if kind == "lead_guitar" else 0.0, detune=detune)
        sig = np.tanh(3.5 * raw) * 0.6 * _env(n, 0.004, 0.5, 0.7, 0.04)
    elif kind == "lead_saw":
        sig = _additive(f, n, _SAW * 0.8, vibrato=vib * 1.3) * _env(n, 0.008, 0.2, 0.6, 0.04)
    elif kind == "lead_square":
        sig = _additive(f, n, _SQUARE, vibrato=vib) * _env(n, 0.005, 0.15, 0.5, 0.03)
    elif kind == "lead_soft":
        sig = _additive(f, n, _SOFT, vibrato=vib) * _env(n, 0.02, 0.4, 0.6, 0.06)
    elif kind in ("lead_flute", "lead_clarinet"):
        weights = np.array([1.0, 0.12, 0.05]) if kind == "lead_flute" else _SQUARE[:9] ** 0.8
        sig = _additive(f, n, weights, vibrato=vib * 1.2) * _env(n, 0.05, 0.3, 0.8, 0.05)
        if kind == "lead_flute":
            breath = np.random.default_rng(midi).standard_normal(n).astype(np.float32) * 0.04
            sig = sig + breath * _env(n, 0.02, 0.08, 0.3, 0.05)
    elif kind in ("lead_brass", "lead_sax"):
        weights = _SAW[:10] ** (1.0 if kind == "lead_brass" else 1.5)
        sig = _additive(f, n, weights, vibrato=vib * 1.5) * _env(
            n, 0.04 if kind == "lead_brass" else 0.025, 0.3, 0.75, 0.05
        )
    elif kind in ("lead_fiddle", "lead_strings"):
        sig = _additive(f, n, _SAW[:10] ** 1.2, vibrato=vib * 2.0) * _env(n, 0.06, 0.4, 0.85, 0.08)
    elif kind in ("lead_accordion", "lead_organ"):
        sig = _tone("accordion" if kind == "lead_accordion" else "organ", midi, n)
    elif kind in ("lead_marimba", "lead_steelpan"):
        t = np.arange(n, dtype=np.float64) / SR
        ratio = 4.0 if kind == "lead_marimba" else 2.76
        mod = 1.2 * np.exp(-t * 14) * np.sin(2 * np.pi * f * ratio * t)
        decay = 7.0 if kind == "lead_marimba" else 3.0
        sig = (np.sin(2 * np.pi * f * t + mod) * np.exp(-t * decay)).astype(np.float32)
    elif kind == "lead_cowbell":
        t = np.arange(n, dtype=np.float32) / SR
        tone = np.sign(np.sin(2 * np.pi * f * t)) * 0.6 + np.sign(np.sin(2 * np.pi * f * 1.48 * t)) * 0.4
        sig = (tone * np.exp(-t * 9)).astype(np.float32) * 0.5
    elif kind == "arp":
        sig = _additive(f, n, _SQUARE[:7], detune=detune) * _env(n, 0.002, 0.06, 0.15, 0.01)
    elif kind == "lead_bell":
        t = np.arange(n, dtype=np.float64) / SR
        mod = 2.2 * np.exp(-t * 6) * np.sin(2 * np.pi * f * 3.5 * t)
        sig = np.sin(2 * np.pi * f * t + mod).astype(np.float32) * _env(n, 0.002, 0.35, 0.15, 0.05)
    else:  # an instrument the data names but the synthesizer lacks: a soft lead, never a crash
        sig = _additive(f, n, _SOFT, vibrato=vib) * _env(n, 0.02, 0.4, 0.6, 0.06)
    sig = np.ascontiguousarray(sig, dtype=np.float32)
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
    tr = t(0.08)
    rim = (
        np.sin(2 * np.pi * 1700 * tr) * np.exp(-tr * 90)
        + signal.lfilter(bp_b, bp_a, rng.standard_normal(len(tr))) * np.exp(-tr * 120) * 0.5
    )
    tb = t(0.25)
    cowbell = (np.sign(np.sin(2 * np.pi * 540 * tb)) + np.sign(np.sin(2 * np.pi * 800 * tb))) * np.exp(-tb * 16)
    tsh = t(0.09)
    shaker_b, shaker_a = signal.butter(2, 5000 / (SR / 2), "highpass")
    shaker = signal.lfilter(shaker_b, shaker_a, rng.standard_normal(len(tsh))) * np.sin(np.pi * tsh / tsh[-1]) ** 2
    tg = t(0.3)
    conga = np.sin(2 * np.pi * np.cumsum(220 + 60 * np.exp(-tg * 40)) / SR) * np.exp(-tg * 11)
    tcl = t(0.06)
    clave = np.sin(2 * np.pi * 2500 * tcl) * np.exp(-tcl * 70)
    kit = {
        "kick": kick, "snare": snare, "clap": clap, "hat": hat, "open_hat": open_hat, "crash": crash,
        "rim": rim, "cowbell": cowbell, "shaker": shaker, "conga": conga, "clave": clave,
    }  # fmt: skip
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


FORM = ("verse", "chorus", "verse", "chorus", "bridge", "chorus", "chorus")


def _arrangement(n_bars: int) -> list[str]:
    """Section label per bar: intro, verses and choruses, a bridge, the last choruses, outro.

    Full-length tracks get the whole form (sections of 4 or 8 bars, spare bars lengthen the
    verses); short ones (tests, demos) keep intro, verse, chorus and outro.
    """
    if n_bars <= 4:
        return ["intro"] + ["chorus"] * max(0, n_bars - 2) + ["outro"] * min(1, n_bars - 1)
    if n_bars < 8:
        body = n_bars - 2
        return ["intro"] + ["verse"] * (body // 2) + ["chorus"] * (body - body // 2) + ["outro"]
    intro = 2 if n_bars < 24 else 4
    outro = 2 if n_bars < 24 else 4
    body = n_bars - intro - outro
    if body < 28:  # short tracks: a verse, then the chorus with the hook to the end
        verse = min(8, (body // 3) // 2 * 2 or 2)
        return ["intro"] * intro + ["verse"] * verse + ["chorus"] * (body - verse) + ["outro"] * outro
    length = 8 if body >= 56 else 4
    sizes = [length] * len(FORM)
    spare = body - length * len(FORM)
    verses = [i for i, name in enumerate(FORM) if name == "verse"]
    while spare >= 4 and any(sizes[i] < 16 for i in verses):
        for i in verses:
            if spare >= 4 and sizes[i] < 16:
                sizes[i] += 4
                spare -= 4
    sizes[-1] += spare  # what is left (under a phrase) lengthens the last chorus
    labels = [name for name, size in zip(FORM, sizes, strict=True) for _ in range(size)]
    return ["intro"] * intro + labels + ["outro"] * outro


# Section -> which parts play and how hard.
SECTION_PARTS = {
    "intro": {"kick": 0.6, "snare": 0.0, "hats": 0.6, "bass": 0.0, "chords": 0.8, "arp": 0.6, "lead": 0.0},
    "verse": {"kick": 1.0, "snare": 1.0, "hats": 1.0, "bass": 0.9, "chords": 0.7, "arp": 0.4, "lead": 0.0},
    "chorus": {"kick": 1.0, "snare": 1.0, "hats": 1.0, "bass": 1.0, "chords": 1.0, "arp": 1.0, "lead": 1.0},
    "bridge": {"kick": 0.0, "snare": 0.0, "hats": 0.4, "bass": 0.6, "chords": 1.0, "arp": 0.8, "lead": 0.8},
    "outro": {"kick": 0.7, "snare": 0.5, "hats": 0.6, "bass": 0.6, "chords": 0.8, "arp": 0.4, "lead": 0.0},
}
DRUM_GAINS = {
    "kick": 0.95, "snare": 0.85, "clap": 0.7, "hat": 0.6, "open_hat": 0.4, "rim": 0.55, "cowbell": 0.4,
    "shaker": 0.35, "conga": 0.6, "clave": 0.45,
}  # fmt: skip
DRUM_PANS = {"hat": 0.3, "open_hat": -0.25, "clap": 0.1, "shaker": 0.4, "conga": -0.35, "cowbell": 0.25, "rim": 0.15}
BASS_KINDS = {
    "sub": "bass_sub", "roots": "bass_round", "walking": "bass_round", "slide808": "bass_808",
    "wobble": "bass_wobble", "logdrum": "bass_log", "tuba": "bass_tuba", "octaves": "bass_saw",
}  # fmt: skip
CHORD_GAINS = {
    "pad": 0.12, "organ": 0.09, "stab": 0.11, "rhodes": 0.15, "piano": 0.13, "guitar": 0.12, "pluck": 0.12,
    "guitar_dist": 0.16, "strings": 0.1, "accordion": 0.08, "skank": 0.1,
}  # fmt: skip


def _chord_hits(kind: str, energy: float, section: str) -> list[tuple[float, float]]:
    """(step, length in steps) of the chord part in one bar, by instrument."""
    if kind == "stab":
        return [(s, 1.5) for s in ((2, 6, 10, 14) if energy < 0.6 else (0, 3, 6, 10, 12, 14))]
    if kind == "rhodes":
        return [(0, 7), (7, 9)]
    if kind == "organ":
        return [(0, 3), (4, 3), (8, 3), (12, 4)] if energy > 0.5 else [(0, 16)]
    if kind == "piano":
        return [(0, 6), (6, 2), (8, 8)] if section == "chorus" else [(0, 8), (8, 8)]
    if kind in ("guitar", "pluck"):
        return [(0, 3), (3, 3), (6, 2), (8, 3), (11, 3), (14, 2)]
    if kind == "guitar_dist":
        return [(s, 2) for s in range(0, 16, 2)] if section != "verse" else [(0, 6), (6, 2), (8, 6), (14, 2)]
    if kind == "skank":
        return [(s, 1) for s in (2, 6, 10, 14)]
    if kind == "accordion":
        return [(s, 2) for s in (2, 6, 10, 14)] if energy > 0.5 else [(0, 8), (8, 8)]
    return [(0, 16)]


# Sections change harmony as well as texture: the bridge leaves the home progression.
BRIDGE_MAJOR = (3, 4, 5, 4)
BRIDGE_MINOR = (5, 3, 6, 4)


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


# Section tags of lyrics, in the languages the writers use.
LYRIC_TAGS = {
    "verse": ("verse", "verso", "couplet", "strophe", "estrofa", "strofa"),
    "chorus": ("chorus", "coro", "refrão", "refrao", "refrain", "estribillo", "hook", "ritornello", "refrein"),
    "bridge": ("bridge", "puente", "ponte", "pont", "brücke", "bridge"),
}
_TAG = re.compile(r"^\s*[\[(](.+?)[\])]\s*$")


def lyric_sections(text: str) -> dict[str, list[list[str]]]:
    """Lyric lines grouped by section kind: {"verse": [[lines of verse 1], ...], "chorus": [...], "bridge": [...]}."""
    found: dict[str, list[list[str]]] = {"verse": [], "chorus": [], "bridge": []}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = " ".join(raw.split())
        tag = _TAG.match(line)
        if tag:
            name = tag.group(1).lower()
            kind = next((k for k, words in LYRIC_TAGS.items() if any(w in name for w in words)), None)
            current = None
            if kind is not None:
                current = []
                found[kind].append(current)
        elif line and current is not None:
            current.append(line)
        elif line and current is None and not any(found.values()):
            current = [line]  # lyrics without tags: sing them as one verse
            found["verse"].append(current)
    return {kind: [lines for lines in blocks if lines] for kind, blocks in found.items()}


def lyrics_language(text: str) -> str:
    """ "en" when the section tags are English ("[Chorus]"), else "other": enough to know if a final e is sung."""
    tags = [match.group(1).lower() for match in map(_TAG.match, text.splitlines()) if match]
    english = ("verse", "chorus", "bridge", "intro", "outro", "hook", "pre-chorus")
    return "en" if not tags or any(tag.startswith(english) for tag in tags) else "other"


def vocal_phrases(sections: list[str], lyrics: str) -> list[tuple[int, str, str, int]]:
    """(first bar, line, section kind, line number) for each sung line: two bars a line, verses in turn.

    A chorus longer than its lines sings them again; a verse longer than its lines rests.
    """
    lyric = lyric_sections(lyrics)
    phrases: list[tuple[int, str, str, int]] = []
    verses_sung = 0
    bar = 0
    while bar < len(sections):
        label = sections[bar]
        end = bar
        while end < len(sections) and sections[end] == label:
            end += 1
        lines: list[str] = []
        if label == "verse" and lyric["verse"]:
            lines = lyric["verse"][verses_sung % len(lyric["verse"])]
            verses_sung += 1
        elif label in ("chorus", "bridge") and lyric[label]:
            block = lyric[label][0]
            lines = block * max(1, (end - bar) // max(2, 2 * len(block))) if label == "chorus" else block
        for index, line in enumerate(lines):
            start = bar + 2 * index
            if start + 2 > end:
                break
            phrases.append((start, line, label, index))
        bar = end
    return phrases


def vocal_bars(sections: list[str], request: MusicRequest) -> set[int]:
    """The bars where the voice sings (the lead instrument keeps out of them)."""
    return {start + offset for start, *_ in vocal_phrases(sections, request.lyrics) for offset in (0, 1)}


def _vocal_notes(
    phrases: list[tuple[int, str, str, int]],
    *,
    chords: list[int],
    tonic: int,
    mode: str,
    sevenths: bool,
    bar_len: float,
    step_len: float,
    seed: int,
    language: str,
) -> list[Note]:
    """A melody for each sung line, syllable by syllable: chord tones on strong steps, an arc per line.

    The same line in the same section kind gets the same melody, so a chorus sung again sounds the same.
    """
    scale = {(tonic + step) % 12 for step in _scale(mode)}
    notes: list[Note] = []
    for bar, line, label, index in phrases:
        syllables = syllabify(line, language)[:28]
        if not syllables:
            continue
        count = len(syllables)
        spacing = 4 if count <= 6 else 2 if count <= 14 else 1
        rng = np.random.default_rng([seed, len(label), index, 5])
        anchor = 60 + (tonic - 60) % 12 + {"verse": 0, "chorus": 5, "bridge": 3}.get(label, 0)
        lift = int(rng.integers(2, 6))
        for i, syllable in enumerate(syllables):
            step = i * spacing
            last = i == count - 1
            length = (28 - step) if last else spacing
            b = bar + step // 16
            pcs = _chord_pcs(chords[min(b, len(chords) - 1)], tonic, mode, sevenths)
            position = i / max(1, count - 1)
            target = anchor + lift * math.sin(math.pi * position) - (2 if last else 0)
            strong = step % 8 == 0 or last
            pool = [m for m in range(anchor - 7, anchor + 12) if m % 12 in (pcs if strong else scale)]
            if last and label == "chorus" and index % 2 == 1:
                pool = [m for m in range(anchor - 7, anchor + 12) if m % 12 == tonic]
            midi = _nearest(pool, target)
            start = bar * bar_len + step * step_len
            notes.append(Note(start=start, duration=length * step_len * 0.95, midi=midi, syllable=syllable))
    return notes


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
    first = int(rng_form.integers(len(progressions)))
    second = (first + 1 + int(rng_form.integers(len(progressions) - 1))) % len(progressions)
    by_section = {
        "chorus": progressions[second],
        "bridge": BRIDGE_MAJOR if mode == "major" else BRIDGE_MINOR,
    }
    chords, position = [], 0
    for bar, section in enumerate(sections):
        if bar and sections[bar - 1] != section:
            position = 0  # each section starts its progression from the top
        progression = by_section.get(section, progressions[first])
        chords.append(progression[position % len(progression)])
        position += 1
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
        starts = section == "chorus" and (bar == 0 or sections[bar - 1] != section)
        ends = section in ("verse", "chorus") and bar + 1 < n_bars and sections[bar + 1] != section
        drumless = style.drums in ("ambient", "none")
        if starts and parts["snare"] > 0 and not drumless:
            drums.add(at(bar, 0), kit["crash"], 0.3 * level * vel(), -0.3)
        if ends and not drumless:
            for step, velocity in ((12, 0.45), (13, 0.55), (14, 0.7), (15, 0.85)):
                drums.add(at(bar, step), kit["snare"], 0.85 * velocity * level * vel(), 0.1)
        for inst, hits in pattern.items():
            part = "hats" if inst in ("hat", "open_hat", "shaker") else ("kick" if inst == "kick" else "snare")
            amount = parts[part]
            if amount <= 0:
                continue
            for step, velocity in hits.items():
                if inst == "hat" and energy < 0.35 and step % 4:
                    velocity *= 0.4  # calm: off-beat hats recede (kept: they tell the beat from the 8th)
                if ends and inst in ("snare", "clap") and step >= 12 and not drumless:
                    continue  # the fill takes the last beat
                drums.add(
                    at(bar, step),
                    kit[inst],
                    DRUM_GAINS[inst] * velocity * amount * level * vel(),
                    DRUM_PANS.get(inst, 0.0),
                )
            driven = energy > 0.65 and not drumless
            if inst == "hat" and driven and section in ("verse", "chorus", "outro") and len(hits) <= 8:
                for step in range(1, 16, 2):  # driven: 16th-note hats in the full sections
                    drums.add(at(bar, step), kit["hat"], 0.3 * amount * level * vel(), 0.3)
        # Bass: the chord root, two octaves down.
        if parts["bass"] > 0:
            root = 33 + (pcs[0] - 33) % 12
            kind = BASS_KINDS.get(style.bass, "bass_saw")
            third = 33 + (pcs[1] - 33) % 12
            fifth = 33 + (pcs[2 if len(pcs) > 2 else 0] - 33) % 12
            if style.bass == "walking":
                notes = [(0, 4, root), (4, 4, third), (8, 4, fifth), (12, 4, root + 12 if fifth < root + 7 else root)]
            elif style.bass == "octaves":
                notes = [(s, 2, root + (12 if s % 4 == 2 else 0)) for s in range(0, 16, 2)]
            elif style.bass == "logdrum":
                notes = [(0, 3, root), (3, 3, root), (6, 4, fifth), (10, 2, root), (12, 4, root + 12)]
            elif style.bass == "tuba":
                notes = [(0, 4, root), (8, 4, fifth)]
            elif style.bass in ("slide808", "wobble"):
                notes = [(0, 6, root), (6, 4, root), (10, 6, root + (12 if style.bass == "wobble" else 0))]
            elif style.bass == "offbeat":
                notes = [(s, 2, root if s != 14 else root + 12) for s in (2, 6, 10, 14)]
            elif style.bass == "eighths":
                notes = [(s, 2, root + (12 if s in (6, 14) and energy > 0.6 else 0)) for s in range(0, 16, 2)]
            elif style.bass == "sub":
                notes = [(0, 7, root), (7, 3, root), (10, 6, root)]
            else:
                notes = [(0, 6, root), (6, 2, root), (8, 4, root), (12, 2, fifth), (14, 2, root + 12)]
            for step, length, midi in notes:
                n = int(length * step_len * SR)
                bass.add(at(bar, step), _tone(kind, midi, n), 0.36 * parts["bass"] * level * vel())
        # Chords.
        if parts["chords"] > 0:
            voicing = _voice(pcs, 55, 67)
            kind = style.chords if style.chords in CHORD_GAINS else "pad"
            if kind == "guitar_dist":
                voicing = [_voice(pcs[:1], 40, 52)[0], _voice(pcs[:1], 40, 52)[0] + 7]  # a power chord
            hits = _chord_hits(kind, energy, section)
            gain = CHORD_GAINS[kind] * parts["chords"]
            strum = kind in ("guitar", "pluck")
            doubled = kind not in ("guitar", "pluck", "piano", "guitar_dist")
            for step, length in hits:
                n = int(length * step_len * SR)
                for i, midi in enumerate(voicing):
                    spread = (i - (len(voicing) - 1) / 2) * 0.35
                    offset = int(i * 0.012 * SR) if strum else 0  # a strum: strings a few ms apart
                    if doubled:
                        keys.add(at(bar, step), _tone(kind, midi, n, 7.0), gain * vel(), spread - 0.25)
                        keys.add(at(bar, step), _tone(kind, midi, n, -7.0), gain * vel(), spread + 0.25)
                    else:
                        keys.add(at(bar, step) + offset, _tone(kind, midi, n), 1.6 * gain * vel(), spread)
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
    sung = vocal_bars(sections, request) if request.lyrics.strip() and not request.instrumental else set()
    low, high = 67, 86
    motifs: dict[str, list[tuple[int, int, int, int]]] = {}
    anchor_pc = tonic
    anchor = low + (anchor_pc - low) % 12 + 2
    bar = 0
    while bar < n_bars:
        section = sections[bar]
        amount = SECTION_PARTS[section]["lead"]
        if amount <= 0 or bar in sung:
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

    vocal = None
    if sung:
        phrases = vocal_phrases(sections, request.lyrics)
        notes = _vocal_notes(
            phrases,
            chords=chords,
            tonic=tonic,
            mode=mode,
            sevenths=style.sevenths,
            bar_len=bar_len,
            step_len=step_len,
            seed=seed,
            language=lyrics_language(request.lyrics),
        )
        vocal = sing(notes, length=n_total, voice=voice_from_description(request.voice), seed=seed)

    beat_samples = int(beat * SR)
    lead.echo([(int(beat_samples * 0.75), 0.28, 0.1), (int(beat_samples * 1.5), 0.08, 0.2)])
    keys.echo([(int(0.031 * SR), 0.18, 0.1), (int(0.047 * SR), 0.1, 0.18), (int(0.089 * SR), 0.08, 0.1)])

    # Energy opens the tone: a calm track is darker (lower cut-off over everything but the bass)
    # and sits a little lower in level; release packaging normalises loudness for the stores.
    tone = signal.butter(2, min(0.95, (4000 + 14000 * energy) / (SR / 2)), "lowpass", output="sos")
    mix = np.empty((n_total, 2), dtype=np.float32)
    duck = _vocal_duck(vocal) if vocal is not None else None
    for channel, side in enumerate(("left", "right")):
        melodic = getattr(keys, side) + getattr(lead, side)
        if duck is not None:
            melodic[:n_total] *= duck  # the chords and lead make room while the voice sings
        wet = getattr(drums, side)
        wet += melodic
        mix[:, channel] = signal.sosfilt(tone, wet[:n_total])
        mix[:, channel] += getattr(bass, side)[:n_total]
    del drums, bass, keys, lead  # long tracks: free the part buses before mastering
    if vocal is not None:
        mix += _vocal_stereo(vocal, mix, beat)
    return master(mix, target_lufs=TARGET_LUFS - 4.0 * (1.0 - energy))


def _vocal_duck(vocal: np.ndarray) -> np.ndarray:
    """Gain for the melodic parts: down to -5 dB where the voice sings, with a 120 ms smooth release."""
    envelope = ndimage.uniform_filter1d(np.abs(vocal), size=int(0.12 * SR))
    envelope = envelope / max(float(envelope.max()), 1e-6)
    return (1.0 - 0.45 * np.clip(envelope * 3.0, 0, 1)).astype(np.float32)


def _vocal_stereo(vocal: np.ndarray, mix: np.ndarray, beat: float) -> np.ndarray:
    """The voice in the middle, a little louder than the music where it sings, with a short room and a beat echo."""
    sung = np.abs(vocal) > 1e-3
    if not sung.any():
        return np.zeros_like(mix)
    music_rms = float(np.sqrt(np.mean(np.square(mix[sung])))) or 0.1
    voice_rms = float(np.sqrt(np.mean(np.square(vocal[sung])))) or 1.0
    dry = vocal * np.float32(1.3 * music_rms / voice_rms)
    out = np.repeat(dry[:, None], 2, axis=1)
    for delay, left, right in (
        (int(0.023 * SR), 0.18, 0.1),
        (int(0.041 * SR), 0.08, 0.16),
        (int(beat * SR), 0.12, 0.12),
    ):
        out[delay:, 0] += dry[:-delay] * left
        out[delay:, 1] += dry[:-delay] * right
    return out


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
