"""Test support for the review area: a local Bot API server, an event receiver, runs with real audio.

The fakes are real HTTP servers on 127.0.0.1 speaking the vendors' wire formats, so the
python-telegram-bot and httpx code paths run unchanged.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import numpy as np
import pytest
import soundfile
from django.core.files.base import ContentFile
from django.utils import timezone
from django_q.signals import pre_enqueue

from analytics.models import AudioFeatures
from generation.models import RunStatus
from tests.factories import RunFactory, TrackFactory

BOT_TOKEN = "123456:TEST-token"
CHAT_ID = -100200300
OTHER_CHAT_ID = 4242
REVIEWER_ID = 777
WEBHOOK_SECRET = "s3cret-token_for-tests"


def sine_wav(seconds: float = 1.0, rate: int = 44100, freq: float = 440.0) -> bytes:
    """A short stereo 16-bit WAV written with soundfile."""
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * freq * t)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([mono, mono], axis=1), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def awaiting_run(*, features: bool = True, **kwargs):
    """A run awaiting review with a real WAV track (and measured features when asked)."""
    kwargs.setdefault("status_changed_at", timezone.now())
    run = RunFactory(status=RunStatus.AWAITING_REVIEW, **kwargs)
    track = TrackFactory(run=run, audio=ContentFile(sine_wav(), name="take.wav"), duration=1.0, lyrics="la la la")
    if features:
        AudioFeatures.objects.create(
            track=track, duration=1.0, tempo=118.0, key="F#", mode="minor", loudness_lufs=-14.2, energy=0.7
        )
    return run


@dataclass
class Call:
    method: str
    params: dict
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def _parse_body(content_type: str, body: bytes) -> tuple[dict, dict]:
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}"), {}
    if content_type.startswith("multipart/form-data"):
        message = email.message_from_bytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP
        )
        params, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if part.get_filename():
                files[name] = (part.get_filename(), payload)
            else:
                params[name] = payload.decode()
        return params, files
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}, {}


def _decode_json_values(params: dict) -> dict:
    """PTB sends nested values (reply_markup, allowed_updates) JSON-encoded inside form fields."""
    decoded = {}
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        decoded[key] = value
    return decoded


class FakeBotAPI:
    """A Bot API server: POST /bot<token>/<method> answers {"ok": true, "result": ...}."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.failures: dict[str, tuple[int, str]] = {}
        # Failures for one chat only: {(method, chat_id): (status, description)}.
        self.chat_failures: dict[tuple[str, int], tuple[int, str]] = {}
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def do_POST(self) -> None:
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                method = self.path[len(prefix) :]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params, files = _parse_body(self.headers.get("Content-Type", ""), body)
                call = Call(method=method, params=_decode_json_values(params), files=files)
                with fake._lock:
                    fake.calls.append(call)
                chat = call.params.get("chat_id")
                failure = fake.failures.get(method)
                if chat is not None and failure is None:
                    failure = fake.chat_failures.get((method, int(chat)))
                if failure is not None:
                    code, description = failure
                    self._reply(code, {"ok": False, "error_code": code, "description": description})
                    return
                self._reply(200, {"ok": True, "result": fake.result(call)})

            def _reply(self, status: int, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def result(self, call: Call):
        params = call.params
        if call.method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "noktvrn", "username": "noktvrn_bot"}
        if call.method in ("sendAudio", "sendMessage"):
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "group", "title": "reviewers"},
            }
            if call.method == "sendAudio":
                message["audio"] = {"file_id": "AUDIO1", "file_unique_id": "U1", "duration": 1}
                message["caption"] = params.get("caption", "")
            else:
                message["text"] = params.get("text", "")
            return message
        if call.method in ("editMessageCaption", "editMessageText"):
            return True
        if call.method == "getUpdates":
            offset = int(params.get("offset") or 0)
            return [update for update in self.updates if update["update_id"] >= offset]
        if call.method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def named(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def __enter__(self) -> FakeBotAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bot_api(settings):
    """Telegram configured against a local fake Bot API server."""
    with FakeBotAPI() as fake:
        settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
        settings.TELEGRAM_API_BASE_URL = fake.base_url
        settings.TELEGRAM_CHAT_IDS = [CHAT_ID, OTHER_CHAT_ID]
        settings.TELEGRAM_USER_IDS = []
        settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.TELEGRAM_TIMEOUT_SECONDS = 5.0
        settings.SITE_URL = "https://noktvrn.example"
        yield fake


@pytest.fixture
def queued_tasks():
    """Record django-q tasks and leave them in the broker instead of running them inline.

    The test settings run tasks synchronously; flipping `sync` off in the pre_enqueue signal
    makes `async_task` behave as in production (queued for a cluster), so a test can see what
    was enqueued without executing other areas' jobs.
    """
    queued: list[tuple[str, tuple]] = []

    def receiver(sender, task, **kwargs) -> None:
        queued.append((task["func"], tuple(task["args"])))
        task["sync"] = False

    pre_enqueue.connect(receiver, dispatch_uid="review-tests-queued-tasks")
    try:
        yield queued
    finally:
        pre_enqueue.disconnect(dispatch_uid="review-tests-queued-tasks")


def callback_update(
    *, update_id: int, data: str, chat_id: int = CHAT_ID, user_id: int = REVIEWER_ID, message_id: int = 1000
) -> dict:
    """A Bot API update for a pressed inline button on one of our audio messages."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Alice", "username": "alice"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "group", "title": "reviewers"},
                "caption": "🎧 a track",
                "audio": {"file_id": "AUDIO1", "file_unique_id": "U1", "duration": 1},
            },
        },
    }


__all__ = [
    "BOT_TOKEN",
    "CHAT_ID",
    "FakeBotAPI",
    "OTHER_CHAT_ID",
    "REVIEWER_ID",
    "WEBHOOK_SECRET",
    "awaiting_run",
    "bot_api",
    "callback_update",
    "queued_tasks",
    "sine_wav",
]
