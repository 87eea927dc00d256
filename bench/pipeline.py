"""Pipeline throughput: runs per minute end to end with the local providers.

Each configuration gets a fresh database, a real `qcluster` with N worker processes, and one
batch of R runs; the clock runs from the batch's creation to the last run reaching
awaiting_review. Usage:

    .venv/bin/python bench/pipeline.py                       # SQLite + ORM broker, 1 and 2 workers, 150 s tracks
    .venv/bin/python bench/pipeline.py --postgres postgres://postgres@127.0.0.1:5432/noktvrn_bench \
        --redis redis://127.0.0.1:6379/0                      # PostgreSQL + Redis broker
    .venv/bin/python bench/pipeline.py --vendor-latency 60 --runs 40 --workers 2 --seconds 30
    .venv/bin/python bench/pipeline.py --cpu --runs 4        # CPU seconds per run, in one process

With --vendor-latency the music comes from a local Suno-compatible stand-in
(bench/suno_standin.py) that takes that many seconds per song and calls back when done, as
Suno does; a web server receives the callbacks. Workers submit and move on, so many songs
render at once: the batch takes about one latency plus the local work, not runs x latency.

`--cpu` runs R runs one after another in one process (`run_execute_sync`, no cluster) and reports
the CPU seconds (all threads, x264 included) each run costs: a figure the machine's other load does
not change, from which 2 cores' ceiling is 120 / (CPU seconds per run) runs a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


SETUP = """
import json
from artists.services import artist_create
from noktvrn.demo import DEMO_ARTISTS
for i in range({artists}):
    profile = json.loads(json.dumps(DEMO_ARTISTS[i % 3]["profile"]))
    profile["musical_defaults"]["track_seconds"] = {seconds}
    artist_create(name=f"Bench artist {{i}}", profile=profile, status="active")
"""
START = """
from generation.services.pipeline import batch_start
print(batch_start(size={runs}).pk)
"""
# One observer process that waits in the database until the batch is done: starting a Django shell
# every second to look would itself take a good part of a core from the workers being measured.
WAIT = """
import json, time
from django.db.models import Max
from generation.models import Batch, GenerationRun, RunStage
batch = Batch.objects.get(pk={batch})
runs = GenerationRun.objects.filter(batch=batch)
deadline = time.monotonic() + {timeout}
while runs.filter(status__in=["pending", "generating"]).exists() and time.monotonic() < deadline:
    time.sleep(2)
done = runs.exclude(status__in=["pending", "generating"]).count()
failed = runs.filter(status="failed").count()
last = RunStage.objects.filter(run__batch=batch).aggregate(last=Max("finished_at"))["last"]
print(json.dumps({{"done": done, "failed": failed, "total": runs.count(),
    "created": batch.created_at.timestamp(), "last": last.timestamp() if last else None}}))
