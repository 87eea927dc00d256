"""The admin's "Create from brief" form calls the creation service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from artists.models import Artist, CreationReport
from tests.llm.fixtures import fast_llm  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/admin/artists/artist/create-from-brief/"


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.test", "pw-123456"))
    return client


def test_form_creates_the_artist_and_links_the_report(staff):
    assert "Create from brief" in staff.get("/admin/artists/artist/").content.decode()
    response = staff.post(URL, {"brief": "dark synthwave duo from Berlin", "countries": "DE, FR"})
    artist = Artist.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/admin/artists/artist/{artist.pk}/change/")
    assert artist.countries == ["DE", "FR"] and artist.creation_report.created_by.username == "boss"
    report_page = staff.get(f"/admin/artists/creationreport/{artist.creation_report.pk}/change/").content.decode()
    assert "LLM calls" in report_page and "validator" in report_page


def test_background_option_queues_a_job(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(URL, {"brief": "lo-fi producer from Tokyo", "background": "on"})
    report = CreationReport.objects.get()
    assert response.url.endswith(f"/admin/artists/creationreport/{report.pk}/change/")
    report.refresh_from_db()
    assert report.outcome == "succeeded" and report.artist is not None


def test_bad_input_is_shown_on_the_form(staff):
    response = staff.post(URL, {"brief": "folk singer", "countries": "Germany"})
    assert response.status_code == 200 and "Not ISO 3166-1 alpha-2" in response.content.decode()
    assert not Artist.objects.exists()
