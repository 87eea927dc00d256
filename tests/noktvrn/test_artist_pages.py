"""Artist pages: the grid, the readable profile, editing through the schema and the service, diffs."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from artists.models import ArtistVersion
from generation.models import RunStatus
from noktvrn.console.artists import artist_panel, readable_diff
from tests.factories import ArtistFactory, ReleaseFactory, RunFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(artist, **overrides) -> dict:
    from noktvrn.console.forms import ArtistProfileForm

    data = {k: ("" if v is None else v) for k, v in ArtistProfileForm.initial_from(artist.profile).items()}
    data["reason"] = "tuning"
    data.update(overrides)
    return data


@pytest.fixture
def operator_web(client):
    client.force_login(UserFactory(groups=["Operators"]))
    return client


def test_anonymous_is_sent_to_login(client):
    assert client.get("/artists/").status_code == 302


def test_grid_with_covers_status_and_filter(operator_web):
    night = ArtistFactory(name="Night Drive", slug="night-drive")
    ArtistFactory(name="Quiet One", slug="quiet-one", status="paused")
    run = RunFactory(artist=night, status=RunStatus.APPROVED)
    run.cover.save("c.png", ContentFile(b"png"), save=True)
    RunFactory(artist=night, status=RunStatus.REJECTED)
    content = operator_web.get("/artists/").content.decode()
    assert 'data-artist="night-drive"' in content and 'data-artist="quiet-one"' in content
    assert f'src="{run.cover.url}"' in content
    assert "50% approved" in content
    paused = operator_web.get("/artists/?status=paused").content.decode()
    assert 'data-artist="quiet-one"' in paused and 'data-artist="night-drive"' not in paused


def test_grid_query_count(operator_web, django_assert_max_num_queries):
    for _ in range(30):
        RunFactory(status=RunStatus.APPROVED)
    with django_assert_max_num_queries(5):
        assert operator_web.get("/artists/").status_code == 200


def test_artist_page_shows_profile_runs_releases_and_rate(operator_web):
    artist = ArtistFactory(slug="night-drive")
    approved = RunFactory(artist=artist, status=RunStatus.RELEASED, title="Neon Rain")
    RunFactory(artist=artist, status=RunStatus.REJECTED)
    release = ReleaseFactory(run=approved, title="Neon Rain")
    content = operator_web.get("/artists/night-drive/").content.decode()
    assert artist.profile["persona"] in content
    assert ", ".join(artist.profile["themes"]) in content
    assert f'href="/review/runs/{approved.pk}/"' in content
    assert f'href="/releases/{release.pk}/"' in content
    assert 'id="approval-rate">50%' in content
    assert 'data-source="approval-data"' in content
    assert operator_web.get("/artists/nobody/").status_code == 404


def test_artist_page_query_count(operator_web, django_assert_max_num_queries):
    artist = ArtistFactory(slug="busy")
    for _ in range(25):
        ReleaseFactory(run=RunFactory(artist=artist, status=RunStatus.RELEASED))
    with django_assert_max_num_queries(12):
        assert operator_web.get("/artists/busy/").status_code == 200


def test_edit_saves_a_version_with_its_diff(operator_web):
    artist = ArtistFactory(slug="editable")
    response = operator_web.post(
        "/artists/editable/", form_data(artist, themes="rain, neon, night", tempo_max="150", reason="faster")
    )
    assert response.status_code == 302
    artist.refresh_from_db()
    assert artist.profile["themes"] == ["rain", "neon", "night"]
    assert artist.profile["musical_defaults"]["tempo_max"] == 150
    version = ArtistVersion.objects.get(artist=artist, number=2)
    assert version.reason == "faster" and set(version.diff) == {"themes", "musical_defaults"}
    page = operator_web.get("/artists/editable/").content.decode()
    assert 'id="version-2"' in page and "+night" in page and "musical defaults › tempo max" in page


def test_invalid_profile_is_refused_field_by_field_and_nothing_changes(operator_web):
    artist = ArtistFactory(slug="strict")
    before = artist.profile
    response = operator_web.post(
        "/artists/strict/", form_data(artist, palette="#zzzzzz, #000000", countries="Germany", tempo_min="300")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "not hex colours" in " ".join(form.errors["palette"])
    assert "country codes" in " ".join(form.errors["countries"])
    assert form.errors["tempo_min"]
    artist.refresh_from_db()
    assert artist.profile == before and artist.versions.count() == 1


def test_unchanged_profile_makes_no_version(operator_web):
    artist = ArtistFactory(slug="same")
    response = operator_web.post("/artists/same/", form_data(artist), follow=True)
    assert b"Nothing changed" in response.content
    assert artist.versions.count() == 1


def test_reviewer_sees_but_cannot_edit(client):
    artist = ArtistFactory(slug="look")
    client.force_login(UserFactory(groups=["Reviewers"]))
    assert b'id="profile-form"' not in client.get("/artists/look/").content
    assert client.post("/artists/look/", form_data(artist, themes="x")).status_code == 403


def test_readable_diff_lists_items_and_nested_fields():
    rows = readable_diff(
        {
            "themes": [["rain", "night"], ["night", "sea"]],
            "musical_defaults": [{"tempo_min": 90, "energy": 0.5}, {"tempo_min": 100, "energy": 0.5}],
            "voice": ["low", "airy"],
        }
    )
    assert rows == [
        {"field": "musical defaults › tempo min", "added": [], "removed": [], "old": 90, "new": 100},
        {"field": "themes", "added": ["sea"], "removed": ["rain"], "old": "", "new": ""},
        {"field": "voice", "added": [], "removed": [], "old": "low", "new": "airy"},
    ]


def test_extension_point_adds_a_panel(operator_web):
    from noktvrn.console import artists as module

    ArtistFactory(slug="panelled")

    @artist_panel(key="test-evolution", title="Evolution", template="noktvrn/panels/attention.html")
    def evolution(artist, request):
        return {"items": [{"key": "plan", "label": f"plan for {artist.slug}", "count": 1, "url": "/", "level": "info"}]}

    try:
        content = operator_web.get("/artists/panelled/").content.decode()
    finally:
        module._ARTIST_PANELS.pop("test-evolution")
    assert 'id="artist-panel-test-evolution"' in content and "plan for panelled" in content


def test_view_on_site_leads_to_the_public_pages(admin_client):
    from django.contrib.contenttypes.models import ContentType

    release = ReleaseFactory()
    run, artist = release.run, release.artist
    for obj, url in (
        (artist, f"/artists/{artist.slug}/"),
        (run, f"/review/runs/{run.pk}/"),
        (release, f"/releases/{release.pk}/"),
    ):
        content_type = ContentType.objects.get_for_model(obj)
        response = admin_client.get(f"/admin/r/{content_type.pk}/{obj.pk}/")
        assert response.status_code == 302 and response["Location"].endswith(url)


def test_evolution_and_markets_panels(operator_web):
    artist = ArtistFactory(slug="evolving")
    content = operator_web.get("/artists/evolving/").content.decode()
    assert 'id="artist-panel-evolution"' in content and "No evolution plan yet." in content
    assert 'href="/evolution/artists/evolving/"' in content
    assert 'id="artist-panel-markets"' in content
    for code in artist.countries:
        assert f'href="/markets/countries/{code}/"' in content
