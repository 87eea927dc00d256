"""Load at concurrency: the review queue, the runs API list, a run page and approve, against gunicorn
on PostgreSQL with 10,000 runs (the data of bench/console.py). Reports requests per second,
p50/p95/p99, errors, and the CPU the server (gunicorn workers + PostgreSQL backends) and the client
spent per request. Usage:

    .venv/bin/python bench/load.py --runs 10000 --concurrency 16 --duration 20

The database (`--database`, default noktvrn_load_bench) is dropped and recreated (or, with
`--reuse`, kept as an earlier run seeded it). gunicorn runs with deploy/gunicorn.conf.py. The client
is wrk (a C load generator, Debian package `wrk`; `--install-wrk` installs it with apt-get): it uses
a fraction of the CPU a Python client would, and on 2 cores the client shares the machine with the
server. `--client httpx` keeps the older thread-pool client (heavier: it skews the figures down).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.console import _free_port, bench_env, prepare, wait_until_up  # noqa: E402
from bench.cpu import ServerCpu  # noqa: E402

# One wrk script for every scenario: a request cycles through PATHS (each used once when ONCE),
# every answer other than `expect` is an error, and done() prints one JSON line.
WRK_SCRIPT = """
local method, headers, body, paths, once, expect = %(method)s, %(headers)s, %(body)s, %(paths)s, %(once)s, %(expect)d
local threads = {}
index, stride, errors, codes, received = 0, 1, 0, "", 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads - 1)
  thread:set("stride", %(threads)d)
