"""Songs with form: every genre of the vocabulary has its own instrumentation, a full-length
track is heard as at least four sections, and the sung vocal line is measurable above the
instrumental."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from analytics.audio import extract_features
from generation.providers.music import MusicRequest, get_music_provider
from generation.providers.music.local import (
    BASS_KINDS,
    CHORD_GAINS,
    PATTERNS,
    _arrangement,
    lyric_sections,
    render,
    style_for,
    vocal_phrases,
)
from kernel.music import genres

LYRICS = """[Verse 1]
I kept the postcard under the streetlight
We danced along the rain tonight
You left a lantern by the shore
Nobody waited at the door

[Chorus]
Oh, meet me under the neon light
Hold the signal through the night
Take the radio home with you
Under the neon light

[Verse 2]
She traced the river on the map
The engine hummed across the gap
I lost my sweater in the snow
The telephone began to glow

[Bridge]
Do you remember the harbour wall?
We sang beneath the waterfall
"""
# Instruments the synthesizer plays (the test's own list, not the module's).
LEADS = {"saw", "square", "bell", "soft", "pluck", "flute", "brass", "sax", "guitar", "fiddle", "strings", "marimba",
         "cowbell", "accordion", "oud", "sitar", "steelpan", "clarinet", "banjo", "organ"}  # fmt: skip


def test_every_genre_of_the_vocabulary_has_its_instrumentation():
    combos = set()
    for genre in genres().values():
        style = style_for(genre.name)
        assert style.genre == genre.name
        assert style.drums in PATTERNS and style.lead in LEADS
        assert style.chords in CHORD_GAINS and (style.bass in BASS_KINDS or style.bass in ("offbeat", "eighths"))
        combos.add((style.drums, style.bass, style.chords, style.lead))
    assert len(genres()) >= 150 and len(combos) >= 60


@pytest.mark.parametrize("genre", ["phonk", "fado", "amapiano", "baile funk", "k-pop", "bluegrass", "soca", "tango"])
def test_genres_sound_different(genre):
    audio = render(MusicRequest(genre=genre, tempo=110, key="D", mode="minor", duration_seconds=8, seed=2))
    pop = render(MusicRequest(genre="pop", tempo=110, key="D", mode="minor", duration_seconds=8, seed=2))
    assert audio.shape == pop.shape and np.isfinite(audio).all() and np.abs(audio).max() > 0.1
    assert not np.allclose(audio, pop, atol=1e-3)


def test_lyrics_map_onto_the_arrangement():
    sections = _arrangement(70)
    phrases = vocal_phrases(sections, LYRICS)
    sung = {label for _, _, label, _ in phrases}
    assert sung == {"verse", "chorus", "bridge"}
    assert all(sections[bar] == label and sections[bar + 1] == label for bar, _, label, _ in phrases)
    assert lyric_sections("[Refrão]\numa linha\n[Verso 1]\noutra")["chorus"] == [["uma linha"]]


def _band_share_db(path, start: float, end: float, low: float, high: float) -> float:
    audio, rate = sf.read(path)
    mono = audio.mean(axis=1)[int(start * rate) : int(end * rate)]
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / rate)
    return float(10 * np.log10(power[(freqs > low) & (freqs < high)].sum() / power.sum()))


@pytest.mark.slow
def test_a_full_length_track_has_sections_and_a_sung_line(tmp_path):
    """The one full-length check (150 s, the TRACK_SECONDS default): form and vocal, heard by analysis."""
    base = dict(genre="pop", tempo=112, key="A", mode="minor", energy=0.7, duration_seconds=150, seed=5)
    request = MusicRequest(**base, lyrics=LYRICS, instrumental=False, voice="Bright, breathy soprano")
    sung = get_music_provider("local").generate(request, workdir=tmp_path / "sung")
    plain = get_music_provider("local").generate(MusicRequest(**base), workdir=tmp_path / "plain")

    analysis = extract_features(sung.path)
    assert analysis.duration == pytest.approx(150, abs=0.1)
    assert len(analysis.sections) >= 4
    assert {"verse", "chorus"} <= {section.label for section in analysis.sections}
    # The voice: wherever a line is sung (two bars of 4 beats at 112 BPM), the voice band (300-3400 Hz)
    # holds a larger share of the energy than in the same stretch of the instrumental render.
    bar = 4 * 60 / 112
    phrases = vocal_phrases(_arrangement(int(np.ceil(150 / bar))), LYRICS)
    assert len(phrases) >= 20
    gains = [
        _band_share_db(sung.path, first * bar, (first + 2) * bar, 300, 3400)
        - _band_share_db(plain.path, first * bar, (first + 2) * bar, 300, 3400)
        for first, *_ in phrases
    ]
    assert min(gains) > 1.0 and sum(gains) / len(gains) > 3.0, gains
    assert analysis.tempo == pytest.approx(112, rel=0.02) and (analysis.key, analysis.mode) == ("A", "minor")
