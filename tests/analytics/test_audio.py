"""The extractor on labelled music and on every kind of bad input."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from PIL import Image

from analytics.audio import AudioAnalysisError, extract_features
from tests.analytics.conftest import sine, write_excerpt

LABELLED = [
    # (tempo, key, mode, drum style): slow, fast and mid tempi, major and minor keys.
    (62.0, "E", "minor", "ballad"),
    (96.0, "C", "major", "funk"),
    (124.0, "F#", "major", "four_on_floor"),
    (172.0, "D#", "minor", "rock"),
]


@pytest.mark.parametrize(("tempo", "key", "mode", "style"), LABELLED)
def test_tempo_key_and_metre_of_labelled_music(audio_dir, tempo, key, mode, style):
    result = extract_features(write_excerpt(audio_dir, tempo=tempo, key=key, mode=mode, style=style), scope="core")
    assert result.tempo == pytest.approx(tempo, rel=0.02)
    assert (result.key, result.mode) == (key, mode)
    assert 0 < result.tempo_confidence <= 1
    assert 0 < result.key_confidence <= 1


def test_full_feature_set(music_wav, tmp_path):
    result = extract_features(music_wav, images_dir=tmp_path)
    assert result.duration == pytest.approx(16.0, abs=0.01)
    assert (result.sample_rate, result.channels, result.format) == (44100, 2, "WAV")
    assert result.time_signature == 4
    # Beats are a quarter-note grid at the tempo.
    assert np.median(np.diff(result.beats)) == pytest.approx(60 / 124, rel=0.03)
    assert -30 < result.loudness_lufs < 0
    assert result.true_peak_dbtp >= result.sample_peak_dbfs
    assert result.loudness_range_lu >= 0
    for name in ("energy", "danceability", "valence", "acousticness", "instrumentalness", "speechiness"):
        assert 0.0 <= getattr(result, name) <= 1.0, name
    assert result.instrumentalness > 0.5 and result.speechiness < 0.5
    assert len(result.mfcc_mean) == len(result.mfcc_std) == 13
    assert len(result.chroma) == 12 and max(result.chroma) == 1.0
    assert 500 < result.spectral_centroid < 8000 and result.spectral_rolloff > result.spectral_centroid
    assert result.onset_rate > 1
    assert result.rms_curve and result.rms_hop >= 0.1
    assert result.sections[0].start == 0 and result.sections[-1].end == pytest.approx(16.0, abs=0.01)
    assert all(a.end == b.start for a, b in zip(result.sections, result.sections[1:], strict=False))
    assert {s.label for s in result.sections} <= {"intro", "verse", "chorus", "bridge", "outro"}
    assert max(s.energy for s in result.sections) == 1.0
    waveform, spectrogram = Image.open(result.waveform_png), Image.open(result.spectrogram_png)
    assert (waveform.format, waveform.size) == ("PNG", (1200, 200))
    assert (spectrogram.format, spectrogram.size) == ("PNG", (1200, 256))


def test_sections_find_a_quiet_intro_and_outro(audio_dir, tmp_path):
    body, rate = sf.read(write_excerpt(audio_dir, tempo=120.0, key="G", mode="major", style="backbeat", seconds=48))
    quiet = body[: 16 * rate] * 0.0
    quiet[:, 0] = quiet[:, 1] = sine(16, rate=rate, freq=196.0, amplitude=0.05)
    path = tmp_path / "arranged.wav"
    sf.write(path, np.concatenate([quiet, body, quiet]), rate)
    sections = extract_features(path).sections
    assert sections[0].label == "intro" and sections[-1].label == "outro"
    assert sections[0].end == pytest.approx(16, abs=2.5) and sections[-1].start == pytest.approx(64, abs=2.5)
    assert sections[0].energy < 0.5 and sections[-1].energy < 0.5


# --- bad and unusual input ------------------------------------------------------------------


def reason(excinfo) -> str:
    return excinfo.value.extra.get("reason")


def test_missing_empty_text_and_garbage_files_are_clear_errors(tmp_path):
    with pytest.raises(AudioAnalysisError) as excinfo:
        extract_features(tmp_path / "nope.wav")
    assert reason(excinfo) == "missing"
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioAnalysisError, match="empty") as excinfo:
        extract_features(tmp_path / "empty.wav")
    assert reason(excinfo) == "empty"
    (tmp_path / "notes.wav").write_text("these are my notes, not audio\n" * 20)
    with pytest.raises(AudioAnalysisError, match="not a readable") as excinfo:
        extract_features(tmp_path / "notes.wav")
    assert reason(excinfo) == "unreadable"
    (tmp_path / "garbage.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + np.random.default_rng(1).bytes(300))
    with pytest.raises(AudioAnalysisError) as excinfo:
        extract_features(tmp_path / "garbage.wav")
    assert reason(excinfo) in {"unreadable", "corrupt", "no_samples"}
    assert excinfo.value.status_code == 422


def test_truncated_file_is_analysed_with_a_warning(music_wav, tmp_path):
    raw = music_wav.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(raw[: len(raw) // 2])
    result = extract_features(cut)
    assert result.duration == pytest.approx(8.0, abs=0.1)
    assert any(w.startswith("truncated") for w in result.warnings)
    assert result.tempo == pytest.approx(124.0, rel=0.02)


def test_silence_is_a_defined_result(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros((44100 * 5, 2), dtype=np.float32), 44100)
    result = extract_features(path)
    assert result.duration == 5.0
    assert (result.tempo, result.key, result.mode, result.loudness_lufs) == (None, None, None, None)
    assert result.beats == [] and result.sections == []
    assert any(w.startswith("silent") for w in result.warnings)


def test_one_second_file(tmp_path):
    path = tmp_path / "short.wav"
    sf.write(path, sine(1.0), 44100)
    result = extract_features(path, images_dir=tmp_path)
    assert result.duration == 1.0
    assert result.tempo is None and result.beats == []
    assert result.loudness_lufs == pytest.approx(pyloudnorm.Meter(44100).integrated_loudness(sine(1.0)), abs=0.05)
    assert any(w.startswith("short") for w in result.warnings)
    assert Path(result.waveform_png).exists()


@pytest.mark.parametrize(("rate", "channels"), [(8000, 1), (96000, 2), (44100, 6)])
def test_sample_rates_and_channel_layouts(music_wav, tmp_path, rate, channels):
    import soxr

    data, source_rate = sf.read(music_wav, dtype="float32")
    resampled = soxr.resample(data, source_rate, rate)
    layout = resampled[:, :1] if channels == 1 else resampled
    if channels == 6:
        layout = np.concatenate([resampled, resampled * 0.5, resampled * 0.25], axis=1)
    path = tmp_path / f"{rate}-{channels}.wav"
    sf.write(path, layout, rate)
    result = extract_features(path)
    assert (result.sample_rate, result.channels) == (rate, channels)
    assert result.tempo == pytest.approx(124.0, rel=0.02)
    assert result.key == "A" and result.mode == "minor"
    assert result.loudness_lufs is not None


@pytest.mark.parametrize(
    ("suffix", "fmt", "subtype"),
    [(".flac", "FLAC", "PCM_16"), (".ogg", "OGG", "VORBIS"), (".mp3", "MP3", "MPEG_LAYER_III")],
)
def test_compressed_formats(music_wav, tmp_path, suffix, fmt, subtype):
    data, rate = sf.read(music_wav, dtype="float32")
    path = tmp_path / f"music{suffix}"
    sf.write(path, data, rate, format=fmt, subtype=subtype)
    result = extract_features(path)
    assert result.format == fmt
    assert result.tempo == pytest.approx(124.0, rel=0.02)
    assert (result.key, result.mode) == ("A", "minor")


def test_float_file_with_nan_is_refused(tmp_path):
    data = sine(2.0)
    data[100] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, data, 44100, subtype="FLOAT")
    with pytest.raises(AudioAnalysisError, match="non-finite"):
        extract_features(path)


def test_twenty_minute_file(tmp_path):
    rate = 22050
    seconds = 20 * 60
    # Half a second of a low tone with a noise click at its start, repeated: 120 BPM.
    t = np.arange(rate // 2) / rate
    period = 0.2 * np.sin(2 * np.pi * 110 * t)
    period[:200] += np.random.default_rng(0).standard_normal(200) * 0.5
    samples = (np.clip(np.tile(period, seconds * 2), -1, 1) * 32767).astype("<i2")
    path = tmp_path / "long.wav"
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())
    result = extract_features(path)
    assert result.duration == pytest.approx(seconds)
    assert len(result.rms_curve) <= 600
    assert result.tempo == pytest.approx(120.0, rel=0.02)


def test_too_long_and_time_limit(music_wav):
    with pytest.raises(AudioAnalysisError, match="limit") as excinfo:
        extract_features(music_wav, max_seconds=10)
    assert reason(excinfo) == "too_long"
    with pytest.raises(AudioAnalysisError, match="time limit") as excinfo:
        extract_features(music_wav, time_limit=1e-6)
    assert reason(excinfo) == "time_limit"


def test_analysis_never_loads_numba(music_wav):
    """No JIT: a fresh process analyses a file without importing numba or librosa."""
    code = (
        "import sys; from analytics.audio import extract_features; "
        f"r = extract_features({str(music_wav)!r}); "
        "assert r.tempo, r; print(sorted(m for m in ('numba', 'librosa') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("below_db", "counted"), [(25.0, True), (35.0, False)])
def test_key_peaks_far_below_the_frames_loudest_do_not_count(below_db, counted):
    """A partial 35 dB under the loudest note of its frame is what a lossy encoder drops as
    masked; one 25 dB under is a note."""
    from analytics.audio.common import TONAL_SR
    from analytics.audio.key import _PITCH_LO, pitch_frames

    t = np.arange(4 * TONAL_SR) / TONAL_SR
    a4, e5 = 440.0, 440.0 * 2 ** (7 / 12)
    weak = 10 ** (-below_db / 20)
    y = (0.5 * np.sin(2 * np.pi * a4 * t) + 0.5 * weak * np.sin(2 * np.pi * e5 * t)).astype(np.float32)
    histogram = pitch_frames(y).histogram
    assert histogram[69 - _PITCH_LO] > 0
    assert bool(histogram[76 - _PITCH_LO] > 0) == counted


def _chord_loop(chords: list[list[int]], *, seconds: float = 1.0, repeats: int = 4) -> np.ndarray:
    """Sustained chords (MIDI notes, six harmonics each) at the key analysis' sample rate."""
    from analytics.audio.common import TONAL_SR

    t = np.arange(int(seconds * TONAL_SR)) / TONAL_SR
    bars = []
    for chord in chords:
        bar = np.zeros_like(t)
        for note in chord:
            freq = 440.0 * 2 ** ((note - 69) / 12)
            bar += sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 7))
        bars.append(bar)
    y = np.concatenate(bars * repeats)
    return (0.2 * y / np.abs(y).max()).astype(np.float32)


