"""The artist profile schema: valid profiles pass, invalid ones name the offending field."""

from __future__ import annotations

import pytest

from artists.schemas import ArtistProfile, profile_errors
from tests.factories import valid_profile


def test_demo_profile_is_valid():
    profile = ArtistProfile.model_validate(valid_profile())
    assert profile.musical_defaults.tempo_min <= profile.musical_defaults.tempo_max
    assert profile_errors(valid_profile()) == []


def test_palette_is_normalised_to_lowercase():
    data = valid_profile()
    data["visual_identity"]["palette"] = ["#ABCDEF", "#000000"]
    assert ArtistProfile.model_validate(data).visual_identity.palette == ["#abcdef", "#000000"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p.pop("persona"), "persona"),
        (lambda p: p.update(themes=[]), "themes"),
        (lambda p: p["visual_identity"].update(palette=["red", "#000000"]), "visual_identity.palette"),
        (lambda p: p["musical_defaults"].update(tempo_min=300), "musical_defaults.tempo_min"),
        (lambda p: p["musical_defaults"].update(tempo_min=150, tempo_max=90), "musical_defaults"),
        (lambda p: p["musical_defaults"].update(preferred_keys=["H"]), "musical_defaults.preferred_keys"),
        (lambda p: p["musical_defaults"].update(preferred_modes=["dorian"]), "musical_defaults.preferred_modes.0"),
        (lambda p: p["musical_defaults"].update(energy=1.5), "musical_defaults.energy"),
        (lambda p: p["target_audience"].update(countries=["Germany"]), "target_audience.countries"),
        (lambda p: p.update(unexpected="x"), "unexpected"),
    ],
)
def test_invalid_profile_names_the_field(mutate, field):
    data = valid_profile()
    mutate(data)
    errors = profile_errors(data)
    assert errors, "the profile should be invalid"
    assert any(error.startswith(f"{field}:") for error in errors), errors


def test_profile_errors_on_non_object():
    assert profile_errors("not a profile")
    assert profile_errors(None)
