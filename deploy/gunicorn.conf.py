"""gunicorn settings for the web tier: `gunicorn -c deploy/gunicorn.conf.py noktvrn.wsgi`.

Every value can be overridden by the GUNICORN_* variable of the same name. No request does
heavy work (analysis, packaging and vendor calls run in the workers), so the 60 s timeout is
a guard, not a budget.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: (2 x cores) + 1 is gunicorn's rule of thumb for mostly-database work.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
keepalive = 5
# Recycle workers now and then, so a slow leak never becomes an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# Request bodies above DATA_UPLOAD_MAX_MEMORY_SIZE spool to disk; keep the spool off tmpfs-limited /tmp if needed.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
