"""The LLM router's added cost per call, next to a bare openai SDK call, against a local instant server.

Both paths send the same Chat Completions request over HTTP to a server on 127.0.0.1 that
answers at once, through the same cached SDK client, in the same process, interleaved call by
call. The router adds: chain parsing and ordering, availability/cooldown/budget checks, the
request seed, answer parsing (and pydantic validation with --schema), cost, breaker
bookkeeping and one LLMCall INSERT into a file-backed SQLite database (WAL), like production.

Usage: .venv/bin/python bench/llm_router.py [--calls 1000] [--schema]
Prints one JSON line: median/p95 per call for both paths and the router's paired overhead per call.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANSWER = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1764000000,
        "model": "bench-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": '{"name": "Chrome Horizon", "score": 7}', "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52},
    }
).encode()


class InstantHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no delayed-ACK stalls

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--schema", action="store_true", help="Ask for a pydantic-validated answer.")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), InstantHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    workdir = tempfile.mkdtemp(prefix="noktvrn-bench-llm-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
            "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
            "OPENAI_API_KEY": "bench-key",
            "OPENAI_BASE_URL": base_url,
            "OPENAI_MODEL": "bench-model",
            "LLM_CHAIN_AUTHOR": "openai,local",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from pydantic import BaseModel

    from llm.providers.openai_compat import _client
    from llm.router import complete

    call_command("migrate", verbosity=0)

    class Verdict(BaseModel):
        name: str
        score: int

    schema = Verdict if args.schema else None
    messages = [{"role": "system", "content": "Judge names."}, {"role": "user", "content": "Chrome Horizon"}]
    client = _client("bench-key", base_url)  # the very client the router uses

    def bare() -> None:
        response = client.chat.completions.create(
            model="bench-model", messages=messages, temperature=0.8, max_completion_tokens=2000, timeout=60
        )
        if schema is not None:
            schema.model_validate_json(response.choices[0].message.content)

    def routed() -> None:
        result = complete(role="author", messages=messages, schema=schema)
        assert result.provider == "openai"

    for _ in range(50):  # warm up connections, imports and caches
        bare()
        routed()
    bare_times, router_times = [], []
    for i in range(args.calls):
        # Alternate which path goes first, so neither always inherits the other's after-effects.
        for path, times in ((bare, bare_times), (routed, router_times))[:: 1 if i % 2 else -1]:
            started = time.perf_counter()
            path()
            times.append((time.perf_counter() - started) * 1000)
    server.shutdown()
    paired = [routed_ms - bare_ms for routed_ms, bare_ms in zip(router_times, bare_times, strict=True)]
    result = {
        "calls": args.calls,
        "schema": bool(schema),
        "bare_sdk_median_ms": round(statistics.median(bare_times), 3),
        "bare_sdk_p95_ms": round(percentile(bare_times, 0.95), 3),
        "router_median_ms": round(statistics.median(router_times), 3),
        "router_p95_ms": round(percentile(router_times, 0.95), 3),
        # Paired: each routed call minus the bare call just before it, so machine noise cancels out.
        "router_overhead_median_ms": round(statistics.median(paired), 3),
        "router_overhead_mean_ms": round(statistics.fmean(paired), 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
