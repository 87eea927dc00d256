"""The embedded singer: lyrics sung syllable by syllable on a melody, by a small formant synthesizer.

No key, no network, no system package: a glottal-like source (harmonics falling 12 dB an
octave, with vibrato and a little jitter) at each note's pitch, shaped by three formant
resonators for the syllable's vowel, with the consonants around it made of filtered noise
bursts (s, f, sh, t, k...), nasal hums (m, n) and glides (l, r, w, y). The voice follows the
profile's voice words where it can: "baritone", "tenor", "alto", "soprano", "male", "female"
set the register and the formant size; "breathy", "raspy", "whisper" add breath; "smooth",
"operatic" deepen the vibrato. It sounds like an old speech synthesizer that can hold a tune:
the melody and the rhythm of the words come through, the words themselves only partly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

SR = 44100

# First three formants (Hz) of sung vowels for an adult male voice; a female voice scales them up.
VOWELS: dict[str, tuple[float, float, float]] = {
    "a": (730.0, 1090.0, 2440.0),
    "e": (530.0, 1840.0, 2480.0),
    "i": (300.0, 2250.0, 3000.0),
    "o": (520.0, 860.0, 2400.0),
    "u": (320.0, 870.0, 2250.0),
    "@": (500.0, 1450.0, 2450.0),  # the neutral vowel of unstressed syllables
}
_VOWEL_LETTERS = "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýœ"
_DIGRAPHS = {"ee": "i", "ea": "i", "ie": "i", "oo": "u", "ou": "u", "ue": "u", "ai": "e", "ay": "e", "ei": "e"}
_SYLLABLE = re.compile(rf"([^{_VOWEL_LETTERS}]*)([{_VOWEL_LETTERS}]+)([^{_VOWEL_LETTERS}]*)")


@dataclass(frozen=True)
class Note:
    """One sung syllable: when (seconds), how long, at which MIDI pitch, and its letters."""

    start: float
    duration: float
    midi: float
    syllable: str


@dataclass(frozen=True)
class Voice:
    """What the profile's voice description makes of the singer."""

    register: str  # "low" (baritone/male) or "high" (alto/soprano/female)
    formant_scale: float
    breath: float
    vibrato: float  # semitones


def voice_from_description(description: str) -> Voice:
    words = description.lower()
    high = any(w in words for w in ("soprano", "alto", "female", "woman", "girl", "her ", "diva", "falsetto"))
    low = any(w in words for w in ("baritone", "bass ", "male", "man ", "tenor", "crooner", "gravel"))
    register = "high" if high and "baritone" not in words else ("low" if low else "high")
    breath = 0.08
    if any(w in words for w in ("breathy", "whisper", "hushed", "airy", "soft")):
        breath = 0.22
    if any(w in words for w in ("raspy", "gritty", "raw", "gravel", "husky")):
        breath = 0.16
    vibrato = 0.35 if any(w in words for w in ("operatic", "soaring", "smooth", "silky", "crooner")) else 0.22
    return Voice(register=register, formant_scale=1.16 if register == "high" else 1.0, breath=breath, vibrato=vibrato)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFC", text.lower())


def syllabify(line: str, language: str = "en") -> list[str]:
    """Syllables of a lyric line by vowel groups (consonants go to the following vowel); any Latin script.

    English drops a silent final e ("home" is one syllable); other languages sing it ("saudade").
    """
    out: list[str] = []
    for word in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", _plain(line)):
        word = word.replace("'", "").replace("’", "")
        parts = _SYLLABLE.findall(word)
        if not parts:
            if out:
                out[-1] += word
            continue
        syllables = []
        carry = ""
        for onset, vowel, coda in parts:
            syllables.append(carry + onset + vowel)
            carry = coda
        silent_e = language == "en" and word.endswith("e") and len(parts[-1][1]) == 1 and not parts[-1][2]
        if len(syllables) > 1 and silent_e:
            # English silent e ("home", "stone"): it closes the syllable before it, it is not sung.
            last = syllables.pop()
            syllables[-1] += last
        # Consonants between vowels: one goes to the next syllable, the rest close this one.
        fixed = []
        for i, syl in enumerate(syllables):
            if i + 1 < len(syllables):
                nxt = syllables[i + 1]
                lead = re.match(rf"[^{_VOWEL_LETTERS}]*", nxt).group()
                if len(lead) > 1:
                    syl, syllables[i + 1] = syl + lead[:-1], nxt[len(lead) - 1 :]
            fixed.append(syl)
        fixed[-1] += carry
        out.extend(fixed)
    return out


