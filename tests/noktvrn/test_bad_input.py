"""Hostile input gets a 4xx, never a 500 (found by schemathesis and by hand against PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from generation.models import ReviewDecision, RunStatus, TelegramUpdate
from generation.services.review import COMMENT_MAX_CHARS
from tests.factories import RunFactory, UserFactory

pytestmark = pytest.mark.django_db
WEBHOOK_SECRET = "webhook-secret-123"


@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59"])
@pytest.mark.parametrize("path", ["/api/v1/runs/", "/api/v1/artists/", "/api/v1/llm-calls/"])
def test_a_utc_offset_the_database_refuses_is_a_400(operator_client, path, offset):
    response = operator_client.get(path, {"created_after": f"2026-01-01T00:00:00{offset}"})
    assert response.status_code == 400, response.content
    assert "created_after" in response.json()


def test_an_offset_within_range_filters_in_utc(operator_client):
    response = operator_client.get("/api/v1/runs/", {"created_after": "2026-01-01T00:00:00+15:59"})
    assert response.status_code == 200


def test_a_date_that_overflows_in_utc_is_a_400(operator_client):
    response = operator_client.get("/api/v1/runs/", {"created_before": "0001-01-01T00:00:00+01:00"})
    assert response.status_code == 400


def test_a_nul_byte_in_the_query_is_a_400_page_and_json_for_the_api(client, operator_client):
    client.force_login(UserFactory(groups=["Reviewers"]))
    response = client.get("/review/?artist=%00")
    assert response.status_code == 400
    response = operator_client.get("/api/v1/runs/?search=a%00b")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def _post_webhook(client, body: str | bytes):
    return client.post(
        "/telegram/webhook/",
        data=body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET,
    )


@pytest.mark.parametrize("field", ["update_id", "callback_query.from.id", "callback_query.message.chat.id"])
def test_a_telegram_id_beyond_64_bits_is_refused_cleanly(client, settings, field):
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    update = {
        "update_id": 5,
        "callback_query": {
            "id": "q",
            "from": {"id": 7, "first_name": "x"},
            "message": {"message_id": 1, "chat": {"id": 1}},
            "data": "x",
        },
    }
    target, *path = field.split(".")
    holder = update
    for part in [target, *path][:-1]:
        holder = holder[part]
    holder[[target, *path][-1]] = 2**70
    response = _post_webhook(client, json.dumps(update))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_update"
    assert not TelegramUpdate.objects.exists()


def test_deeply_nested_json_to_the_webhook_is_a_400(client, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    response = _post_webhook(client, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400


def test_deeply_nested_json_to_the_api_is_a_400(reviewer_client):
    run = RunFactory(status=RunStatus.AWAITING_REVIEW)
    response = reviewer_client.post(
        f"/api/v1/runs/{run.pk}/approve/", data="[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("path", ["/api/v1/artists/generate/", "/telegram/webhook/"])
def test_an_11_mb_body_is_a_413_json_answer(client, path):
    response = client.post(path, data=b"{" + b" " * (11 * 1024 * 1024) + b"}", content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_large"


def test_the_browser_decision_form_caps_the_comment_like_the_api(client):
    reviewer = UserFactory(groups=["Reviewers"])
    client.force_login(reviewer)
    run = RunFactory(status=RunStatus.AWAITING_REVIEW)
    response = client.post(
        f"/review/runs/{run.pk}/decide/",
        {"decision": "rejected", "comment": "x" * 100_000},
        follow=True,
    )
    assert response.status_code == 200
    assert str(COMMENT_MAX_CHARS) in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW
    assert not ReviewDecision.objects.exists()
    response = client.post(f"/review/runs/{run.pk}/decide/", {"decision": "rejected", "comment": "x" * 2000})
    assert ReviewDecision.objects.get().comment == "x" * 2000


def test_bulk_decisions_apply_the_same_comment_rule(client):
    client.force_login(UserFactory(groups=["Reviewers"]))
    run = RunFactory(status=RunStatus.AWAITING_REVIEW)
    client.post("/review/bulk/", {"decision": "approved", "runs": [run.pk], "comment": "y" * 2001})
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW


def test_the_api_refuses_a_long_comment(reviewer_client):
    run = RunFactory(status=RunStatus.AWAITING_REVIEW)
    response = reviewer_client.post(f"/api/v1/runs/{run.pk}/reject/", {"comment": "z" * 2001}, format="json")
    assert response.status_code == 400
