"""A scripted HTTP server on 127.0.0.1 that answers in each LLM vendor's documented wire format.

Tests queue replies (success, 429 with Retry-After, 500, slow, invalid JSON, refusal...) and
the real vendor SDKs talk to it over HTTP, so the provider clients run unmodified.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted HTTP answer."""

    status: int = 200
    body: Any = None  # dict -> JSON; str -> raw text
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class VendorServer:
    """Replies are served in order; when the script runs out the `default` reply repeats."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default: Reply | None = None
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no delayed-ACK stalls

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                with server._lock:
                    server.requests.append(Seen("POST", self.path, dict(self.headers), body))
                    reply = server.replies.popleft() if server.replies else server.default
                if reply is None:
                    reply = Reply(500, {"error": {"message": "no scripted reply"}})
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def start(self) -> VendorServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, *replies: Reply, default: Reply | None = None) -> None:
        self.replies.extend(replies)
        if default is not None:
            self.default = default


# --- Wire formats ----------------------------------------------------------------------------


def openai_ok(content: str | None, *, model: str = "gpt-test", finish: str = "stop", refusal: str | None = None):
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish,
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
    }


def openai_error(message: str, *, type_: str = "server_error", code: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def mistral_ok(content: str, *, model: str = "mistral-test", finish: str = "stop") -> dict:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "model": model,
        "created": 1764000000,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
    }


def mistral_error(message: str) -> dict:
    return {"object": "error", "message": message, "type": "invalid_request_error", "param": None, "code": None}


def anthropic_ok(text: str, *, model: str = "claude-test", stop_reason: str = "end_turn") -> dict:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}] if text else [],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 120, "output_tokens": 80},
    }


def anthropic_error(message: str, *, type_: str = "api_error") -> dict:
    return {"type": "error", "error": {"type": type_, "message": message}}


def gemini_ok(text: str, *, finish: str = "STOP", model: str = "gemini-test") -> dict:
    return {
        "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": finish, "index": 0}],
        "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 80, "totalTokenCount": 200},
        "modelVersion": model,
    }


def gemini_blocked(reason: str = "SAFETY") -> dict:
    return {"promptFeedback": {"blockReason": reason}, "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12}}


def gemini_error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}
