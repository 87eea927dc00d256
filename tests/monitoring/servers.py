"""A small scripted HTTP server on 127.0.0.1 for the health-check and Sentry tests.

`routes` maps "METHOD /path" to (status, JSON body); the test changes them while the server
runs (a vendor going down and coming back). Every request is recorded with its headers and body.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class ScriptedServer:
    def __init__(self, routes: dict[str, tuple[int, Any]] | None = None) -> None:
        self.routes: dict[str, tuple[int, Any]] = dict(routes or {})
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                server.requests.append(
                    {
                        "method": self.command,
                        "path": path,
                        "url": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                status, payload = server.routes.get(f"{self.command} {path}", (404, {"error": "not found"}))
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_OPTIONS = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
