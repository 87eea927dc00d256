"""Import performance after release from CSV, JSON or JSON Lines files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evolution.services.performance import performance_import
from kernel.actors import Channel
from kernel.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Import streams, listeners, saves and playlist adds per platform, date and country, matched to "
        "releases by ISRC or UPC. Columns/keys: isrc or upc, platform, date (YYYY-MM-DD), country, streams, "
        "listeners, saves, playlist_adds. Re-importing is idempotent; bad rows are named by line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--format", choices=["csv", "json", "jsonl"], help="Default: from the file name.")

    def handle(self, *args, files: list[str], format: str | None = None, **options) -> None:
        refused = 0
        for name in files:
            path = Path(name)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{name}: cannot read ({exc}).") from exc
            try:
                report = performance_import(text=text, file_name=path.name, format=format, channel=Channel.CLI)
            except ApplicationError as exc:
                raise CommandError(f"{name}: {exc.message}") from exc
            self.stdout.write(f"{name}: {report.summary()}.")
            for error in report.errors:
                self.stderr.write(f"{name}:{error['line']}: {error['message']}")
            refused += report.skipped
        if refused:
            raise CommandError(f"{refused} row(s) refused; the others were imported.")
