"""The MIDI benchmark set labels the notated beat's rate where the song holds one tempo and one
metre, from the file's own tempo map."""

from pathlib import Path

import mido
import pytest

from bench.audio.midifiles import excerpt_label, excerpt_starts, scaled, split_of, tempo_map


def _song(path: Path, events: list[tuple[float, str, dict]], seconds: float = 120.0) -> Path:
    """A one-track song: meta events at times given in quarters, then a note to `seconds` at
    the tempo in force (480 ticks per quarter)."""
    song = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    song.tracks.append(track)
    last = 0
    for quarter, kind, fields in sorted(events, key=lambda e: e[0]):
        tick = round(quarter * 480)
        track.append(mido.MetaMessage(kind, time=tick - last, **fields))
        last = tick
    track.append(mido.Message("note_on", note=60, velocity=90, time=0))
    track.append(mido.Message("note_off", note=60, velocity=0, time=round(seconds * 4 * 480)))
    song.save(str(path))
    return path


def test_a_steady_four_four_song_is_labelled_by_its_quarter(tmp_path):
    path = _song(tmp_path / "s.mid", [(0, "set_tempo", {"tempo": mido.bpm2tempo(96)}), (0, "time_signature", {})])
    song = tempo_map(path)
    assert excerpt_label(song, 15.0) == (96.0, "4/4")


@pytest.mark.parametrize(
    ("numerator", "denominator", "beat"),
    [(6, 8, 120 / 1.5), (2, 2, 60.0), (3, 4, 120.0)],
)
def test_the_beat_is_the_metres_conventional_one(tmp_path, numerator, denominator, beat):
    meter = {"numerator": numerator, "denominator": denominator}
    path = _song(tmp_path / "s.mid", [(0, "set_tempo", {"tempo": mido.bpm2tempo(120)}), (0, "time_signature", meter)])
    assert excerpt_label(tempo_map(path), 15.0) == (pytest.approx(beat, abs=0.01), f"{numerator}/{denominator}")


def test_a_metre_without_a_conventional_beat_is_not_used(tmp_path):
    meter = {"numerator": 5, "denominator": 4}
    path = _song(tmp_path / "s.mid", [(0, "time_signature", meter)])
    assert "metre 5/4" in excerpt_label(tempo_map(path), 15.0)


def test_a_tempo_change_inside_the_excerpt_is_not_labelled_but_one_outside_is_ignored(tmp_path):
    # 120 BPM for 100 quarters (50 s), then 150.
    events = [(0, "set_tempo", {"tempo": mido.bpm2tempo(120)}), (100, "set_tempo", {"tempo": mido.bpm2tempo(150)})]
    song = tempo_map(_song(tmp_path / "s.mid", events))
    assert "tempo changes" in excerpt_label(song, 40.0)
    assert excerpt_label(song, 10.0) == (120.0, "4/4")  # 8-42 s: before the change
    assert excerpt_label(song, 60.0) == (150.0, "4/4")


def test_a_metre_change_inside_the_excerpt_is_not_labelled(tmp_path):
    events = [(0, "time_signature", {}), (60, "time_signature", {"numerator": 3, "denominator": 4})]
    assert excerpt_label(tempo_map(_song(tmp_path / "s.mid", events)), 20.0) == "the time signature changes"


def test_a_label_outside_the_estimator_range_is_not_used(tmp_path):
    path = _song(tmp_path / "s.mid", [(0, "set_tempo", {"tempo": mido.bpm2tempo(260)})])
    assert "outside 40-240" in excerpt_label(tempo_map(path), 15.0)


def test_a_scaled_copy_plays_faster_and_keeps_its_notes(tmp_path):
    path = _song(tmp_path / "s.mid", [(0, "set_tempo", {"tempo": mido.bpm2tempo(100)})], seconds=60.0)
    faster = tempo_map(scaled(path, 1.25, tmp_path))
    assert excerpt_label(faster, 10.0) == (125.0, "4/4")
    assert faster.duration == pytest.approx(tempo_map(path).duration / 1.25, rel=1e-3)


def test_a_song_without_tempo_events_plays_at_the_midi_default_and_scales_from_it(tmp_path):
    path = _song(tmp_path / "s.mid", [])
    assert excerpt_label(tempo_map(path), 15.0) == (120.0, "4/4")
    assert excerpt_label(tempo_map(scaled(path, 0.8, tmp_path)), 15.0) == (96.0, "4/4")


def test_excerpts_start_past_the_opening_and_fit_the_song():
    assert excerpt_starts(200.0, 3) == [15.0, 45.0, 75.0]
    assert excerpt_starts(50.0, 3) == [5.0]  # one 30 s excerpt fits after 10 %
    assert excerpt_starts(20.0, 2) == []


def test_songs_are_split_whole_and_stably():
    assert split_of("openttd-openmsx/tttheme2") == split_of("openttd-openmsx/tttheme2")
    assert {split_of(f"p/{n}") for n in range(50)} == {"train", "heldout"}
