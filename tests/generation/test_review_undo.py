"""Undo is a recorded transition: every decision and its undo stay in the database.

The run's effective decision is the latest one not undone; counts, rates and the evolution
evidence read only that one. An undone approval leaves no release job acting on it.
"""

# ruff: noqa: F811 (queued_tasks is a fixture imported from review_support)

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from evolution.services.plans import review_evidence
from generation.models import GenerationRun, ReviewDecision, RunStatus, RunTransition
from generation.selectors.review import review_counts
from generation.services.review import run_approve, run_decide, run_undo_decision
from kernel.models import TaskOutbox
from monitoring.selectors import week_numbers
from noktvrn.dashboard.panels import approval_rate_per_day
from noktvrn.dashboard.registry import DateRange, PanelContext
from releases.models import Release
from releases.tasks import package_release
from tests.factories import UserFactory
from tests.generation.review_support import awaiting_run, queued_tasks  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_undone_decision_stays_with_its_undo_recorded(reviewer, queued_tasks):
    run = awaiting_run()
    decision = run_approve(run=run, actor=reviewer, comment="catchy")
    undoer = UserFactory(groups=["Reviewers"], username="second-look")
    run_undo_decision(run=run.pk, actor=undoer, channel="api")

    decision.refresh_from_db()
    assert decision.undone_at is not None and decision.undone_at >= decision.decided_at
    assert (decision.undone_by, decision.undone_channel, decision.comment) == ("second-look", "api", "catchy")
    assert decision.decided_by == reviewer.username
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW and run.decision_id is None
    assert [(t.from_status, t.to_status) for t in RunTransition.objects.filter(run=run)][-2:] == [
        ("awaiting_review", "approved"),
        ("approved", "awaiting_review"),
    ]


def test_approve_undo_reject_keeps_both_and_the_latest_stands(reviewer, reviewer_client, queued_tasks):
    run = awaiting_run()
    approval = run_approve(run=run, actor=reviewer)
    run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    rejection = run_decide(run=run.pk, decision="rejected", actor=reviewer, channel="web", comment="too long")

    run.refresh_from_db()
    assert run.status == RunStatus.REJECTED and run.decision_id == rejection.pk
    kept = [(d.pk, d.undone_at is None) for d in ReviewDecision.objects.filter(run=run).order_by("pk")]
    assert kept == [(approval.pk, False), (rejection.pk, True)]
    body = reviewer_client.get(f"/api/v1/runs/{run.pk}/").json()
    # The existing field is the effective decision; the history is added beside it.
    assert body["decision"]["decision"] == "rejected" and body["decision"]["undone_at"] is None
    assert [(d["decision"], d["undone_by"]) for d in body["decisions"]] == [
        ("rejected", ""),
        ("approved", reviewer.username),
    ]
    listed = reviewer_client.get("/api/v1/runs/").json()["results"][0]
    assert listed["decision"]["comment"] == "too long" and "decisions" not in listed


def test_a_run_has_at_most_one_standing_decision(reviewer, queued_tasks):
    run = awaiting_run()
    run_approve(run=run, actor=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewDecision.objects.create(run=run, decision="rejected", channel="web")


def test_undo_after_the_window_is_refused_and_records_nothing(reviewer, settings, queued_tasks):
    settings.REVIEW_UNDO_SECONDS = 30
    run = awaiting_run()
    decision = run_approve(run=run, actor=reviewer)
    ReviewDecision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - timedelta(seconds=31))
    with pytest.raises(Exception) as excinfo:
        run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    assert excinfo.value.code == "undo_window_closed"
    decision.refresh_from_db()
    run.refresh_from_db()
    assert decision.undone_at is None and run.decision_id == decision.pk and run.status == RunStatus.APPROVED


def test_an_undone_approval_withdraws_its_waiting_release_job(
    broker, reviewer, queued_tasks, django_capture_on_commit_callbacks
):
    run = awaiting_run()
    broker.down()  # the hand-over stays in the outbox
    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=reviewer)
    assert TaskOutbox.objects.filter(key=f"package-release-{run.pk}", sent_at__isnull=True).exists()
    run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    assert not TaskOutbox.objects.filter(key=f"package-release-{run.pk}").exists()


def test_approve_undo_approve_gets_its_release_job_again(reviewer, queued_tasks, django_capture_on_commit_callbacks):
    run = awaiting_run()
    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=reviewer)
    assert queued_tasks.count(("releases.tasks.package_release", (run.pk,))) == 1
    run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    # The job the broker already held finds the run back in review and does nothing.
    assert package_release(run.pk) is None and not Release.objects.filter(run=run).exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_approve(run=run, actor=reviewer)
    assert queued_tasks.count(("releases.tasks.package_release", (run.pk,))) == 2
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED and run.decision.undone_at is None


def test_counts_and_rates_ignore_undone_decisions(reviewer, queued_tasks):
    first, second = awaiting_run(), awaiting_run()
    run_approve(run=first, actor=reviewer, comment="first thought")
    run_undo_decision(run=first.pk, actor=reviewer, channel="web")
    run_decide(run=first.pk, decision="rejected", actor=reviewer, channel="web", comment="second thought")
    run_approve(run=second, actor=reviewer)
    run_undo_decision(run=second.pk, actor=reviewer, channel="web")

    now = timezone.now()
    numbers = week_numbers(start=now - timedelta(days=1), end=now + timedelta(minutes=1))
    assert (numbers["decisions"], numbers["approved"]) == (1, 0)
    today = timezone.localdate()
    panel = approval_rate_per_day(PanelContext(request=None, range=DateRange(today, today)))
    assert panel["summary"] == "0 % of 1 decisions"
    counts = review_counts()
    assert (counts["approved"], counts["rejected"], counts["awaiting"]) == (0, 1, 1)
    evidence = review_evidence(artist=first.artist)
    assert (evidence["approved"], evidence["rejected"]) == (0, 1)
    assert evidence["rejection_comments"] == ["second thought"]


def test_the_run_page_and_the_back_office_show_the_history(reviewer, admin_client, queued_tasks):
    run = awaiting_run()
    run_approve(run=run, actor=reviewer)
    run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    run_decide(run=run.pk, decision="rejected", actor=reviewer, channel="web")
    browser = Client()
    browser.force_login(reviewer)
    page = browser.get(f"/review/runs/{run.pk}/").content.decode()
    assert 'id="decision-history"' in page
    assert "approved → awaiting review (undone)" in page and "awaiting review → rejected" in page
    queue = browser.get("/review/").content.decode()
    assert queue.count('<span class="muted undone">undone</span>') == 1  # the approval, not the rejection
    change = admin_client.get(f"/admin/generation/generationrun/{run.pk}/change/").content.decode()
    assert "Review decisions" in change and change.count("undone") >= 1
    listing = admin_client.get("/admin/generation/reviewdecision/?undone_at__isnull=False").content.decode()
    assert "1 review decision" in listing


def test_existing_decisions_stand_after_the_migration(reviewer, queued_tasks):
    from importlib import import_module

    from django.apps import apps

    run = awaiting_run()
    decision = run_approve(run=run, actor=reviewer)
    GenerationRun.objects.filter(pk=run.pk).update(decision=None)  # as rows were before the migration
    migration = import_module("generation.migrations.0014_review_decision_history")
    migration.point_runs_at_their_decision(apps, None)
    run.refresh_from_db()
    assert run.decision_id == decision.pk
