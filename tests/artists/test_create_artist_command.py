"""manage.py create_artist."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from artists.models import Artist
from artists.schemas import profile_errors
from tests.llm.fixtures import fast_llm  # noqa: F401

pytestmark = pytest.mark.django_db


def test_json_output_with_no_keys_through_local():
    out = StringIO()
    call_command("create_artist", "--brief", "dark synthwave duo from Berlin", "--country", "DE", "--json", stdout=out)
    data = json.loads(out.getvalue())
    artist = Artist.objects.get(pk=data["id"])
    assert data == {"id": artist.pk, "slug": artist.slug, "name": artist.name}
    assert profile_errors(artist.profile) == []


def test_human_output_lists_steps():
    out = StringIO()
    call_command("create_artist", "--brief", "warm afrobeats singer", "--genre", "afrobeats", stdout=out)
    text = out.getvalue()
    assert "Created" in text and "genre: afrobeats" in text and "step validate: succeeded via local:default" in text


@pytest.mark.parametrize("brief", ["", "z" * 10_240])
def test_bad_briefs_are_command_errors(brief):
    with pytest.raises(CommandError, match="brief"):
        call_command("create_artist", "--brief", brief)
    assert not Artist.objects.exists()


def test_unknown_provider_in_a_chain_is_a_clear_command_error(settings):
    settings.LLM_CHAINS = {**settings.LLM_CHAINS, "author": "openia,local"}
    with pytest.raises(CommandError, match="LLM_CHAIN_AUTHOR: unknown LLM provider 'openia'"):
        call_command("create_artist", "--brief", "synthwave duo")
    assert not Artist.objects.exists()
