"""write_track_text: lyricist + prompt_writer for the pipeline."""

from __future__ import annotations

import pytest

from generation.services.writing import TrackText, write_track_text
from llm.models import LLMCall
from tests.factories import ArtistFactory, RunFactory
from tests.llm import vendors as v
from tests.llm.fixtures import fast_llm, use_vendor, vendor  # noqa: F401, F811  (the LLM vendor fixtures)
from tests.llm.vendors import Reply

pytestmark = pytest.mark.django_db


def test_offline_track_text_is_complete_and_logged_on_the_run():
    run = RunFactory(parameters={"tempo": 104, "key": "A", "mode": "minor", "energy": 0.6})
    text = write_track_text(artist=run.artist, parameters=run.parameters, run=run)
    assert isinstance(text, TrackText)
    assert "104 BPM in A minor" in text.music_prompt and text.title and text.style_tags
    calls = LLMCall.objects.filter(run=run).order_by("id")
    assert [(c.role, c.provider, c.template_name) for c in calls] == [
        ("lyricist", "local", "track_lyricist"),
        ("prompt_writer", "local", "track_prompt_writer"),
    ]


def test_runs_get_different_songs_and_instrumental_voices_no_lyrics():
    artist = ArtistFactory(profile={**ArtistFactory.build().profile, "voice": "Instrumental: modular synths"})
    one = write_track_text(artist=artist, parameters={"seed": 1})
    two = write_track_text(artist=artist, parameters={"seed": 2})
    assert one.title != two.title or one.music_prompt != two.music_prompt
    assert one.instrumental and one.lyrics == ""


def test_artist_chain_override_is_used(vendor, use_vendor):  # noqa: F811
    use_vendor("anthropic", vendor, roles=())
    vendor.script(Reply(200, v.anthropic_ok('{"title": "Glass Harbour", "lyrics": "[Verse]\\nla la"}')))
    artist = ArtistFactory(llm_settings={"chains": {"lyricist": "anthropic,local"}})
    text = write_track_text(artist=artist, parameters={"tempo": 100})
    assert text.title == "Glass Harbour"
    assert LLMCall.objects.get(role="lyricist").provider == "anthropic"
