"""Optional vocal: one line of the lyrics spoken by ElevenLabs text-to-speech, mixed into the track.

Without ELEVENLABS_API_KEY the track stays instrumental (`add_vocal` returns None).
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import numpy as np
from django.conf import settings
from scipy import ndimage

from kernel import audio as toolkit
from kernel.errors import ApplicationError

from .audio import SR, read_audio, write_wav
from .errors import ProviderError
from .http import Step, request, vendor_client
from .music.local import master

MAX_VOICE_BYTES = 20 * 1024 * 1024

logger = logging.getLogger(__name__)
SECTION_TAG = re.compile(r"^\s*[\[(].*[\])]\s*$")


def vocal_line(text: str, *, max_chars: int) -> str:
    """The first real lyric line (not a "[Chorus]" tag), cut at a word boundary to `max_chars`."""
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line and not SECTION_TAG.match(line):
            if len(line) <= max_chars:
                return line
            cut = line[:max_chars].rsplit(" ", 1)[0]
            return cut or line[:max_chars]
    return ""


def synthesise_speech(*, text: str, dest: Path) -> Path:
    """`POST /v1/text-to-speech/{voice_id}` (header `xi-api-key`) -> MP3 bytes written to `dest`."""
    base = settings.ELEVENLABS_BASE_URL
    url = f"{base}/v1/text-to-speech/{settings.ELEVENLABS_VOICE_ID}"
    step = Step(provider="elevenlabs", name="text-to-speech", limit=settings.VOICE_TIME_LIMIT_SECONDS)
    headers = {"xi-api-key": settings.ELEVENLABS_API_KEY, "Accept": "audio/mpeg"}
    body = {
        "text": text,
        "model_id": settings.ELEVENLABS_MODEL_ID,
        "voice_settings": {"stability": 0.45, "similarity_boost": 0.8, "style": 0.3},
    }
    with vendor_client(headers=headers) as client:
        response = request(client, "POST", url, params={"output_format": "mp3_44100_128"}, json=body, step=step)
    if not response.content or len(response.content) > MAX_VOICE_BYTES:
        raise ProviderError(f"elevenlabs returned {len(response.content)} bytes of audio", provider="elevenlabs")
    dest.write_bytes(response.content)
    return dest


def mix_vocal(track: np.ndarray, voice: np.ndarray) -> np.ndarray:
    """Lay the voice over the track a quarter of the way in, ducking the music under it, with a short echo."""
    n = len(track)
    voice = voice[: max(0, n - SR)]
    if len(voice) == 0:
        return track
    start = int(min(max(2.0 * SR, n * 0.25), max(0, n - len(voice) - SR)))
    voice = voice / max(float(np.abs(voice).max()), 1e-6) * 0.8
    fade = min(len(voice), int(0.05 * SR))  # a line cut to fit the track must not click
    voice[len(voice) - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    bed = np.zeros_like(track)
    bed[start : start + len(voice)] += voice
    delay = int(0.18 * SR)
    bed[delay:] += bed[:-delay] * np.array([0.22, 0.12], dtype=np.float32)  # slap echo, wider on the left
    envelope = ndimage.uniform_filter1d(np.abs(bed).max(axis=1), size=int(0.12 * SR))
    duck = 1.0 - 0.5 * np.clip(envelope / max(float(envelope.max()), 1e-6), 0, 1)
    return track * duck[:, None] * 0.9 + bed


def add_vocal(*, track_path: Path, text: str, workdir: Path) -> Path | None:
    """A new WAV of the track with a spoken line from `text`; None when ElevenLabs is not configured."""
    if not settings.ELEVENLABS_API_KEY:
        return None
    line = vocal_line(text, max_chars=settings.ELEVENLABS_MAX_CHARS)
    if not line:
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(f"{settings.ELEVENLABS_VOICE_ID}:{line}".encode()).hexdigest()[:12]
    speech = synthesise_speech(text=line, dest=workdir / f"voice-{digest}.mp3")
    try:
        voice = read_audio(speech)
        track = read_audio(track_path)
    except ApplicationError as exc:
        raise ProviderError(f"vocal could not be mixed: {exc.message}", provider="elevenlabs") from exc
    before = toolkit.integrated_loudness(track.T, SR)
    target = before if before is not None else -14.0  # keep the track's own level
    mixed = master(mix_vocal(track, voice).astype(np.float32), target_lufs=target)
    out = workdir / f"{track_path.stem}-vocal.wav"
    write_wav(out, mixed)
    logger.info("vocal line of %d characters mixed into %s", len(line), track_path.name)
    return out
