"""Liveness and readiness probes."""

from __future__ import annotations

import pytest

from kernel import health


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


@pytest.mark.django_db
def test_home_page_links_every_part(client):
    response = client.get("/")
    assert response.status_code == 200
    for link in (b"/review/", b"/batches/", b"/releases/", b"/admin/", b"/api/docs/"):
        assert link in response.content
    assert b"Sign in" in response.content


@pytest.mark.django_db
def test_home_page_counts_for_signed_in_users(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("u", password="p"))
    response = client.get("/")
    assert b"awaiting review" in response.content
