"""Import chart files: Spotify Charts (weekly, daily, pre-2022), YouTube Charts, country x day datasets."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kernel.errors import ApplicationError
from markets.parsers import FORMATS
from markets.services.imports import charts_import


class Command(BaseCommand):
    help = (
        "Import chart CSV files. Country and date come from Spotify's file names "
        "(regional-br-weekly-2026-09-03.csv) unless given. Each chart is written all-or-nothing; "
        "importing the same chart again changes nothing; unreadable rows are listed and skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--country", help="ISO 3166-1 alpha-2 code (or GLOBAL); for datasets, a filter.")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="Chart date YYYY-MM-DD; for datasets, a filter.")
        parser.add_argument("--format", choices=FORMATS, help="Force a layout instead of detecting it from the header.")
        parser.add_argument("--no-rebuild", action="store_true", help="Do not rebuild the country profiles afterwards.")

    def handle(self, *args, files, country=None, date=None, format=None, no_rebuild=False, **options) -> None:
        failed = 0
        for name in files:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(self.style.ERROR(f"{name}: no such file"))
                failed += 1
                continue
            try:
                report = charts_import(
                    raw=path.read_bytes(),
                    name=path.name,
                    fmt=format,
                    country=country,
                    chart_date=date,
                    channel="cli",
                    rebuild=not no_rebuild,
                )
            except ApplicationError as exc:
                self.stderr.write(self.style.ERROR(f"{name}: {exc.message}"))
                failed += 1
                continue
            self.stdout.write(
                f"{path.name} ({report.format}): {report.count('created')} chart(s) created, "
                f"{report.count('replaced')} replaced, {report.count('unchanged')} unchanged; "
                f"{report.rows_imported} row(s) imported, {report.rows_skipped} skipped."
            )
            for error in report.errors[:50]:
                self.stdout.write(self.style.WARNING(f"  line {error.line}: {error.message}"))
            if len(report.errors) > 50:
                self.stdout.write(self.style.WARNING(f"  ... and {len(report.errors) - 50} more (see the import log)"))
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be imported.")
