"""The metrical-level decision: which of a file's candidate tempi is the beat.

Every candidate has a feature vector (`tempo.TEMPO_FEATURES`). The model scores it with a
small ensemble of networks, each a linear term plus one tanh hidden layer over the
standardised features, and a softmax over the file's candidates turns the summed scores
into probabilities. A linear score alone cannot say "the backbeat decides when a drum kit
plays, the harmonic rhythm when none does"; the hidden layer can.

The parameters live in `metrical_model.json`, written by `bench/audio/tune.py`, which fits
them on the tuning split of the real-music corpus (and on synthesizer seeds that are not
evaluated) only. docs/benchmarks.md has the figures and the command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("metrical_model.json")


@dataclass(frozen=True)
class Member:
    """One network: score = z . linear + tanh(z @ hidden + hidden_bias) . output."""

    linear: np.ndarray  # features
    hidden: np.ndarray  # features x units
    hidden_bias: np.ndarray  # units
    output: np.ndarray  # units

    def scores(self, standardised: np.ndarray) -> np.ndarray:
        score = standardised @ self.linear
        if self.output.size:
            score = score + np.tanh(standardised @ self.hidden + self.hidden_bias) @ self.output
        return score


@dataclass(frozen=True)
class MetricalModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    members: tuple[Member, ...]
    # Scores are divided by this before the softmax. Fitted on cross-validation folds, where
    # the networks had not seen the files, so the reported confidence matches how often the
    # chosen level is right rather than how sure networks are on their own training data.
    temperature: float = 1.0

    def scores(self, features: np.ndarray) -> np.ndarray:
        """One score per candidate (rows of `features`); higher is likelier the beat."""
        standardised = (features - self.mean) / self.scale
        return sum((member.scores(standardised) for member in self.members), np.zeros(len(features)))

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        scores = self.scores(features) / self.temperature
        weights = np.exp(scores - scores.max())
        return weights / weights.sum()

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "temperature": self.temperature,
            "members": [
                {
                    "linear": m.linear.tolist(),
                    "hidden": m.hidden.tolist(),
                    "hidden_bias": m.hidden_bias.tolist(),
                    "output": m.output.tolist(),
                }
                for m in self.members
            ],
        }

    @classmethod
    def from_json(cls, data: dict, expected_features: tuple[str, ...]) -> MetricalModel:
        features = tuple(data["features"])
        if features != expected_features:
            # A model fitted on other features would score the wrong columns silently.
            raise ValueError(
                f"metrical model was fitted on features {features}, the extractor computes {expected_features}: "
                "refit it with bench/audio/tune.py"
            )
        width = len(features)
        members = []
        for member in data["members"]:
            output = np.asarray(member["output"], dtype=float)
            hidden = np.asarray(member["hidden"], dtype=float).reshape(width, output.size)
            members.append(
                Member(
                    linear=np.asarray(member["linear"], dtype=float),
                    hidden=hidden,
                    hidden_bias=np.asarray(member["hidden_bias"], dtype=float),
                    output=output,
                )
            )
        return cls(
            features=features,
            mean=np.asarray(data["mean"], dtype=float),
            scale=np.asarray(data["scale"], dtype=float),
            members=tuple(members),
            temperature=float(data.get("temperature", 1.0)),
        )


@lru_cache(maxsize=1)
def default_model() -> MetricalModel:
    from analytics.audio.tempo import TEMPO_FEATURES

    return MetricalModel.from_json(json.loads(MODEL_PATH.read_text()), TEMPO_FEATURES)
