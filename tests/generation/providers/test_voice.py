"""The optional ElevenLabs vocal: text-to-speech on a local server in ElevenLabs' format, mixed into the track."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from generation.providers.errors import ProviderError, ProviderTimeout
from generation.providers.voice import add_vocal, vocal_line

from .conftest import Reply

LYRICS = "[Verse 1]\nNeon rain is falling on the glass tonight\nand the city hums\n[Chorus]\nGlass hours"


@pytest.fixture
def elevenlabs(settings, vendor):
    settings.ELEVENLABS_API_KEY = "xi-test"
    settings.ELEVENLABS_BASE_URL = vendor.url
    settings.ELEVENLABS_VOICE_ID = "voice-abc"
    return vendor


def _frames(path) -> np.ndarray:
    with wave.open(str(path), "rb") as fh:
        assert (fh.getnchannels(), fh.getsampwidth(), fh.getframerate()) == (2, 2, 44100)
        return np.frombuffer(fh.readframes(fh.getnframes()), dtype="<i2").reshape(-1, 2)


def test_without_a_key_the_track_stays_instrumental(settings, track_wav, tmp_path):
    settings.ELEVENLABS_API_KEY = ""
    assert add_vocal(track_path=track_wav, text=LYRICS, workdir=tmp_path) is None


def test_a_spoken_line_is_synthesised_and_mixed_in(elevenlabs, mp3_bytes, track_wav, tmp_path):
    elevenlabs.route(
        "POST", "/v1/text-to-speech/voice-abc", Reply(body=mp3_bytes, headers={"Content-Type": "audio/mpeg"})
    )

    out = add_vocal(track_path=track_wav, text=LYRICS, workdir=tmp_path)

    call = elevenlabs.calls("POST", "/v1/text-to-speech/voice-abc")[0]
    assert call.headers["xi-api-key"] == "xi-test"
    assert call.json["text"] == "Neon rain is falling on the glass tonight"
    assert call.json["model_id"]
    assert call.query["output_format"].startswith("mp3_44100")
    original, mixed = _frames(track_wav), _frames(out)
    assert len(mixed) == len(original)  # same length, same format: a drop-in replacement
    assert not np.array_equal(original, mixed)
    assert np.abs(mixed).max() < 32767


def test_vendor_errors_surface_as_provider_errors(elevenlabs, track_wav, tmp_path):
    elevenlabs.route("POST", "/v1/text-to-speech/voice-abc", Reply(401, json={"detail": {"status": "invalid_api_key"}}))
    with pytest.raises(ProviderError, match="invalid_api_key"):
        add_vocal(track_path=track_wav, text=LYRICS, workdir=tmp_path)


def test_rate_limited_then_served(elevenlabs, mp3_bytes, track_wav, tmp_path):
    elevenlabs.route(
        "POST",
        "/v1/text-to-speech/voice-abc",
        Reply(429, json={"detail": "too_many_concurrent_requests"}, headers={"Retry-After": "0.05"}),
        Reply(body=mp3_bytes),
    )
    assert add_vocal(track_path=track_wav, text=LYRICS, workdir=tmp_path).exists()


def test_hanging_text_to_speech_times_out(elevenlabs, track_wav, tmp_path):
    elevenlabs.route("POST", "/v1/text-to-speech/voice-abc", Reply(body=b"", delay=1.5))
    with pytest.raises(ProviderTimeout):
        add_vocal(track_path=track_wav, text=LYRICS, workdir=tmp_path)


def test_vocal_line_skips_section_tags_and_respects_the_length_cap():
    assert vocal_line(LYRICS, max_chars=200) == "Neon rain is falling on the glass tonight"
    assert vocal_line(LYRICS, max_chars=15) == "Neon rain is"
    assert vocal_line("[Intro]\n(instrumental)\n", max_chars=100) == ""
