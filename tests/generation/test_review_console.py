"""Review improvements: search, thumbnails and players, undo within a window, time axis, links, QC text."""

# ruff: noqa: F811 (queued_tasks is a fixture imported from review_support)

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from generation.models import ReviewDecision, RunStatus, RunTransition
from generation.services.review import run_approve, run_decide, run_undo_decision
from generation.views.review import time_axis
from releases.tasks import package_release
from releases.templatetags.release_tags import qc_limit, qc_value
from tests.factories import ArtistFactory, ReleaseFactory
from tests.generation.review_support import awaiting_run, queued_tasks  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


def queue_titles(response) -> list[str]:
    return [run.title for run in response.context["runs"]]


def test_queue_searches_title_artist_and_lyrics(browser):
    awaiting_run(title="Neon Rain", artist=ArtistFactory(name="Night Drive"))
    other = awaiting_run(title="Glacier", artist=ArtistFactory(name="Northern Lights"))
    other.track.lyrics = "ice and silver water"
    other.track.save()
    assert queue_titles(browser.get("/review/?q=neon")) == ["Neon Rain"]
    assert queue_titles(browser.get("/review/?q=northern")) == ["Glacier"]
    assert queue_titles(browser.get("/review/?q=SILVER water")) == ["Glacier"]
    response = browser.get("/review/?q=nothing-like-this")
    assert queue_titles(response) == [] and b"for this filter" in response.content


def test_queue_shows_cover_thumbnail_and_inline_player(browser):
    run = awaiting_run(title="With Cover")
    run.cover.save("cover.png", ContentFile(b"png"), save=True)
    content = browser.get("/review/").content.decode()
    assert f'<img src="{run.cover.url}"' in content
    assert f'<audio controls preload="none" src="{run.track.audio.url}"' in content


def test_deciding_on_a_run_page_moves_to_the_next_run(browser):
    now = timezone.now()
    first = awaiting_run(title="One", status_changed_at=now - timedelta(hours=2))
    second = awaiting_run(title="Two", status_changed_at=now - timedelta(hours=1))
    page = browser.get(f"/review/runs/{first.pk}/").content.decode()
    assert f'name="next" value="/review/runs/{second.pk}/"' in page
    response = browser.post(
        f"/review/runs/{first.pk}/decide/", {"decision": "approved", "next": f"/review/runs/{second.pk}/"}
    )
    assert response["Location"] == f"/review/runs/{second.pk}/"


def test_undo_within_the_window_is_a_recorded_transition(reviewer, queued_tasks):
    run = awaiting_run(title="Second thoughts")
    run_approve(run=run, actor=reviewer, comment="catchy")
    undone = run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    assert undone.status == RunStatus.AWAITING_REVIEW
    # The decision is kept, marked undone, and no longer the run's decision.
    kept = ReviewDecision.objects.get(run=run)
    assert (kept.decision, kept.undone_actor, kept.undone_channel) == ("approved", reviewer, "web")
    assert kept.undone_at is not None and undone.decision is None
    last = RunTransition.objects.filter(run=run).order_by("-pk").first()
    assert (last.from_status, last.to_status, last.actor) == ("approved", "awaiting_review", reviewer)
    assert "Undo of approved by" in last.reason and "catchy" in last.reason
    # The approval's own transition stays in the history.
    assert RunTransition.objects.filter(run=run, to_status="approved").exists()
    # The run can be decided again.
    assert run_decide(run=run, decision="rejected", actor=reviewer, channel="web").decision == "rejected"


def test_undo_after_the_window_is_refused(reviewer, settings, queued_tasks):
    settings.REVIEW_UNDO_SECONDS = 30
    run = awaiting_run()
    decision = run_approve(run=run, actor=reviewer)
    ReviewDecision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - timedelta(seconds=31))
    with pytest.raises(Exception) as excinfo:
        run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    assert excinfo.value.code == "undo_window_closed"
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED


def test_undo_is_refused_once_the_release_started(reviewer, queued_tasks):
    run = awaiting_run()
    run_approve(run=run, actor=reviewer)
    package_release(run.pk)
    run.refresh_from_db()
    assert run.status in (RunStatus.RELEASED, RunStatus.RELEASING, RunStatus.RELEASE_FAILED)
    with pytest.raises(Exception) as excinfo:
        run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    assert excinfo.value.code == "invalid_transition" and "release has started" in excinfo.value.message


