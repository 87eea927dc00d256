"""A fake vendor: a real HTTP server on 127.0.0.1 that tests script in each vendor's wire format."""

from __future__ import annotations

import json
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import av
import numpy as np
import pytest


@dataclass
class Reply:
    status: int = 200
    json: object | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body or b"{}")


class FakeVendor:
    """Routes (method, path) to a list of replies served in order; the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply] | Callable[[Seen], Reply]] = {}
        self.served: dict[tuple[str, str], int] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = vendor._reply(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = json.dumps(reply.json).encode() if reply.json is not None else reply.body
                try:
                    self.send_response(reply.status)
                    content_type = "application/json" if reply.json is not None else "application/octet-stream"
                    self.send_header("Content-Type", reply.headers.get("Content-Type", content_type))
                    for name, value in reply.headers.items():
                        if name != "Content-Type":
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method: str, path: str, *replies: Reply | Callable[[Seen], Reply]) -> None:
        self.routes[(method, path)] = replies[0] if len(replies) == 1 and callable(replies[0]) else list(replies)

    def calls(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def _reply(self, seen: Seen) -> Reply:
        with self.lock:
            self.seen.append(seen)
            key = (seen.method, seen.path)
            replies = self.routes.get(key)
            if replies is None:
                return Reply(404, json={"error": f"no route {key}"})
            if callable(replies):
                return replies(seen)
            index = self.served.get(key, 0)
            self.served[key] = index + 1
            return replies[min(index, len(replies) - 1)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def vendor():
    server = FakeVendor()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def fast_providers(settings, tmp_path):
    """Tiny limits so retry, poll and timeout paths run in milliseconds."""
    settings.PROVIDER_HTTP_TIMEOUT_SECONDS = 0.8  # generous: the machine may be busy
    settings.PROVIDER_HTTP_MAX_ATTEMPTS = 3
    settings.PROVIDER_RETRY_BACKOFF_SECONDS = 0.01
    settings.PROVIDER_RETRY_MAX_WAIT_SECONDS = 0.2
    for prefix in ("MUSIC", "VIDEO"):
        setattr(settings, f"{prefix}_POLL_INTERVAL_SECONDS", 0.01)
        setattr(settings, f"{prefix}_POLL_TIME_LIMIT_SECONDS", 1.5)
        setattr(settings, f"{prefix}_DOWNLOAD_TIME_LIMIT_SECONDS", 5.0)
    settings.MUSIC_SUBMIT_TIME_LIMIT_SECONDS = 3.0
    settings.VIDEO_SEARCH_TIME_LIMIT_SECONDS = 3.0
    settings.VOICE_TIME_LIMIT_SECONDS = 3.0
    settings.LOCAL_VIDEO_LONG_SIDE = 320
    settings.LOCAL_VIDEO_FPS = 12


def _tone(seconds: float, rate: int = 44100) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2
    return np.stack([mono, mono]).astype(np.float32)


def _encode_mp3(path: Path, seconds: float) -> bytes:
    with av.open(str(path), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=44100, layout="stereo")
        samples = _tone(seconds)
        for start in range(0, samples.shape[1], 1152):
            chunk = np.ascontiguousarray(samples[:, start : start + 1152])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 44100, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path.read_bytes()


@pytest.fixture(scope="session")
def mp3_bytes(tmp_path_factory) -> bytes:
    """Three seconds of a real MP3, as Suno and ElevenLabs send."""
    return _encode_mp3(tmp_path_factory.mktemp("media") / "tone.mp3", 3.0)


@pytest.fixture(scope="session")
def wav_bytes(tmp_path_factory) -> bytes:
    """Four seconds of a real WAV, as Replicate MusicGen sends with output_format=wav."""
    path = tmp_path_factory.mktemp("media") / "tone.wav"
    pcm = (_tone(4.0).T * 32767).astype("<i2")
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(2)
        fh.setsampwidth(2)
        fh.setframerate(44100)
        fh.writeframes(pcm.tobytes())
    return path.read_bytes()


def make_clip(path: Path, *, width: int, height: int, seconds: float, fps: int = 25) -> bytes:
    """A real H.264 MP4 clip (moving stripe), standing in for a stock video."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i in range(int(seconds * fps)):
            pixels = np.zeros((height, width, 3), np.uint8)
            x = (i * 4) % width
            pixels[:, x : x + 8] = (255, 200, 40)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path.read_bytes()


@pytest.fixture(scope="session")
def clip_bytes(tmp_path_factory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("media") / "clip.mp4", width=320, height=180, seconds=2.0)


@pytest.fixture(scope="session")
def track_wav(tmp_path_factory) -> Path:
    """A 6-second track from the local synthesizer, for the video and voice tests."""
    from generation.providers.music.base import MusicRequest
    from generation.providers.music.local import LocalMusicProvider

    request = MusicRequest(genre="house", tempo=120, key="A", mode="minor", duration_seconds=6, seed=1)
    return LocalMusicProvider().generate(request, workdir=tmp_path_factory.mktemp("track")).path


def probe(path: Path) -> dict:
    """Streams of a media file: {kind: (codec, seconds, width, height)}."""
    with av.open(str(path)) as container:
        out = {}
        for stream in container.streams:
            seconds = float(stream.duration * stream.time_base) if stream.duration else container.duration / 1e6
            out[stream.type] = (
                stream.codec_context.name,
                seconds,
                getattr(stream, "width", None),
                getattr(stream, "height", None),
            )
        return out
