"""The run admin records nothing by hand: finished runs are read-only, decisions go through one bulk service."""

from __future__ import annotations

import pytest

from generation.models import Channel, GenerationRun, ReviewDecision, RunStatus
from generation.services.review import runs_decide
from tests.factories import ArtistFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_finished_run_cannot_be_edited_in_the_admin(boss_client):
    run = RunFactory(status=RunStatus.AWAITING_REVIEW, seed=7, parameters={"tempo": 100})
    other = ArtistFactory()
    url = f"/admin/generation/generationrun/{run.pk}/change/"
    page = boss_client.get(url).content.decode()
    assert 'name="seed"' not in page and 'name="parameters"' not in page and 'name="artist"' not in page
    boss_client.post(url, {"artist": other.pk, "seed": 99, "parameters": '{"tempo": 200}', "title": "x"})
    run.refresh_from_db()
    assert (run.artist_id, run.seed, run.parameters) != (other.pk, 99, {"tempo": 200})
    assert run.seed == 7 and run.parameters == {"tempo": 100}


def test_runs_are_never_added_in_the_admin(boss_client):
    assert boss_client.get("/admin/generation/generationrun/add/").status_code == 403


@pytest.mark.parametrize("model", ["runstage", "runtransition", "reviewdecision"])
def test_history_tables_cannot_be_added(boss_client, model):
    assert boss_client.get(f"/admin/generation/{model}/add/").status_code == 403


def test_bulk_decision_decides_each_run_once_and_explains_refusals():
    waiting = RunFactory(status=RunStatus.AWAITING_REVIEW)
    taken = RunFactory(status=RunStatus.APPROVED)
    reviewer = UserFactory()
    outcome = runs_decide(
        runs=[waiting.pk, waiting.pk, taken.pk], decision="rejected", actor=reviewer, channel=Channel.WEB
    )
    assert outcome.decided == [waiting.pk]
    assert len(outcome.refused) == 1 and str(taken.pk) in outcome.refused[0]
    assert ReviewDecision.objects.get(run=waiting).decision == "rejected"
    assert GenerationRun.objects.get(pk=taken.pk).status == RunStatus.APPROVED


def test_admin_bulk_action_uses_the_same_service(boss_client):
    runs = [RunFactory(status=RunStatus.AWAITING_REVIEW) for _ in range(2)]
    response = boss_client.post(
        "/admin/generation/generationrun/",
        {"action": "reject_runs", "_selected_action": [r.pk for r in runs]},
        follow=True,
    )
    assert "2 run(s) rejected" in response.content.decode()
    assert ReviewDecision.objects.filter(channel=Channel.ADMIN).count() == 2
