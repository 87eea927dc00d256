"""Vendor audio of any common shape becomes the project's 44.1 kHz 16-bit stereo WAV."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from generation.providers.audio import read_audio, to_wav
from kernel.errors import ApplicationError


def _write_wav(path, samples: np.ndarray, rate: int) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        fh.setsampwidth(2)
        fh.setframerate(rate)
        fh.writeframes(pcm.tobytes())


def test_mono_22k_wav_is_resampled_and_upmixed(tmp_path):
    t = np.arange(22050 * 2) / 22050
    _write_wav(tmp_path / "in.wav", 0.5 * np.sin(2 * np.pi * 440 * t), 22050)
    audio = read_audio(tmp_path / "in.wav")
    assert audio.shape[1] == 2 and abs(len(audio) - 88200) < 100
    assert np.allclose(audio[:, 0], audio[:, 1])
    spectrum = np.abs(np.fft.rfft(audio[:44100, 0]))
    assert np.argmax(spectrum) == pytest.approx(440, abs=2)  # 1 Hz bins: still an A440


def test_mp3_converts_to_16bit_stereo_wav(tmp_path, mp3_bytes):
    source = tmp_path / "take.mp3"
    source.write_bytes(mp3_bytes)
    seconds = to_wav(source, tmp_path / "take.wav")
    with wave.open(str(tmp_path / "take.wav"), "rb") as fh:
        assert (fh.getnchannels(), fh.getsampwidth(), fh.getframerate()) == (2, 2, 44100)
        assert fh.getnframes() / 44100 == pytest.approx(seconds)
    assert seconds == pytest.approx(3.0, abs=0.1)


def test_garbage_is_a_domain_error(tmp_path):
    (tmp_path / "bad.mp3").write_bytes(b"<html>rate limited</html>")
    with pytest.raises(ApplicationError):
        read_audio(tmp_path / "bad.mp3")