def _vowel_of(letters: str) -> str:
    plain = unicodedata.normalize("NFKD", letters)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).replace("y", "i")
    if plain[:2] in _DIGRAPHS:
        return _DIGRAPHS[plain[:2]]
    return plain[0] if plain[:1] in VOWELS else "@"


def _split(syllable: str) -> tuple[str, str, str]:
    match = _SYLLABLE.match(syllable)
    if not match:
        return syllable, "", ""
    return match.group(1), match.group(2), syllable[match.end() :] + match.group(3)


@lru_cache(maxsize=64)
def _resonator(freq: float, bandwidth: float) -> tuple[np.ndarray, np.ndarray]:
    """A two-pole resonator (unit gain at its centre) for a formant."""
    r = np.exp(-np.pi * bandwidth / SR)
    theta = 2 * np.pi * freq / SR
    a = np.array([1.0, -2 * r * np.cos(theta), r * r])
    b = np.array([(1 - r) * np.sqrt(1 - 2 * r * np.cos(2 * theta) + r * r)])
    return b, a


def _formants(source: np.ndarray, formants: tuple[float, float, float], scale: float) -> np.ndarray:
    out = np.zeros_like(source)
    for freq, bandwidth, gain in zip(formants, (90.0, 110.0, 150.0), (1.0, 0.6, 0.3), strict=True):
        b, a = _resonator(round(freq * scale, 0), bandwidth)
        out += gain * signal.lfilter(b, a, source).astype(np.float32)
    return out


