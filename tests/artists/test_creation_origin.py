"""The profile's origin: filled by every provider, optional for old profiles, first among target countries."""

from __future__ import annotations

import json

import pytest

from artists.creation import artist_create_from_brief
from artists.schemas import ArtistProfile
from tests.factories import ArtistFactory
from tests.llm import vendors as v
from tests.llm.fixtures import fast_llm, use_vendor, vendor  # noqa: F401, F811
from tests.llm.vendors import Reply

pytestmark = pytest.mark.django_db


def test_offline_creation_fills_origin_and_targets_start_there():
    artist = artist_create_from_brief(brief="melancholic Portuguese fado singer from Lisbon")
    profile = artist.profile
    assert profile["origin"] == {"country": "PT", "city": "Lisbon"}
    assert profile["target_audience"]["countries"][0] == "PT"
    assert profile["primary_genre"] == "fado" and profile["language"] == "pt" and profile["act_type"] == "solo"


def test_profiles_written_before_the_field_still_validate():
    old = ArtistFactory.build().profile
    for key in ("origin", "language", "act_type"):
        old.pop(key, None)
    profile = ArtistProfile.model_validate(old)
    assert profile.origin.country == "" and profile.language == "en" and profile.act_type == "solo"


def test_a_vendor_draft_without_origin_gets_it_from_the_brief(vendor, use_vendor):  # noqa: F811
    draft = {
        "name": "Ferro Unit",
        "persona": "A cold techno producer.",
        "backstory": "Started in a squat in an old power plant.",
        "primary_genre": "techno",
        "themes": ["machines"],
        "voice": "Instrumental",
        "target_audience": {"description": "Warehouse crowds", "countries": ["DE", "NL"]},
    }
    use_vendor("openai", vendor, roles=("author",))
    vendor.script(Reply(200, v.openai_ok(json.dumps(draft))))
    artist = artist_create_from_brief(brief="industrial techno producer from Rotterdam")
    assert artist.profile["origin"] == {"country": "NL", "city": "Rotterdam"}
    assert artist.profile["target_audience"]["countries"] == ["NL", "DE"]
    assert artist.creation_report.validation["origin"]["source"] == "brief"
