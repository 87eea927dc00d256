"""Peak memory and time of analysing one long upload, as the analysis job does it.

    python bench/audio/upload_memory.py --minutes 44 --format FLAC

Writes a stereo 44.1 kHz file of the given length (music-like: drums, bass and chords from
bench/audio/generate.py, repeated), then analyses it in a fresh process twice: the way an
analysis job does (`analytics.services.audio_bounded_copy` streams audio longer than
AUDIO_ANALYSIS_FULL_RATE_MAX_SECONDS down to mono 22.05 kHz, then `audio_analyse`), and at
full rate (the threshold raised above the file's length, as the web request did before).
Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, os, sys, time, resource
from pathlib import Path
import django
django.setup()
from django.conf import settings
from analytics.services import audio_analyse, audio_bounded_copy
settings.AUDIO_ANALYSIS_TIME_LIMIT_SECONDS = None
path, full_rate = Path(sys.argv[1]), sys.argv[2] == "full"
if full_rate:
    settings.AUDIO_ANALYSIS_FULL_RATE_MAX_SECONDS = 10 ** 9
started = time.monotonic()
work = Path(sys.argv[3])
prepared, notes = audio_bounded_copy(path, work, max_seconds=settings.AUDIO_ANALYSIS_MAX_SECONDS)
analysis = audio_analyse(path=prepared)
print(json.dumps({"seconds": round(time.monotonic() - started, 1), "tempo": analysis.tempo,
                  "key": f"{analysis.key} {analysis.mode}", "lufs": analysis.loudness_lufs,
                  "decimated": bool(notes),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def write_long(path: Path, minutes: float, fmt: str) -> None:
    from bench.audio.generate import PITCHES, SR, Excerpt, render

    excerpt = Excerpt(file="x.wav", tempo=124.0, tonic=PITCHES.index("A"), mode="minor", style="backbeat", seconds=30.0)
    block = np.asarray(render(excerpt, 1), dtype=np.float32)
    total = int(minutes * 60 * SR)
    with sf.SoundFile(str(path), "w", samplerate=SR, channels=block.shape[1], format=fmt) as out:
        written = 0
        while written < total:
            chunk = block[: total - written]
            out.write(chunk)
            written += len(chunk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=44.0)
    parser.add_argument("--format", default="FLAC")
    parser.add_argument("--skip-full", action="store_true", help="only the job's (decimated) path")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "noktvrn.settings.test")}
    with tempfile.TemporaryDirectory(prefix="noktvrn-bench-") as folder:
        path = Path(folder) / f"long.{args.format.lower()}"
        write_long(path, args.minutes, args.format)
        results = {"minutes": args.minutes, "file_mb": round(path.stat().st_size / 2**20, 1)}
        for mode in ("job", *(() if args.skip_full else ("full",))):
            work = Path(folder) / mode
            work.mkdir()
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), mode, str(work)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
