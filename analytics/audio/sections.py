"""Structure: where the sections of a song start, which of them repeat, and what they are.

1. *Boundaries*: the song is cut into half-second frames described by timbre (MFCC 1-12),
   harmony (chroma) and loudness (dB), each group standardised over the song (loudness
   weighted twice: arrangements change section by section mostly in level and density). A
   Gaussian-tapered checkerboard kernel of +-7 s slid along the diagonal of their cosine
   self-similarity matrix (Foote's novelty) peaks where the music before and after differ;
   peaks at least `MIN_SECTION` apart that rise above the curve's 24 s median are section
   changes. Each is then moved, within 0.75 s, to the STFT frame (~12 ms) where timbre and
   level over the second before and the second after differ most, so a boundary lands on the
   bar line where the arrangement changes rather than on the half-second grid.
2. *Repetition*: two sections hold the same material when a diagonal of their block of the
   harmony+timbre self-similarity matrix (up to 2 s misaligned) is much more similar than
   the song's typical pair of frames: the same chords in the same order, whatever is added
   on top. Sections are grouped by average linkage on that score and each group gets a
   letter (A, B, ...). Neighbours of one group and level are one section (a loop that
   repeats), and so are two groups that always come in the same order at the same level
   within 30 s (a change inside a passage that recurs with it).
3. *Names*: the chorus is the repeated group with the most energy (then the most repeated);
   other sections are verses, except a group heard once in the body after the last chorus
   but one and before the last (the bridge), and a first or last section that is quieter or
   much shorter than the body, or heard only there (intro, outro).

A few tens of milliseconds for a 3-minute song (matrices of a few hundred frames), about 2-4 %
of the whole analysis. Measured on full-length songs of known form by bench/audio/sections.py.
"""

from __future__ import annotations

import numpy as np
from scipy import signal
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.ndimage import median_filter

from analytics.audio.common import FPS, TONAL_HOP, TONAL_SR, Section

STEP = 0.5  # seconds per frame of the self-similarity matrices
KERNEL = 7.0  # seconds each side of the checkerboard kernel
MIN_SECTION = 6.0  # seconds: shorter sections are not reported
MAX_SECTION = 30.0  # seconds: two passages that always come together are one section up to this length
REFINE = 0.75  # seconds a boundary may move when it is refined
REFINE_SPAN = 1.0  # seconds compared each side of a candidate boundary when refining
LAG = 2.0  # seconds of misalignment allowed between two occurrences of the same material
SAME_MATERIAL = 0.5  # repetition score (diagonal minus typical similarity) above which two sections repeat
PEAK = 0.5  # how far (in standard deviations of the novelty) a peak must rise above its 24 s median
LEVEL_WEIGHT = 2.0  # of loudness against timbre and harmony in the novelty
TIMBRE_WEIGHT = 0.75  # of timbre against harmony when deciding whether two sections hold the same material


def sections(
    *, duration: float, beats: np.ndarray, mfccs: np.ndarray, chroma_frames: np.ndarray, frame_rms: np.ndarray
) -> list[Section]:
    """Sections with boundaries from novelty, groups from repetition and names from position and energy."""
    if duration < 2 * MIN_SECTION:
        return [Section(start=0.0, end=round(duration, 2), label="verse", energy=1.0, group="A")]
    timbre, harmony, level = _frames(duration, mfccs, chroma_frames, frame_rms)
    n = len(level)
    feats = np.hstack([_standardise(timbre), _standardise(harmony), LEVEL_WEIGHT * _standardise(level[:, None])])
    ssm = _cosine(feats)
    novelty = _novelty(ssm, int(round(KERNEL / STEP)))
    min_gap = int(round(MIN_SECTION / STEP))
    smooth = median_filter(novelty, size=int(round(24.0 / STEP)) | 1, mode="nearest")
    peaks, _ = signal.find_peaks(novelty, distance=min_gap, height=smooth + PEAK * novelty.std())
    peaks = [int(p) for p in peaks if min_gap <= p <= n - min_gap]
    fine = _fine_features(mfccs, frame_rms)
    times = [_refine(p * STEP, fine, duration) for p in peaks]
    bounds = [0] + [int(round(t / STEP)) for t in times] + [n]
    cuts = [0.0, *times, duration]
    repeat_ssm = _cosine(np.hstack([_standardise(harmony), TIMBRE_WEIGHT * _standardise(timbre)]))
    groups = _groups(repeat_ssm, list(zip(bounds[:-1], bounds[1:], strict=True)))
    groups, cuts = _merge(groups, cuts, frame_rms)
    labels = _names(groups, _relative_energy(frame_rms, cuts), np.diff(cuts))
    # A bridge heard as two one-off parts in a row is one bridge.
    for i in range(len(labels) - 1, 0, -1):
        if labels[i] == labels[i - 1] == "bridge":
            del labels[i], groups[i], cuts[i]
    rel_energy = _relative_energy(frame_rms, cuts)
    letters = {g: chr(ord("A") + i) for i, g in enumerate(dict.fromkeys(groups))}
    return [
        Section(
            start=round(a, 2),
            end=round(b, 2),
            label=labels[i],
            energy=round(float(rel_energy[i]), 3),
            group=letters[groups[i]],
        )
        for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True))
    ]