"""


VENDOR_CHECK = """
from django_q.models import Schedule
Schedule.objects.get_or_create(name="vendor job check", defaults={
    "func": "generation.tasks.check_vendor_jobs", "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1})
"""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(
    *, workers: int, runs: int, seconds: int, database_url: str, redis_url: str, vendor_latency: float = 0
) -> dict:
    media = tempfile.mkdtemp(prefix="noktvrn-bench-media-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": media,
        "Q_WORKERS": str(workers),
        "TRACK_SECONDS": str(seconds),
        "Q_CLUSTER_NAME": f"bench-{os.getpid()}-{workers}",
        "MIN_ACTIVE_ARTISTS": "0",
        "MAX_RUNS_PER_ARTIST_PER_DAY": "1000",
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    standin = web = None
    if vendor_latency:
        sys.path.insert(0, str(ROOT))
        from bench.suno_standin import SunoStandIn

        standin = SunoStandIn(latency=vendor_latency, seconds=seconds)
        port = _free_port()
        env.update(
            MUSIC_PROVIDER="suno",
            SUNO_API_KEY="bench-key",
            SUNO_BASE_URL=standin.url,
            SUNO_CALLBACK_SECRET=secrets.token_urlsafe(16),
            SITE_URL=f"http://127.0.0.1:{port}",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        )
    _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    _run([python, "manage.py", "shell", "-c", SETUP.format(artists=max(3, runs), seconds=seconds)], env)
    if vendor_latency:
        _run([python, "manage.py", "shell", "-c", VENDOR_CHECK], env)
        web = subprocess.Popen(
            [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    worker = subprocess.Popen(
        [python, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # let the cluster start, so its start-up is not counted
        batch = int(_run([python, "manage.py", "shell", "-c", START.format(runs=runs)], env).strip().splitlines()[-1])
        wait = WAIT.format(batch=batch, timeout=1800)
        status = json.loads(_run([python, "manage.py", "shell", "-c", wait], env, timeout=1900).splitlines()[-1])
    finally:
        for process in (worker, web):
            if process is not None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if standin is not None:
            standin.close()
    elapsed = status["last"] - status["created"]
    return {
        "vendor_latency_s": vendor_latency,
        "workers": workers,
        "runs": status["total"],
        "failed": status["failed"],
        "track_seconds": seconds,
        "elapsed_s": round(elapsed, 1),
        "runs_per_minute": round(status["total"] / elapsed * 60, 1),
    }


CPU = """
import json, resource, time
from generation.services.pipeline import batch_start, run_execute_sync
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
batch = batch_start(size={runs}, enqueue=False)
costs, walls = [], []
for run_id in batch.runs.values_list("id", flat=True):
    started, wall = cpu(), time.perf_counter()
    run_execute_sync(run_id=run_id)
    costs.append(cpu() - started)
    walls.append(time.perf_counter() - wall)
print(json.dumps({{"cpu_s_per_run": [round(c, 2) for c in costs], "wall_s_per_run": [round(w, 2) for w in walls]}}))
"""


def measure_cpu(*, runs: int, seconds: int) -> dict:
    media = tempfile.mkdtemp(prefix="noktvrn-bench-media-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp(prefix='noktvrn-bench-')}/bench.sqlite3",
        "MEDIA_ROOT": media,
        "TRACK_SECONDS": str(seconds),
        "MIN_ACTIVE_ARTISTS": "0",
        "MAX_RUNS_PER_ARTIST_PER_DAY": "1000",
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    _run([python, "manage.py", "shell", "-c", SETUP.format(artists=max(3, runs), seconds=seconds)], env)
    result = json.loads(_run([python, "manage.py", "shell", "-c", CPU.format(runs=runs)], env).splitlines()[-1])
    costs = sorted(result["cpu_s_per_run"])
    median = costs[len(costs) // 2]
    return {
        "runs": runs,
        "track_seconds": seconds,
        **result,
        "median_cpu_s": median,
        "ceiling_runs_per_minute_on_2_cores": round(120 / median, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=150, help="track length (TRACK_SECONDS)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--postgres", help="PostgreSQL URL of a scratch database (dropped and recreated)")
    parser.add_argument("--redis", default="", help="Redis URL for the django-q broker")
    parser.add_argument(
        "--vendor-latency", type=float, default=0, help="seconds per song from a local Suno stand-in (0: local synth)"
    )
    parser.add_argument("--cpu", action="store_true", help="CPU seconds per run in one process (no cluster)")
    args = parser.parse_args()
    if args.cpu:
        print(json.dumps(measure_cpu(runs=args.runs, seconds=args.seconds)), flush=True)
        return
    results = []
    for workers in args.workers:
        if args.postgres:
            name = args.postgres.rsplit("/", 1)[1]
            admin_url = args.postgres.rsplit("/", 1)[0] + "/postgres"
            subprocess.run(["psql", admin_url, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
            subprocess.run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'], check=True)
            database_url = args.postgres
        else:
            database_url = f"sqlite:///{tempfile.mkdtemp(prefix='noktvrn-bench-')}/bench.sqlite3"
        result = measure(
            workers=workers,
            runs=args.runs,
            seconds=args.seconds,
            database_url=database_url,
            redis_url=args.redis,
            vendor_latency=args.vendor_latency,
        )
        result["database"] = "postgresql" if args.postgres else "sqlite"
        result["broker"] = "redis" if args.redis else "orm"
        results.append(result)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
