"""Artist services: creation with a first version, profile changes with diffs."""

from __future__ import annotations

import pytest

from artists.models import Artist, ArtistVersion
from artists.services import artist_create, artist_update_profile
from kernel.errors import ApplicationError
from tests.factories import valid_profile

pytestmark = pytest.mark.django_db


def test_create_stores_first_version_and_unique_slug():
    first = artist_create(name="Night Shift", profile=valid_profile())
    second = artist_create(name="Night  Shift!", profile=valid_profile())
    assert first.slug == "night-shift"
    assert second.slug == "night-shift-2"
    version = ArtistVersion.objects.get(artist=first)
    assert version.number == 1
    assert version.profile == first.profile


def test_create_refuses_invalid_profile_and_saves_nothing():
    bad = valid_profile(primary_genre="")
    with pytest.raises(ApplicationError) as excinfo:
        artist_create(name="Bad", profile=bad)
    assert any(line.startswith("primary_genre") for line in excinfo.value.extra["profile"])
    assert not Artist.objects.exists()
    assert not ArtistVersion.objects.exists()


def test_create_refuses_duplicate_name():
    artist_create(name="Echo", profile=valid_profile())
    with pytest.raises(ApplicationError, match="already exists"):
        artist_create(name="ECHO", profile=valid_profile())


def test_update_profile_records_diff_and_skips_no_change():
    artist = artist_create(name="Echo", profile=valid_profile())
    changed = valid_profile(primary_genre="darkwave")
    version = artist_update_profile(artist=artist, profile=changed, reason="evolution")
    assert version.number == 2
    assert version.diff == {"primary_genre": ["synthwave", "darkwave"]}
    assert artist_update_profile(artist=artist, profile=changed, reason="again") is None
    assert artist.versions.count() == 2
