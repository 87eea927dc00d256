"""Make (or remake) the weekly report and print it."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitoring.services.reports import weekly_report_make


class Command(BaseCommand):
    help = "Make the weekly report of the week before --date (default: the week that just ended) and print it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="Any day (YYYY-MM-DD) of the week AFTER the one to report on.")
        parser.add_argument("--format", choices=["md", "csv"], default="md", help="What to print.")
        parser.add_argument("--no-send", action="store_true", help="Store it without the report.weekly event.")

    def handle(self, *args, **options) -> None:
        day = None
        if options["date"]:
            try:
                day = timezone.make_aware(datetime.strptime(options["date"], "%Y-%m-%d"))
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD, got {options['date']!r}.") from exc
        report = weekly_report_make(day=day, send=not options["no_send"])
        self.stdout.write(report.markdown if options["format"] == "md" else report.csv)
