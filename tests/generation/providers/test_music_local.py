"""The local synthesizer writes real, deterministic, musical WAV files."""

from __future__ import annotations

import hashlib
import wave

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from pydantic import ValidationError

from generation.providers.music import MusicRequest, get_music_provider
from generation.providers.music.base import PITCH_CLASSES
from generation.providers.music.local import SR, _arrangement, render, style_for

# Krumhansl-Kessler key profiles: an independent check that the key is audible in the mix.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _read(path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path), "rb") as fh:
        params = fh.getparams()
        frames = np.frombuffer(fh.readframes(params.nframes), dtype="<i2").reshape(-1, params.nchannels)
    return params, frames


def _chroma_key(audio: np.ndarray) -> tuple[str, str]:
    """Pitch-class energy (one value per semitone, folded into 12 classes) matched to key profiles."""
    mono = audio.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono))
    freqs = np.fft.rfftfreq(len(mono), 1 / SR)
    band = (freqs > 50) & (freqs < 4000)
    notes = np.round(12 * np.log2(freqs[band] / 440.0) + 69).astype(int)
    per_note = np.sqrt(np.bincount(notes, weights=spectrum[band] ** 2))
    chroma = np.bincount(np.arange(len(per_note)) % 12, weights=per_note, minlength=12)
    scores = []
    for tonic in range(12):
        for profile, mode in ((KK_MAJOR, "major"), (KK_MINOR, "minor")):
            scores.append((np.corrcoef(chroma, np.roll(profile, tonic))[0, 1], PITCH_CLASSES[tonic], mode))
    _, key, mode = max(scores)
    return key, mode


def test_writes_a_stereo_44k1_16bit_wav_of_the_requested_duration(tmp_path):
    request = MusicRequest(genre="synthwave", tempo=110, key="F#", mode="minor", duration_seconds=12.5, seed=4)
    result = get_music_provider("local").generate(request, workdir=tmp_path)

    params, frames = _read(result.path)
    assert (params.nchannels, params.sampwidth, params.framerate) == (2, 2, 44100)
    assert params.nframes == round(12.5 * 44100)
    assert result.duration == pytest.approx(12.5)
    assert result.provider == "local" and result.format == "wav"
    peak = np.abs(frames).max()
    assert 0.5 * 32767 < peak < 32767  # loud, but never clipping
    assert not np.array_equal(frames[:, 0], frames[:, 1])  # real stereo, not a duplicated channel
    # Sound throughout the body of the track (no silent sections).
    body = frames[SR : -3 * SR].astype(np.float32)
    seconds = body[: len(body) // SR * SR].reshape(-1, SR, 2)
    assert (np.sqrt((seconds**2).mean(axis=(1, 2))) > 300).all()


def test_is_deterministic_per_seed(tmp_path):
    provider = get_music_provider("local")
    digests = []
    for seed, folder in ((7, "a"), (7, "b"), (8, "c")):
        request = MusicRequest(genre="house", tempo=124, key="G", duration_seconds=8, seed=seed)
        digests.append(hashlib.sha256(provider.generate(request, workdir=tmp_path / folder).path.read_bytes()).digest())
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


@pytest.mark.parametrize(
    ("genre", "key", "mode"),
    [("techno", "A", "minor"), ("lo-fi hip hop", "D#", "major"), ("pop", "C", "major"), ("synthwave", "F#", "minor")],
)
def test_the_requested_key_is_what_a_chroma_profile_hears(genre, key, mode):
    audio = render(MusicRequest(genre=genre, tempo=100, key=key, mode=mode, duration_seconds=16, seed=2))
    assert _chroma_key(audio) == (key, mode)


def test_energy_changes_the_performance():
    calm = render(MusicRequest(genre="house", energy=0.1, duration_seconds=10, seed=1))
    wild = render(MusicRequest(genre="house", energy=0.95, duration_seconds=10, seed=1))
    assert not np.allclose(calm, wild)


@pytest.mark.parametrize("bars", [1, 2, 3, 5, 7, 8, 15, 16, 30, 64, 130])
def test_arrangement_opens_with_an_intro_and_closes_with_an_outro(bars):
    labels = _arrangement(bars)
    assert len(labels) == bars
    assert labels[0] == "intro"
    if bars > 1:
        assert labels[-1] == "outro"
    body = [label for label in labels if label not in ("intro", "outro")]
    if body:
        assert body[-1] == "chorus"  # the chorus, with the hook, leads into the outro
    if bars >= 40:
        assert {"verse", "chorus", "bridge"} <= set(labels)
        runs = [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label]
        assert runs == ["intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"]


def test_genre_words_choose_the_drum_style():
    assert style_for("Melodic Techno").drums == "four_on_floor"
    assert style_for("deep house").drums == "four_on_floor"
    assert style_for("lo-fi beats").drums == "boom_bap"
    assert style_for("synthwave").drums == "driving"
    assert style_for("indie rock").drums == "rock"
    assert style_for("reguetón").drums == "dembow" and style_for("baile funk").drums == "tamborzao"
    assert style_for("fado").drums == "none" and style_for("fado").lead == "pluck"
    assert style_for("something unheard of").drums == "pop"


def test_request_normalises_flat_keys_and_refuses_unknown_ones():
    assert MusicRequest(key="Bb").key == "A#"
    assert MusicRequest(key="eb").key == "D#"
    with pytest.raises(ValidationError):
        MusicRequest(key="H")
    with pytest.raises(ValidationError):
        MusicRequest(tempo=10)


def test_unknown_provider_and_missing_credentials_are_configuration_errors(settings):
    with pytest.raises(ImproperlyConfigured, match="MUSIC_PROVIDER"):
        get_music_provider("bandcamp")
    settings.SUNO_API_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SUNO_API_KEY"):
        get_music_provider("suno")
    settings.REPLICATE_API_TOKEN = ""
    with pytest.raises(ImproperlyConfigured, match="REPLICATE_API_TOKEN"):
        get_music_provider("replicate")


def test_default_provider_comes_from_settings(settings):
    settings.MUSIC_PROVIDER = "local"
    assert get_music_provider().name == "local"
