"""The tracker-module benchmark set labels a tempo only where the module holds one tempo."""

import numpy as np
import pytest

from bench.audio.modules import STEP_SECONDS, split_of, tempo_label

STEPS = int(30 / STEP_SECONDS)


def test_a_constant_tempo_is_the_label():
    assert tempo_label(np.full(STEPS, 125.0)) == (125.0, 0.0)


def test_a_swing_by_alternating_speeds_is_labelled_by_its_mean_beat_rate():
    # Speeds 5 and 7 row by row at tempo 125: the player's estimate alternates between
    # 150 and 107.1 BPM, read every quarter second; the beat rate over time is their mean.
    readings = np.resize([150.0, 150.0, 107.14, 107.14, 107.14], STEPS)
    label, spread = tempo_label(readings)
    assert label == pytest.approx(readings.mean(), abs=0.01)
    assert spread <= 0.02


def test_a_tempo_change_inside_the_excerpt_is_not_labelled():
    readings = np.concatenate([np.full(STEPS // 2, 120.0), np.full(STEPS - STEPS // 2, 140.0)])
    assert "tempo changes" in tempo_label(readings)


@pytest.mark.parametrize("bpm", [250.0, 30.0])
def test_a_label_outside_the_estimator_range_is_not_used(bpm):
    assert "outside 40-240" in tempo_label(np.full(STEPS, bpm))


def test_no_reading_is_not_a_label():
    assert tempo_label(np.array([])) == "no tempo reading"
    assert tempo_label(np.array([120.0, np.nan])) == "no tempo reading"


def test_games_are_split_whole_and_stably():
    assert split_of("pingus-data") == split_of("pingus-data")
    assert {split_of(name) for name in ("bb", "vor", "gltron", "pingus-data", "ironseed-data", "solarwolf")} == {
        "tune",
        "heldout",
    }
