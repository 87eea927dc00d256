"""Fit the tempo estimator's metrical-level model on the corpus's *tuning* split only.

    python bench/audio/tune.py --corpus bench/out/corpus            # fit, cross-validate, print
    python bench/audio/tune.py --corpus bench/out/corpus --check synth=bench/out/synth --write

The spectra of each file (the expensive part: decode, resample, STFT) are cached in
`bench/out/features/` (keyed by file name, size and mtime), so a tuning iteration costs only
the candidate features. Only files whose label says `split == "tune"` are read for the fit
(and `"train"`, training-only pieces, with `--with-train-split`);
`--check NAME=DIR` scores the fitted model on another labelled set (for example the
synthesizer's) without fitting on it; `--extra NAME=DIR` adds training files (a synthesizer
seed that is not evaluated). The held-out split is never opened here: evaluate.py scores it.
`--write` replaces analytics/audio/metrical_model.json, which the extractor loads.

The model (analytics.audio.metrical): every candidate tempo of a file
(analytics.audio.tempo.tempo_candidates) has a feature vector; each network of the ensemble
scores it (a linear term plus a tanh hidden layer over the standardised features); the
probabilities are the softmax of the summed scores over the file's candidates (a conditional
logit). The fit maximises the probability of the candidates within 4 % of the labelled
tempo, with an L2 penalty, by L-BFGS from `--members` random starts. `--learner trees` fits
boosted trees in their place, for cross-validation only (docs/benchmarks.md, sixteenth session).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noktvrn.settings.test")
CACHE = ROOT / "bench/out/features"
FLUXES = ("flux_low", "flux_mid", "flux_high", "flux_kick", "flux_snare", "harmonic_change")


def spectra_of(path: Path):
    """The rhythm spectra's fluxes and the duration, from the cache or computed once."""
    from analytics.audio.common import ANALYSIS_SR, TONAL_SR, Deadline
    from analytics.audio.key import pitch_frames
    from analytics.audio.spectra import Spectra, rhythm_spectra
    from kernel import audio as toolkit

    stat = path.stat()
    cached = CACHE / f"{path.parent.name}--{path.stem}-{stat.st_size}-{int(stat.st_mtime)}.npz"
    data = np.load(cached) if cached.exists() else None
    if data is None or any(name not in data for name in (*FLUXES, "pitch_notes")):  # absent, or an older version's
        decoded = toolkit.decode(path)
        mono = decoded.data.mean(axis=0) if decoded.data.shape[0] > 1 else decoded.data[0]
        y = toolkit.resample(mono, decoded.sample_rate, ANALYSIS_SR)
        spectra = rhythm_spectra(y, Deadline(None))
        data = {name: getattr(spectra, name) for name in FLUXES}
        data["duration"] = np.array(decoded.data.shape[1] / decoded.sample_rate)
        data["pitch_notes"] = pitch_frames(toolkit.resample(y, ANALYSIS_SR, TONAL_SR)).notes
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(cached, **data)
    empty = np.empty((0, 0), dtype=np.float32)
    spectra = Spectra(
        mel_power=empty,
        centroid=empty,
        rolloff=empty,
        flatness=empty,
        frame_rms=empty,
        **{name: data[name] for name in FLUXES},
    )
    return spectra, float(data["duration"]), data["pitch_notes"]


@functools.cache
def _tempo_source() -> str:
    """tempo.py's text as this process imported it: read once, so that an edit made while a
    long fit runs cannot file the old code's features under the new code's key."""
    import analytics.audio.tempo as tempo_module

    return Path(tempo_module.__file__).read_text()


def candidate_sets(
    folder: Path, split: str | None, crop: float | None = None
) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    """[(file, labelled tempo, candidate tempi, features)] for the files of `split` (all if None),
    cached per version of tempo.py. With `crop`, each file's features are those of a `crop`-second
    stretch from CROP_START_SECONDS in (as a store preview cuts it), in the same order."""
    import hashlib
    import pickle

    labels_text = (folder / "labels.json").read_text()
    crop_key = "" if crop is None else f"crop{crop}@{CROP_START_SECONDS}"
    digest = hashlib.sha256((_tempo_source() + labels_text + str(split) + crop_key).encode()).hexdigest()[:16]
    cached = CACHE / f"candidates-{folder.name}-{digest}.pkl"
    if cached.exists():
        return pickle.loads(cached.read_bytes())  # noqa: S301 - our own cache under bench/out
    out = _candidate_sets(folder, split, json.loads(labels_text), crop)
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps(out))
    return out


def _folder_and_split(spec: str) -> tuple[Path, str | None]:
    """NAME=DIR[:SPLIT] -> (DIR, SPLIT or None for every file)."""
    folder, _, split = spec.partition("=")[2].partition(":")
    return Path(folder), split or None


def _candidate_sets(folder: Path, split: str | None, labels: dict, crop: float | None = None):
    from analytics.audio.common import FPS
    from analytics.audio.tempo import tempo_candidates

    out = []
    for file, label in sorted(labels.items()):
        if file.startswith("long-") or label.get("split") == "speed":
            continue
        if split is not None and label.get("split") != split:
            continue
        spectra, duration, _ = spectra_of(folder / file)
        if crop is not None:
            spectra, duration = cropped(spectra, duration, crop)
        periods, features, _ = tempo_candidates(spectra, duration)
        out.append((file, float(label["tempo"]), 60.0 * FPS / periods, features))
    return out


# Where --crop's stretch starts: clips.py's default preview cut (20 s from 5 s in). A file too
# short for it is cut from its end instead; one no longer than the stretch is kept whole.
CROP_START_SECONDS = 5.0


