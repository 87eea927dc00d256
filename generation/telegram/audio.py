"""MP3 previews for Telegram: `sendAudio` plays MP3 or M4A only, our tracks are WAV."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

import av

from kernel.errors import ApplicationError

MP3_RATES = (32000, 44100, 48000)


class AudioTooLarge(ApplicationError):
    code = "audio_too_large"


def audio_to_mp3(source: BinaryIO | str, *, bitrate: int = 192_000) -> bytes:
    """Encode the first audio stream of `source` (any format FFmpeg reads) to MP3 with LAME."""
    output = io.BytesIO()
    with av.open(source) as container, av.open(output, mode="w", format="mp3") as mp3:
        in_stream = container.streams.audio[0]
        layout = "stereo" if (in_stream.channels or 2) >= 2 else "mono"
        rate = in_stream.rate if in_stream.rate in MP3_RATES else 44100
        stream = mp3.add_stream("libmp3lame", rate=rate, layout=layout)
        stream.bit_rate = bitrate
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=rate)
        for frame in container.decode(in_stream):
            for converted in resampler.resample(frame):
                mp3.mux(stream.encode(converted))
        for converted in resampler.resample(None):
            mp3.mux(stream.encode(converted))
        mp3.mux(stream.encode(None))
    return output.getvalue()


def audio_preview(source_open: Callable[[], BinaryIO], *, name: str, bitrate: int, max_bytes: int) -> bytes:
    """MP3 bytes for `name` within `max_bytes`: sent as is when already MP3, else encoded.

    `source_open()` returns a fresh binary file each call, because a too-large encode is
    retried at lower bitrates (192 -> 128 -> 96 -> 64 kb/s) before giving up.
    """
    if name.lower().endswith(".mp3"):
        with source_open() as handle:
            data = handle.read()
        if len(data) <= max_bytes:
            return data
    for rate in sorted({bitrate, 128_000, 96_000, 64_000}, reverse=True):
        if rate > bitrate:
            continue
        with source_open() as handle:
            data = audio_to_mp3(handle, bitrate=rate)
        if len(data) <= max_bytes:
            return data
    raise AudioTooLarge(f"{name} does not fit in {max_bytes} bytes as MP3 even at 64 kb/s.")
