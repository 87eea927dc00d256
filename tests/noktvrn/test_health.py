"""Liveness and readiness probes: bounded in time, detail only for staff or the probe token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kernel import health
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "probe-token-123456"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_lists_each_check_for_the_token_holder(client, settings):
    settings.READYZ_TOKEN = TOKEN
    response = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    for name in ("database", "broker", "media"):
        assert body["checks"][name]["ok"] is True
        assert body["checks"][name]["detail"]


@pytest.mark.django_db
def test_readyz_tells_anonymous_callers_the_status_only(client, settings):
    settings.READYZ_TOKEN = TOKEN
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong-token"}):
        response = client.get("/readyz", **headers)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert str(settings.MEDIA_ROOT).encode() not in response.content


@pytest.mark.django_db
def test_readyz_detail_for_staff_but_not_for_other_users(client):
    client.force_login(UserFactory(groups=["Reviewers"]))
    assert "checks" not in client.get("/readyz").json()
    client.force_login(UserFactory(is_staff=True))
    assert "database" in client.get("/readyz").json()["checks"]


@pytest.mark.django_db
def test_readyz_answers_503_when_a_check_fails(client, monkeypatch, settings):
    settings.READYZ_TOKEN = TOKEN

    def broken() -> str:
        raise ConnectionError("broker down")

    monkeypatch.setitem(health._EXTRA_CHECKS, "probe", broken)
    response = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["probe"] == {
        "ok": False,
        "detail": "ConnectionError: broker down",
        "ms": body["checks"]["probe"]["ms"],
    }
    assert client.get("/readyz").json() == {"status": "unavailable"}


@pytest.mark.django_db
def test_readyz_gives_up_on_a_check_that_hangs(client, monkeypatch, settings):
    settings.READYZ_TOKEN = TOKEN
    settings.READYZ_TIMEOUT_SECONDS = 0.5
    release = threading.Event()
    monkeypatch.setitem(health._EXTRA_CHECKS, "hangs", lambda: release.wait(10) and "late")
    started = time.monotonic()
    try:
        response = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    finally:
        release.set()
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json()["checks"]["hangs"] == {"ok": False, "detail": "no answer within 0.5 s", "ms": 500.0}


class SilentDatabase:
    """A TCP server that accepts connections and never says a word (a hung PostgreSQL)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)  # held open, never answered

    def close(self) -> None:
        self.stopped.set()
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_readyz_answers_503_within_5_s_when_the_database_never_answers():
    """gunicorn-like: a fresh process whose DATABASE_URL points at a server that accepts and stays silent."""
    server = SilentDatabase()
    code = (
        "import json, time, django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "client.get('/healthz')  # first request of a process loads the URL map\n"
        "started = time.monotonic(); ready = client.get('/readyz', HTTP_AUTHORIZATION='Bearer t0ken-xyz')\n"
        "ready_s = time.monotonic() - started\n"
        "started = time.monotonic(); health = client.get('/healthz'); health_s = time.monotonic() - started\n"
        "print(json.dumps({'healthz': [health.status_code, health_s], 'readyz': [ready.status_code, ready_s],"
        " 'body': ready.json()}))\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_URL"))},
        "DJANGO_SETTINGS_MODULE": "noktvrn.settings.base",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"postgres://noktvrn@127.0.0.1:{server.port}/noktvrn",
        "READYZ_TOKEN": "t0ken-xyz",
        "NOKTVRN_IGNORE_DOTENV": "1",
        "LOG_LEVEL": "ERROR",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    outcome = __import__("json").loads(result.stdout.strip().splitlines()[-1])
    # /healthz touches no database: it answers while the database hangs (bound generous for a busy CI).
    assert outcome["healthz"][0] == 200 and outcome["healthz"][1] < 4
    status, seconds = outcome["readyz"]
    assert status == 503, outcome
    assert seconds < 5, outcome
    assert outcome["body"]["checks"]["database"]["ok"] is False
    assert server.held, "the probe should have reached the silent server"