def test_the_chords_name_a_minor_key_that_the_pitch_profile_reads_a_fifth_up():
    """i VII III V in A minor (Am G C E): E, G and B sound in three chords of four, so the
    whole-excerpt profile reads E minor; the E major chord is A minor's dominant, and a
    major tonic chord in E minor is rare, so the chord term settles it."""
    from analytics.audio.key import chroma_from_histogram, chroma_key_scores, key_from_notes, pitch_frames

    pitches = pitch_frames(_chord_loop([[45, 57, 60, 64], [43, 55, 59, 62], [48, 55, 60, 64], [40, 56, 59, 64]]))
    _, tonic, mode = chroma_key_scores(chroma_from_histogram(pitches.histogram))[0]
    assert (tonic, mode) == (4, "minor")  # the profile alone: E minor
    key, mode, confidence = key_from_notes(pitches.notes)
    assert (key, mode) == ("A", "minor")
    assert 0 < confidence <= 1


@pytest.mark.parametrize(("tonic", "seed"), [("E", 1), ("E", 2), ("B", 2)])
def test_minor_key_rock_on_distorted_power_chords_is_not_read_as_major(tonic, seed):
    """The product's rock plays distorted power chords (root and fifth), whose fifth harmonic
    sounds a major third: read as major triads they made every chord window vote for the
    parallel major. Power chords in the vocabulary and the fifth harmonic taken off keep it
    minor."""
    from analytics.audio.common import TONAL_SR
    from analytics.audio.key import key_from_notes, pitch_frames
    from generation.providers.music.base import MusicRequest
    from generation.providers.music.local import SR, render
    from kernel import audio as toolkit

    request = MusicRequest(genre="rock", key=tonic, mode="minor", tempo=120, duration_seconds=20, seed=seed, energy=0.7)
    y = toolkit.resample(render(request).mean(axis=1), SR, TONAL_SR)
    assert key_from_notes(pitch_frames(y).notes)[:2] == (tonic, "minor")


def test_a_power_chord_counts_for_a_key_as_either_triad_on_its_root():
    from analytics.audio.key import _CHORDS, _KEY_CHORD_LOG_P, OTHER_CHORD_SHARE

    probabilities = np.exp(_KEY_CHORD_LOG_P)
    assert probabilities.sum(axis=1) == pytest.approx(np.ones(24))
    a_minor, e = 12 + 9, 4
    either = probabilities[a_minor, _CHORDS.index((e, "maj"))] + probabilities[a_minor, _CHORDS.index((e, "min"))]
    assert probabilities[a_minor, _CHORDS.index((e, "power"))] == pytest.approx(either, abs=OTHER_CHORD_SHARE)
    # and the dominant outweighs the relative major's own tonic chord in a minor key
    assert probabilities[a_minor, _CHORDS.index((e, "maj"))] > probabilities[a_minor, _CHORDS.index((0, "maj"))]