end
function request()
  if once and index >= #paths then
    -- every path used once (approve): filler requests until this thread's last answer stops it
    return wrk.format("GET", "/healthz")
  end
  local path = paths[(index %% #paths) + 1]
  index = index + stride
  return wrk.format(method, path, headers, body)
end
function response(status, hdrs, data)
  received = received + 1
  if once and received * stride >= #paths then wrk.thread:stop() end
  if status ~= expect then
    errors = errors + 1
    if #codes < 60 then codes = codes .. status .. " " end
  end
end
function done(summary, latency, requests)
  local bad, seen = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("errors")
    seen = seen .. thread:get("codes")
  end
  local e = summary.errors
  local socket = string.format("connect %%d read %%d write %%d timeout %%d", e.connect, e.read, e.write, e.timeout)
  io.write(string.format(
    '{"requests": %%d, "seconds": %%.3f, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"unexpected_status": %%d, "socket_errors": %%d, "codes": "%%s", "socket": "%%s"}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, bad, e.connect + e.read + e.write + e.timeout, seen, socket))
end
"""


def _lua(value) -> str:
    """A Python str, bool, None, list or dict as a Lua literal."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def wrk(
    name: str,
    base: str,
    *,
    paths: list[str],
    headers: dict,
    concurrency: int,
    duration: float,
    cpu: ServerCpu,
    method: str = "GET",
    body: str | None = None,
    once: bool = False,
    expect: int = 200,
) -> dict:
    """One scenario with wrk: `concurrency` connections over 2 threads for `duration` seconds."""
    threads = min(2, concurrency)
    script = WRK_SCRIPT % {
        "method": _lua(method),
        "headers": _lua(headers),
        "body": _lua(body),
        "paths": _lua(paths),
        "once": _lua(once),
        "expect": expect,
        "threads": threads,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    before, client_before = cpu.snapshot(), _children_cpu()
    try:
        done = subprocess.run(
            [
                "wrk",
                *("-t", str(threads), "-c", str(concurrency), "-d", f"{duration:.0f}s", "--timeout", "60s"),
                *("-s", handle.name, base),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(handle.name)
    spent, client = ServerCpu.spent(before, cpu.snapshot()), _children_cpu() - client_before
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    requests = max(raw["requests"], 1)
    result = {
        "scenario": name,
        "requests": raw["requests"],
        "rps": round(raw["requests"] / raw["seconds"], 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "errors": raw["unexpected_status"] + raw["socket_errors"],
        "error_kinds": sorted(set(raw["codes"].split())) + ([raw["socket"]] if raw["socket_errors"] else []),
        "web_cpu_ms": round(spent["web"] * 1000 / requests, 1),
        "db_cpu_ms": round(spent["database"] * 1000 / requests, 1),
        "client_cpu_ms": round(client * 1000 / requests, 2),
    }
    print(json.dumps(result), flush=True)
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))], 1)


def hammer(name: str, request, *, concurrency: int, duration: float) -> dict:
    """`concurrency` threads call `request(client, n)` until `duration` is over; every answer is timed."""
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + duration
    counter = iter(range(10**9))

    def worker() -> None:
        with httpx.Client(timeout=60, follow_redirects=False) as client:
            while time.monotonic() < stop:
                n = next(counter)
                started = time.perf_counter()
                try:
                    response = request(client, n)
                except StopIteration:
                    return
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(type(exc).__name__)
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    timings.append(elapsed)
                    if response.status_code >= 300:
                        errors.append(str(response.status_code))

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    result = {
        "scenario": name,
        "requests": len(timings),
        "rps": round(len(timings) / wall, 1),
        "p50_ms": round(statistics.median(timings), 1) if timings else None,
        "p95_ms": _percentile(timings, 0.95) if timings else None,
        "p99_ms": _percentile(timings, 0.99) if timings else None,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/noktvrn_load_bench")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn worker processes (default: its config)")
    parser.add_argument("--client", choices=["wrk", "httpx"], default="wrk")
    parser.add_argument("--install-wrk", action="store_true", help="apt-get install wrk when it is missing")
    parser.add_argument("--reuse", action="store_true", help="keep the database seeded by an earlier run")
    parser.add_argument("--only", default="", help="comma-separated scenarios: queue,api,page,approve")
    args = parser.parse_args()

    if args.client == "wrk" and not shutil.which("wrk"):
        if not args.install_wrk:
            raise SystemExit("wrk is not installed: `apt-get install wrk`, or pass --install-wrk (or --client httpx)")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)

    env = bench_env(args.database, REDIS_URL="", GUNICORN_LOG_LEVEL="warning")
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    data = prepare(database=args.database, env=env, runs=args.runs, stages_per_run=10, reuse=args.reuse)
    python = sys.executable
    port = _free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    gunicorn = os.path.join(os.path.dirname(python), "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null", "noktvrn.wsgi"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    session = {"Cookie": f"sessionid={data['session']}"}
    token = {"Authorization": f"Token {data['token']}"}
    cpu = ServerCpu(master_pid=server.pid, database_url=args.database)
    only = set(filter(None, args.only.split(","))) or {"queue", "api", "page", "approve"}
    try:
        wait_until_up(base)
        awaiting: list[int] = []
        with httpx.Client(headers=token, timeout=60) as client:
            url = f"{base}/api/v1/runs/?status=awaiting_review"
            while url and len(awaiting) < 5000:
                page = client.get(url).json()
                awaiting += [row["id"] for row in page["results"]]
                url = page.get("next")
        print(f"{len(awaiting)} runs await review; client {args.client}, concurrency {args.concurrency}", flush=True)
        pages = awaiting[: len(awaiting) // 2]
        approvable = awaiting[len(awaiting) // 2 :]
        common = {"concurrency": args.concurrency, "duration": args.duration}
        results = []
        if args.client == "wrk":
            scenarios = {
                "queue": lambda: wrk("GET /review/", base, paths=["/review/"], headers=session, cpu=cpu, **common),
                "api": lambda: wrk(
                    "GET /api/v1/runs/", base, paths=["/api/v1/runs/"], headers=token, cpu=cpu, **common
                ),
                "page": lambda: wrk(
                    "GET /review/runs/<id>/",
                    base,
                    paths=[f"/review/runs/{pk}/" for pk in pages],
                    headers=session,
                    cpu=cpu,
                    **common,
                ),
                "approve": lambda: wrk(
                    "POST /api/v1/runs/<id>/approve/",
                    base,
                    paths=[f"/api/v1/runs/{pk}/approve/" for pk in approvable],
                    headers={**token, "Content-Type": "application/json"},
                    method="POST",
                    body='{"comment": "load"}',
                    once=True,
                    cpu=cpu,
                    **common,
                ),
            }
        else:
            scenarios = httpx_scenarios(
                base, session=session, token=token, pages=pages, approvable=approvable, cpu=cpu, **common
            )
        for name in ("queue", "api", "page", "approve"):
            if name in only:
                results.append(scenarios[name]())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    print(
        json.dumps({"runs": data["runs"], "concurrency": args.concurrency, "client": args.client, "results": results})
    )
    return 0


def httpx_scenarios(
    base: str,
    *,
    session: dict,
    token: dict,
    pages: list[int],
    approvable: list[int],
    cpu: ServerCpu,
    concurrency: int,
    duration: float,
) -> dict:
    """The same scenarios with the Python thread-pool client (`--client httpx`)."""
    remaining = iter(approvable)
    approve_lock = threading.Lock()

    def approve(client, n):
        with approve_lock:
            run_id = next(remaining)
        return client.post(f"{base}/api/v1/runs/{run_id}/approve/", headers=token, json={"comment": "load"})

    def run(name: str, request):
        before, started = cpu.snapshot(), time.process_time()
        result = hammer(name, request, concurrency=concurrency, duration=duration)
        spent = ServerCpu.spent(before, cpu.snapshot())
        requests = max(result["requests"], 1)
        result.update(
            web_cpu_ms=round(spent["web"] * 1000 / requests, 1),
            db_cpu_ms=round(spent["database"] * 1000 / requests, 1),
            client_cpu_ms=round((time.process_time() - started) * 1000 / requests, 2),
        )
        print(json.dumps(result), flush=True)
        return result

    return {
        "queue": lambda: run("GET /review/", lambda c, n: c.get(f"{base}/review/", headers=session)),
        "api": lambda: run("GET /api/v1/runs/", lambda c, n: c.get(f"{base}/api/v1/runs/", headers=token)),
        "page": lambda: run(
            "GET /review/runs/<id>/",
            lambda c, n: c.get(f"{base}/review/runs/{pages[n % len(pages)]}/", headers=session),
        ),
        "approve": lambda: run("POST /api/v1/runs/<id>/approve/", approve),
    }


if __name__ == "__main__":
    sys.exit(main())
