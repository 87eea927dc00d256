"""Preview-like clips of a labelled set: what the markets feature actually reads.

The markets pull analyses charted tracks from their 30-second store previews
(markets/services/previews.py): a stretch from the middle of a song, faded in and out, as a
lossy MP3. The corpus's renders open at a piece's start and end where the excerpt stops, as
uncompressed WAV. This script cuts each file of a labelled set (corpus.py, midifiles.py,
modules.py, generate.py) into such a clip, so that evaluate.py can say how far each method's
figures hold on what the product will be given:

  * a stretch of `--seconds` starting `--start` seconds in (mid-phrase at both ends);
  * a fade-in and a fade-out (`--fade-in`, `--fade-out` seconds, squared ramps);
  * encoded as MP3 (libsndfile's LAME encoder, constant bit rate `--kbps`), or with `--wav`
    as 16-bit WAV, to tell the cut's effect from the codec's (`--start 0 --seconds 30
    --fade-in 0 --fade-out 0` gives the codec's alone).

The labels are the source's, unchanged (a clip of a piece at a steady tempo has the piece's
tempo and key), with `clip_of` naming the source file; the splits are the source's too, so
`--splits heldout,heldout2` cuts only what evaluate.py scores and nothing is tuned on.

    python bench/audio/clips.py --source bench/out/corpus --out bench/out/clips --splits heldout,heldout2
    python bench/audio/evaluate.py --set clips=bench/out/clips --methods ours,librosa,madmom,essentia

madmom reads MP3 through ffmpeg (Debian's `ffmpeg`). Writes `<source name>.mp3` and
`labels.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# libsndfile maps its compression level linearly onto LAME's constant bit rates, from 320
# kbit/s at 0.0 down to 32 kbit/s at 1.0.
_MAX_KBPS, _MIN_KBPS = 320, 32
_LOWEST_KBPS = 64  # libsndfile refuses the far end of the scale at 44.1 kHz


def compression_level(kbps: int) -> float:
    """libsndfile's compression level for a constant MP3 bit rate."""
    if not _LOWEST_KBPS <= kbps <= _MAX_KBPS:
        raise ValueError(f"--kbps must be between {_LOWEST_KBPS} and {_MAX_KBPS}")
    return (_MAX_KBPS - kbps) / (_MAX_KBPS - _MIN_KBPS)


def clip(audio: np.ndarray, rate: int, start: float, seconds: float, fade_in: float, fade_out: float) -> np.ndarray:
    """The stretch [start, start + seconds) of (frames, channels) audio with squared fades;
    a source shorter than that gives what it has after `start`."""
    piece = audio[int(start * rate) : int((start + seconds) * rate)].astype(np.float64)
    if piece.shape[0] == 0:
        raise ValueError(f"the source is shorter than the clip's start ({start:g} s)")
    n_in, n_out = min(int(fade_in * rate), piece.shape[0]), min(int(fade_out * rate), piece.shape[0])
    if n_in:
        piece[:n_in] *= (np.linspace(0.0, 1.0, n_in) ** 2)[:, None]
    if n_out:
        piece[piece.shape[0] - n_out :] *= (np.linspace(1.0, 0.0, n_out) ** 2)[:, None]
    return piece


def build(source: Path, out: Path, splits: set[str] | None, args: argparse.Namespace) -> dict:
    labels = json.loads((source / "labels.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict] = {}
    encoding = (
        {"subtype": "PCM_16"}
        if args.wav
        else {
            "format": "MP3",
            "subtype": "MPEG_LAYER_III",
            "bitrate_mode": "CONSTANT",
            "compression_level": compression_level(args.kbps),
        }
    )
    for file, label in sorted(labels.items()):
        if file.startswith("long-") or (splits is not None and label.get("split") not in splits):
            continue
        audio, rate = sf.read(source / file, always_2d=True)
        if audio.shape[0] < (args.start + args.seconds * 0.5) * rate:
            print(f"skip {file}: shorter than the clip", file=sys.stderr)
            continue
        piece = clip(audio, rate, args.start, args.seconds, args.fade_in, args.fade_out)
        name = Path(file).with_suffix(".wav" if args.wav else ".mp3").name
        sf.write(out / name, np.clip(piece, -1.0, 1.0), rate, **encoding)
        written[name] = {**label, "clip_of": file, "clip_start": args.start, "seconds": round(piece.shape[0] / rate, 3)}
    (out / "labels.json").write_text(json.dumps(written, indent=1, sort_keys=True))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True, help="a labelled set (a folder with labels.json)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--splits", help="only these splits of the source, comma-separated")
    parser.add_argument("--start", type=float, default=5.0, help="seconds into the source")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fade-in", type=float, default=1.0)
    parser.add_argument("--fade-out", type=float, default=2.0)
    parser.add_argument("--kbps", type=int, default=128)
    parser.add_argument("--wav", action="store_true", help="16-bit WAV, not MP3: the cut without the codec")
    args = parser.parse_args()
    splits = set(args.splits.split(",")) if args.splits else None
    written = build(args.source, args.out, splits, args)
    if not written:
        parser.error(f"no file of {args.source} was cut: none is in --splits {args.splits} or long enough")
    print(f"{len(written)} clips in {args.out}")


if __name__ == "__main__":
    main()
