"""Sections on a song whose structure is known: boundaries where the arrangement changes,
repeated choruses in one group and named by position, repetition and energy."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from analytics.audio import extract_features

SR = 22050
BAR = 2.0  # seconds: 4 beats at 120 BPM
# Chords as semitones above A (triads), one per bar.
VERSE = [(0, 3, 7), (8, 12, 15), (3, 7, 10), (10, 14, 17)]  # Am F C G
CHORUS = [(8, 12, 15), (10, 14, 17), (3, 7, 10), (7, 11, 14)]  # F G C E
BRIDGE = [(5, 8, 12), (7, 10, 14)]  # Dm Em
FORM = [  # (label, bars, chords, brightness, level, drums)
    ("intro", 4, VERSE, 1, 0.25, False),
    ("verse", 6, VERSE, 2, 0.5, True),
    ("chorus", 6, CHORUS, 6, 1.0, True),
    ("verse", 6, VERSE, 2, 0.5, True),
    ("chorus", 6, CHORUS, 6, 1.0, True),
    ("bridge", 6, BRIDGE, 1, 0.6, False),
    ("chorus", 6, CHORUS, 6, 1.0, True),
    ("outro", 4, CHORUS, 1, 0.3, False),
]


def _song(path) -> list[tuple[str, float]]:
    """Write the song; (label, start) of each section."""
    rng = np.random.default_rng(3)
    t = np.arange(int(BAR * SR)) / SR
    bars, starts = [], []
    for label, count, chords, harmonics, level, drums in FORM:
        starts.append((label, len(bars) * BAR))
        for i in range(count):
            chord = chords[i % len(chords)]
            bar = np.zeros_like(t)
            for semitone in chord:
                freq = 220.0 * 2 ** (semitone / 12)
                for h in range(1, harmonics + 1):
                    bar += np.sin(2 * np.pi * freq * h * t) / h
            bar *= 0.08 * level
            if drums:
                for beat in range(4):
                    at = t - beat * BAR / 4
                    hit = at >= 0
                    bar[hit] += 0.4 * level * np.sin(2 * np.pi * 60 * at[hit]) * np.exp(-at[hit] * 25)
                    if harmonics > 2:  # hi-hats in the chorus
                        noise = rng.standard_normal(hit.sum()) * np.exp(-at[hit] * 60)
                        bar[hit] += 0.15 * noise
            bars.append(bar)
    sf.write(path, np.concatenate(bars).astype(np.float32), SR, subtype="PCM_16")
    return starts


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    path = tmp_path_factory.mktemp("sections") / "song.wav"
    return _song(path), extract_features(path)


def test_boundaries_are_where_the_arrangement_changes(song):
    truth, analysis = song
    found = [s.start for s in analysis.sections[1:]]
    expected = [start for _, start in truth[1:]]
    hits = [e for e in expected if any(abs(e - f) <= 0.5 for f in found)]
    assert len(hits) >= len(expected) - 1, (found, expected)
    assert len(found) <= len(expected) + 1, (found, expected)


def test_repeated_choruses_share_a_group_and_are_named(song):
    truth, analysis = song

    def at(time: float):
        return next(s for s in analysis.sections if s.start <= time < s.end)

    chorus_times = [start + BAR * 3 for label, start in truth if label == "chorus"]
    choruses = [at(time) for time in chorus_times]
    assert {s.group for s in choruses} == {choruses[0].group} and choruses[0].group
    assert all(s.label == "chorus" for s in choruses)
    verses = [at(start + BAR * 3) for label, start in truth if label == "verse"]
    assert verses[0].group == verses[1].group != choruses[0].group
    assert all(s.label == "verse" for s in verses)
    assert at(truth[5][1] + BAR * 3).label == "bridge"
    assert analysis.sections[0].label == "intro" and analysis.sections[-1].label == "outro"
    assert max(s.energy for s in analysis.sections) == 1.0