def cropped(spectra, duration: float, seconds: float):
    """The fluxes of `seconds` of the file from CROP_START_SECONDS in, and that stretch's length.

    Onset flux is a per-frame difference, so slicing it equals analysing the cut audio but for
    its edge frames; the fades and the codec of a real preview are what clips.py adds."""
    from analytics.audio.common import FPS

    if duration <= seconds:
        return spectra, duration
    start = min(CROP_START_SECONDS, duration - seconds)
    lo, hi = int(round(start * FPS)), int(round((start + seconds) * FPS))
    sliced = {name: getattr(spectra, name)[lo:hi] for name in FLUXES}
    return dataclasses.replace(spectra, **sliced), seconds


def _targets(sets) -> list[np.ndarray]:
    return [np.abs(tempi / reference - 1.0) <= 0.04 for _, reference, tempi, _ in sets]


class _Stacked:
    """Every candidate of every usable file in one matrix, with each file's row range, so the
    per-file softmax of the conditional logit is a few vectorised reductions."""

    def __init__(self, sets, mean: np.ndarray, scale: np.ndarray) -> None:
        usable = [(s[3], t) for s, t in zip(sets, _targets(sets), strict=True) if len(s[2]) and t.any()]
        self.z = (np.vstack([features for features, _ in usable]) - mean) / scale
        self.right = np.concatenate([target for _, target in usable])
        self.sizes = np.array([len(target) for _, target in usable])
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self.file = np.repeat(np.arange(len(usable)), self.sizes)
        self.files = len(usable)

    def loss(self, scores: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean -log P(right candidates) per file, and its gradient by candidate score."""
        shifted = np.exp(scores - np.maximum.reduceat(scores, self.starts)[self.file])
        total = np.add.reduceat(shifted, self.starts)
        right = np.add.reduceat(np.where(self.right, shifted, 0.0), self.starts)
        p = shifted / total[self.file]
        q = np.where(self.right, shifted / right[self.file], 0.0)
        return float(-np.log(right / total + 1e-12).sum()) / self.files, (p - q) / self.files


def _fit_member(data: _Stacked, hidden: int, l2: float, seed: int):
    """One network (linear term + `hidden` tanh units) maximising the conditional likelihood."""
    from analytics.audio.metrical import Member

    width = data.z.shape[1]
    sizes = (width, width * hidden, hidden, hidden)
    cuts = np.cumsum(sizes)[:-1]

    def unpack(theta):
        linear, flat, bias, output = np.split(theta, cuts)
        return linear, flat.reshape(width, hidden), bias, output

    def loss(theta):
        linear, weights, bias, output = unpack(theta)
        activation = np.tanh(data.z @ weights + bias)
        value, d_scores = data.loss(data.z @ linear + activation @ output)
        d_hidden = np.outer(d_scores, output) * (1 - activation**2)
        gradient = np.concatenate(
            [data.z.T @ d_scores, (data.z.T @ d_hidden).ravel(), d_hidden.sum(axis=0), activation.T @ d_scores]
        )
        return value + l2 * float(theta @ theta), gradient + 2 * l2 * theta

    start = np.random.default_rng(seed).normal(0.0, 0.1, sum(sizes))
    theta = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    linear, weights, bias, output = unpack(theta)
    return Member(linear=linear, hidden=weights, hidden_bias=bias, output=output)


@dataclasses.dataclass(frozen=True)
class Trees:
    """A boosted ensemble of regression trees over the standardised features, all walked at once:
    score = bias + the sum over trees of the leaf each candidate reaches. Node arrays are flat
    over every tree; `roots` holds each tree's first node, a leaf points to itself. A member of
    a MetricalModel for cross-validation only: the extractor reads networks (the sixteenth
    session's trial did not adopt trees; docs/benchmarks.md)."""

    bias: float
    roots: np.ndarray  # trees
    feature: np.ndarray  # nodes: the column a split reads (0 at leaves)
    threshold: np.ndarray  # nodes: go left when the value is <= this
    left: np.ndarray  # nodes
    right: np.ndarray  # nodes
    value: np.ndarray  # nodes: a leaf's contribution (0 elsewhere)
    depth: int  # the longest root-to-leaf path: how many steps every walk takes

    def scores(self, standardised: np.ndarray) -> np.ndarray:
        rows = np.arange(len(standardised))[None, :]
        node = np.repeat(self.roots[:, None], len(standardised), axis=1)  # trees x candidates
        for _ in range(self.depth):
            goes_left = standardised[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(goes_left, self.left[node], self.right[node])
        return self.bias + self.value[node].sum(axis=0)


@dataclasses.dataclass(frozen=True)
class TreeSettings:
    """--learner trees: gradient-boosted trees on each candidate alone (is it the labelled beat?),
    every file weighted as one; the scores then meet in the same per-file softmax."""

    iterations: int = 200
    rate: float = 0.05
    leaves: int = 15
    min_leaf: int = 40
    l2: float = 1.0


def _fit_trees(data: _Stacked, settings: TreeSettings):
    """scikit-learn's histogram boosting, its trees copied into a Trees member."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    booster = HistGradientBoostingClassifier(
        max_iter=settings.iterations,
        learning_rate=settings.rate,
        max_leaf_nodes=settings.leaves,
        min_samples_leaf=settings.min_leaf,
        l2_regularization=settings.l2,
        early_stopping=False,
        random_state=0,
    )
    booster.fit(data.z, data.right, sample_weight=1.0 / data.sizes[data.file])
    tree_nodes = [predictor.nodes for (predictor,) in booster._predictors]  # binary: one tree per iteration
    roots = np.cumsum([0] + [len(t) for t in tree_nodes[:-1]])
    nodes = list(zip(tree_nodes, roots, strict=True))
    offset = int(roots[-1] + len(tree_nodes[-1]))
    feature = np.concatenate([t["feature_idx"] for t, _ in nodes]).astype(np.intp)
    leaf = np.concatenate([t["is_leaf"] for t, _ in nodes]).astype(bool)
    own = np.arange(offset)
    left = np.where(leaf, own, np.concatenate([t["left"].astype(np.intp) + o for t, o in nodes]))
    right = np.where(leaf, own, np.concatenate([t["right"].astype(np.intp) + o for t, o in nodes]))
    trees = Trees(
        bias=float(np.ravel(booster._baseline_prediction)[0]),
        roots=roots.astype(np.intp),
        feature=np.where(leaf, 0, feature),
        threshold=np.where(leaf, 0.0, np.concatenate([t["num_threshold"] for t, _ in nodes])),
        left=left,
        right=right,
        value=np.where(leaf, np.concatenate([t["value"] for t, _ in nodes]), 0.0),
        depth=int(max(t["depth"].max() for t, _ in nodes)),
    )
    sample = data.z[:: max(1, len(data.z) // 2000)]
    assert np.allclose(trees.scores(sample), booster.decision_function(sample), atol=1e-6), "tree copy differs"
    return trees


def fit(sets, hidden: int, l2: float, members: int, trees: TreeSettings | None = None):
    """The metrical model: `members` networks from different random starts, summed; or, with
    `trees`, one boosted tree ensemble."""
    from analytics.audio.metrical import MetricalModel
    from analytics.audio.tempo import TEMPO_FEATURES

    everything = np.vstack([s[3] for s in sets if len(s[2])])
    mean, scale = everything.mean(axis=0), everything.std(axis=0) + 1e-9
    data = _Stacked(sets, mean, scale)
    return MetricalModel(
        features=TEMPO_FEATURES,
        mean=mean,
        scale=scale,
        members=(_fit_trees(data, trees),)
        if trees is not None
        else tuple(_fit_member(data, hidden, l2, seed) for seed in range(members)),
    )


RELATIONS = (("x1", 1), ("x2", 2), ("x1/2", 0.5), ("x3/2", 1.5), ("x2/3", 2 / 3), ("x3", 3), ("x1/3", 1 / 3))
RELATIONS += (("x4/3", 4 / 3), ("x3/4", 0.75))
ACC2_RELATIONS = {"x1", "x2", "x1/2", "x3", "x1/3"}


def tempo_relation(ratio: float) -> str:
    """How an estimate relates to the labelled tempo (within 4 %): "x1" is Acc1, ACC2_RELATIONS is Acc2."""
    return next((name for name, factor in RELATIONS if abs(ratio / factor - 1) <= 0.04), "other")


def score(sets, model) -> dict:
    from analytics.audio.tempo import choose_level

    acc1 = acc2 = reachable = 0
    errors: dict[str, int] = {}
    confidence: dict[bool, list[float]] = {True: [], False: []}
    for (_file, reference, tempi, features), target in zip(sets, _targets(sets), strict=True):
        reachable += bool(target.any())
        if not len(tempi):
            continue
        best, level_confidence = choose_level(1.0 / tempi, features, model)  # periods, as the extractor
        relation = tempo_relation(tempi[best] / reference)
        one = relation == "x1"
        confidence[one].append(level_confidence)
        acc1 += one
        acc2 += relation in ACC2_RELATIONS
        if not one:
            errors[relation] = errors.get(relation, 0) + 1
    n = max(len(sets), 1)
    return {
        "files": len(sets),
        "acc1": round(float(acc1) / n, 3),
        "acc2": round(acc2 / n, 3),
        "reachable": round(reachable / n, 3),
        "errors": errors,
        "confidence_right": round(float(np.mean(confidence[True] or [0])), 3),
        "confidence_wrong": round(float(np.mean(confidence[False] or [0])), 3),
    }


def _temperature(models, tests) -> float:
    """The divisor of the scores that makes the cross-validated probabilities honest: it
    maximises the likelihood of the right level on files each fold's model did not see.
    Only the confidence changes; the chosen level does not."""
    from scipy.optimize import minimize_scalar

    unseen = [
        (model.scores(features), target)
        for model, test in zip(models, tests, strict=True)
        for (_, _, tempi, features), target in zip(test, _targets(test), strict=True)
        if len(tempi) and target.any()
    ]

    def loss(log_temperature: float) -> float:
        total = 0.0
        for scores, target in unseen:
            scaled = scores / np.exp(log_temperature)
            p = np.exp(scaled - scaled.max())
            total -= np.log(p[target].sum() / p.sum() + 1e-12)
        return total

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x))


def _held_back_results(view: str, sets, model, pieces: dict[str, str]) -> list[dict]:
    """One record per file a fold's model did not see: its view, piece and whether the chosen
    level is the labelled one (Acc1) or a multiple Acc2 forgives."""
    out = []
    for file, (_, _, ratio) in _predictions(sets, model).items():
        relation = tempo_relation(ratio)  # ratio 0 (no candidate) is "other"
        out.append(
            {
                "view": view,
                "file": file,
                "piece": pieces[file],
                "acc1": relation == "x1",
                "acc2": relation in ACC2_RELATIONS,
            }
        )
    return out


def _predictions(sets, model) -> dict[str, tuple[bool, float, float]]:
    """{file: (Acc1 hit, confidence of the chosen level, chosen / labelled tempo)} for files
    the model did not see (ratio 0 when the file has no candidate)."""
    from analytics.audio.tempo import choose_level

    out = {}
    for file, reference, tempi, features in sets:
        if not len(tempi):
            out[file] = (False, 0.0, 0.0)
            continue
        best, level_confidence = choose_level(1.0 / tempi, features, model)
        ratio = float(tempi[best] / reference)
        out[file] = (tempo_relation(ratio) == "x1", level_confidence, ratio)
    return out


def onsets_per_labelled_beat(sets) -> dict[str, float]:
    """{file: onsets per labelled beat}: the audio's onset rate (the `file_density` feature)
    against the notated beat. A diagnostic of the corpus, not a feature: it needs the label."""
    from analytics.audio.tempo import REFERENCE_BPM, TEMPO_FEATURES

    column = TEMPO_FEATURES.index("file_density")
    return {
        file: REFERENCE_BPM * 2.0 ** features[0, column] / reference
        for file, reference, tempi, features in sets
        if len(tempi)
    }


def ratio_to_marking(labels: dict, files: list[str]) -> dict[str, float]:
    """{file: labelled tempo / the score's own metronome mark, in the same beat unit} for the
    files whose score carries a numbered mark (few do: Aird's Airs, Joplin). The corpus draws
    its tempi without looking at the marks; this asks whether the misses are where the drawn
    tempo is far from the composer's."""
    from bench.audio import corpus

    marks: dict[tuple[str, int], float | None] = {}
    out = {}
    for file in files:
        label = labels[file]
        source = (label["source"], label["index"])
        if source not in marks:
            try:
                marks[source] = corpus.metronome_mark(corpus._load(*source))
            except Exception:  # music21 raises many kinds on odd scores
                marks[source] = None
        if marks[source]:
            out[file] = label["tempo"] / (marks[source] / label["beat_ql"])
    return out


def _print_breakdown(
    predictions: dict[str, tuple[bool, float, float]],
    labels: dict,
    per_beat: dict[str, float] | None = None,
    to_marking: dict[str, float] | None = None,
) -> None:
    """Cross-validated Acc1 by drums, metre and labelled tempo, how often each confidence band is
    right, and the Acc2 misses (not within x1, 2, 3, 1/2, 1/3) by metre and tempo relation.
    With `per_beat`, also by onsets per labelled beat, and how the misses there lean (a level
    slower or faster than the notated beat); with `to_marking`, by how far the drawn tempo is
    from the score's own metronome mark."""
    tempo_bands = ([75, 100, 130, 160], ["<75", "75-100", "100-130", "130-160", ">=160"])
    confidence_bands = ([0.5, 0.7, 0.9], ["<0.5", "0.5-0.7", "0.7-0.9", ">=0.9"])
    groups: dict[str, dict[str, list[bool]]] = {
        "drums": {},
        "metre": {},
        "labelled BPM": {},
        "confidence (share right)": {},
    }
    acc2_misses: dict[str, int] = {}
    density_bands = ([1.2, 1.7, 2.2, 3.2, 4.1], ["<1.2", "1.2-1.7", "1.7-2.2", "2.2-3.2", "3.2-4.1", ">=4.1"])
    by_density: dict[str, list[tuple[bool, float]]] = {}
    for file, (hit, confidence, ratio) in predictions.items():
        relation = tempo_relation(ratio) if ratio > 0 else "other"
        if relation not in ACC2_RELATIONS:
            kind = f"{labels[file].get('meter', '?')} {relation}"
            acc2_misses[kind] = acc2_misses.get(kind, 0) + 1
        label = labels[file]
        keys = {
            "drums": label.get("drums", "?"),
            "metre": label.get("meter", "?"),
            "labelled BPM": tempo_bands[1][int(np.searchsorted(tempo_bands[0], label["tempo"], side="right"))],
            "confidence (share right)": confidence_bands[1][
                int(np.searchsorted(confidence_bands[0], confidence, side="right"))
            ],
        }
        for name, key in keys.items():
            groups[name].setdefault(key, []).append(hit)
        if per_beat is not None and file in per_beat:
            band = density_bands[1][int(np.searchsorted(density_bands[0], per_beat[file], side="right"))]
            by_density.setdefault(band, []).append((hit, ratio))
    for name, by_key in groups.items():
        order = {"labelled BPM": tempo_bands[1], "confidence (share right)": confidence_bands[1]}.get(
            name, sorted(by_key)
        )
        parts = [f"{key} {np.mean(by_key[key]):.2f} ({len(by_key[key])})" for key in order if key in by_key]
        print(f"  by {name}: " + ", ".join(parts))
    if to_marking:
        near: list[bool] = []
        far: list[bool] = []
        for file, ratio in to_marking.items():
            if file in predictions:
                (near if abs(np.log2(ratio)) < np.log2(1.25) else far).append(predictions[file][0])
        print(
            f"  by the drawn tempo against the score's metronome mark ({len(to_marking)} files of marked scores): "
            f"within 25 % {np.mean(near) if near else float('nan'):.2f} ({len(near)}), "
            f"farther {np.mean(far) if far else float('nan'):.2f} ({len(far)})"
        )
    if by_density:
        parts = []
        for band in density_bands[1]:
            if band in by_density:
                hits, ratios = (np.array(column) for column in zip(*by_density[band], strict=True))
                slower, faster = np.mean((ratios > 0) & (ratios < 0.75)), np.mean(ratios > 1.33)
                parts.append(f"{band} {hits.mean():.2f} ({len(ratios)}; slower {slower:.2f}, faster {faster:.2f})")
        print("  by onsets per labelled beat (Acc1; files; share read at a slower, faster level): " + ", ".join(parts))
    misses = ", ".join(f"{kind} {count}" for kind, count in sorted(acc2_misses.items(), key=lambda item: -item[1]))
    print(f"  Acc2 misses by labelled metre and relation: {misses or 'none'}")


def key_sets(folder: Path, split: str | None) -> list[tuple[str, str, np.ndarray]]:
    """[(file, labelled key, the frames' notes)]."""
    labels = json.loads((folder / "labels.json").read_text())
    out = []
    for file, label in sorted(labels.items()):
        if file.startswith("long-") or label.get("split") == "speed":
            continue
        if split is not None and label.get("split") != split:
            continue
        out.append((file, label["key"], spectra_of(folder / file)[2]))
    return out


def key_score(sets, leading_weight: float, floor: float, cap: float, reading=None) -> tuple[float, dict]:
    """Weighted key score, error counts, and the score of the major- and minor-labelled files
    apart: a decision that favours one mode gains on a corpus of mostly the other."""
    import mir_eval

    from analytics.audio.common import PITCHES
    from analytics.audio.key import ChordReading, key_scores

    values: dict[str, list[float]] = {"major": [], "minor": []}
    errors: dict[str, int] = {}
    for _file, reference, notes in sets:
        _, tonic, mode = key_scores(notes, leading_weight, floor, cap, reading or ChordReading())[0]
        value = mir_eval.key.weighted_score(reference, f"{PITCHES[tonic]} {mode}")
        values[reference.split()[1]].append(value)
        kind = {1.0: "correct", 0.5: "fifth", 0.3: "relative", 0.2: "parallel"}.get(value, "other")
        errors[kind] = errors.get(kind, 0) + 1
    for mode_name, scored in values.items():
        if scored:
            errors[mode_name] = round(float(np.mean(scored)), 3)
    total = values["major"] + values["minor"]
    return round(float(np.mean(total)) if total else 0.0, 3), errors


def key_chord_sweep(sets) -> None:
    """The chord term's grid (docs/benchmarks.md, fourteenth session): the shipped leading tone,
    the key without chords (weight 0) and every setting, each set's score with its modes apart."""
    import itertools

    from analytics.audio.key import LEADING_TONE_CAP, LEADING_TONE_FLOOR, LEADING_TONE_WEIGHT, ChordReading

    leading = (LEADING_TONE_WEIGHT, LEADING_TONE_FLOOR, LEADING_TONE_CAP)
    grid = [ChordReading(weight=0.0)] + [
        ChordReading(weight, window, sharpness, no_chord, fifth)
        for weight, window, sharpness, no_chord, fifth in itertools.product(
            (0.4, 0.7, 1.0), (2, 4), (20.0, 30.0), (0.3, 0.45), (0.2, 0.4, 0.6)
        )
    ]
    for reading in grid:
        line = "  ".join(f"{name} {key_score(s, *leading, reading)}" for name, s in sets.items())
        shipped = " (shipped)" if reading == ChordReading() else ""
        print(
            f"weight {reading.weight} window {reading.window_frames} sharpness {reading.sharpness:g} "
            f"no-chord {reading.no_chord} h5 {reading.fifth_harmonic}{shipped}: {line}",
            flush=True,
        )


# How each note of a score counts toward its pitch class in --key-symbolic: by duration (what
# a chroma measures), by duration and metric weight (notes on strong beats weigh more, as in
# Temperley's and Krumhansl's accounts of tonal emphasis), downbeats three times, and long
# notes more than linearly (phrase ends).
SYMBOLIC_WEIGHTINGS = {
    "duration": lambda duration, strength, at: duration,
    "duration x metre": lambda duration, strength, at: duration * (0.5 + strength),
    "downbeats x3": lambda duration, strength, at: duration * (3.0 if strength >= 1.0 else 1.0),
    "duration^1.5": lambda duration, strength, at: duration**1.5,
    "opening, 10 s": lambda duration, strength, at: duration * math.exp(-at / 10.0),
    "opening, 20 s": lambda duration, strength, at: duration * math.exp(-at / 20.0),
}


def symbolic_key_check(folder: Path) -> None:
    """The key decision on each tuning piece's own notes against the same decision on its audio.

    For one render per piece (its excerpt, transposition and label exactly as corpus.py made
    them, the notes cut where the 30 s of audio end) the score's pitch classes go through the
    same profile and leading-tone decision as the audio's chroma, counted by duration and by
    the other SYMBOLIC_WEIGHTINGS. The duration-weighted score bounds what better chroma alone
    could gain; the gap to the audio's profile score is what the chroma loses. The shipped
    decision on the audio (profile and chords) is printed beside it: a score's pitch classes
    alone have no chords to read."""
    import mir_eval

    from analytics.audio.common import PITCHES
    from analytics.audio.key import chroma_from_histogram, chroma_key_scores, key_from_notes
    from bench.audio import corpus

    labels = json.loads((folder / "labels.json").read_text())
    by_piece: dict[str, list[str]] = {}
    for file, label in sorted(labels.items()):
        if label.get("split") == "tune":
            by_piece.setdefault(label["piece"], []).append(file)
    audio_scores: list[float] = []
    shipped_scores: list[float] = []
    symbolic_scores: dict[str, list[float]] = {name: [] for name in SYMBOLIC_WEIGHTINGS}
    for piece, files in sorted(by_piece.items()):
        label = labels[files[0]]
        fields = {name: label[name] for name in corpus.Render.__dataclass_fields__ if name in label}
        render = corpus.Render(**{**fields, "tempo": label["drawn_tempo"], "seconds": corpus.EXCERPT_SECONDS})
        try:
            score = corpus._load(render.source, render.index)
            if render.source.endswith(".abc"):
                score = score.expandRepeats()
            prepared = corpus._prepare(render, score)
        except Exception as exc:  # music21 raises many kinds on odd scores
            print(f"skip {piece}: {type(exc).__name__}: {exc}")
            continue
        if prepared is None:
            continue
        excerpt, _bars, beat_ql, _metre, _tonic, _mode, bpm, _tempo_source = prepared
        audible_ql = label["seconds"] * bpm / 60.0 * beat_ql
        chromas = {name: np.zeros(12) for name in SYMBOLIC_WEIGHTINGS}
        for note in excerpt.flatten().notes:
            if note.offset >= audible_ql:
                continue
            duration = min(float(note.quarterLength), audible_ql - float(note.offset))
            try:
                strength = float(note.beatStrength)
            except Exception:  # a note music21 cannot place in a bar
                strength = 0.25
            seconds = float(note.offset) / beat_ql * 60.0 / bpm
            for name, weighting in SYMBOLIC_WEIGHTINGS.items():
                for pitch in note.pitches:
                    chromas[name][pitch.pitchClass] += weighting(duration, strength, seconds)
        for name, chroma in chromas.items():
            _, tonic, mode = chroma_key_scores(chroma)[0]
            symbolic_scores[name].append(mir_eval.key.weighted_score(label["key"], f"{PITCHES[tonic]} {mode}"))
        on_audio, shipped = [], []
        for file in files:
            notes = spectra_of(folder / file)[2]
            _, tonic, mode = chroma_key_scores(chroma_from_histogram(notes.sum(axis=0)))[0]
            on_audio.append(mir_eval.key.weighted_score(labels[file]["key"], f"{PITCHES[tonic]} {mode}"))
            tonic_name, mode, _ = key_from_notes(notes)  # as the extractor reads it
            shipped.append(mir_eval.key.weighted_score(labels[file]["key"], f"{tonic_name} {mode}"))
        audio_scores.append(float(np.mean(on_audio)))
        shipped_scores.append(float(np.mean(shipped)))
        symbolic = symbolic_scores["duration"][-1]
        if symbolic < 1 or audio_scores[-1] < 0.5:
            print(
                f"  {piece}: labelled {label['key']}, notes {symbolic:.1f}, audio {audio_scores[-1]:.2f} ({len(files)})"
            )
    print(
        f"key weighted, mean over {len(audio_scores)} tuning pieces: on the audio, profile alone "
        f"{np.mean(audio_scores):.3f}, the shipped decision (with chords) {np.mean(shipped_scores):.3f}"
    )
    for name, scores in symbolic_scores.items():
        print(f"  on the score's notes, counted by {name}: {np.mean(scores):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--check", action="append", default=[], help="NAME=DIR[:SPLIT]: score the weights there too")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        help="NAME=DIR[:SPLIT]: more training files (e.g. a synthesizer seed not evaluated; "
        "midi=bench/out/midi:train for only that set's training split)",
    )
    parser.add_argument("--l2", type=float, default=0.01, help="penalty on the squared parameters")
    parser.add_argument("--hidden", type=int, default=16, help="tanh units per network (0: linear)")
    parser.add_argument("--members", type=int, default=3, help="networks in the ensemble (random starts)")
    parser.add_argument("--write", action="store_true", help="write the fitted model for the extractor")
    parser.add_argument(
        "--learner", choices=("mlp", "trees"), default="mlp", help="networks (shipped) or boosted trees"
    )
    parser.add_argument("--tree-iterations", type=int, default=TreeSettings.iterations)
    parser.add_argument("--tree-rate", type=float, default=TreeSettings.rate)
    parser.add_argument("--tree-leaves", type=int, default=TreeSettings.leaves)
    parser.add_argument("--tree-min-leaf", type=int, default=TreeSettings.min_leaf)
    parser.add_argument("--tree-l2", type=float, default=TreeSettings.l2)
    parser.add_argument(
        "--key",
        action="store_true",
        help="compare the key's leading-tone weights, floors and caps (chord term as shipped)",
    )
    parser.add_argument(
        "--key-chords", action="store_true", help="compare the key's chord-term settings (fourteenth session's grid)"
    )
    parser.add_argument(
        "--key-symbolic", action="store_true", help="the key decision on the tuning pieces' own notes vs their audio"
    )
    parser.add_argument(
        "--with-train-split", action="store_true", help="fit on the corpus's training-only pieces too (not shipped)"
    )
    parser.add_argument(
        "--piece-share", type=float, default=1.0, help="fit each fold on this share of its tuning pieces"
    )
    parser.add_argument("--share-seed", type=int, default=0, help="which pieces --piece-share keeps")
    parser.add_argument(
        "--by-marking", action="store_true", help="also break the CV down by distance from the scores' tempo marks"
    )
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="a corpus of the same plan (corpus.py --performed, --tempo-from notation): its tuning files are "
        "dealt to the folds by piece and its held-back files scored too (repeatable)",
    )
    parser.add_argument("--also-fit", action="store_true", help="and every --also's other folds join each fit")
    parser.add_argument(
        "--also-scored",
        type=Path,
        action="append",
        default=[],
        help="like --also, but only scored, never fitted on, even with --also-fit (repeatable)",
    )
    parser.add_argument("--folds", type=int, default=4, help="cross-validation folds inside the tuning split")
    parser.add_argument("--fold-seed", type=int, default=0, help="0: pieces dealt to folds in name order")
    parser.add_argument(
        "--cv-out",
        type=Path,
        help="write every held-back file's cross-validated hit (with its piece) as JSON, for "
        "bench/audio/compare_folds.py to compare two fits piece by piece",
    )
    parser.add_argument("--cv-only", action="store_true", help="stop after the cross-validation (no final fit)")
    parser.add_argument(
        "--crop",
        type=float,
        help="also score each held-back tuning file (and --also's) cut to this many seconds from "
        f"{CROP_START_SECONDS:g} s in, as a store preview is: a view of its own in --cv-out",
    )
    parser.add_argument(
        "--crop-fit", action="store_true", help="with --crop: the cut copies of every training file join each fit"
    )
    parser.add_argument(
        "--crop-fit-also",
        type=float,
        action="append",
        default=[],
        help="with --crop-fit: cut copies at this length too (from the same start) join each fit, "
        "never scored (repeatable)",
    )
    args = parser.parse_args()
    if args.crop_fit and args.crop is None:
        parser.error("--crop-fit needs --crop SECONDS")
    if args.crop_fit_also and not args.crop_fit:
        parser.error("--crop-fit-also needs --crop-fit")
    if args.write and args.learner == "trees":
        parser.error("the extractor reads networks only: --learner trees is a cross-validation trial")
    trees = (
        TreeSettings(args.tree_iterations, args.tree_rate, args.tree_leaves, args.tree_min_leaf, args.tree_l2)
        if args.learner == "trees"
        else None
    )
    import django

    django.setup()
    from analytics.audio.metrical import MODEL_PATH, default_model

    if args.key_symbolic:
        symbolic_key_check(args.corpus)
        return
    if args.key or args.key_chords:
        sets = {"tune": key_sets(args.corpus, "tune")}
        if args.with_train_split:
            sets["train"] = key_sets(args.corpus, "train")
        for spec in args.check:
            name, _, folder = spec.partition("=")
            sets[name] = key_sets(Path(folder), None)
        if args.key_chords:
            key_chord_sweep(sets)
            return
        for leading in (0.0, 0.1, 0.2, 0.4):
            for floor in (0.02, 0.04, 0.08):
                for cap in (0.02, 0.04, 0.08, 1.0):
                    line = "  ".join(f"{n} {key_score(s, leading, floor, cap)}" for n, s in sets.items())
                    print(f"leading {leading:4} floor {floor} cap {cap}: {line}")
        return

    tune = candidate_sets(args.corpus, "tune")
    # With --with-train-split the corpus's training-only pieces (corpus.py --train-pieces) join
    # every fold's fit and the final one; cross-validation still tests only the tuning pieces.
    extra = candidate_sets(args.corpus, "train") if args.with_train_split else []
    if args.with_train_split:
        print(f"training-only split: {len(extra)} files")
    for spec in args.extra:
        extra += candidate_sets(*_folder_and_split(spec))
        if args.crop_fit:
            for seconds in (args.crop, *args.crop_fit_also):
                extra += candidate_sets(*_folder_and_split(spec), crop=seconds)
    try:
        print(f"tuning split: {len(tune)} files; current model: {score(tune, default_model())}")
    except (OSError, ValueError) as exc:  # no model yet, or one fitted on other features
        print(f"tuning split: {len(tune)} files; current model unusable: {exc}")
    # Cross-validation inside the tuning split, to choose the size and penalty without the
    # held-out part. Folds by piece (every render of a piece on the same side).
    labels = json.loads((args.corpus / "labels.json").read_text())
    pieces = sorted({labels[file]["piece"] for file, *_ in tune})
    if args.fold_seed:  # another split of the same pieces, to see how much a comparison owes to the folds
        pieces = [pieces[i] for i in np.random.default_rng(args.fold_seed).permutation(len(pieces))]
    folds = np.array([pieces.index(labels[file]["piece"]) % args.folds for file, *_ in tune])
    tune_pieces = {file: labels[file]["piece"] for file, *_ in tune}
    # The same pieces rendered otherwise: each file joins its piece's fold, never the other side.
    also_sets: dict[Path, tuple[list, np.ndarray]] = {}
    also_pieces_of: dict[Path, dict[str, str]] = {}
    for folder in args.also + args.also_scored:
        files = candidate_sets(folder, "tune")
        also_labels = json.loads((folder / "labels.json").read_text())
        also_pieces = [also_labels[file]["piece"] for file, *_ in files]
        also_sets[folder] = (
            files,
            np.array([pieces.index(p) % args.folds if p in pieces else -1 for p in also_pieces]),
        )
        also_pieces_of[folder] = dict(zip((file for file, *_ in files), also_pieces, strict=True))
        print(f"--also {folder}: {len(files)} tuning files")
    # The cut copies, file for file in the same order as the sets they are cut from, so each
    # joins its source's fold: a piece is never on both sides of a fold, cut or whole.
    crop_sets = {args.corpus: (candidate_sets(args.corpus, "tune", crop=args.crop), folds)} if args.crop else {}
    if args.crop:
        for folder, (_files, also_folds) in also_sets.items():
            crop_sets[folder] = (candidate_sets(folder, "tune", crop=args.crop), also_folds)
        for folder, (crops, _) in crop_sets.items():
            whole = tune if folder == args.corpus else also_sets[folder][0]
            assert [c[0] for c in crops] == [w[0] for w in whole], f"{folder}: cut copies out of step"
    cv_crop: dict[Path, list[float]] = {folder: [] for folder in crop_sets}
    # Whose cut copies join the fits with --crop-fit: the sets whose whole files do.
    fitted_folders = [args.corpus, *(args.also if args.also_fit else [])]
    # --crop-fit-also's cut copies of the same files, dealt to the same folds, fitted only.
    fit_only_crops: list[tuple[list, np.ndarray]] = []
    for seconds in args.crop_fit_also:
        for folder in fitted_folders:
            crops = candidate_sets(folder, "tune", crop=seconds)
            assert [c[0] for c in crops] == [c[0] for c in crop_sets[folder][0]], f"{folder}: cut copies out of step"
            fit_only_crops.append((crops, crop_sets[folder][1]))
    cv_also: dict[Path, list[float]] = {folder: [] for folder in also_sets}
    cv, cv2, fold_models, tests = [], [], [], []
    cv_files: list[dict] = []  # every held-back file's result, for --cv-out
    for k in range(args.folds):
        train = [s for s, f in zip(tune, folds, strict=True) if f != k]
        if args.piece_share < 1:  # a learning curve: fit each fold on a share of its pieces
            own = sorted({labels[s[0]]["piece"] for s in train})
            kept = set(np.random.default_rng(args.share_seed).permutation(own)[: round(args.piece_share * len(own))])
            train = [s for s in train if labels[s[0]]["piece"] in kept]
        test = [s for s, f in zip(tune, folds, strict=True) if f == k]
        if args.also_fit:
            for folder in args.also:
                files, also_folds = also_sets[folder]
                train += [s for s, f in zip(files, also_folds, strict=True) if f != k]
        if args.crop_fit:
            for folder in fitted_folders:
                crops, crop_folds = crop_sets[folder]
                train += [s for s, f in zip(crops, crop_folds, strict=True) if f != k]
            for crops, crop_folds in fit_only_crops:
                train += [s for s, f in zip(crops, crop_folds, strict=True) if f != k]
        fold_models.append(fit(train + extra, args.hidden, args.l2, args.members, trees))
        for folder, (crops, crop_folds) in crop_sets.items():
            crop_test = [s for s, f in zip(crops, crop_folds, strict=True) if f == k]
            cv_crop[folder].append(score(crop_test, fold_models[-1])["acc1"])
            pieces_of = tune_pieces if folder == args.corpus else also_pieces_of[folder]
            cv_files += _held_back_results(f"{folder.name}@{args.crop:g}s", crop_test, fold_models[-1], pieces_of)
        for folder, (files, also_folds) in also_sets.items():
            also_test = [s for s, f in zip(files, also_folds, strict=True) if f == k]
            if also_test:
                cv_also[folder].append(score(also_test, fold_models[-1])["acc1"])
                cv_files += _held_back_results(folder.name, also_test, fold_models[-1], also_pieces_of[folder])
        cv_files += _held_back_results(args.corpus.name, test, fold_models[-1], tune_pieces)
        tests.append(test)
        scored = score(test, fold_models[-1])
        cv.append(scored["acc1"])
        cv2.append(scored["acc2"])
    print(f"cross-validated Acc1 inside the tuning split (hidden {args.hidden}, l2 {args.l2}): {np.mean(cv):.3f} {cv}")
    print(f"cross-validated Acc2: {np.mean(cv2):.3f} {cv2}")
    for folder, scores in cv_also.items():
        if scores:
            print(f"cross-validated Acc1 on --also {folder}'s held-back files: {np.mean(scores):.3f} {scores}")
    for folder, scores in cv_crop.items():
        print(f"cross-validated Acc1 on {folder}'s held-back files cut to {args.crop:g} s: {np.mean(scores):.3f}")
    if args.cv_out:
        config = {name: value for name, value in vars(args).items() if name not in ("cv_out", "write")}
        args.cv_out.write_text(json.dumps({"config": json.loads(json.dumps(config, default=str)), "files": cv_files}))
        print(f"wrote {len(cv_files)} held-back results to {args.cv_out}")
    if args.cv_only:
        return
    temperature = _temperature(fold_models, tests)
    print(f"confidence temperature (fitted on the folds' unseen files): {temperature:.3f}")
    held_back = {}
    for fold_model, test in zip(fold_models, tests, strict=True):
        held_back.update(_predictions(test, dataclasses.replace(fold_model, temperature=temperature)))
    to_marking = ratio_to_marking(labels, [s[0] for s in tune]) if args.by_marking else None
    _print_breakdown(held_back, labels, onsets_per_labelled_beat(tune), to_marking)
    fitted = tune + (sum((also_sets[folder][0] for folder in args.also), []) if args.also_fit else []) + extra
    if args.crop_fit:
        fitted += sum((crop_sets[folder][0] for folder in fitted_folders), [])
        fitted += sum((crops for crops, _ in fit_only_crops), [])
    model = dataclasses.replace(fit(fitted, args.hidden, args.l2, args.members, trees), temperature=temperature)
    print(f"fitted on all of it: {score(tune, model)}")
    for spec in args.check:
        print(f"{spec.partition('=')[0]}: {score(candidate_sets(*_folder_and_split(spec)), model)}")
    if args.write:
        MODEL_PATH.write_text(json.dumps(model.to_json(), separators=(",", ":")) + "\n")
        print(f"wrote {MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
