"""A plan never exceeds its bounds nor touches identity-core fields (property-based, hypothesis)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artists.schemas import IDENTITY_CORE_FIELDS, ArtistProfile, effective_genre_mix, effective_valence, profile_errors
from evolution.bounds import StepBounds, Target, step_changes, step_toward, step_violations, total_variation
from noktvrn.demo import DEMO_ARTISTS

GENRES = ["synthwave", "darkwave", "electropop", "techno", "lo-fi", "pop", "house", "trap", "ambient", "funk"]


@st.composite
def profiles(draw):
    base = copy.deepcopy(draw(st.sampled_from(DEMO_ARTISTS))["profile"])
    low = draw(st.integers(40, 200))
    defaults = base["musical_defaults"]
    defaults["tempo_min"], defaults["tempo_max"] = low, draw(st.integers(low, 220))
    defaults["energy"] = draw(st.floats(0, 1))
    defaults["valence"] = draw(st.one_of(st.none(), st.floats(0, 1)))
    defaults["preferred_modes"] = draw(st.sampled_from([["minor"], ["major"], ["major", "minor"]]))
    if draw(st.booleans()):
        primary = base["primary_genre"]
        others = draw(st.lists(st.sampled_from([g for g in GENRES if g != primary]), max_size=6, unique=True))
        primary_share = draw(st.floats(0.5, 1.0))
        weights = [draw(st.floats(0.01, 1)) for _ in others]
        total = sum(weights) or 1
        mix = {
            primary: primary_share,
            **{g: (1 - primary_share) * w / total for g, w in zip(others, weights, strict=True)},
        }
        if not others:
            mix = {primary: 1.0}
        base["genre_mix"] = mix
    base["style_notes"] = draw(st.lists(st.text(min_size=1, max_size=30).filter(str.strip), max_size=4, unique=True))
    assert not profile_errors(base), profile_errors(base)
    return ArtistProfile.model_validate(base).model_dump(mode="json")


targets = st.builds(
    Target,
    tempo_center=st.one_of(st.none(), st.floats(-500, 800)),
    energy=st.one_of(st.none(), st.floats(-3, 3)),
    valence=st.one_of(st.none(), st.floats(-3, 3)),
    genre_shares=st.one_of(
        st.none(), st.dictionaries(st.sampled_from(GENRES + ["", "k-pop", "grime"]), st.floats(0, 10), max_size=12)
    ),
    add_notes=st.lists(st.text(max_size=250), max_size=5),
    remove_notes=st.lists(st.text(max_size=30), max_size=5),
)
bounds_strategy = st.builds(
    StepBounds,
    tempo_bpm=st.integers(0, 10),
    energy=st.floats(0, 0.2),
    valence=st.floats(0, 0.2),
    genre_mix_tv=st.floats(0, 0.5),
    style_note_changes=st.integers(0, 3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles(), target=targets, bounds=bounds_strategy)
def test_a_step_never_exceeds_its_bounds_nor_touches_identity(profile, target, bounds):
    new = step_toward(profile, target, bounds)

    assert step_violations(profile, new, bounds) == []
    for name in IDENTITY_CORE_FIELDS:
        assert new[name] == profile[name]
    # The bounds, checked here from first principles rather than through the checker.
    old_d, new_d = profile["musical_defaults"], new["musical_defaults"]
    assert abs(new_d["tempo_min"] - old_d["tempo_min"]) <= bounds.tempo_bpm
    assert abs(new_d["tempo_max"] - old_d["tempo_max"]) <= bounds.tempo_bpm
    assert abs(new_d["energy"] - old_d["energy"]) <= bounds.energy + 1e-9
    assert abs(effective_valence(new_d) - effective_valence(old_d)) <= bounds.valence + 1e-9
    assert total_variation(effective_genre_mix(profile), effective_genre_mix(new)) <= bounds.genre_mix_tv + 1e-9
    assert len(set(profile["style_notes"]) ^ set(new["style_notes"])) <= bounds.style_note_changes
    for change in step_changes(profile, new, bounds):
        if isinstance(change["delta"], (int, float)) and isinstance(change["bound"], (int, float)):
            assert abs(change["delta"]) <= change["bound"] + 1e-9


def test_a_step_moves_the_whole_allowed_way_toward_a_far_target():
    profile = copy.deepcopy(DEMO_ARTISTS[0]["profile"])  # tempo 96-118, energy 0.65, minor
    bounds = StepBounds(tempo_bpm=4, energy=0.05, valence=0.05, genre_mix_tv=0.1)
    new = step_toward(profile, Target(tempo_center=140, energy=0.9, valence=0.9, genre_shares={"pop": 1.0}), bounds)
    assert (new["musical_defaults"]["tempo_min"], new["musical_defaults"]["tempo_max"]) == (100, 122)
    assert new["musical_defaults"]["energy"] == 0.7
    assert new["musical_defaults"]["valence"] == 0.4  # from the minor mode's 0.35
    mix = new["genre_mix"]
    assert 0.09 <= total_variation(effective_genre_mix(profile), mix) <= 0.1
    assert "pop" in mix and mix["synthwave"] >= 0.5
    assert new["secondary_genres"][0] in ("darkwave", "electropop", "pop")


@pytest.mark.parametrize(
    ("field", "value"),
    [("persona", "Someone else entirely, with another story."), ("primary_genre", "polka"), ("voice", "A tuba")],
)
def test_identity_core_changes_are_violations(field, value):
    profile = copy.deepcopy(DEMO_ARTISTS[0]["profile"])
    changed = {**profile, field: value}
    assert any(field in problem for problem in step_violations(profile, changed, StepBounds()))


def test_other_fields_and_oversized_steps_are_violations():
    profile = copy.deepcopy(DEMO_ARTISTS[0]["profile"])
    changed = copy.deepcopy(profile)
    changed["themes"] = ["something new"]
    changed["musical_defaults"]["energy"] = 0.9
    changed["musical_defaults"]["tempo_min"] = 80
    problems = step_violations(profile, changed, StepBounds())
    assert any("themes may not change" in p for p in problems)
    assert any("energy moved +0.250" in p for p in problems)
    assert any("tempo_min moved -16 BPM" in p for p in problems)
