"""The preview-like clips of a labelled set: a mid-piece stretch, faded, as MP3, labels kept."""

import argparse
import json

import numpy as np
import pytest
import soundfile as sf

from bench.audio.clips import build, clip, compression_level
from kernel import audio as toolkit

RATE = 44100


def test_a_clip_is_the_stretch_asked_for_with_squared_fades():
    audio = np.ones((30 * RATE, 2))
    piece = clip(audio, RATE, start=5.0, seconds=20.0, fade_in=1.0, fade_out=2.0)
    assert piece.shape == (20 * RATE, 2)
    assert piece[0, 0] == 0.0 and piece[-1, 1] == 0.0
    assert piece[RATE // 2, 0] == pytest.approx(0.25, abs=1e-3)  # half way up the squared fade-in
    assert np.all(piece[RATE : 18 * RATE] == 1.0)
    assert piece[19 * RATE, 0] == pytest.approx(0.25, abs=1e-3)


def test_a_source_shorter_than_the_start_is_refused():
    with pytest.raises(ValueError, match="shorter than the clip's start"):
        clip(np.ones((RATE, 1)), RATE, start=5.0, seconds=20.0, fade_in=1.0, fade_out=2.0)


@pytest.mark.parametrize(("kbps", "level"), [(320, 0.0), (128, 2 / 3), (64, 256 / 288)])
def test_bit_rates_map_onto_libsndfile_levels(kbps, level):
    assert compression_level(kbps) == pytest.approx(level)


def test_bit_rates_libsndfile_cannot_write_are_refused():
    with pytest.raises(ValueError, match="between 64 and 320"):
        compression_level(32)


def test_a_set_becomes_mp3_clips_with_its_labels(tmp_path):
    source, out = tmp_path / "set", tmp_path / "clips"
    source.mkdir()
    t = np.arange(30 * RATE) / RATE
    tone = 0.4 * np.sin(2 * np.pi * 440.0 * t)
    sf.write(source / "heldout-001-a.wav", np.stack([tone, tone], axis=1), RATE, subtype="PCM_16")
    sf.write(source / "tune-002-b.wav", np.stack([tone, tone], axis=1), RATE, subtype="PCM_16")
    sf.write(source / "heldout-003-short.wav", np.stack([tone, tone], axis=1)[: 8 * RATE], RATE, subtype="PCM_16")
    labels = {
        name: {"tempo": 120.0, "key": "A major", "split": name.split("-")[0], "piece": name}
        for name in ("heldout-001-a.wav", "tune-002-b.wav", "heldout-003-short.wav")
    }
    (source / "labels.json").write_text(json.dumps(labels))
    args = argparse.Namespace(start=5.0, seconds=20.0, fade_in=1.0, fade_out=2.0, kbps=128, wav=False)

    written = build(source, out, {"heldout"}, args)

    assert sorted(written) == ["heldout-001-a.mp3"]  # the tuning file is not cut, the short one is skipped
    assert written["heldout-001-a.mp3"] == {
        **labels["heldout-001-a.wav"],
        "clip_of": "heldout-001-a.wav",
        "clip_start": 5.0,
        "seconds": 20.0,
    }
    assert json.loads((out / "labels.json").read_text()) == written
    decoded = toolkit.decode(out / "heldout-001-a.mp3")
    assert decoded.format == "MP3"
    assert decoded.data.shape[1] / decoded.sample_rate == pytest.approx(20.0, abs=0.1)


def test_wav_clips_keep_the_cut_without_the_codec(tmp_path):
    source = tmp_path / "set"
    source.mkdir()
    tone = 0.4 * np.sin(2 * np.pi * 440.0 * np.arange(30 * RATE) / RATE)
    sf.write(source / "heldout-001-a.wav", tone, RATE, subtype="PCM_16")
    (source / "labels.json").write_text(json.dumps({"heldout-001-a.wav": {"tempo": 90.0, "split": "heldout"}}))
    args = argparse.Namespace(start=5.0, seconds=20.0, fade_in=1.0, fade_out=2.0, kbps=128, wav=True)

    assert list(build(source, tmp_path / "clips", None, args)) == ["heldout-001-a.wav"]
    written, rate = sf.read(tmp_path / "clips" / "heldout-001-a.wav")
    assert rate == RATE and written.shape == (20 * RATE,)
    assert written[5 * RATE] == pytest.approx(tone[10 * RATE], abs=1e-4)
