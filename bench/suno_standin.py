"""A local Suno-compatible API that takes a fixed time per song, for benchmarks and manual tests.

It speaks the wire format the Suno client uses (docs: VENDORS.md): `POST /api/v1/generate`
-> `data.taskId`; `GET /api/v1/generate/record-info?taskId=` -> PENDING until the song is
"rendered" (`--latency` seconds after submission), then SUCCESS with `sunoData[].audioUrl`;
and, like Suno, a POST to the job's `callBackUrl` when the song is done. The audio is a real
WAV tone of `--seconds`. Usage:

    .venv/bin/python bench/suno_standin.py --port 9100 --latency 60
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import soundfile


def tone_wav(seconds: float, rate: int = 44100) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.25 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t))
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([mono, mono], axis=1), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


class SunoStandIn:
    """The server; `jobs` maps a task id to (submitted_at, callback URL, callback sent)."""

    def __init__(self, *, port: int = 0, latency: float = 60.0, seconds: float = 30.0) -> None:
        self.latency = latency
        self.audio = tone_wav(seconds)
        self.seconds = seconds
        self.jobs: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, data: dict) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                if urlsplit(self.path).path != "/api/v1/generate":
                    return self._json(404, {"code": 404, "msg": "not found"})
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    return self._json(401, {"code": 401, "msg": "missing key"})
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                task_id = uuid.uuid4().hex
                with standin.lock:
                    standin.jobs[task_id] = {"at": time.time(), "callback": body.get("callBackUrl", ""), "sent": False}
                return self._json(200, {"code": 200, "msg": "success", "data": {"taskId": task_id}})

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path.startswith("/audio/"):
                    self.send_response(200)
                    self.send_header("Content-Type", "audio/wav")
                    self.send_header("Content-Length", str(len(standin.audio)))
                    self.end_headers()
                    self.wfile.write(standin.audio)
                    return None
                if parts.path != "/api/v1/generate/record-info":
                    return self._json(404, {"code": 404, "msg": "not found"})
                task_id = parse_qs(parts.query).get("taskId", [""])[0]
                job = standin.jobs.get(task_id)
                if job is None:
                    return self._json(200, {"code": 404, "msg": "no such task", "data": None})
                return self._json(200, {"code": 200, "msg": "success", "data": standin.record(task_id, job)})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        threading.Thread(target=self._callbacks, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def record(self, task_id: str, job: dict) -> dict:
        if time.time() - job["at"] < self.latency:
            return {"taskId": task_id, "status": "PENDING"}
        song = {
            "id": task_id,
            "audioUrl": f"{self.url}/audio/{task_id}.wav",
            "title": "stand-in",
            "duration": self.seconds,
            "tags": "",
        }
        return {"taskId": task_id, "status": "SUCCESS", "response": {"taskId": task_id, "sunoData": [song]}}

    def _callbacks(self) -> None:
        """Suno calls callBackUrl when a song is done; so do we (failures are the receiver's problem)."""
        while not self.stopped.wait(0.5):
            now = time.time()
            with self.lock:
                due = [(k, j) for k, j in self.jobs.items() if not j["sent"] and now - j["at"] >= self.latency]
                for _, job in due:
                    job["sent"] = True
            for task_id, job in due:
                if not job["callback"].startswith("http://127.0.0.1"):
                    continue
                song = {"id": task_id, "audio_url": f"{self.url}/audio/{task_id}.wav"}
                data = {"callbackType": "complete", "task_id": task_id, "data": [song]}
                with contextlib.suppress(httpx.HTTPError):  # the receiver's problem, as with Suno
                    httpx.post(job["callback"], json={"code": 200, "msg": "All generated.", "data": data}, timeout=10)

    def close(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--latency", type=float, default=60.0, help="seconds per song")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the audio served")
    args = parser.parse_args()
    standin = SunoStandIn(port=args.port, latency=args.latency, seconds=args.seconds)
    print(f"Suno stand-in on {standin.url}, {args.latency:g} s per song", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.close()


if __name__ == "__main__":
    main()
