"""A tempo evaluation set from tracker modules that Debian's game packages ship.

The rendered-score corpus (corpus.py) is one kind of source: scores played through General
MIDI samples, mostly without drums. These are another: about 170 tracker modules (MOD, XM,
S3M, IT) that some thirty game packages carry, written by demoscene and game musicians
nobody on the team knows, with their own instrument samples, mostly with drums, in
electronic, rock, chiptune and orchestral styles. libopenmpt (Debian's `libopenmpt0`) plays
them; nothing here changes a note.

Ground truth: a module states its own tempo. libopenmpt's `get_current_estimated_bpm` turns
the player's tempo and speed (ticks per row) and the module's rows per beat (its pattern
highlight where the format stores one, IT and MPTM; otherwise 4 rows per beat, the trackers'
convention) into beats per minute. The label is that value averaged over the excerpt in
equal time steps (a module that swings by alternating speeds gets its mean beat rate); an
excerpt in which the tempo over any 2 s differs from the label by more than 2 % is not used
(tempo changes), and neither is a label outside 40-240 BPM. The rows-per-beat convention is
the weak point: a composer who wrote four rows per half beat makes the label twice what a
listener taps, so Acc2 (which accepts x2 and x1/2) is the measure to read first, and the set
has no key labels (a module's samples are tuned by ear). The label is what the file says,
not what our estimator says: nothing here runs it.

The modules are split by game (a game's tracks are usually one composer's) by a hash of the
package name: `tune` (about 40 %) may be looked at file by file; `heldout` only scored. No
fit reads either part (tune.py reads the corpus's own folders). `--train` builds another set
instead, from eight other games (`TRAIN_PACKAGES`), each module at up to three places, all in
a `train` split: training files a fit may read (`tune.py --extra mods=DIR`).

    python bench/audio/modules.py --out bench/out/modules          # ~2 min: download, render
    python bench/audio/modules.py --out bench/out/modules-train --train
    python bench/audio/evaluate.py --set modules=bench/out/modules --methods ours,librosa,madmom,essentia

Needs `apt-get download` (the packages are unpacked into `<out>/src/`, not installed) and the
library: `--install-debian` runs `apt-get install -y libopenmpt0`. Writes
`<split>-NNN-<package>-<module>.wav` (44.1 kHz, 16-bit stereo, up to 30 s) and `labels.json`
({file: {tempo, key: null, split, piece (the package: evaluate.py's intervals resample whole
games), package, module, format, title, seconds, start, tempo_spread}}).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# Debian packages (bookworm) whose files include tracker modules that are music (found with
# `apt-file search -x '\.(mod|xm|it|s3m)$'`; the .mod files of other packages are not music).
PACKAGES = (
    "bb",
    "biniax2-data",
    "black-box",
    "bomberclone-data",
    "bugsquish",
    "circuslinux-data",
    "dodgindiamond2",
    "flobopuyo",
    "freedroid-data",
    "gemdropx",
    "gl-117-data",
    "gltron",
    "gweled",
    "heroes-sound-tracks",
    "ironseed-data",
    "madbomber-data",
    "monsterz-data",
    "njam-data",
    "pachi-data",
    "pathogen",
    "pekka-kana-2-data",
    "penguin-command",
    "pingus-data",
    "rafkill-data",
    "ri-li-data",
    "solarwolf",
    "tomatoes-data",
    "vectoroids",
    "vodovod",
    "vor",
)
# Other games' modules, never evaluated: training files a fit may read (`--train`). Found the
# same way after the evaluated list was fixed; none of these packages is in PACKAGES.
TRAIN_PACKAGES = (
    "ballz-data",
    "ceferino-data",
    "criticalmass-data",
    "cuyo-data",
    "fb-music-high",
    "redeclipse-data",
    "tecnoballz-data",
    "tuxtype-data",
)
TRAIN_EXCERPTS = (0.1, 0.4, 0.7)  # shares of a module's length at which its excerpts start
EXTENSIONS = {".mod", ".xm", ".it", ".s3m"}
RATE = 44100
EXCERPT_SECONDS = 30.0
MIN_SECONDS = 15.0  # shorter modules are jingles (game over, high score)
STEP_SECONDS = 0.05  # how often the player's tempo is read (finer than a row: a swing by speeds averages out)
WINDOW_SECONDS = 2.0  # the label must hold over every window this long
TOLERANCE = 0.02
TUNE_SHARE = 0.4


class OpenMPT:
    """The few calls of libopenmpt's C API this needs (ctypes: Debian ships no Python binding)."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("openmpt")
        if name is None:
            sys.exit("libopenmpt is missing: apt-get install -y libopenmpt0 (or run with --install-debian)")
        lib = ctypes.CDLL(name)
        lib.openmpt_module_create_from_memory2.restype = ctypes.c_void_p
        lib.openmpt_module_create_from_memory2.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        for function, restype, argtypes in (
            ("openmpt_module_destroy", None, [ctypes.c_void_p]),
            ("openmpt_module_set_repeat_count", ctypes.c_int, [ctypes.c_void_p, ctypes.c_int32]),
            ("openmpt_module_get_duration_seconds", ctypes.c_double, [ctypes.c_void_p]),
            ("openmpt_module_set_position_seconds", ctypes.c_double, [ctypes.c_void_p, ctypes.c_double]),
            ("openmpt_module_get_current_estimated_bpm", ctypes.c_double, [ctypes.c_void_p]),
            (
                "openmpt_module_read_interleaved_float_stereo",
                ctypes.c_size_t,
                [ctypes.c_void_p, ctypes.c_int32, ctypes.c_size_t, ctypes.POINTER(ctypes.c_float)],
            ),
            ("openmpt_module_get_metadata", ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p]),
            ("openmpt_free_string", None, [ctypes.c_void_p]),
        ):
            getattr(lib, function).restype = restype
            getattr(lib, function).argtypes = argtypes
        self.lib = lib
        self.silent = ctypes.cast(lib.openmpt_log_func_silent, ctypes.c_void_p)

    def load(self, data: bytes) -> int | None:
        error = ctypes.c_int(0)
        handle = self.lib.openmpt_module_create_from_memory2(
            data, len(data), self.silent, None, None, None, ctypes.byref(error), None, None
        )
        return handle or None

    def metadata(self, handle: int, key: str) -> str:
        pointer = self.lib.openmpt_module_get_metadata(handle, key.encode())
        if not pointer:
            return ""
        try:
            return ctypes.string_at(pointer).decode("utf-8", "replace")
        finally:
            self.lib.openmpt_free_string(pointer)


