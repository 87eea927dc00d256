"""Speed of the embedded generation providers: local synthesizer, visualizer MP4 and cover.

    python bench/synth.py --seconds 30 --repeat 3
    python bench/synth.py --recovery --seed 1
    python bench/synth.py --recovery --seed 3 --save bench/out/local-train   # a training set for tune.py

`--recovery` instead renders one track per genre family x 12 keys x 2 modes (264 requests,
tempo drawn from the genre's usual range, random energy and seed) and counts how often
`analytics.audio.extract_features` recovers the tempo within 2 % and the exact key and mode.

Times are wall-clock, best of --repeat runs in one warm process (a worker renders many runs),
with the CPU seconds of that run (all threads; x264 and AAC use more than one core, so CPU
time is what bounds throughput when several workers share the machine).
The real-time factor is audio seconds per second of wall time (higher is faster). Video uses
the settings' defaults (LOCAL_VIDEO_LONG_SIDE, LOCAL_VIDEO_FPS, LOCAL_VIDEO_PRESET), which can
be overridden from the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noktvrn.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from generation.providers.cover import render_cover, save_cover_jpeg  # noqa: E402
from generation.providers.music import MusicRequest, get_music_provider  # noqa: E402
from generation.providers.video import VideoRequest  # noqa: E402
from generation.providers.video.local import LocalVideoProvider  # noqa: E402

RECOVERY_GENRES = [
    ("techno", 122, 140),
    ("house", 118, 128),
    ("lo-fi", 70, 95),
    ("hip hop", 80, 100),
    ("trap", 130, 150),
    ("synthwave", 95, 120),
    ("rock", 100, 160),
    ("pop", 90, 130),
    ("reggaeton", 88, 100),
    ("drum and bass", 160, 178),
    ("ambient", 60, 90),
]
GENRES = [
    ("techno", 128, "A", "minor"),
    ("lo-fi hip hop", 84, "D#", "major"),
    ("synthwave", 110, "F#", "minor"),
    ("pop", 100, "C", "major"),
    ("deep house", 122, "A#", "major"),
    ("trap", 140, "B", "minor"),
]
PALETTE = ["#1a1a2e", "#e94560", "#0f3460"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best_of(repeat: int, fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all threads) of the fastest of `repeat` runs."""
    runs = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu()
        fn()
        runs.append((time.perf_counter() - started, _cpu() - cpu))
    return min(runs)


