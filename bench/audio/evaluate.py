"""Score the audio analyser against a labelled set, side by side with a plain librosa baseline.

    python bench/audio/generate.py --out bench/audio/data --count 48 --seed 2026 --long 3
    python bench/audio/evaluate.py --data bench/audio/data

Accuracy (on the 30 s excerpts) is scored with mir_eval: tempo Acc1 (within 4 % of the
labelled tempo) and Acc2 (within 4 % of it or of 2x, 3x, 1/2, 1/3 of it), both through
`mir_eval.tempo.detection`, and the key weighted score of `mir_eval.key.weighted_score`
(1 exact, 0.5 fifth, 0.3 relative, 0.2 parallel). Speed is the real-time factor (audio
seconds per second of wall time, best of --repeat runs, one process) on the long tracks,
for our core (decode + loudness + tempo + key), our full feature set, and the baselines:

* librosa-stft: librosa.load (native rate) + pyloudnorm + librosa.beat.beat_track +
  Krumhansl-Schmuckler on `chroma_stft`;
* librosa-cqt: the same with `chroma_cqt`.

librosa's numba kernels are compiled (and timed separately) before any measurement, so the
baseline is measured warm, as a long-running worker would run it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import mir_eval
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noktvrn.settings.test")

PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
KRUMHANSL_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KRUMHANSL_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def krumhansl_schmuckler(chroma: np.ndarray) -> str:
    profile = chroma.mean(axis=1)
    best = max(
        (np.corrcoef(profile, np.roll(template, tonic))[0, 1], tonic, mode)
        for mode, template in (("major", KRUMHANSL_MAJOR), ("minor", KRUMHANSL_MINOR))
        for tonic in range(12)
    )
    return f"{PITCHES[best[1]]} {best[2]}"


def baseline(path: Path, chroma_kind: str) -> tuple[float, str, float]:
    """The plain librosa pipeline: (tempo, key, loudness)."""
    import librosa
    import pyloudnorm

    native, rate = librosa.load(path, sr=None, mono=False)
    channels_last = native.T if native.ndim == 2 else native
    lufs = pyloudnorm.Meter(rate).integrated_loudness(channels_last)
    y = librosa.resample(librosa.to_mono(native), orig_sr=rate, target_sr=22050)
    tempo, _ = librosa.beat.beat_track(y=y, sr=22050)
    if chroma_kind == "cqt":
        chroma = librosa.feature.chroma_cqt(y=y, sr=22050)
    else:
        chroma = librosa.feature.chroma_stft(y=y, sr=22050)
    return float(np.atleast_1d(tempo)[0]), krumhansl_schmuckler(chroma), float(lufs)


def tempo_scores(reference: float, estimate: float | None) -> tuple[bool, bool]:
    """Acc1 and Acc2 through mir_eval's tempo detection with a 4 % tolerance."""
    if not estimate:
        return False, False

    def hit(ref: float) -> bool:
        _, one_correct, _ = mir_eval.tempo.detection(
            np.array([ref, ref]), 0.5, np.array([estimate, estimate]), tol=0.04
        )
        return bool(one_correct)

    return hit(reference), any(hit(reference * factor) for factor in (1, 2, 3, 1 / 2, 1 / 3))


def real_time_factors(systems: dict, files: list[Path], seconds: float, repeat: int) -> dict[str, dict[str, float]]:
    """Best-of-`repeat` real-time factor per system, by wall clock and by CPU time (all threads
    of the process). The systems are interleaved within each round so that a busy machine
    slows them alike; CPU time is the figure that a loaded machine disturbs least."""
    wall = dict.fromkeys(systems, float("inf"))
    cpu = dict.fromkeys(systems, float("inf"))
    for _ in range(repeat):
        for name, func in systems.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            for path in files:
                func(path)
            wall[name] = min(wall[name], time.perf_counter() - started)
            cpu[name] = min(cpu[name], time.process_time() - started_cpu)
    return {name: {"wall": round(seconds / wall[name], 1), "cpu": round(seconds / cpu[name], 1)} for name in systems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "bench/audio/data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--out", type=Path, help="Write the results as JSON here too.")
    args = parser.parse_args()

    import django

    django.setup()
    from analytics.audio import extract_features

    labels = json.loads((args.data / "labels.json").read_text())
    excerpts = sorted(name for name in labels if not name.startswith("long-"))
    long_files = sorted(args.data / name for name in labels if name.startswith("long-")) or [
        args.data / name for name in excerpts[:6]
    ]
    systems = ["ours"] if args.no_baseline else ["ours", "librosa-stft", "librosa-cqt"]

    compile_seconds = None
    if not args.no_baseline:
        started = time.perf_counter()
        baseline(args.data / excerpts[0], "stft")
        baseline(args.data / excerpts[0], "cqt")
        compile_seconds = time.perf_counter() - started

    totals = {name: {"acc1": 0, "acc2": 0, "key": 0.0} for name in systems}
    misses = []
    for name in excerpts:
        label = labels[name]
        path = args.data / name
        estimates = {}
        result = extract_features(path)
        estimates["ours"] = (result.tempo, f"{result.key} {result.mode}" if result.key else "C major")
        if not args.no_baseline:
            tempo, key, _ = baseline(path, "stft")
            estimates["librosa-stft"] = (tempo, key)
            tempo, key, _ = baseline(path, "cqt")
            estimates["librosa-cqt"] = (tempo, key)
        for system, (tempo, key) in estimates.items():
            acc1, acc2 = tempo_scores(label["tempo"], tempo)
            key_score = mir_eval.key.weighted_score(label["key"], key)
            totals[system]["acc1"] += acc1
            totals[system]["acc2"] += acc2
            totals[system]["key"] += key_score
            if system == "ours" and (not acc1 or key_score < 1):
                misses.append(f"{name} {label['style']}: tempo {label['tempo']} -> {tempo}, {label['key']} -> {key}")
    count = len(excerpts)
    accuracy = {
        system: {metric: round(value / count, 3) for metric, value in scores.items()}
        for system, scores in totals.items()
    }

    seconds = sum(float(labels[path.name]["seconds"]) for path in long_files)
    timed = {
        "ours-core": lambda p: extract_features(p, scope="core"),
        "ours-full": extract_features,
    }
    if not args.no_baseline:
        timed["librosa-stft"] = lambda p: baseline(p, "stft")
        timed["librosa-cqt"] = lambda p: baseline(p, "cqt")
    speed = real_time_factors(timed, long_files, seconds, args.repeat)

    report = {
        "excerpts": count,
        "speed_files": [path.name for path in long_files],
        "speed_audio_seconds": seconds,
        "accuracy": accuracy,
        "real_time_factor": speed,
        "librosa_first_call_seconds": None if compile_seconds is None else round(compile_seconds, 1),
        "misses": misses,
    }
    print(f"{'system':14} {'Acc1':>6} {'Acc2':>6} {'key':>6}")
    for system, scores in accuracy.items():
        print(f"{system:14} {scores['acc1']:6.3f} {scores['acc2']:6.3f} {scores['key']:6.3f}")
    print(f"real-time factor on {len(long_files)} files, {seconds:.0f} s of audio (best of {args.repeat}): wall, CPU")
    for name, value in speed.items():
        print(f"  {name:14} {value['wall']:8.1f}x {value['cpu']:8.1f}x")
    if "librosa-stft" in speed:
        for clock in ("wall", "cpu"):
            ratio = speed["ours-core"][clock] / speed["librosa-stft"][clock]
            print(f"  core / librosa-stft ({clock}): {ratio:.2f}x")
    if misses:
        print("misses:\n  " + "\n  ".join(misses))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