@dataclass
class Excerpt:
    audio: np.ndarray  # (frames, 2) float32
    start: float
    bpm_steps: np.ndarray  # the player's beats per minute, every STEP_SECONDS
    format: str
    title: str


def render(openmpt: OpenMPT, path: Path, at: float = 0.1) -> Excerpt | str:
    """The excerpt's audio and tempo readings, or why the module is not used. The excerpt
    starts at the share `at` of the module (at most 15 s in for the first, 0.1)."""
    handle = openmpt.load(path.read_bytes())
    if handle is None:
        return "libopenmpt cannot read it"
    lib = openmpt.lib
    try:
        lib.openmpt_module_set_repeat_count(handle, 0)
        duration = lib.openmpt_module_get_duration_seconds(handle)
        if duration < MIN_SECONDS:
            return f"shorter than {MIN_SECONDS:.0f} s ({duration:.0f} s)"
        # Past the opening (often a count-in or an intro in another tempo), as much as fits.
        start = float(np.clip(at * duration, 0.0, 15.0 if at <= 0.1 else duration))
        if at > 0.1 and start + EXCERPT_SECONDS > duration:
            return "too short for a later excerpt"
        start = min(start, max(0.0, duration - EXCERPT_SECONDS))
        lib.openmpt_module_set_position_seconds(handle, start)
        step = int(RATE * STEP_SECONDS)
        buffer = (ctypes.c_float * (2 * step))()
        chunks, bpms = [], []
        while len(chunks) * STEP_SECONDS < EXCERPT_SECONDS:
            bpms.append(lib.openmpt_module_get_current_estimated_bpm(handle))
            frames = lib.openmpt_module_read_interleaved_float_stereo(handle, RATE, step, buffer)
            if frames == 0:
                break
            chunks.append(np.frombuffer(buffer, dtype=np.float32, count=2 * frames).reshape(-1, 2).copy())
        audio = np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)
        return Excerpt(
            audio=audio,
            start=start,
            bpm_steps=np.asarray(bpms[: len(chunks)]),
            format=openmpt.metadata(handle, "type"),
            title=openmpt.metadata(handle, "title"),
        )
    finally:
        lib.openmpt_module_destroy(handle)


