"""releases/views.py: the release log and a release's page."""

from __future__ import annotations

import pytest
from django.test import Client

from releases.models import Release
from releases.services import release_deliver
from tests.factories import ArtistFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_browser(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_release_page_shows_cover_player_qc_files_and_deliveries(operator_browser, queued_release):
    release = queued_release(
        qc_report={
            "passed": True,
            "checks": [
                {
                    "name": "loudness",
                    "passed": True,
                    "severity": "error",
                    "message": "Integrated loudness -14.0 LUFS",
                    "value": -14.0,
                    "limit": [-15, -13],
                }
            ],
        },
        metadata={
            "summary": "A night drive.",
            "genre": "synthwave",
            "duration_seconds": 2.0,
            "structure": {"summary": "1 section"},
        },
    )
    release = release_deliver(release=release)

    html = operator_browser.get(f"/releases/{release.pk}/").content.decode()

    assert f'src="/media/releases/{release.pk}/4012345000016.jpg"' in html
    assert f'<audio controls preload="none" src="/media/releases/{release.pk}/DEA122600001.wav"' in html
    assert "Integrated loudness -14.0 LUFS" in html
    assert "A night drive." in html
    assert "outbox</strong> — complete" in html
    assert html.count(" download>") == 4


def test_release_log_filters_by_status_with_bounded_queries(operator_browser, django_assert_max_num_queries):
    for _ in range(30):
        ReleaseFactory(status=Release.Status.DELIVERED)
    ReleaseFactory(status=Release.Status.QC_FAILED, title="Broken one")

    with django_assert_max_num_queries(10):
        html = operator_browser.get("/releases/?status=qc_failed").content.decode()
    assert "Broken one" in html and html.count('class="badge qc_failed"') == 1
    with django_assert_max_num_queries(10):
        assert operator_browser.get("/releases/").status_code == 200


def test_pages_need_sign_in_and_permission(client, reviewer):
    release = ReleaseFactory()
    assert client.get(f"/releases/{release.pk}/").status_code == 302
    client.force_login(reviewer)  # reviewers may look, not redeliver
    assert client.get(f"/releases/{release.pk}/").status_code == 200
    assert client.post(f"/releases/{release.pk}/redeliver/").status_code == 403


def test_redeliver_button_reports_a_conflict(operator_browser):
    release = ReleaseFactory(status=Release.Status.DELIVERED)
    response = operator_browser.post(f"/releases/{release.pk}/redeliver/", follow=True)
    assert "only a failed or queued delivery can be sent again" in response.content.decode()


def test_admin_change_page_shows_player_qc_metadata_and_downloads(admin_client, queued_release):
    release = queued_release(
        qc_report={
            "passed": False,
            "checks": [{"name": "clipping", "passed": False, "severity": "error", "message": "The source is clipped"}],
        },
        metadata={"summary": "Night drive."},
    )
    html = admin_client.get(f"/admin/releases/release/{release.pk}/change/").content.decode()
    assert "<audio controls" in html and "The source is clipped" in html and "Night drive." in html
    assert f'href="/media/releases/{release.pk}/DEA122600001.wav" download' in html
    assert admin_client.get("/admin/releases/deliveredfile/").status_code == 200


def test_admin_redeliver_action(admin_client, queued_release, settings):
    settings.DISTRIBUTORS = ["https"]
    settings.RELEASE_HTTPS_URL = ""
    release = release_deliver(release=queued_release())
    response = admin_client.post(
        "/admin/releases/release/", {"action": "redeliver", "_selected_action": [release.pk]}, follow=True
    )
    assert "delivery queued" in response.content.decode()
    release.refresh_from_db()
    assert release.status == Release.Status.QUEUED


def test_admin_form_validates_hand_entered_identifiers():
    from releases.admin import ReleaseAdminForm

    release = ReleaseFactory(status=Release.Status.PENDING)
    data = {"title": release.title}

    bad = ReleaseAdminForm(data={**data, "isrc": "XX-A12-26-00001", "upc": "4012345000018"}, instance=release)
    assert not bad.is_valid()
    assert "is not a valid ISRC" in bad.errors["isrc"][0]
    assert "is not a valid UPC/EAN-13" in bad.errors["upc"][0]

    good = ReleaseAdminForm(data={**data, "isrc": "de-a12-26-00007", "upc": "0 12345 00001 0"}, instance=release)
    assert good.is_valid(), good.errors
    good.save()
    release.refresh_from_db()
    assert (release.isrc, release.upc) == ("DEA122600007", "0012345000010")


def test_admin_cannot_change_status_or_artist(admin_client):
    release = ReleaseFactory(status=Release.Status.QC_FAILED)
    other = ArtistFactory()
    url = f"/admin/releases/release/{release.pk}/change/"
    response = admin_client.post(
        url,
        {
            "title": "Renamed",
            "isrc": "",
            "upc": "",
            "release_date": "",
            "status": "delivered",
            "artist": other.pk,
            **_empty_inlines(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    release.refresh_from_db()
    assert release.title == "Renamed"
    assert release.status == Release.Status.QC_FAILED and release.artist_id != other.pk


def test_admin_delivered_release_is_frozen(admin_client):
    release = ReleaseFactory(status=Release.Status.DELIVERED, title="Shipped")
    url = f"/admin/releases/release/{release.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="title"' not in page and 'name="status"' not in page
    admin_client.post(url, {"title": "Changed after delivery", "status": "pending", **_empty_inlines()})
    release.refresh_from_db()
    assert release.title == "Shipped" and release.status == Release.Status.DELIVERED
    assert admin_client.get("/admin/releases/release/add/").status_code == 403


def test_release_page_and_api_ask_the_same_redeliver_rule(admin_client, queued_release):
    from releases.services import release_can_redeliver

    delivered = ReleaseFactory(status=Release.Status.DELIVERED)
    queued = queued_release()
    for release, expected in ((delivered, False), (queued, True)):
        assert release_can_redeliver(release) is expected
        page = admin_client.get(f"/releases/{release.pk}/").content.decode()
        assert ("Deliver again" in page) is expected
        assert admin_client.get(f"/api/v1/releases/{release.pk}/").json()["can_redeliver"] is expected


def _empty_inlines() -> dict:
    return {
        f"{prefix}-{suffix}": "0"
        for prefix in ("assets", "deliveries", "delivered_files")
        for suffix in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
