"""The metrical-level model: the fitted file loads, matches the extractor, and refuses a mismatch."""

import dataclasses
import json

import numpy as np
import pytest

from analytics.audio.metrical import MODEL_PATH, Member, MetricalModel, default_model
from analytics.audio.tempo import (
    COMPARED_FEATURES,
    TEMPO_FEATURES,
    _neighbour_differences,
    choose_tempo,
    tempo_candidates,
)


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


def test_each_candidate_is_compared_with_its_double_and_half_time_neighbours():
    # Periods in frames: 100 (the beat), 50 (twice as fast), 204 (half as fast, 2 % off) and
    # 150 (a 2/3 level, which has neither neighbour in the set).
    periods = np.array([100.0, 50.0, 204.0, 150.0])
    compared = np.array([[1.0, 10.0], [3.0, 20.0], [0.5, 40.0], [7.0, 0.0]])
    faster = _neighbour_differences(periods, compared, 2.0)
    slower = _neighbour_differences(periods, compared, 0.5)
    np.testing.assert_allclose(faster[0], [2.0, 10.0, 1.0])  # the 50-frame candidate minus its own
    np.testing.assert_allclose(slower[0], [-0.5, 30.0, 1.0])  # the 204-frame one, within 4 %
    np.testing.assert_allclose(faster[2], [0.5, -30.0, 1.0])  # 204's double time is 100
    np.testing.assert_allclose(faster[3], [0.0, 0.0, 0.0])  # nothing at 75 frames: zeros, flag 0
    np.testing.assert_allclose(slower[3], [0.0, 0.0, 0.0])


def test_the_candidate_features_carry_the_comparison_block_in_the_documented_order():
    from analytics.audio.common import ANALYSIS_SR, FPS, Deadline
    from analytics.audio.spectra import rhythm_spectra

    rng = np.random.default_rng(3)
    seconds = 12
    y = 0.01 * rng.normal(size=seconds * ANALYSIS_SR)
    for beat in np.arange(0, seconds, 0.5):  # clicks at 120 BPM, accented every other one
        start = int(beat * ANALYSIS_SR)
        y[start : start + 200] += (1.0 if int(beat * 2) % 2 == 0 else 0.5) * rng.normal(size=200)
    periods, features, _ = tempo_candidates(rhythm_spectra(y, Deadline(None)), float(seconds))
    assert features.shape == (len(periods), len(TEMPO_FEATURES))
    compared = features[:, [TEMPO_FEATURES.index(name) for name in COMPARED_FEATURES]]
    vs_best = features[:, [TEMPO_FEATURES.index(f"{name}_vs_best") for name in COMPARED_FEATURES]]
    np.testing.assert_allclose(vs_best, compared - compared.max(axis=0))
    flags = features[:, TEMPO_FEATURES.index("has_x2")]
    for i, period in enumerate(periods):
        has_double = np.any(np.abs(period / (periods * 2.0) - 1.0) <= 0.04)
        assert flags[i] == float(has_double)
    assert any(abs(60.0 * FPS / p - 120.0) < 3 for p in periods)


def test_the_fit_cuts_a_preview_from_the_spectra_as_clips_py_cuts_the_audio():
    """tune.py --crop: the flux of 20 s from 5 s in is the flux of that stretch of audio cut
    out and analysed (up to the frame grid), so cut copies stand for real previews."""
    from analytics.audio.common import ANALYSIS_SR, FPS, HOP, Deadline
    from analytics.audio.spectra import rhythm_spectra
    from bench.audio.tune import cropped

    rng = np.random.default_rng(5)
    y = 0.01 * rng.normal(size=30 * ANALYSIS_SR)
    for beat in np.arange(0, 30, 0.45):  # irregular accents, so a misplaced cut would not match
        start = int(beat * ANALYSIS_SR)
        y[start : start + 200] += rng.uniform(0.3, 1.0) * rng.normal(size=200)
    whole = rhythm_spectra(y, Deadline(None))
    cut, seconds = cropped(whole, 30.0, 20.0)
    assert seconds == 20.0
    assert abs(len(cut.flux_low) - 20 * FPS) <= 1
    np.testing.assert_array_equal(cut.flux_mid, whole.flux_mid[round(5 * FPS) : round(25 * FPS)])
    first = round(5 * FPS) * HOP  # the cut audio on the same frame grid; its edge frames differ
    audio_cut = rhythm_spectra(y[first : first + 20 * ANALYSIS_SR], Deadline(None))
    n = min(len(audio_cut.flux_mid), len(cut.flux_mid))
    np.testing.assert_allclose(audio_cut.flux_mid[3 : n - 4], cut.flux_mid[3 : n - 4], rtol=1e-4, atol=1e-4)

    late, seconds = cropped(whole, 22.0, 20.0)  # too short to start at 5 s: cut from the end
    np.testing.assert_array_equal(late.flux_low, whole.flux_low[round(2 * FPS) : round(22 * FPS)])
    same, seconds = cropped(whole, 15.0, 20.0)  # no longer than the stretch: kept whole
    assert same is whole and seconds == 15.0


def test_boosted_trees_copied_from_scikit_learn_score_as_it_does():
    """tune.py --learner trees (a cross-validation trial): the copy of scikit-learn's trees that
    the folds score walks to scikit-learn's own scores, and learns which candidate is the beat."""
    from bench.audio.tune import TreeSettings, _fit_trees, _Stacked, fit

    rng = np.random.default_rng(4)
    width = 5
    sets = []
    tempi = np.array([60.0, 75.0, 90.0, 110.0, 130.0, 160.0])
    for index in range(60):  # files of 6 candidates; the right one has a high first feature
        features = rng.normal(size=(6, width))
        right = int(rng.integers(6))
        features[right, 0] += 2.5
        sets.append((f"f{index}", float(tempi[right]), tempi, features))
    settings = TreeSettings(iterations=30, rate=0.2, leaves=7, min_leaf=5)
    everything = np.vstack([s[3] for s in sets])
    data = _Stacked(sets, everything.mean(axis=0), everything.std(axis=0))
    trees = _fit_trees(data, settings)  # asserts the copy against decision_function itself
    assert len(trees.roots) == 30 and trees.depth >= 2

    model = fit(sets, hidden=0, l2=0.0, members=1, trees=settings)
    hits = sum(tempi[int(np.argmax(model.scores(features)))] == label for _, label, tempi, features in sets)
    assert hits >= 45, f"the trees learned which candidate is the beat: {hits} of 60 (chance: 10)"