def test_a_release_job_queued_before_the_undo_does_nothing(reviewer, queued_tasks):
    run = awaiting_run()
    run_approve(run=run, actor=reviewer)
    run_undo_decision(run=run.pk, actor=reviewer, channel="web")
    assert package_release(run.pk) is None
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW and not hasattr(run, "release")


def test_undo_bar_and_view(browser, reviewer, queued_tasks):
    run = awaiting_run(title="Hasty")
    browser.post(f"/review/runs/{run.pk}/decide/", {"decision": "rejected"})
    page = browser.get("/review/").content.decode()
    assert 'id="undo-bar"' in page and "You rejected" in page
    response = browser.post(f"/review/runs/{run.pk}/undo/", follow=True)
    assert b"undone; it awaits review again" in response.content
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_REVIEW
    assert 'id="undo-bar"' not in browser.get("/review/").content.decode()


def test_undo_through_the_api(reviewer, reviewer_client, queued_tasks):
    run = awaiting_run()
    run_approve(run=run, actor=reviewer)
    response = reviewer_client.post(f"/api/v1/runs/{run.pk}/undo/")
    assert response.status_code == 200 and response.json()["status"] == "awaiting_review"
    again = reviewer_client.post(f"/api/v1/runs/{run.pk}/undo/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_operator_without_decide_permission_cannot_undo(operator, reviewer, queued_tasks):
    run = awaiting_run()
    run_approve(run=run, actor=reviewer)
    client = Client()
    client.force_login(operator)
    assert client.post(f"/review/runs/{run.pk}/undo/").status_code == 403


def test_time_axis_ticks():
    assert time_axis(None) == []
    assert [t["label"] for t in time_axis(30.0)] == ["0:00", "0:05", "0:10", "0:15", "0:20", "0:25", "0:30"]
    ticks = time_axis(200.0)
    assert ticks[0] == {"left": 0.0, "label": "0:00"} and ticks[1]["label"] == "1:00"
    assert all(0 <= t["left"] <= 100 for t in ticks)


def test_run_page_shows_spectrogram_axis_and_release_link(browser):
    run = awaiting_run()
    features = run.track.features
    features.waveform.save("w.png", ContentFile(b"png"), save=False)
    features.spectrogram.save("s.png", ContentFile(b"png"), save=True)
    page = browser.get(f"/review/runs/{run.pk}/").content.decode()
    assert 'id="spectrogram"' in page and 'id="waveform-axis"' in page and "0:00" in page
    assert 'id="release-link"' not in page
    release = ReleaseFactory(run__status=RunStatus.RELEASED)
    page = browser.get(f"/review/runs/{release.run_id}/").content.decode()
    assert f'href="/releases/by-run/{release.run_id}/"' in page
    assert browser.get(f"/releases/by-run/{release.run_id}/")["Location"] == f"/releases/{release.pk}/"
    assert browser.get(f"/releases/by-run/{run.pk}/")["Location"] == f"/review/runs/{run.pk}/"


def test_release_page_links_to_its_run_and_formats_qc(browser):
    release = ReleaseFactory(
        qc_report={
            "passed": False,
            "checks": [
                {
                    "name": "cover_dimensions",
                    "passed": False,
                    "severity": "error",
                    "value": [2000, 2000],
                    "limit": [3000, 3000],
                    "message": "small",
                },
                {
                    "name": "loudness",
                    "passed": True,
                    "severity": "error",
                    "value": -14.04,
                    "limit": [-15.0, -13.0],
                    "message": "ok",
                },
            ],
        }
    )
    page = browser.get(f"/releases/{release.pk}/").content.decode()
    assert f'href="/review/runs/{release.run_id}/" id="run-link"' in page
    assert "2000 × 2000 px" in page and "[2000, 2000]" not in page
    assert "−14.04 LUFS" in page and "−15 to −13 LUFS" in page


@pytest.mark.parametrize(
    ("value", "name", "text"),
    [
        (None, "duration", "—"),
        (30.0, "duration", "30 s"),
        (44100, "master_sample_rate", "44.1 kHz"),
        (2_500_000, "cover_size", "2.5 MB"),
        (["title", "isrc"], "metadata_required", "title, isrc"),
        ("WAV/PCM_16", "master_format", "WAV/PCM_16"),
    ],
)
def test_qc_value_text(value, name, text):
    assert qc_value(value, name) == text


def test_qc_limit_text():
    assert qc_limit([20, 600], "duration") == "20 to 600 s"
    assert qc_limit(-1.0, "true_peak") == "−1 dBTP"
    assert qc_limit(None, "x") == ""
