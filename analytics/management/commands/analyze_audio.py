"""python manage.py analyze_audio PATH... [--json] [--images DIR]: audio features of files."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analytics.audio import AudioAnalysisError
from analytics.services import audio_analyse


class Command(BaseCommand):
    help = "Analyse audio files (WAV, FLAC, MP3, OGG): tempo, key, loudness, descriptors, sections."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--json", action="store_true", help="One JSON object per file, one per line.")
        parser.add_argument("--images", type=Path, help="Write waveform and spectrogram PNGs into this folder.")

    def handle(self, *args, paths: list[Path], json: bool = False, images: Path | None = None, **options) -> None:
        failures = 0
        for path in paths:
            try:
                analysis = audio_analyse(path=path, images_dir=images)
            except AudioAnalysisError as exc:
                failures += 1
                if json:
                    self.stdout.write(_dumps({"path": str(path), "error": exc.message, **exc.extra}))
                else:
                    self.stderr.write(f"{path}: {exc.message}")
                continue
            if json:
                self.stdout.write(_dumps(analysis.model_dump(mode="json")))
            else:
                self.stdout.write(_summary(analysis))
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) could not be analysed.")


def _dumps(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _summary(analysis) -> str:
    tempo = f"{analysis.tempo:.1f} BPM" if analysis.tempo else "no tempo"
    key = f"{analysis.key} {analysis.mode}" if analysis.key else "no key"
    lufs = f"{analysis.loudness_lufs:.1f} LUFS" if analysis.loudness_lufs is not None else "silent"
    sections = ", ".join(f"{s.label} {s.start:.0f}-{s.end:.0f}s" for s in analysis.sections)
    lines = [
        f"{analysis.path}: {analysis.duration:.1f} s, {tempo} ({analysis.time_signature or '?'}/4), {key}, {lufs}",
        f"  energy {analysis.energy:.2f}  danceability {analysis.danceability:.2f}  valence {analysis.valence:.2f}"
        f"  acousticness {analysis.acousticness:.2f}  speechiness {analysis.speechiness:.2f}",
    ]
    if sections:
        lines.append(f"  sections: {sections}")
    lines += [f"  warning: {warning}" for warning in analysis.warnings]
    return "\n".join(lines)
