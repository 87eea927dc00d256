"""How long the expensive steps of packaging a release take, for a track of a given length.

Steps: decode, master (resample to 44.1 kHz, normalise to -14 LUFS, true-peak limit),
write WAV + FLAC, QC of the master (read back, loudness, true peak), the 9:16 teaser
(1080x1920, 12 fps, H.264 + AAC), and the DDEX message with its check.
Usage: .venv/bin/python bench/releases/bench_package.py [--seconds 180] [--repeat 3]
Prints one JSON line: median wall and CPU seconds per step (CPU time is what a busy machine
cannot inflate), and the 1-minute load average while it ran.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noktvrn.settings.test")

import django  # noqa: E402

django.setup()

from PIL import Image  # noqa: E402

from releases.services import audio, ddex, qc  # noqa: E402
from releases.services.teaser import teaser_render, teaser_window  # noqa: E402


def song(seconds: float, rate: int = 48000) -> bytes:
    """A deterministic 24-bit stereo mix with a louder chorus, like the local synthesizer's output."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63)) / 3
    bass = np.sin(2 * np.pi * 55.0 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t) ** 2)
    hats = rng.standard_normal(t.size) * (np.mod(t, 0.25) < 0.02) * 0.3
    level = np.where((t > seconds * 0.45) & (t < seconds * 0.8), 0.44, 0.2)
    mono = level * (0.6 * chord + 0.5 * bass + hats)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([mono, 0.9 * mono], axis=1), rate, format="WAV", subtype="PCM_24")
    return buffer.getvalue()


def run_once(source_path: Path, workdir: Path) -> dict[str, tuple[float, float]]:
    timings: dict[str, tuple[float, float]] = {}

    def step(name: str, func):
        start, cpu = time.perf_counter(), time.process_time()
        result = func()
        timings[name] = (time.perf_counter() - start, time.process_time() - cpu)
        return result

    source = step("decode", lambda: audio.audio_read(source_path))
    master, _ = step(
        "master", lambda: audio.audio_master(source, normalize=True, target_lufs=-14.0, max_true_peak=-1.0)
    )
    wav, flac = workdir / "m.wav", workdir / "m.flac"
    step("write_wav_flac", lambda: audio.audio_write_master(master, wav_path=wav, flac_path=flac))
    step("qc_master", lambda: qc.qc_master(wav))
    duration = master.shape[0] / audio.MASTER_SAMPLE_RATE
    window = teaser_window(
        duration=duration,
        sections=None,
        loudest_start=audio.loudest_window(master, audio.MASTER_SAMPLE_RATE, 15.0),
        min_seconds=15.0,
        max_seconds=30.0,
    )
    cover = Image.new("RGB", (3000, 3000), (255, 46, 136))
    step(
        "teaser",
        lambda: teaser_render(
            audio=master,
            window=window,
            cover=cover,
            title="Night Drive",
            artist="Neon Vesper",
            out_path=workdir / "t.mp4",
            width=1080,
            fps=12,
        ),
    )
    xml = step(
        "ddex",
        lambda: ddex.ddex_build(
            ddex.DdexRelease(
                message_id="bench",
                created_at=datetime.now(UTC),
                sender_dpid="",
                sender_name="noktvrn",
                recipient_dpid="",
                recipient_name="outbox",
                artist_name="Neon Vesper",
                label_name="noktvrn",
                title="Night Drive",
                genre="synthwave",
                isrc="DEA122600001",
                upc="4012345000016",
                duration_seconds=duration,
                release_date=date(2026, 12, 9),
                territories=["Worldwide"],
                audio=ddex.DdexFile(uri="m.wav", sha256="0" * 64),
                cover=ddex.DdexFile(uri="c.jpg", sha256="0" * 64),
                cover_size=3000,
            )
        ),
    )
    assert ddex.ddex_missing(xml) == []
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        source_path = workdir / "source.wav"
        source_path.write_bytes(song(args.seconds))
        runs = [run_once(source_path, workdir) for _ in range(args.repeat)]
    wall = {name: round(statistics.median(r[name][0] for r in runs), 2) for name in runs[0]}
    cpu = {name: round(statistics.median(r[name][1] for r in runs), 2) for name in runs[0]}
    print(
        json.dumps(
            {
                "bench": "release_package_steps",
                "audio_seconds": args.seconds,
                "wall_seconds": {**wall, "total": round(sum(wall.values()), 2)},
                "cpu_seconds": {**cpu, "total": round(sum(cpu.values()), 2)},
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
