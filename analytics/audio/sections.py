"""Structure: sections found by novelty on bar-level timbre and harmony, labelled by
repetition and energy."""

from __future__ import annotations

import numpy as np
from scipy import signal

from analytics.audio.common import FPS, N_MFCC, TONAL_HOP, TONAL_SR, Section


def sections(
    *, duration: float, beats: np.ndarray, mfccs: np.ndarray, chroma_frames: np.ndarray, frame_rms: np.ndarray
) -> list[Section]:
    """Structure: novelty boundaries on bar-level timbre+harmony, then labels from similarity and energy."""
    if duration < 8.0:
        return [Section(start=0.0, end=round(duration, 2), label="verse", energy=1.0)]
    bar = 4 * float(np.median(np.diff(beats))) if len(beats) > 8 else 2.0
    unit = max(bar, 1.0)
    edges = np.arange(0.0, duration, unit)
    if len(edges) < 4:
        return [Section(start=0.0, end=round(duration, 2), label="verse", energy=1.0)]
    mf_t = np.arange(len(mfccs)) / FPS
    ch_t = np.arange(len(chroma_frames)) * TONAL_HOP / TONAL_SR
    features, energies = [], []
    for start in edges:
        end = start + unit
        sel = (mf_t >= start) & (mf_t < end)
        chs = (ch_t >= start) & (ch_t < end)
        timbre = mfccs[sel].mean(axis=0) if sel.any() else np.zeros(N_MFCC)
        harmony = chroma_frames[chs].mean(axis=0) if chs.any() else np.zeros(12)
        harmony = harmony / (np.linalg.norm(harmony) + 1e-9)
        level = float(np.sqrt(np.mean(frame_rms[sel] ** 2))) if sel.any() else 0.0
        features.append(np.concatenate([timbre[1:] / 20.0, harmony, [20 * np.log10(level + 1e-6) / 20.0]]))
        energies.append(level)
    feats = np.asarray(features)
    feats = (feats - feats.mean(axis=0)) / (feats.std(axis=0) + 1e-6)
    unit_feats = feats / (np.linalg.norm(feats, axis=1, keepdims=True) + 1e-9)
    ssm = unit_feats @ unit_feats.T
    half = 4
    kernel = np.outer(np.r_[-np.ones(half), np.ones(half)], np.r_[-np.ones(half), np.ones(half)])
    kernel *= np.outer(
        signal.get_window("hann", 2 * half, fftbins=False), signal.get_window("hann", 2 * half, fftbins=False)
    )
    padded = np.pad(ssm, half, mode="edge")
    novelty = np.array([np.sum(padded[i : i + 2 * half, i : i + 2 * half] * kernel) for i in range(len(ssm))])
    min_gap = max(2, int(round(8.0 / unit)))
    peaks, _ = signal.find_peaks(novelty, distance=min_gap, height=novelty.mean() + 0.5 * novelty.std())
    bounds = [0] + [int(p) for p in peaks if min_gap <= p <= len(edges) - min_gap] + [len(edges)]
    segments = list(zip(bounds[:-1], bounds[1:], strict=True))
    seg_feats = [feats[a:b].mean(axis=0) for a, b in segments]
    seg_energy = np.array([float(np.sqrt(np.mean(np.square(energies[a:b])))) for a, b in segments])
    rel_energy = seg_energy / (seg_energy.max() + 1e-12)
    groups: list[int] = []
    for i, vec in enumerate(seg_feats):
        label = next(
            (
                groups[j]
                for j in range(i)
                if np.dot(vec, seg_feats[j]) / (np.linalg.norm(vec) * np.linalg.norm(seg_feats[j]) + 1e-9) > 0.7
            ),
            None,
        )
        groups.append(label if label is not None else (max(groups) + 1 if groups else 0))
    # Neighbours that sound alike are one section (a loop repeating is not a new part).
    merged = [0]
    for i in range(1, len(segments)):
        if groups[i] != groups[merged[-1]]:
            merged.append(i)
    ends = [segments[j][0] for j in merged[1:]] + [segments[-1][1]]
    segments = [(segments[j][0], end) for j, end in zip(merged, ends, strict=True)]
    groups = [groups[j] for j in merged]
    seg_energy = np.array([float(np.sqrt(np.mean(np.square(energies[a:b])))) for a, b in segments])
    rel_energy = seg_energy / (seg_energy.max() + 1e-12)
    counts = {g: groups.count(g) for g in groups}
    group_energy = {g: float(np.mean([rel_energy[i] for i, x in enumerate(groups) if x == g])) for g in counts}
    loud = [g for g in counts if group_energy[g] >= 0.75]
    repeated_loud = [g for g in loud if counts[g] > 1]
    chorus = max(repeated_loud or loud, key=group_energy.get) if len(segments) > 1 and loud else None
    labels = ["chorus" if g == chorus else "verse" for g in groups]
    if len(segments) >= 4:
        for i in range(len(segments) // 2, len(segments) - 1):
            if counts[groups[i]] == 1 and labels[i] != "chorus":
                labels[i] = "bridge"
                break
    if len(segments) >= 2:
        # Quiet edges are the intro and outro, whatever they resemble.
        if rel_energy[0] < 0.8 * np.median(rel_energy[1:]):
            labels[0] = "intro"
        if rel_energy[-1] < 0.8 * np.median(rel_energy[:-1]):
            labels[-1] = "outro"
    return [
        Section(
            start=round(a * unit, 2),
            end=round(min(b * unit, duration), 2),
            label=labels[i],
            energy=round(float(rel_energy[i]), 3),
        )
        for i, (a, b) in enumerate(segments)
    ]
