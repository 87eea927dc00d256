"""Liveness and readiness probes.

`/healthz` touches nothing (the process answers). `/readyz` runs every check at once, each
bounded by READYZ_TIMEOUT_SECONDS, so a database that accepts connections but never answers
gives a 503 in a few seconds instead of hanging the probe. The detail of each check (hosts,
paths, which keys are missing) is shown to staff and to callers with READYZ_TOKEN only.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.http import HttpRequest, JsonResponse

Check = Callable[[], str]
_EXTRA_CHECKS: dict[str, Check] = {}


def register_readiness_check(name: str, check: Check) -> None:
    """Apps add checks (LLM providers, storage...). A check returns a detail or raises."""
    _EXTRA_CHECKS[name] = check


def check_database() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Bound the probe's own query on the server too (a locked or overloaded database).
            timeout_ms = int(settings.READYZ_TIMEOUT_SECONDS * 1000)
            cursor.execute(f"SET statement_timeout = {timeout_ms}")
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return f"{connection.vendor} reachable"


def check_broker() -> str:
    if settings.Q_CLUSTER.get("redis"):
        import redis

        client = redis.Redis.from_url(settings.Q_CLUSTER["redis"], socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        return "redis broker reachable"
    from django_q.models import OrmQ

    queued = OrmQ.objects.count()
    return f"orm broker reachable ({queued} queued)"


def check_media() -> str:
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        root = Path(settings.MEDIA_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        probe = root / ".readyz-probe"
        probe.write_text("ok")
        probe.unlink()
        return f"media folder writable ({root})"
    return "remote media storage configured"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _timed(check: Check) -> tuple[bool, str, float]:
    """Run one check in a probe thread; its database connection is closed when it ends."""
    started = time.perf_counter()
    try:
        detail, ok = check(), True
    except Exception as exc:  # a readiness probe reports every failure, whatever its type
        detail, ok = f"{type(exc).__name__}: {exc}", False
    finally:
        connections.close_all()
    return ok, detail, round((time.perf_counter() - started) * 1000, 1)


def run_checks() -> dict[str, dict]:
    """Every check at once; one still running at the deadline is reported as failed."""
    named = {"database": check_database, "broker": check_broker, "media": check_media, **_EXTRA_CHECKS}
    limit = settings.READYZ_TIMEOUT_SECONDS
    pool = ThreadPoolExecutor(max_workers=len(named), thread_name_prefix="readyz")
    futures = {name: pool.submit(_timed, check) for name, check in named.items()}
    deadline = time.monotonic() + limit
    checks: dict[str, dict] = {}
    for name, future in futures.items():
        try:
            ok, detail, ms = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            ok, detail, ms = False, f"no answer within {limit:g} s", round(limit * 1000, 1)
        checks[name] = {"ok": ok, "detail": detail, "ms": ms}
    # A hung check's thread ends on its own (the connect timeout bounds it); do not wait for it.
    pool.shutdown(wait=False)
    return checks


def _may_see_detail(request: HttpRequest) -> bool:
    token = settings.READYZ_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False  # no session to look up: anonymous, and no database round trip
    try:
        return bool(request.user.is_authenticated and request.user.is_staff)
    except DatabaseError:
        return False


def readyz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    all_ok = all(check["ok"] for check in checks.values())
    body: dict = {"status": "ok" if all_ok else "unavailable"}
    if _may_see_detail(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if all_ok else 503)
