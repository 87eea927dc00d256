"""`make bench`: every benchmark in turn, with the commands docs/benchmarks.md quotes.

Each prints its own result lines; copy the figures into docs/benchmarks.md with the date.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
COMMANDS: list[list[str]] = [
    [PY, "bench/audio/generate.py", "--out", "bench/audio/data", "--count", "48", "--long", "3"],
    [PY, "bench/audio/evaluate.py", "--data", "bench/audio/data"],
    [PY, "bench/llm_router.py", "--calls", "3000"],
    [PY, "bench/llm_router.py", "--calls", "3000", "--schema"],
    [PY, "bench/synth.py", "--seconds", "30", "--repeat", "3"],
    [PY, "bench/lyrics.py", "--songs", "100"],
    [PY, "bench/releases/bench_package.py", "--seconds", "180", "--repeat", "1"],
    [PY, "bench/review/bench_mp3_preview.py", "--repeat", "3"],
    [PY, "bench/pipeline.py", "--runs", "12", "--workers", "1", "2"],
    [PY, "bench/markets.py"],
    [PY, "bench/console.py", "--runs", "10000", "--stages-per-run", "10", "--requests", "60"],
]


def main() -> int:
    failures = 0
    for command in COMMANDS:
        shown = " ".join(Path(part).name if part == PY else part for part in command)
        print(f"\n$ {shown}", flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT)
        print(f"({time.monotonic() - started:.0f} s, exit {result.returncode})", flush=True)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