def recovery(*, seed: int, seconds: float, save: Path | None = None) -> None:
    """How often analysis hears what the synthesizer was asked for. With `save`, the tracks and
    a labels.json ({file: {tempo, key, mode, genre}}) are kept there: another seed's draw is
    a training set for bench/audio/tune.py (--extra), this one's stays the measure."""
    from analytics.audio import extract_features
    from generation.providers.music.base import PITCH_CLASSES

    rng = random.Random(seed)
    provider = get_music_provider("local")
    total = tempo_ok = key_ok = 0
    misses = []
    labels = {}
    with tempfile.TemporaryDirectory() as tmp:
        for genre, low, high in RECOVERY_GENRES:
            for key in PITCH_CLASSES:
                for mode in ("major", "minor"):
                    request = MusicRequest(
                        genre=genre,
                        tempo=rng.randint(low, high),
                        key=key,
                        mode=mode,
                        energy=round(rng.random(), 2),
                        duration_seconds=seconds,
                        seed=rng.randint(0, 10**6),
                    )
                    path = provider.generate(request, workdir=Path(tmp)).path
                    analysis = extract_features(path, scope="core")
                    if save is not None:
                        name = f"{len(labels):03d}-{genre.replace(' ', '-')}.wav"
                        save.mkdir(parents=True, exist_ok=True)
                        shutil.move(path, save / name)
                        labels[name] = {"tempo": request.tempo, "key": f"{key} {mode}", "mode": mode, "genre": genre}
                    good_tempo = analysis.tempo is not None and abs(analysis.tempo / request.tempo - 1) <= 0.02
                    good_key = (analysis.key, analysis.mode) == (key, mode)
                    total, tempo_ok, key_ok = total + 1, tempo_ok + good_tempo, key_ok + good_key
                    if not (good_tempo and good_key):
                        misses.append(
                            f"  {genre} {request.tempo} bpm {key} {mode} energy {request.energy} seed {request.seed}"
                            f" -> {analysis.tempo} bpm {analysis.key} {analysis.mode}"
                        )
    if save is not None:
        (save / "labels.json").write_text(json.dumps(labels, indent=1))
    print(f"{total} requests ({seconds:g} s): tempo within 2 %: {tempo_ok}, key and mode exact: {key_ok}")
    print("\n".join(misses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="track length")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--recovery", action="store_true", help="measure tempo/key recovery by audio analysis")
    parser.add_argument("--seed", type=int, default=1, help="seed of the --recovery request draw")
    parser.add_argument("--save", type=Path, help="--recovery: keep the tracks and their labels in this folder")
    args = parser.parse_args()
    if args.recovery:
        recovery(seed=args.seed, seconds=args.seconds, save=args.save)
        return

    results: dict[str, object] = {"seconds": args.seconds, "repeat": args.repeat, "synth": {}, "video": {}}
    provider = get_music_provider("local")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        track = None
        for genre, tempo, key, mode in GENRES:
            request = MusicRequest(genre=genre, tempo=tempo, key=key, mode=mode, duration_seconds=args.seconds, seed=1)
            provider.generate(request, workdir=work)  # warm caches the way a long-running worker has them
            took, cpu = best_of(args.repeat, lambda r=request: provider.generate(r, workdir=work))
            results["synth"][genre] = {
                "seconds": round(took, 3),
                "cpu_seconds": round(cpu, 3),
                "realtime_factor": round(args.seconds / took, 1),
            }
            track = track or provider.generate(request, workdir=work).path
        for orientation in ("landscape", "portrait"):
            request = VideoRequest(
                orientation=orientation,
                duration_seconds=args.seconds,
                palette=PALETTE,
                title="Midnight Circuit",
                artist_name="Nova Vantablack",
                audio_path=track,
            )
            took, cpu = best_of(max(1, args.repeat - 1), lambda r=request: LocalVideoProvider().fetch(r, workdir=work))
            results["video"][orientation] = {
                "seconds": round(took, 2),
                "cpu_seconds": round(cpu, 2),
                "realtime_factor": round(args.seconds / took, 1),
            }
        results["video_settings"] = {
            "long_side": settings.LOCAL_VIDEO_LONG_SIDE,
            "fps": settings.LOCAL_VIDEO_FPS,
            "preset": settings.LOCAL_VIDEO_PRESET,
        }

        def cover() -> None:
            image = render_cover(artist_name="Nova Vantablack", title="Midnight Circuit", palette=PALETTE, seed=4)
            save_cover_jpeg(image, work / "cover.jpg")

        took, cpu = best_of(args.repeat, cover)
        results["cover"] = {"seconds": round(took, 2), "cpu_seconds": round(cpu, 2)}

    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"local synthesizer, {args.seconds:g} s tracks (best of {args.repeat}):")
    for genre, row in results["synth"].items():
        print(
            f"  {genre:<16} {row['seconds']:>6.3f} s  (cpu {row['cpu_seconds']:.3f} s)"
            f"  {row['realtime_factor']:>6.1f}x real time"
        )
    vs = results["video_settings"]
    print(f"local visualizer MP4 ({vs['long_side']} px long side, {vs['fps']} fps, x264 {vs['preset']}):")
    for orientation, row in results["video"].items():
        print(
            f"  {orientation:<16} {row['seconds']:>6.2f} s  (cpu {row['cpu_seconds']:.2f} s)"
            f"  {row['realtime_factor']:>6.1f}x real time"
        )
    cover_row = results["cover"]
    print(f"cover 3000x3000 render + JPEG: {cover_row['seconds']:.2f} s  (cpu {cover_row['cpu_seconds']:.2f} s)")


if __name__ == "__main__":
    main()
