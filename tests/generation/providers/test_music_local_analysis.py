"""Audio analysis recovers what the local synthesizer was asked for: tempo within 2 %, key and mode."""

from __future__ import annotations

import pytest

from analytics.audio import extract_features
from generation.providers.music import MusicRequest, get_music_provider

CASES = [
    ("techno", 128, "A", "minor", 1),
    ("lo-fi hip hop", 84, "D#", "major", 2),
    ("synthwave", 110, "F#", "minor", 3),
    ("pop", 100, "C", "major", 4),
    ("deep house", 122, "A#", "major", 5),
    ("trap", 140, "B", "minor", 6),
    ("drum and bass", 172, "C#", "minor", 7),
    ("ambient", 70, "F", "major", 8),
]


@pytest.mark.parametrize(("genre", "tempo", "key", "mode", "seed"), CASES)
def test_analysis_recovers_tempo_and_key(tmp_path, genre, tempo, key, mode, seed):
    request = MusicRequest(genre=genre, tempo=tempo, key=key, mode=mode, energy=0.6, duration_seconds=20, seed=seed)
    track = get_music_provider("local").generate(request, workdir=tmp_path)

    analysis = extract_features(track.path)

    assert analysis.tempo == pytest.approx(tempo, rel=0.02)
    assert (analysis.key, analysis.mode) == (key, mode)
    assert analysis.duration == pytest.approx(20.0, abs=0.05)
    assert analysis.channels == 2 and analysis.sample_rate == 44100


def test_requested_energy_is_heard_as_energy_and_loudness(tmp_path):
    analyses = []
    for energy in (0.1, 0.5, 0.95):
        request = MusicRequest(
            genre="pop", tempo=110, key="E", mode="minor", energy=energy, duration_seconds=16, seed=3
        )
        track = get_music_provider("local").generate(request, workdir=tmp_path / str(energy))
        analyses.append(extract_features(track.path))
    energies = [a.energy for a in analyses]
    loudness = [a.loudness_lufs for a in analyses]
    assert energies == sorted(energies) and energies[-1] - energies[0] > 0.05
    assert loudness == sorted(loudness) and loudness[-1] == pytest.approx(-14.0, abs=1.0)
    assert all(a.true_peak_dbtp <= -1.0 for a in analyses)  # distributor ceiling
