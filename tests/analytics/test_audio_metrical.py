"""The metrical-level model: the fitted file loads, matches the extractor, and refuses a mismatch."""

import dataclasses
import json

import numpy as np
import pytest

from analytics.audio.metrical import MODEL_PATH, Member, MetricalModel, default_model
from analytics.audio.tempo import TEMPO_FEATURES, choose_tempo


def test_the_shipped_model_scores_the_features_the_extractor_computes():
    model = default_model()
    assert model.features == TEMPO_FEATURES
    assert model.members, "an ensemble of at least one network"
    for member in model.members:
        assert member.linear.shape == (len(TEMPO_FEATURES),)
        assert member.hidden.shape == (len(TEMPO_FEATURES), member.output.size)
    candidates = np.random.default_rng(0).normal(size=(7, len(TEMPO_FEATURES)))
    best, probabilities = choose_tempo(candidates)
    assert probabilities.sum() == pytest.approx(1.0)
    assert best == int(np.argmax(model.scores(candidates)))


def test_a_model_fitted_on_other_features_is_refused_by_name():
    data = json.loads(MODEL_PATH.read_text())
    data["features"] = [*data["features"][:-1], "something_else"]
    with pytest.raises(ValueError, match="refit it with bench/audio/tune.py"):
        MetricalModel.from_json(data, TEMPO_FEATURES)


def test_json_round_trip_keeps_the_scores():
    width = 3
    rng = np.random.default_rng(1)
    model = MetricalModel(
        features=("a", "b", "c"),
        mean=rng.normal(size=width),
        scale=rng.uniform(0.5, 2.0, size=width),
        members=(
            Member(
                linear=rng.normal(size=width),
                hidden=rng.normal(size=(width, 4)),
                hidden_bias=rng.normal(size=4),
                output=rng.normal(size=4),
            ),
            # A linear member (no hidden units) round-trips too.
            Member(
                linear=rng.normal(size=width), hidden=np.zeros((width, 0)), hidden_bias=np.zeros(0), output=np.zeros(0)
            ),
        ),
    )
    model = dataclasses.replace(model, temperature=1.7)
    again = MetricalModel.from_json(json.loads(json.dumps(model.to_json())), ("a", "b", "c"))
    candidates = rng.normal(size=(5, width))
    np.testing.assert_allclose(again.scores(candidates), model.scores(candidates))
    np.testing.assert_allclose(again.probabilities(candidates), model.probabilities(candidates))
    # The hidden layer matters: the ensemble is not the sum of its linear terms.
    linear_only = sum(((candidates - model.mean) / model.scale) @ m.linear for m in model.members)
    assert not np.allclose(model.scores(candidates), linear_only)


def test_the_temperature_changes_the_confidence_not_the_choice():
    model = default_model()
    candidates = np.random.default_rng(2).normal(size=(6, len(TEMPO_FEATURES)))
    sharp = dataclasses.replace(model, temperature=0.5).probabilities(candidates)
    flat = dataclasses.replace(model, temperature=4.0).probabilities(candidates)
    assert np.argmax(sharp) == np.argmax(flat) == np.argmax(model.scores(candidates))
    assert sharp.max() > flat.max()
