"""REST approve/reject: 200 with the decision, 409 already decided, 404 unknown, 403 without permission."""

# ruff: noqa: F811 (fixtures imported from review_support are redefined as test arguments)

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from generation.models import ReviewDecision, RunStatus
from generation.services.review import run_approve
from tests.factories import RunFactory, UserFactory
from tests.generation.review_support import awaiting_run, queued_tasks  # noqa: F401

pytestmark = pytest.mark.django_db


def test_approve_records_an_api_decision_and_enqueues_the_release(
    reviewer, reviewer_client, queued_tasks, django_capture_on_commit_callbacks
):
    run = awaiting_run()
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(f"/api/v1/runs/{run.pk}/approve/", {"comment": "strong hook"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["run"] == run.pk and body["status"] == "approved"
    assert body["decision"]["decided_by"] == reviewer.username
    assert body["decision"]["channel"] == "api"
    assert body["decision"]["comment"] == "strong hook"
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED
    assert ("releases.tasks.package_release", (run.pk,)) in queued_tasks


def test_reject_without_a_comment(reviewer_client, queued_tasks, django_capture_on_commit_callbacks):
    run = awaiting_run()
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(f"/api/v1/runs/{run.pk}/reject/")
    assert response.status_code == 200
    assert ReviewDecision.objects.get(run=run).decision == "rejected"
    assert not any(func == "releases.tasks.package_release" for func, _ in queued_tasks)


def test_an_already_decided_run_is_a_conflict_naming_who_decided(reviewer_client):
    run = awaiting_run()
    run_approve(run=run, actor=UserFactory(username="frank"), channel="telegram")
    response = reviewer_client.post(f"/api/v1/runs/{run.pk}/reject/", {"comment": "too late"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_decided"
    assert "already approved by frank" in body["detail"]
    assert body["extra"]["channel"] == "telegram"
    assert ReviewDecision.objects.get(run=run).decision == "approved"


def test_a_run_not_awaiting_review_is_a_conflict(reviewer_client):
    run = RunFactory(status=RunStatus.GENERATING)
    response = reviewer_client.post(f"/api/v1/runs/{run.pk}/approve/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_unknown_run_is_404(reviewer_client):
    response = reviewer_client.post("/api/v1/runs/987654/approve/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_without_the_decide_permission_is_403(operator_client):
    run = awaiting_run()
    for action in ("approve", "reject"):
        response = operator_client.post(f"/api/v1/runs/{run.pk}/{action}/")
        assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW


def test_anonymous_is_401():
    run = awaiting_run()
    assert APIClient().post(f"/api/v1/runs/{run.pk}/approve/").status_code == 401


def test_an_overlong_comment_is_400(reviewer_client):
    run = awaiting_run()
    response = reviewer_client.post(f"/api/v1/runs/{run.pk}/reject/", {"comment": "x" * 2001})
    assert response.status_code == 400
    assert "comment" in response.json()


def test_token_authentication(reviewer):
    from rest_framework.authtoken.models import Token

    run = awaiting_run()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reviewer).key}")
    assert client.post(f"/api/v1/runs/{run.pk}/approve/").status_code == 200


def test_awaiting_review_list_query_count_with_50_runs(reviewer_client, django_assert_max_num_queries):
    for _ in range(50):
        awaiting_run()
    RunFactory.create_batch(5, status=RunStatus.REJECTED)
    with django_assert_max_num_queries(4):
        response = reviewer_client.get("/api/v1/runs/", {"status": "awaiting_review"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 50
    assert {row["status"] for row in body["results"]} == {"awaiting_review"}


def test_the_schema_documents_the_decision_endpoints(reviewer_client):
    schema = reviewer_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for action in ("approve", "reject"):
        operation = schema["paths"][f"/api/v1/runs/{{id}}/{action}/"]["post"]
        assert {"200", "403", "404", "409"} <= set(operation["responses"])


def _runs_of_every_shape(reviewer) -> list:
    """Runs whose representation differs in every way a row can: decision by a user, a label, the
    system, an undone one; no batch, no status date, no track, a track without a file."""
    from django.utils import timezone

    from tests.factories import TrackFactory

    decided = awaiting_run(title="Decided")
    run_approve(run=decided, actor=reviewer, comment="yes")
    bare = RunFactory(status=RunStatus.FAILED, batch=None, status_changed_at=None, error="boom")
    waiting = awaiting_run()
    no_file = RunFactory(status=RunStatus.AWAITING_REVIEW)
    TrackFactory(run=no_file, audio="")
    labelled, system, undone = (RunFactory(status=RunStatus.REJECTED) for _ in range(3))
    for run, fields in [
        (labelled, {"actor_label": "telegram:ana"}),
        (system, {}),
        (undone, {"actor": reviewer, "undone_at": timezone.now(), "undone_actor": reviewer, "undone_channel": "api"}),
    ]:
        run.decision = ReviewDecision.objects.create(run=run, decision="rejected", channel="web", **fields)
        run.save(update_fields=["decision"])
    return [decided, bare, waiting, no_file, labelled, system, undone]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_the_hand_built_run_representation_says_what_the_declared_fields_say(reviewer, zone):
    """RunSerializer builds each row directly (speed): the same keys, order and values as DRF's fields;
    the list builds its rows from plain columns (`run_rows`), again the same."""
    from django.utils import timezone
    from rest_framework import serializers

    from generation.api import RUN_ROW_COLUMNS, RunSerializer, run_rows
    from generation.selectors.review import run_list

    runs = run_list().filter(pk__in=[run.pk for run in _runs_of_every_shape(reviewer)])
    with timezone.override(zone):
        rows = {row["id"]: row for row in run_rows(runs.values_list(*RUN_ROW_COLUMNS))}
        assert len(rows) == 7
        for run in runs:
            serializer = RunSerializer(run)
            generic = serializers.ModelSerializer.to_representation(serializer, run)
            assert list(serializer.data.items()) == list(generic.items())
            assert list(rows[run.pk].items()) == list(generic.items())


def test_the_runs_list_answers_what_the_serializer_writes(reviewer, reviewer_client):
    """The list's rows (plain columns) equal RunSerializer's output for each run, filtered and searched."""
    from generation.api import RunSerializer
    from generation.selectors.review import run_list

    made = _runs_of_every_shape(reviewer)
    expected = {run.pk: RunSerializer(run).data for run in run_list()}
    body = reviewer_client.get("/api/v1/runs/").json()
    assert body["count"] == len(made) and sorted(row["id"] for row in body["results"]) == sorted(expected)
    for row in body["results"]:
        assert row == expected[row["id"]]
    searched = reviewer_client.get("/api/v1/runs/", {"search": "Decided", "status": "approved"}).json()
    assert searched["count"] == 1 and searched["results"] == [expected[made[0].pk]]


def test_the_runs_list_counts_on_the_runs_alone(reviewer_client):
    """The page's columns join five tables; the count must not (a 5-join COUNT over every run)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        awaiting_run(features=False)
    with CaptureQueriesContext(connection) as captured:
        assert reviewer_client.get("/api/v1/runs/", {"status": "awaiting_review"}).json()["count"] == 3
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "JOIN" not in counts[0].upper(), counts
    page = [q["sql"] for q in captured.captured_queries if '"artists_artist"."slug"' in q["sql"]]
    assert len(page) == 1 and "lyrics" not in page[0] and "profile" not in page[0], page