def tempo_label(bpm_steps: np.ndarray) -> tuple[float, float] | str:
    """(label, largest deviation of a window from it), or why the excerpt has no single tempo."""
    from analytics.audio.tempo import MAX_BPM, MIN_BPM

    if bpm_steps.size == 0 or not np.all(np.isfinite(bpm_steps)) or bpm_steps.min() <= 0:
        return "no tempo reading"
    label = float(bpm_steps.mean())
    per_window = int(round(WINDOW_SECONDS / STEP_SECONDS))
    windows = [bpm_steps[i : i + per_window].mean() for i in range(0, len(bpm_steps) - per_window + 1)]
    spread = float(max(abs(w / label - 1.0) for w in windows)) if windows else 0.0
    if spread > TOLERANCE:
        return f"tempo changes (a 2 s window {spread:.0%} off the mean {label:.1f})"
    if not MIN_BPM <= label <= MAX_BPM:  # the estimator's own range
        return f"outside {MIN_BPM:.0f}-{MAX_BPM:.0f} ({label:.0f} BPM)"
    return round(label, 2), round(spread, 4)


def hash_fraction(name: str) -> float:
    """A stable place in [0, 1] for a name: splits that never move when the list grows."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def split_of(package: str) -> str:
    return "tune" if hash_fraction(package) < TUNE_SHARE else "heldout"


def unpack(packages: tuple[str, ...], src: Path, extensions: set[str] = EXTENSIONS) -> dict[str, list[Path]]:
    """{package: its files with these extensions}, downloading and unpacking each package once
    (not installing)."""
    debs = src / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[Path]] = {}
    for package in packages:
        target = src / package
        if not target.exists():
            if not list(debs.glob(f"{package}_*.deb")):
                subprocess.run(["apt-get", "download", package], cwd=debs, check=True, capture_output=True)
            deb = sorted(debs.glob(f"{package}_*.deb"))[-1]
            subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
        found[package] = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in extensions)
    return found


def _category(reason: str) -> str:
    """A skip reason is "category (detail)"."""
    return reason.split(" (")[0]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")[:40]


def write_excerpt(path: Path, audio: np.ndarray, rate: int) -> np.ndarray:
    """Write (frames, channels) audio as 16-bit PCM, scaled down where it would clip; returns
    what was written."""
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    audio = audio / peak * 0.89 if peak > 0.89 else audio
    sf.write(path, audio, rate, subtype="PCM_16")
    return audio


def build(out: Path, packages: tuple[str, ...], train: bool = False) -> dict:
    """Every usable module of `packages`; with `train`, all of them in the `train` split, each
    at up to three places (TRAIN_EXCERPTS), as training files for a fit."""
    openmpt = OpenMPT()
    out.mkdir(parents=True, exist_ok=True)
    labels: dict[str, dict] = {}
    skipped: dict[str, int] = {}
    counters = {"tune": 0, "heldout": 0, "train": 0}
    for package, modules in unpack(packages, out / "src").items():
        split = "train" if train else split_of(package)
        for module in modules:
            for number, at in enumerate(TRAIN_EXCERPTS if train else (0.1,)):
                excerpt = render(openmpt, module, at)
                if isinstance(excerpt, str):
                    reason = excerpt
                else:
                    labelled = tempo_label(excerpt.bpm_steps)
                    reason = labelled if isinstance(labelled, str) else ""
                if reason:
                    print(f"skip {package}/{module.name} at {at:.0%}: {reason}")
                    skipped[_category(reason)] = skipped.get(_category(reason), 0) + 1
                    continue
                tempo, spread = labelled
                suffix = f"-{number}" if train else ""
                name = f"{split}-{counters[split]:03d}-{_slug(package)}-{_slug(module.stem)}{suffix}.wav"
                counters[split] += 1
                audio = write_excerpt(out / name, excerpt.audio, RATE)
                labels[name] = {
                    "tempo": tempo,
                    "key": None,
                    "split": split,
                    # A game's tracks are usually one composer's: evaluate.py's intervals resample
                    # whole games, not files.
                    "piece": package,
                    "package": package,
                    "module": str(module.relative_to(out / "src" / package)),
                    "format": excerpt.format,
                    "title": excerpt.title,
                    "seconds": round(len(audio) / RATE, 2),
                    "start": round(excerpt.start, 2),
                    "tempo_spread": spread,
                }
    (out / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True))
    return {"files": len(labels), "by_split": counters, "skipped": skipped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out/modules")
    parser.add_argument("--install-debian", action="store_true", help="apt-get install -y libopenmpt0 first")
    parser.add_argument(
        "--train",
        action="store_true",
        help="the games of TRAIN_PACKAGES instead, every module in the `train` split (for tune.py --extra)",
    )
    args = parser.parse_args()
    if args.install_debian:
        subprocess.run(["apt-get", "install", "-y", "libopenmpt0"], check=True)
    summary = build(args.out, TRAIN_PACKAGES, train=True) if args.train else build(args.out, PACKAGES)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
