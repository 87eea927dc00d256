"""gunicorn settings for the web tier: `gunicorn -c deploy/gunicorn.conf.py noktvrn.wsgi`.

Every value can be overridden by the GUNICORN_* variable of the same name. No request does
heavy work (analysis, packaging and vendor calls run in the workers), so the 60 s timeout is
a guard, not a budget.

With PROMETHEUS_MULTIPROC_DIR set, each worker writes its request metrics to files in that
folder and /metrics adds them up (prometheus_client's multiprocess mode). The folder is emptied
when the master starts (stale files from an earlier run would be counted again), and a dead
worker's live gauges are dropped.
"""

import multiprocessing
import os
import shutil
from pathlib import Path


def _env(name: str, default):
    """The variable's value, or the default when it is unset or empty (as in .env.example)."""
    value = os.environ.get(name, "").strip()
    return type(default)(value) if value else default


bind = _env("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: (2 x cores) + 1 is gunicorn's rule of thumb for mostly-database work.
workers = _env("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _env("GUNICORN_THREADS", 1)
timeout = _env("GUNICORN_TIMEOUT", 60)
graceful_timeout = _env("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = 5
# Recycle workers now and then, so a slow leak never becomes an outage.
max_requests = _env("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
# Where workers keep their heartbeat file (a tmpfs such as /dev/shm avoids disk stalls).
worker_tmp_dir = _env("GUNICORN_WORKER_TMP_DIR", "") or None
accesslog = "-"
errorlog = "-"
loglevel = _env("GUNICORN_LOG_LEVEL", "info")
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = _env("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
