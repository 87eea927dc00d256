"""The embedded singer: syllables, voices from the profile's words, notes sung where they are asked."""

from __future__ import annotations

import numpy as np

from generation.providers.singer import SR, Note, sing, syllabify, voice_from_description


def test_syllables_follow_the_vowels():
    assert syllabify("Meet me under the neon light") == ["meet", "me", "un", "der", "the", "neon", "light"]
    assert syllabify("home stone") == ["home", "stone"]  # a silent e is not sung
    assert syllabify("saudade à beira-mar", "pt") == ["sau", "da", "de", "à", "bei", "ra", "mar"]


def test_voice_words_choose_register_and_breath():
    low = voice_from_description("Warm baritone with fireside harmonies")
    high = voice_from_description("Bright, breathy soprano with stacked harmonies")
    assert low.register == "low" and high.register == "high"
    assert high.formant_scale > low.formant_scale and high.breath > low.breath


def test_notes_are_sung_where_asked_and_silence_elsewhere():
    notes = [
        Note(start=0.5, duration=0.4, midi=64, syllable="la"),
        Note(start=1.5, duration=0.4, midi=67, syllable="so"),
    ]
    voice = sing(notes, length=3 * SR, voice=voice_from_description("alto"), seed=1)
    assert voice.shape == (3 * SR,) and np.isfinite(voice).all()

    def rms(a: float, b: float) -> float:
        return float(np.sqrt(np.mean(voice[int(a * SR) : int(b * SR)] ** 2)))

    assert rms(0.55, 0.85) > 20 * rms(2.3, 2.9) and rms(1.55, 1.85) > 20 * rms(2.3, 2.9)

    # The second note is three semitones up (MIDI 67 vs 64): its fundamental is 2 ** (3 / 12) = 1.19x higher.
    def pitch(a: float, b: float) -> float:
        seg = voice[int(a * SR) : int(b * SR)]
        spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        freqs = np.fft.rfftfreq(len(seg), 1 / SR)
        band = (freqs > 200) & (freqs < 800)
        return float(freqs[band][np.argmax(spectrum[band])])

    assert 1.15 < pitch(1.6, 1.85) / pitch(0.6, 0.85) < 1.23
