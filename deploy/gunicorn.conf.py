"""gunicorn settings for the web tier: `gunicorn -c deploy/gunicorn.conf.py noktvrn.wsgi`.

Every value can be overridden by the GUNICORN_* variable of the same name. No request does
heavy work (analysis, packaging and vendor calls run in the workers), so the 60 s timeout is
a guard, not a budget.
"""

import multiprocessing
import os


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
