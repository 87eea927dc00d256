"""The key's final cadence: where the sound ends before the file does, the last chord counts."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from analytics.audio import extract_features
from analytics.audio.common import TONAL_HOP, TONAL_SR
from analytics.audio.key import ENDING_SECONDS, ending_frames, key_from_histogram, pitch_histogram

FRAME_SECONDS = TONAL_HOP / TONAL_SR
# Pop's most common loop, I V vi IV in C major: its chords are shared with A minor, so the
# loop alone leaves C major and A minor close and the final chord has something to decide.
LOOP = [(48, 64, 67, 72), (43, 62, 67, 71), (45, 64, 69, 72), (41, 65, 69, 72)]
ENDS_ON = {"A minor": (45, 57, 60, 64), "C major": (48, 60, 64, 67)}


def _chord(notes: tuple[int, ...], seconds: float, rate: int, decay: float) -> np.ndarray:
    """Harmonic tones (four partials) with a struck envelope: what a keyboard leaves."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.exp(-t / decay) * np.minimum(1.0, t / 0.01)
    out = np.zeros_like(t)
    for note in notes:
        freq = 440.0 * 2 ** ((note - 69) / 12)
        for partial, gain in ((1, 1.0), (2, 0.5), (3, 0.25), (4, 0.12)):
            if partial * freq < rate / 2:
                out += gain * np.sin(2 * np.pi * partial * freq * t)
    return out * envelope


def _piece(final: tuple[int, ...] | None, rate: int = TONAL_SR, silence: float = 1.5) -> np.ndarray:
    """Three rounds of the loop, then a final chord dying away into `silence` seconds, or
    (final None) the loop going on to the last sample, as a cut excerpt does."""
    parts = [_chord(chord, 1.0, rate, decay=0.6) for _ in range(3) for chord in LOOP]
    if final is None:
        parts += [_chord(chord, 1.0, rate, decay=0.6) for chord in LOOP]
    else:
        parts += [_chord(final, 2.0, rate, decay=0.4), np.zeros(int(silence * rate))]
    y = np.concatenate(parts)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


def _key(y: np.ndarray) -> str:
    content = pitch_histogram(y)
    tonic, mode, _ = key_from_histogram(content.histogram, content.ending())
    return f"{tonic} {mode}"


def test_a_file_cut_mid_sound_has_no_ending():
    rms = np.full(160, 0.2)
    assert ending_frames(rms) is None
    assert ending_frames(np.zeros(160)) is None
    assert ending_frames(np.array([])) is None


def test_the_ending_is_the_last_second_of_sound_before_the_quiet():
    rms = np.concatenate([np.full(100, 0.2), np.linspace(0.2, 0.0, 10), np.zeros(10)])
    frames = ending_frames(rms)
    last_sounding = int(np.nonzero(rms >= 0.02)[0][-1])
    assert frames is not None and frames.stop == last_sounding + 1
    assert (frames.stop - frames.start) * FRAME_SECONDS == pytest.approx(ENDING_SECONDS, abs=FRAME_SECONDS)
    # Less than half a second of quiet is a pause, not an ending.
    assert ending_frames(np.concatenate([np.full(100, 0.2), np.zeros(2)])) is None


@pytest.mark.parametrize("label", ["A minor", "C major"])
def test_the_final_chord_decides_between_a_key_and_its_relative(label):
    assert _key(_piece(ENDS_ON[label])) == label


def test_a_cut_excerpt_is_read_from_its_whole_pitch_content_only():
    content = pitch_histogram(_piece(None))
    assert content.ending() is None
    assert key_from_histogram(content.histogram, content.ending()) == key_from_histogram(content.histogram)


def test_the_extractor_reads_the_final_cadence(tmp_path):
    path = tmp_path / "ends-in-a-minor.wav"
    sf.write(path, _piece(ENDS_ON["A minor"], rate=44100), 44100, subtype="PCM_16")
    result = extract_features(path, scope="core")
    assert (result.key, result.mode) == ("A", "minor")
    assert 0 < result.key_confidence <= 1
