"""Liveness and readiness probes."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

Check = Callable[[], str]
_EXTRA_CHECKS: dict[str, Check] = {}


def register_readiness_check(name: str, check: Check) -> None:
    """Apps add checks (LLM providers, storage...). A check returns a detail or raises."""
    _EXTRA_CHECKS[name] = check


def check_database() -> str:
    with connection.cursor() as cursor:
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
        root = settings.MEDIA_ROOT
        root.mkdir(parents=True, exist_ok=True)
        probe = root / ".readyz-probe"
        probe.write_text("ok")
        probe.unlink()
        return f"media folder writable ({root})"
    return "remote media storage configured"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict] = {}
    all_ok = True
    for name, check in {
        "database": check_database,
        "broker": check_broker,
        "media": check_media,
        **_EXTRA_CHECKS,
    }.items():
        started = time.perf_counter()
        try:
            detail = check()
            ok = True
        except Exception as exc:  # a readiness probe reports every failure, whatever its type
            detail = f"{type(exc).__name__}: {exc}"
            ok = False
        all_ok &= ok
        checks[name] = {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return JsonResponse({"status": "ok" if all_ok else "unavailable", "checks": checks}, status=200 if all_ok else 503)
