"""Browser, API and Telegram approving the same run at the same moment: exactly one decision.

Each channel runs in its own thread with its own database connection, through the real
HTTP entry points (the API view, the Telegram webhook view, the browser decide view).
"""

# ruff: noqa: F811 (fixtures imported from review_support are redefined as test arguments)

from __future__ import annotations

import json
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from generation.models import ReviewDecision, RunStatus, RunTransition
from generation.telegram.callbacks import callback_encode
from tests.factories import RunFactory, UserFactory
from tests.generation.review_support import (  # noqa: F401
    WEBHOOK_SECRET,
    bot_api,
    callback_update,
    queued_tasks,
)

ROUNDS = 5


def _race(actions: dict) -> dict:
    barrier = threading.Barrier(len(actions))
    results: dict = {}

    def run(name, action) -> None:
        try:
            barrier.wait(timeout=10)
            results[name] = action()
        except Exception as exc:  # surfaced by the assertions below
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _api(user, run_id: int):
    def act():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(f"/api/v1/runs/{run_id}/approve/")

    return act


def _telegram(run_id: int, update_id: int):
    def act():
        update = callback_update(update_id=update_id, data=callback_encode(decision="approved", run_id=run_id))
        return Client().post(
            "/telegram/webhook/",
            data=json.dumps(update),
            content_type="application/json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=WEBHOOK_SECRET,
        )

    return act


def _browser(user, run_id: int):
    def act():
        client = Client()
        client.force_login(user)
        return client.post(f"/review/runs/{run_id}/decide/", {"decision": "rejected", "comment": "race"})

    return act


def _reviewer(username: str):
    """A user who may decide; flushes between transactional tests drop the migration-made groups."""
    user = UserFactory(username=username)
    user.user_permissions.add(
        Permission.objects.get(codename="decide_run"), Permission.objects.get(codename="view_generationrun")
    )
    return user


def _winner(run_id: int) -> ReviewDecision:
    assert ReviewDecision.objects.filter(run_id=run_id).count() == 1
    assert RunTransition.objects.filter(run_id=run_id).count() == 1
    return ReviewDecision.objects.get(run_id=run_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_and_telegram_approving_at_once_yield_one_decision(bot_api, queued_tasks):
    api_user = _reviewer("api-reviewer")
    for round_number in range(ROUNDS):
        run = RunFactory(status=RunStatus.AWAITING_REVIEW)
        results = _race({"api": _api(api_user, run.pk), "telegram": _telegram(run.pk, 100 + round_number)})

        decision = _winner(run.pk)
        assert decision.decision == "approved"
        api, telegram = results["api"], results["telegram"]
        assert api.status_code in (200, 409) and telegram.status_code == 200
        if decision.channel == "api":
            assert api.status_code == 200
            assert telegram.json()["outcome"] == "Already approved by api-reviewer."
        else:
            assert decision.channel == "telegram" and decision.decided_by == "@alice"
            assert api.status_code == 409
            assert "already approved by @alice via telegram" in api.json()["detail"]
    answers = [call.params["text"] for call in bot_api.named("answerCallbackQuery")]
    assert len(answers) == ROUNDS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_browser_api_and_telegram_at_once_yield_one_decision(bot_api, queued_tasks):
    api_user = _reviewer("api-reviewer")
    web_user = _reviewer("web-reviewer")
    for round_number in range(ROUNDS):
        run = RunFactory(status=RunStatus.AWAITING_REVIEW)
        results = _race(
            {
                "api": _api(api_user, run.pk),
                "telegram": _telegram(run.pk, 200 + round_number),
                "web": _browser(web_user, run.pk),
            }
        )
        decision = _winner(run.pk)
        assert not any(isinstance(result, Exception) for result in results.values()), results
        run.refresh_from_db()
        assert run.status == decision.decision
        release_jobs = [args for func, args in queued_tasks if func == "releases.tasks.package_release"]
        assert release_jobs.count((run.pk,)) == (1 if decision.decision == "approved" else 0)
