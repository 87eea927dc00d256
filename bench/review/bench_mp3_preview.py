"""How long the Telegram MP3 preview of a track takes to encode, and how big it is.

Runs in the pipeline's notify_reviewers stage for every run when Telegram is on.
Usage: .venv/bin/python bench/review/bench_mp3_preview.py [--seconds 180] [--repeat 5]
Prints one JSON line per bitrate.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from generation.telegram.audio import audio_to_mp3  # noqa: E402


def stereo_wav(seconds: float, rate: int = 44100) -> bytes:
    """A deterministic stereo mix (chord + noise bursts), harder to compress than a pure sine."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63)) / 3
    noise = rng.standard_normal(t.size) * (np.sin(2 * np.pi * 2 * t) > 0.9) * 0.2
    left, right = 0.4 * chord + noise, 0.4 * np.roll(chord, 441) + noise
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([left, right], axis=1), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    wav = stereo_wav(args.seconds)
    for bitrate in (192_000, 128_000):
        timings, cpu, size = [], [], 0
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            size = len(audio_to_mp3(io.BytesIO(wav), bitrate=bitrate))
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(
            json.dumps(
                {
                    "bench": "mp3_preview",
                    "audio_seconds": args.seconds,
                    "bitrate": bitrate,
                    "wav_bytes": len(wav),
                    "mp3_bytes": size,
                    "median_seconds": round(statistics.median(timings), 3),
                    # CPU time is what the encode costs; wall time also shows how busy the machine was.
                    "median_cpu_seconds": round(statistics.median(cpu), 3),
                    "realtime_factor": round(args.seconds / statistics.median(timings), 1),
                }
            )
        )


if __name__ == "__main__":
    main()
