"""The browser review queue: access, list and filters, detail page, decisions, bulk, admin actions."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from generation.models import ReviewDecision, RunStatus, VideoClip
from generation.services.review import run_approve, run_decide
from tests.factories import ArtistFactory, BatchFactory, RunFactory, UserFactory
from tests.generation.review_support import awaiting_run

pytestmark = pytest.mark.django_db
QUEUE = "/review/"


@pytest.fixture
def browser(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


def queue_ids(response) -> list[int]:
    return [run.pk for run in response.context["runs"]]


def test_anonymous_is_sent_to_the_review_login():
    response = Client().get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/review/login/?next=/review/")


def test_a_reviewer_who_is_not_staff_can_sign_in():
    UserFactory(username="rita", groups=["Reviewers"])
    client = Client()
    response = client.post("/review/login/", {"username": "rita", "password": "pass-word-123"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_user_without_review_permissions_is_refused():
    client = Client()
    client.force_login(UserFactory())
    assert client.get(QUEUE).status_code == 403
    run = awaiting_run()
    assert client.post(f"/review/runs/{run.pk}/decide/", {"decision": "approved"}).status_code == 403
    assert ReviewDecision.objects.count() == 0


def test_an_operator_can_look_but_not_decide(operator):
    client = Client()
    client.force_login(operator)
    run = awaiting_run()
    assert client.get(QUEUE).status_code == 200
    assert client.post(f"/review/runs/{run.pk}/decide/", {"decision": "approved"}).status_code == 403
    assert "Approve selected" not in client.get(QUEUE).content.decode()


def test_the_queue_lists_runs_awaiting_review_with_filters(browser):
    artist = ArtistFactory(name="Velvet Static", slug="velvet-static")
    batch = BatchFactory()
    mine = awaiting_run(artist=artist, batch=batch, title="Night Drive")
    other = awaiting_run()
    RunFactory(status=RunStatus.REJECTED, title="Old rejected")

    response = browser.get(QUEUE)
    page = response.content.decode()
    assert set(queue_ids(response)) == {mine.pk, other.pk}
    assert "Night Drive" in page and "Velvet Static" in page and f"#{batch.pk}" in page
    assert "118 BPM · F# minor" in page
    for key in ("<kbd>j</kbd>", "<kbd>k</kbd>", "<kbd>a</kbd>", "<kbd>r</kbd>"):
        assert key in page
    assert queue_ids(browser.get(QUEUE, {"artist": "velvet-static"})) == [mine.pk]
    assert queue_ids(browser.get(QUEUE, {"batch": other.batch_id})) == [other.pk]
    assert queue_ids(browser.get(QUEUE, {"batch": "not-a-number"})) != []


def test_the_queue_is_oldest_first(browser):
    from datetime import timedelta

    from django.utils import timezone

    newer = awaiting_run(status_changed_at=timezone.now())
    older = awaiting_run(status_changed_at=timezone.now() - timedelta(hours=5))
    assert queue_ids(browser.get(QUEUE)) == [older.pk, newer.pk]


def test_queue_page_query_count_with_50_runs(browser, django_assert_max_num_queries):
    for _ in range(50):
        awaiting_run()
    for run in RunFactory.create_batch(5, status=RunStatus.AWAITING_REVIEW):
        run_decide(decision="rejected", run=run, actor=UserFactory(), channel="web", comment="meh")
    # session, user, permissions (2), undo bar, page count, queue state, counts, then the tables: page,
    # artists and batches filters, recent decisions. A repeat view reads the tables and the counts
    # from the cache until a run enters or leaves the queue.
    with django_assert_max_num_queries(12):
        response = browser.get(QUEUE)
    with django_assert_max_num_queries(7):
        again = browser.get(QUEUE)

    def table(page):
        return page.content.split(b'<table id="queue">')[1].split(b"</table>")[0]

    assert table(again) == table(response)
    assert response.status_code == 200
    assert len(response.context["runs"]) == 50
    assert response.content.decode().count('class="run-row"') == 50


def test_approve_from_the_browser_with_a_comment(browser, reviewer):
    run = awaiting_run()
    response = browser.post(
        f"/review/runs/{run.pk}/decide/", {"decision": "approved", "comment": "  great mix "}, follow=True
    )
    decision = ReviewDecision.objects.get(run=run)
    assert (decision.decision, decision.actor, decision.channel, decision.comment) == (
        "approved",
        reviewer,
        "web",
        "great mix",
    )
    assert f"{run} approved." in response.content.decode()


def test_the_loser_in_the_browser_is_told_who_won(browser):
    run = awaiting_run()
    run_approve(run=run, actor=UserFactory(username="gina"), channel="api")
    response = browser.post(f"/review/runs/{run.pk}/decide/", {"decision": "rejected"}, follow=True)
    assert "already approved by gina via api" in response.content.decode()
    assert ReviewDecision.objects.get(run=run).decision == "approved"


def test_decide_redirects_only_to_local_urls(browser):
    run = awaiting_run()
    response = browser.post(
        f"/review/runs/{run.pk}/decide/", {"decision": "approved", "next": "https://evil.example/phish"}
    )
    assert response["Location"] == QUEUE
    other = awaiting_run()
    response = browser.post(
        f"/review/runs/{other.pk}/decide/", {"decision": "rejected", "next": f"/review/runs/{run.pk}/"}
    )
    assert response["Location"] == f"/review/runs/{run.pk}/"


def test_an_unknown_decision_is_refused(browser):
    run = awaiting_run()
    browser.post(f"/review/runs/{run.pk}/decide/", {"decision": "maybe"})
    assert not ReviewDecision.objects.exists()


def test_bulk_approve_and_reject(browser):
    first, second, third, taken = (awaiting_run() for _ in range(4))
    run_decide(decision="rejected", run=taken, actor=UserFactory(username="hank"), channel="telegram")
    response = browser.post(
        "/review/bulk/",
        {"decision": "approved", "runs": [first.pk, second.pk, taken.pk], "comment": "batch ok"},
        follow=True,
    )
    page = response.content.decode()
    assert "2 run(s) approved." in page
    assert "already rejected by hank via telegram" in page
    assert set(ReviewDecision.objects.filter(decision="approved").values_list("run_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert set(ReviewDecision.objects.filter(comment="batch ok").values_list("channel", flat=True)) == {"web"}
    browser.post("/review/bulk/", {"decision": "rejected", "runs": [third.pk]})
    assert ReviewDecision.objects.get(run=third).decision == "rejected"
    assert queue_ids(browser.get(QUEUE)) == []


def test_the_detail_page_shows_everything_a_reviewer_needs(browser):
    run = awaiting_run(prompts={"music": "dark synthwave, 118 bpm, F# minor", "lyrics": "verses about neon"})
    features = run.track.features
    features.waveform.save("wave.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    run.cover.save("cover.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
    VideoClip.objects.create(run=run, source="local", file=ContentFile(b"\x00\x00", name="clip.mp4"))

    page = browser.get(f"/review/runs/{run.pk}/").content.decode()

    assert f'<audio controls preload="metadata" src="{run.track.audio.url}"' in page
    assert f'src="{features.waveform.url}"' in page
    assert '<video controls preload="metadata"' in page
    assert f'src="{run.cover.url}"' in page
    assert "la la la" in page  # lyrics
    assert "dark synthwave, 118 bpm, F# minor" in page and "verses about neon" in page  # prompts
    assert "118.0 BPM" in page and "F# minor" in page and "-14.2 LUFS" in page  # audio features
    assert run.artist.profile["persona"][:30] in page and run.artist.profile["primary_genre"] in page
    assert 'id="approve"' in page and 'id="reject"' in page and 'name="comment"' in page
    for key in ("<kbd>j</kbd>", "<kbd>k</kbd>", "<kbd>a</kbd>", "<kbd>r</kbd>"):
        assert key in page


def test_a_decided_run_shows_who_through_which_channel_and_when(browser):
    run = awaiting_run()
    decision = run_decide(
        decision="rejected", run=run, actor=None, actor_label="@ivy", channel="telegram", comment="off key"
    )
    page = browser.get(f"/review/runs/{run.pk}/").content.decode()
    assert "Rejected" in page and "@ivy" in page and "via Telegram" in page and "off key" in page
    assert decision.decided_at.strftime("%Y-%m-%d %H:%M") in page
    assert 'id="decide-form"' not in page
    queue = browser.get(QUEUE).content.decode()
    assert "@ivy" in queue and "Telegram" in queue


def test_detail_links_to_the_neighbours_in_the_queue(browser):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    first = awaiting_run(status_changed_at=now - timedelta(hours=3))
    middle = awaiting_run(status_changed_at=now - timedelta(hours=2))
    last = awaiting_run(status_changed_at=now - timedelta(hours=1))
    context = browser.get(f"/review/runs/{middle.pk}/").context
    assert (context["previous_id"], context["next_id"]) == (first.pk, last.pk)


def test_unknown_run_detail_is_404(browser):
    assert browser.get("/review/runs/987654/").status_code == 404


def test_admin_actions_decide_through_the_service(admin_client):
    first, second = awaiting_run(), awaiting_run()
    run_approve(run=second, actor=UserFactory(username="jo"), channel="web")
    response = admin_client.post(
        reverse("admin:generation_generationrun_changelist"),
        {"action": "approve_runs", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert ReviewDecision.objects.get(run=first).channel == "admin"
    assert "already approved by jo" in response.content.decode()


def test_the_artist_admin_page_shows_approval_rates(admin_client):
    artist = ArtistFactory()
    for variant, decisions in {"A": ["approved", "approved", "rejected"], "B": ["rejected"]}.items():
        for decision in decisions:
            run = awaiting_run(artist=artist, variant=variant)
            run_decide(decision=decision, run=run, actor=None, channel="web")
    page = admin_client.get(reverse("admin:artists_artist_change", args=[artist.pk])).content.decode()
    assert 'id="approval-rates"' in page
    assert "Overall: <strong>50%</strong>" in page
    assert "<td>A</td><td>2</td><td>1</td><td>0</td>" in page.replace("\n", "").replace("            ", "")


def test_detail_page_query_count(browser, django_assert_max_num_queries):
    for _ in range(50):
        awaiting_run()
    run = awaiting_run(prompts={"music": "x"})
    VideoClip.objects.create(run=run, source="local", file=ContentFile(b"\x00", name="clip.mp4"))
    with django_assert_max_num_queries(10):  # one of them reads the decision history
        assert browser.get(f"/review/runs/{run.pk}/").status_code == 200


def test_the_cached_queue_tables_follow_decisions_and_undo(browser, reviewer):
    from generation.services.review import run_undo_decision

    first, second = awaiting_run(title="First"), awaiting_run(title="Second")
    assert set(queue_ids(browser.get(QUEUE))) == {first.pk, second.pk}
    run_approve(run=first, actor=reviewer)
    page = browser.get(QUEUE).content.decode()
    assert f'data-run="{first.pk}" data-url' not in page and f'data-run="{second.pk}" data-url' in page
    assert f'<tr data-run="{first.pk}">' in page  # now under "Recently decided"
    run_undo_decision(run=first.pk, actor=reviewer, channel="web")
    assert f'data-run="{first.pk}" data-url' in browser.get(QUEUE).content.decode()
