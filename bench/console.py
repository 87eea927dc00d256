"""Operator pages and API lists under load: server time at p50/p95 with 10k runs and 100k stages.

Builds a fresh PostgreSQL database with 10,000 runs (every status, spread over 30 days),
100,000 stage rows, their decisions, 20,000 LLM calls, releases and deliveries; starts gunicorn
(2 workers, production-like settings, DEBUG off); then times sequential GETs of the home
dashboard, the review queue, the artist grid, the batches page, every list of the REST API and the
Prometheus scrape (/metrics, whose database figures are aggregated over all of those rows).
The time is measured by the client over loopback, so it is an upper bound of the server time;
beside it, the CPU the server side spent per request (gunicorn's workers + their PostgreSQL
backends, from /proc: bench/cpu.py), the figure to compare on a shared machine.

    .venv/bin/python bench/console.py                                # noktvrn_console_bench on 127.0.0.1
    .venv/bin/python bench/console.py --database postgres://postgres@127.0.0.1:5432/noktvrn_console_bench \
        --runs 10000 --stages-per-run 10 --requests 60
    .venv/bin/python bench/console.py --reuse       # keep the seeded database, only migrate it
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cpu import ServerCpu  # noqa: E402

PAGES = ["/", "/review/", "/artists/", "/batches/", "/releases/"]
API_LISTS = [
    "/api/v1/runs/",
    "/api/v1/runs/?status=awaiting_review",
    "/api/v1/batches/",
    "/api/v1/artists/",
    "/api/v1/releases/",
    "/api/v1/llm-calls/",
    "/api/v1/artist-creations/",
]


def seed(*, runs: int, stages_per_run: int) -> dict:
    """Fill the database (runs in a child process with Django set up) and return the credentials."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from artists.models import Artist, ArtistVersion
    from generation.models import Batch, GenerationRun, ReviewDecision, RunStage, RunStatus, Track
    from llm.models import LLMCall
    from noktvrn.demo import DEMO_ARTISTS
    from releases.models import Delivery, Release

    rng = random.Random(7)
    now = timezone.now()
    artists = [
        Artist.objects.create(
            name=f"Bench artist {i}", slug=f"bench-{i}", status="active", profile=DEMO_ARTISTS[i % 3]["profile"]
        )
        for i in range(40)
    ]
    ArtistVersion.objects.bulk_create(
        ArtistVersion(artist=a, number=1, profile=a.profile, reason="bench") for a in artists
    )
    batches = Batch.objects.bulk_create(Batch(size=20, status="finished", finished_at=now) for _ in range(runs // 20))
    statuses = (
        [RunStatus.AWAITING_REVIEW] * 8
        + [RunStatus.REJECTED] * 20
        + [RunStatus.RELEASED] * 15
        + [RunStatus.APPROVED] * 2
        + [RunStatus.FAILED] * 10
        + [RunStatus.EXPIRED] * 5
        + [RunStatus.GENERATING] * 2
    )
    run_rows = []
    for i in range(runs):
        created = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
        run_rows.append(
            GenerationRun(
                batch=batches[i % len(batches)],
                artist=artists[i % len(artists)],
                status=rng.choice(statuses),
                status_changed_at=created + timedelta(minutes=30),
                title=f"Bench track {i}",
                seed=i,
                parameters={"tempo": 100 + i % 40, "key": "A", "mode": "minor"},
                prompts={"music": "bench prompt"},
                variant="AB"[i % 2],
            )
        )
    run_rows = GenerationRun.objects.bulk_create(run_rows, batch_size=2000)
    # created_at is auto_now_add: spread it over the month afterwards.
    for run in run_rows:
        run.created_at = run.status_changed_at - timedelta(minutes=30)
    GenerationRun.objects.bulk_update(run_rows, ["created_at"], batch_size=2000)
    names = list(RunStage.Name.values)
    stage_rows = []
    for run in run_rows:
        # Every stage once, then retries (attempt 2, 3...) until the run has `stages_per_run` rows.
        for index in range(stages_per_run):
            name, attempt = names[index % len(names)], index // len(names) + 1
            failed = run.status == RunStatus.FAILED and index == stages_per_run - 1
            stage_rows.append(
                RunStage(
                    run=run,
                    name=name,
                    attempt=attempt,
                    outcome="failed" if failed else "succeeded",
                    started_at=run.created_at + timedelta(seconds=index),
                    finished_at=run.created_at + timedelta(seconds=index + 1),
                    duration_ms=900,
                    error="generate_track: vendor said no" if failed else "",
                )
            )
    RunStage.objects.bulk_create(stage_rows, batch_size=5000)
    Track.objects.bulk_create(
        (
            Track(run=r, audio=f"tracks/bench-{r.pk}.wav", duration=30, provider="local", lyrics="la la")
            for r in run_rows
        ),
        batch_size=2000,
    )
    decided = {RunStatus.REJECTED: "rejected", RunStatus.RELEASED: "approved", RunStatus.APPROVED: "approved"}
    decisions = [
        ReviewDecision(run=r, decision=decided[r.status], channel="web") for r in run_rows if r.status in decided
    ]
    ReviewDecision.objects.bulk_create(decisions, batch_size=2000)
    # Each decided run points at its standing decision, as the review service leaves it.
    for d in decisions:
        d.run.decision = d
    GenerationRun.objects.bulk_update([d.run for d in decisions], ["decision"], batch_size=2000)
    releases = Release.objects.bulk_create(
        (
            Release(run=r, artist_id=r.artist_id, title=r.title, status="delivered")
            for r in run_rows
            if r.status == RunStatus.RELEASED
        ),
        batch_size=2000,
    )
    Delivery.objects.bulk_create(
        (Delivery(release=rel, distributor="outbox", status="succeeded") for rel in releases), batch_size=2000
    )
    LLMCall.objects.bulk_create(
        (
            LLMCall(
                provider=rng.choice(["local", "openai", "deepseek", "anthropic"]),
                model="m",
                role=rng.choice(["author", "writer", "analyst"]),
                outcome=rng.choice(["success"] * 9 + ["error"]),
                cost=Decimal("0.0004"),
                latency_ms=rng.randrange(50, 3000),
            )
            for _ in range(runs * 2)
        ),
        batch_size=5000,
    )
    user = get_user_model().objects.create_superuser("bench", "bench@example.invalid", "bench-password")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return {
        "session": session.session_key,
        "token": Token.objects.create(user=user).key,
        "runs": GenerationRun.objects.count(),
        "stages": RunStage.objects.count(),
        "llm_calls": LLMCall.objects.count(),
        "releases": len(releases),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _psql(database_url: str, sql: str) -> None:
    url = urlparse(database_url)
    subprocess.run(
        [
            "psql",
            "-h",
            url.hostname or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-d",
            "postgres",
            "-q",
            "-c",
            sql,
        ],
        check=True,
    )


def measure(url: str, *, headers: dict, requests: int, warmup: int = 5, cpu: ServerCpu | None = None) -> dict:
    """Sequential GETs after a warm-up; latency percentiles and, with `cpu`, server CPU per request."""
    import httpx

    timings, status, before = [], None, None
    with httpx.Client(headers=headers, timeout=30, follow_redirects=False) as client:
        for n in range(warmup + requests):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            status = response.status_code
            if status != 200:
                raise SystemExit(f"{url} answered {status}: {response.text[:300]}")
            if n >= warmup:
                timings.append(elapsed)
            if n == warmup - 1 and cpu is not None:
                before = cpu.snapshot()
    spent = ServerCpu.spent(before, cpu.snapshot()) if cpu is not None else None
    timings.sort()
    return {
        **(
            {
                "web_cpu_ms": round(spent["web"] * 1000 / len(timings), 1),
                "db_cpu_ms": round(spent["database"] * 1000 / len(timings), 1),
            }
            if spent
            else {}
        ),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "max_ms": round(timings[-1], 1),
        "requests": len(timings),
    }


def credentials() -> dict:
    """A staff session and an API token for the bench user (made by `seed`), and the row counts."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from generation.models import GenerationRun, RunStage
    from llm.models import LLMCall
    from releases.models import Release

    user = get_user_model().objects.get(username="bench")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return {
        "session": session.session_key,
        "token": Token.objects.get_or_create(user=user)[0].key,
        "runs": GenerationRun.objects.count(),
        "stages": RunStage.objects.count(),
        "llm_calls": LLMCall.objects.count(),
        "releases": Release.objects.count(),
    }


def bench_env(database: str, **extra: str) -> dict:
    """The server's environment: production-like settings (DEBUG off, persistent connections)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": database,
        # gunicorn's workers keep their PostgreSQL connection (as deploy/ does), not one per request.
        "DATABASE_CONN_MAX_AGE": "60",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="noktvrn-bench-media-"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def prepare(*, database: str, env: dict, runs: int, stages_per_run: int, reuse: bool) -> dict:
    """Migrate and seed a fresh database (or, with `reuse`, one seeded before); return the credentials."""
    python = sys.executable
    if not reuse:
        name = urlparse(database).path.lstrip("/")
        _psql(database, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _psql(database, f"CREATE DATABASE {name}")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    started = time.monotonic()
    mode = ["--_credentials"] if reuse else ["--_seed"]
    child = subprocess.run(
        [python, "-m", "bench.console", *mode, "--runs", str(runs), "--stages-per-run", str(stages_per_run)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"{'found' if reuse else 'seeded'} {data['runs']} runs, {data['stages']} stages, "
        f"{data['llm_calls']} LLM calls, "
        f"{data['releases']} releases in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    if not reuse:
        subprocess.run(["psql", database, "-q", "-c", "VACUUM ANALYZE"], check=True)
    return data


def wait_until_up(base: str) -> None:
    import httpx

    for _ in range(240):
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz within 120 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/noktvrn_console_bench")
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--stages-per-run", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database seeded by an earlier run (only migrate it)"
    )
    parser.add_argument("--_seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_credentials", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._seed:
        print(json.dumps(seed(runs=args.runs, stages_per_run=args.stages_per_run)))
        return 0
    if args._credentials:
        print(json.dumps(credentials()))
        return 0

    # /metrics as a Prometheus server scrapes it: bearer token, gunicorn workers in multiprocess mode.
    metrics_env = {
        "METRICS_TOKEN": "bench-metrics-token",
        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="noktvrn-bench-metrics-"),
    }
    env = bench_env(args.database, **metrics_env)
    data = prepare(
        database=args.database, env=env, runs=args.runs, stages_per_run=args.stages_per_run, reuse=args.reuse
    )
    python = sys.executable
    port = _free_port()
    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(python), "gunicorn"),
            "noktvrn.wsgi:application",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    cpu = ServerCpu(master_pid=server.pid, database_url=args.database)
    try:
        wait_until_up(base)
        results = {}
        session = {"Cookie": f"sessionid={data['session']}"}
        token = {"Authorization": f"Token {data['token']}"}
        metrics = {"Authorization": "Bearer bench-metrics-token"}
        urls = [(path, session) for path in PAGES] + [(path, token) for path in API_LISTS] + [("/metrics", metrics)]
        print(f"{'URL':40} {'p50 ms':>8} {'p95 ms':>8}   server CPU per request: web + database ms", flush=True)
        for path, headers in urls:
            row = results[path] = measure(base + path, headers=headers, requests=args.requests, cpu=cpu)
            print(
                f"{path:40} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}   "
                f"{row['web_cpu_ms']:6.1f} + {row['db_cpu_ms']:5.1f}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(json.dumps({"seed": {k: v for k, v in data.items() if k not in ("session", "token")}, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
