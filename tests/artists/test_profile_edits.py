"""Every profile edit, from the back office or the API, goes through the artist service and is versioned."""

from __future__ import annotations

import json

import pytest

from artists.models import Artist, ArtistVersion
from tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db


def _admin_form_data(artist: Artist, **changes) -> dict:
    data = {
        "name": artist.name,
        "slug": artist.slug,
        "status": artist.status,
        "status_reason": artist.status_reason,
        "autopilot": "on" if artist.autopilot else "",
        "profile": json.dumps(artist.profile),
        "llm_settings": json.dumps(artist.llm_settings or {}),
        "last_run_at_0": "",
        "last_run_at_1": "",
        # the two read-only history inlines
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_admin_profile_edit_writes_a_version_with_its_diff(client):
    boss = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(boss)
    artist = ArtistFactory()
    profile = {**artist.profile, "persona": "A night-bus poet who hums into voice memos."}
    response = client.post(
        f"/admin/artists/artist/{artist.pk}/change/", _admin_form_data(artist, profile=json.dumps(profile))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    versions = list(ArtistVersion.objects.filter(artist=artist).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].diff == {"persona": [artist.profile["persona"], profile["persona"]]}
    assert versions[1].created_by == boss and versions[1].reason == "Edited in the back office."
    artist.refresh_from_db()
    assert artist.identity.persona == profile["persona"]


def test_admin_save_without_profile_change_writes_no_version(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    artist = ArtistFactory()
    response = client.post(f"/admin/artists/artist/{artist.pk}/change/", _admin_form_data(artist, autopilot="on"))
    assert response.status_code == 302
    assert ArtistVersion.objects.filter(artist=artist).count() == 1


def test_admin_refuses_an_invalid_profile_and_keeps_the_old_one(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    artist = ArtistFactory()
    broken = {**artist.profile, "musical_defaults": {**artist.profile["musical_defaults"], "tempo_min": 5}}
    response = client.post(
        f"/admin/artists/artist/{artist.pk}/change/", _admin_form_data(artist, profile=json.dumps(broken))
    )
    assert response.status_code == 200 and "tempo_min" in response.content.decode()
    artist.refresh_from_db()
    assert artist.profile["musical_defaults"]["tempo_min"] != 5
    assert ArtistVersion.objects.filter(artist=artist).count() == 1


def test_admin_add_creates_the_artist_through_the_service_with_version_one(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    template = ArtistFactory()
    data = _admin_form_data(template, name="Brand New", slug="brand-new")
    response = client.post("/admin/artists/artist/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Artist.objects.get(slug="brand-new")
    assert list(created.versions.values_list("number", "reason")) == [(1, "Created in the back office.")]


def test_api_profile_patch_writes_a_version_with_its_diff(operator_client, operator):
    artist = ArtistFactory()
    profile = {**artist.profile, "themes": ["tunnels", "static"]}
    response = operator_client.patch(
        f"/api/v1/artists/{artist.pk}/", {"profile": profile, "reason": "Sharper themes"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["profile"]["themes"] == ["tunnels", "static"]
    version = ArtistVersion.objects.get(artist=artist, number=2)
    assert version.diff == {"themes": [artist.profile["themes"], ["tunnels", "static"]]}
    assert version.reason == "Sharper themes" and version.created_by == operator
    history = operator_client.get(f"/api/v1/artists/{artist.pk}/versions/").json()
    assert [v["number"] for v in history] == [2, 1]


def test_api_profile_patch_refuses_an_invalid_profile(operator_client):
    artist = ArtistFactory()
    response = operator_client.patch(
        f"/api/v1/artists/{artist.pk}/", {"profile": {"persona": "too thin"}}, format="json"
    )
    assert response.status_code == 400 and "profile" in json.dumps(response.json())
    assert ArtistVersion.objects.filter(artist=artist).count() == 1


def test_api_profile_patch_needs_change_permission(reviewer_client):
    artist = ArtistFactory()
    response = reviewer_client.patch(f"/api/v1/artists/{artist.pk}/", {"profile": artist.profile}, format="json")
    assert response.status_code == 403