def _frames(
    duration: float, mfccs: np.ndarray, chroma_frames: np.ndarray, frame_rms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Timbre, harmony and level (dB) per STEP-second frame."""
    n = max(1, int(duration / STEP))
    per = max(1, int(round(STEP * FPS)))
    usable = min(len(mfccs), len(frame_rms), n * per)
    n = max(1, usable // per)
    timbre = mfccs[: n * per, 1:].reshape(n, per, -1).mean(axis=1)
    power = np.square(frame_rms[: n * per].astype(np.float64)).reshape(n, per).mean(axis=1)
    level = 10 * np.log10(power + 1e-10)
    harmony = np.zeros((n, 12))
    index = np.minimum((np.arange(len(chroma_frames)) * TONAL_HOP / TONAL_SR / STEP).astype(int), n - 1)
    np.add.at(harmony, index, chroma_frames)
    harmony /= np.linalg.norm(harmony, axis=1, keepdims=True) + 1e-9
    return timbre, harmony, level


def _standardise(x: np.ndarray) -> np.ndarray:
    """Each column to zero mean and unit variance; the group scaled to unit expected norm."""
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    return z / np.sqrt(x.shape[1])


def _cosine(x: np.ndarray) -> np.ndarray:
    unit = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-9)
    # einsum's own loop, not BLAS: its threads cost more than they save on a few hundred rows.
    return np.einsum("ik,jk->ij", unit, unit)


def _novelty(ssm: np.ndarray, half: int) -> np.ndarray:
    """Foote novelty: a Gaussian-tapered checkerboard kernel correlated along the diagonal."""
    sign = np.r_[-np.ones(half), np.ones(half)]
    taper = signal.windows.gaussian(2 * half, std=half / 2)
    kernel = np.outer(sign * taper, sign * taper)
    padded = np.pad(ssm, half, mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (2 * half, 2 * half))
    idx = np.arange(len(ssm))
    return np.einsum("nij,ij->n", windows[idx, idx], kernel) / kernel.size


def _fine_features(mfccs: np.ndarray, frame_rms: np.ndarray) -> np.ndarray:
    """Cumulative sums of per-frame timbre and level (dB), for contrasts over any span."""
    level = 10 * np.log10(np.square(frame_rms[: len(mfccs)].astype(np.float64)) + 1e-10)
    feats = np.hstack([mfccs[: len(level), 1:] / 10.0, level[:, None] / 3.0])
    return np.vstack([np.zeros(feats.shape[1]), np.cumsum(feats, axis=0)])


def _refine(at: float, cumulative: np.ndarray, duration: float) -> float:
    """The time within REFINE seconds of `at` where timbre and level before and after differ most."""
    span = int(round(REFINE_SPAN * FPS))
    lo = max(span, int((at - REFINE) * FPS))
    hi = min(len(cumulative) - 1 - span, int((at + REFINE) * FPS))
    if hi <= lo:
        return at
    centres = np.arange(lo, hi)
    before = (cumulative[centres] - cumulative[centres - span]) / span
    after = (cumulative[centres + span] - cumulative[centres]) / span
    best = centres[int(np.argmax(np.linalg.norm(after - before, axis=1)))]
    return float(min(max(best / FPS, STEP), duration - STEP))


def repetition_scores(ssm: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """For each pair of segments, the best mean similarity along a diagonal of their block (the
    same material in the same order, allowing LAG seconds of misalignment), minus the song's
    typical similarity."""
    n, count = len(ssm), len(segments)
    # sheared[i, o] = ssm[i, i + o - n + 1]: the diagonals of the matrix as columns.
    rows = np.arange(n)[:, None]
    cols = rows + np.arange(2 * n - 1)[None, :] - (n - 1)
    valid = (cols >= 0) & (cols < n)
    sheared = np.where(valid, ssm[rows, np.clip(cols, 0, n - 1)], 0.0)
    cumulative = np.vstack([np.zeros(2 * n - 1), np.cumsum(sheared, axis=0)])
    typical = float(np.median(ssm))
    lags = np.arange(-int(round(LAG / STEP)), int(round(LAG / STEP)) + 1)
    score = np.zeros((count, count))
    for i, (a, b) in enumerate(segments):
        for j in range(i + 1, count):
            c, d = segments[j]
            # diagonal k of the block: rows a + r, columns c + r + k
            first = a + np.maximum(0, -lags)
            last = np.minimum(b, d - lags - (c - a))
            length = last - first
            ok = length > 0
            offsets = (c - a + lags) + n - 1
            sums = cumulative[np.where(ok, last, 0), offsets] - cumulative[np.where(ok, first, 0), offsets]
            means = np.where(ok, sums / np.maximum(length, 1), -np.inf)
            score[i, j] = score[j, i] = float(means.max()) - typical if ok.any() else 0.0
    return score


def _groups(ssm: np.ndarray, segments: list[tuple[int, int]]) -> list[int]:
    """Group ids (0, 1, ... by first appearance) of segments that hold the same material."""
    count = len(segments)
    if count == 1:
        return [0]
    score = repetition_scores(ssm, segments)
    distance = np.clip(1.0 - score, 0.0, None)
    condensed = distance[np.triu_indices(count, 1)]
    clusters = fcluster(linkage(condensed, method="average"), t=1.0 - SAME_MATERIAL, criterion="distance")
    order = {c: i for i, c in enumerate(dict.fromkeys(clusters))}
    return [order[c] for c in clusters]


def _merge(groups: list[int], cuts: list[float], frame_rms: np.ndarray) -> tuple[list[int], list[float]]:
    """Neighbours of one group and level are one section (a loop repeating is not a new part),
    and so are two groups that always come together (a change inside a passage that recurs with it)."""
    groups, cuts = list(groups), list(cuts)
    while True:
        keep = [0] + [
            i for i in range(1, len(groups)) if groups[i] != groups[i - 1] or not _as_loud(frame_rms, cuts, i - 1)
        ]
        cuts = [cuts[i] for i in keep] + [cuts[-1]]
        groups = [groups[i] for i in keep]
        pair = next(
            (
                (first, second)
                for first, second in dict.fromkeys(zip(groups[:-1], groups[1:], strict=True))
                if _always_together(groups, cuts, frame_rms, first, second)
            ),
            None,
        )
        if pair is None:
            return groups, cuts
        for i in range(1, len(groups)):
            if groups[i] == pair[1] and groups[i - 1] == pair[0]:
                groups[i] = pair[0]


def _always_together(groups: list[int], cuts: list[float], frame_rms: np.ndarray, first: int, second: int) -> bool:
    """`first` then `second` at least twice, `second` never heard without `first` before it,
    as loud (within 3 dB) and together no longer than a section usually is."""
    follows = [i for i in range(len(groups) - 1) if groups[i] == first and groups[i + 1] == second]
    seconds = [i for i, g in enumerate(groups) if g == second]
    return (
        len(follows) >= 2
        and len(follows) == len(seconds)
        and all(cuts[i + 2] - cuts[i] <= MAX_SECTION for i in follows)
        and all(_as_loud(frame_rms, cuts, i) for i in follows)
    )


def _as_loud(frame_rms: np.ndarray, cuts: list[float], i: int) -> bool:
    """Section i and the next are within 3 dB of each other (a change of level is a new section)."""
    ratio = _rms(frame_rms, cuts[i], cuts[i + 1]) / max(_rms(frame_rms, cuts[i + 1], cuts[i + 2]), 1e-9)
    return 0.7 < ratio < 1.4


def _relative_energy(frame_rms: np.ndarray, cuts: list[float]) -> np.ndarray:
    """RMS of each section relative to the loudest."""
    energy = np.array([_rms(frame_rms, a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)])
    return energy / (energy.max() + 1e-12)


def _rms(frame_rms: np.ndarray, start: float, end: float) -> float:
    part = frame_rms[int(start * FPS) : max(int(end * FPS), int(start * FPS) + 1)]
    return float(np.sqrt(np.mean(np.square(part.astype(np.float64))))) if len(part) else 0.0


def _names(groups: list[int], energy: np.ndarray, lengths: np.ndarray) -> list[str]:
    """intro / verse / chorus / bridge / outro from repetition, position and energy."""
    count = len(groups)
    if count < 3:
        return ["verse", "chorus"][:count] if count == 2 and energy[1] > energy[0] else ["verse"] * count
    body = list(range(1, count - 1))
    in_body = {g: [i for i in body if groups[i] == g] for g in groups}
    everywhere = {g: [i for i in range(count) if groups[i] == g] for g in groups}
    group_energy = {g: float(np.mean(energy[everywhere[g]])) for g in groups}
    repeated = [g for g in in_body if len(in_body[g]) >= 2] or [g for g in everywhere if len(everywhere[g]) >= 2]
    chorus = max(repeated or list(everywhere), key=lambda g: (round(group_energy[g], 1), len(everywhere[g])))
    choruses = everywhere[chorus]
    labels = []
    for i, g in enumerate(groups):
        if g == chorus:
            labels.append("chorus")
        elif len(in_body[g]) <= 1 and choruses[-2 if len(choruses) > 1 else 0] < i < choruses[-1]:
            labels.append("bridge")  # heard once, before the last chorus and after the one before it
        else:
            labels.append("verse")
    median = float(np.median(energy[body]))
    typical = float(np.median(lengths[body]))
    for edge, name in ((0, "intro"), (count - 1, "outro")):
        only_here = not in_body[groups[edge]]
        quiet = energy[edge] < 0.8 * median
        short = lengths[edge] < 0.6 * typical
        if (labels[edge] != "chorus" and (only_here or quiet or short)) or (quiet and short):
            labels[edge] = name
    return labels
