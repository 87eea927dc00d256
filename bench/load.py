"""Load at concurrency: the review queue, the runs API list, a run page and approve, against gunicorn
on PostgreSQL with 10,000 runs (the data of bench/console.py). Reports requests per second,
p50/p95/p99 and errors per scenario. Usage:

    .venv/bin/python bench/load.py --runs 10000 --concurrency 16 --duration 20

The database (`--database`, default noktvrn_load_bench) is dropped and recreated. gunicorn runs
with deploy/gunicorn.conf.py and `--workers` processes; the client (threads with httpx) runs on
the same machine, so on 2 cores it takes CPU from the server: the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.console import _free_port, _psql  # noqa: E402


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
    print(json.dumps(result), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/noktvrn_load_bench")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()

    name = urlparse(args.database).path.lstrip("/")
    _psql(args.database, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(args.database, f"CREATE DATABASE {name}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": args.database,
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": "",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="noktvrn-load-media-"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run(
        [python, "-m", "bench.console", "--_seed", "--runs", str(args.runs)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(seeded.stdout.strip().splitlines()[-1])
    subprocess.run(["psql", args.database, "-q", "-c", "VACUUM ANALYZE"], check=True)
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
    try:
        for _ in range(240):
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        awaiting: list[int] = []
        with httpx.Client(headers=token, timeout=60) as client:
            url = f"{base}/api/v1/runs/?status=awaiting_review"
            while url and len(awaiting) < 5000:
                page = client.get(url).json()
                awaiting += [row["id"] for row in page["results"]]
                url = page.get("next")
        pages = awaiting[: len(awaiting) // 2]
        approvable = iter(awaiting[len(awaiting) // 2 :])
        approve_lock = threading.Lock()

        def approve(client, n):
            with approve_lock:
                run_id = next(approvable)
            return client.post(f"{base}/api/v1/runs/{run_id}/approve/", headers=token, json={"comment": "load"})

        results = [
            hammer(
                "GET /review/",
                lambda c, n: c.get(f"{base}/review/", headers=session),
                concurrency=args.concurrency,
                duration=args.duration,
            ),
            hammer(
                "GET /api/v1/runs/",
                lambda c, n: c.get(f"{base}/api/v1/runs/", headers=token),
                concurrency=args.concurrency,
                duration=args.duration,
            ),
            hammer(
                "GET /review/runs/<id>/",
                lambda c, n: c.get(f"{base}/review/runs/{pages[n % len(pages)]}/", headers=session),
                concurrency=args.concurrency,
                duration=args.duration,
            ),
            hammer("POST /api/v1/runs/<id>/approve/", approve, concurrency=args.concurrency, duration=args.duration),
        ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    print(json.dumps({"runs": data["runs"], "concurrency": args.concurrency, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
