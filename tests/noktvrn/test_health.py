"""Liveness and readiness probes."""

from __future__ import annotations

import pytest

from noktvrn import health


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_lists_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    for name in ("database", "broker", "media"):
        assert body["checks"][name]["ok"] is True
        assert body["checks"][name]["detail"]


@pytest.mark.django_db
def test_readyz_answers_503_when_a_check_fails(client, monkeypatch):
    def broken() -> str:
        raise ConnectionError("broker down")

    monkeypatch.setitem(health._EXTRA_CHECKS, "probe", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["probe"] == {
        "ok": False,
        "detail": "ConnectionError: broker down",
        "ms": body["checks"]["probe"]["ms"],
    }