def _glottal(freq: float, n: int, rng: np.random.Generator, vibrato: float) -> np.ndarray:
    """A voiced source: harmonics at -12 dB per octave, vibrato that starts after the attack, slight jitter."""
    t = np.arange(n, dtype=np.float64) / SR
    onset = np.clip((t - 0.12) / 0.25, 0, 1)
    cents = vibrato * 100 * onset * np.sin(2 * np.pi * 5.4 * t + rng.uniform(0, 6.28))
    drift = rng.uniform(-6, 6)  # each note's own intonation, in cents
    inst = freq * 2 ** ((cents + drift) / 1200)
    phase = 2 * np.pi * np.cumsum(inst) / SR
    top = max(1, min(40, int(5000 // freq)))
    # Harmonics by the Chebyshev recurrence sin(kx) = 2 cos(x) sin((k-1)x) - sin((k-2)x): one sine and
    # one cosine per note however many harmonics it has.
    previous = np.zeros(n, dtype=np.float32)
    current = np.sin(phase).astype(np.float32)
    twice_cos = (2 * np.cos(phase)).astype(np.float32)
    out = current.copy()
    for k in range(2, top + 1):
        previous, current = current, twice_cos * current - previous
        out += current * np.float32(1.0 / k**2)
    return out


@lru_cache(maxsize=64)
def _bandpass(low: float, high: float) -> np.ndarray:
    """A noise band's filter, designed once: a song asks for the same few bands hundreds of times."""
    return signal.butter(2, [low / (SR / 2), min(high, SR / 2 - 100) / (SR / 2)], "bandpass", output="sos")


def _noise(n: int, low: float, high: float, rng: np.random.Generator) -> np.ndarray:
    return signal.sosfilt(_bandpass(low, high), rng.standard_normal(n)).astype(np.float32)


# Consonant letters -> how they sound: (kind, low Hz, high Hz).
_CONSONANTS = {
    "s": ("hiss", 4500, 9000), "z": ("hiss", 4000, 8000), "c": ("burst", 1800, 4000), "x": ("hiss", 3000, 8000),
    "f": ("hiss", 1500, 7000), "v": ("hiss", 1200, 5000), "h": ("breath", 500, 3000), "j": ("hiss", 2000, 5000),
    "p": ("burst", 500, 1500), "b": ("burst", 300, 1200), "t": ("burst", 3000, 6000), "d": ("burst", 2500, 5000),
    "k": ("burst", 1500, 3000), "g": ("burst", 1200, 2500), "q": ("burst", 1500, 3000),
    "m": ("nasal", 250, 1000), "n": ("nasal", 250, 1500), "ñ": ("nasal", 250, 1800),
    "l": ("glide", 360, 1300), "r": ("glide", 420, 1300), "w": ("glide", 320, 870), "y": ("glide", 300, 2250),
    "ç": ("hiss", 4500, 9000),
}  # fmt: skip


def _consonant(letters: str, n: int, freq: float, voice: Voice, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    if not letters or n <= 0:
        return out
    if letters.startswith(("sh", "ch")):
        letters = "j" + letters[2:]
    kind, low, high = _CONSONANTS.get(letters[-1], ("burst", 1500, 4000))
    t = np.arange(n, dtype=np.float32) / SR
    if kind == "hiss":
        out = _noise(n, low, high, rng) * np.sin(np.pi * t / max(t[-1], 1e-3)) ** 2 * 0.5
    elif kind == "burst":
        burst = min(n, int(0.018 * SR))
        gap = min(n - burst, int(0.012 * SR))
        out[gap : gap + burst] = _noise(burst, low, high, rng) * np.exp(-np.arange(burst) / (0.004 * SR)) * 0.8
    elif kind == "breath":
        out = _noise(n, low, high, rng) * 0.25 * np.sin(np.pi * t / max(t[-1], 1e-3))
    else:  # nasal or glide: voiced, quieter, on its own formants
        source = _glottal(freq, n, rng, 0.0)
        shape = (low, high, 2500.0)
        gain = 0.35 if kind == "nasal" else 0.6
        swell = np.sqrt(np.clip(np.sin(np.pi * t / max(t[-1], 1e-3)), 0, 1))
        out = _formants(source, shape, voice.formant_scale) * gain * swell
    return out.astype(np.float32)


def sing(notes: list[Note], *, length: int, voice: Voice, seed: int = 0) -> np.ndarray:
    """A mono vocal line of `length` samples: each note's syllable sung at its pitch and time."""
    out = np.zeros(length + SR, dtype=np.float32)
    rng = np.random.default_rng([seed, 9])
    octave = 0 if voice.register == "high" else -12
    for note in notes:
        start = int(note.start * SR)
        n = int(max(0.08, note.duration) * SR)
        if start >= length:
            break
        onset, vowel_letters, coda = _split(note.syllable)
        freq = 440.0 * 2 ** ((note.midi + octave - 69) / 12)
        lead = min(int(0.06 * SR), n // 3) if onset else 0
        tail = min(int(0.05 * SR), n // 4) if coda else 0
        body = max(1, n - tail)
        source = _glottal(freq, body, rng, voice.vibrato)
        breath = _noise(body, 300, 6000, rng) * voice.breath
        vowel = _formants(source + breath, VOWELS[_vowel_of(vowel_letters or "@")], voice.formant_scale)
        env = np.ones(body, dtype=np.float32)
        attack, release = min(body, int(0.03 * SR)), min(body, int(0.06 * SR))
        env[:attack] = np.linspace(0, 1, attack, dtype=np.float32)
        env[body - release :] *= np.linspace(1, 0, release, dtype=np.float32)
        segment = np.zeros(lead + n, dtype=np.float32)
        segment[lead : lead + body] += vowel * env
        if lead:
            segment[:lead] += _consonant(onset, lead, freq, voice, rng) * float(np.abs(vowel).max() or 1.0)
        if tail:
            segment[lead + body : lead + body + tail] += _consonant(coda, tail, freq, voice, rng) * float(
                np.abs(vowel).max() or 1.0
            )
        begin = start - lead  # the consonant comes just before the beat, the vowel on it
        chunk = segment[-begin:] if begin < 0 else segment
        begin = max(0, begin)
        end = min(len(out), begin + len(chunk))
        out[begin:end] += chunk[: end - begin]
    peak = float(np.abs(out).max())
    return out[:length] / peak if peak > 0 else out[:length]
