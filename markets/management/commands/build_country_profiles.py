"""Rebuild country profiles (and their trends and alerts) from the stored charts; optionally precompute forecasts."""

import datetime as dt

from django.core.management.base import BaseCommand

from markets.features import PERIODS
from markets.services.forecasts import forecasts_refresh
from markets.services.profiles import profiles_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild country x genre x period profiles with trends and alerts: all of them, or only the periods "
        "around --country/--date (what an import does by itself)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--country", help="Only the periods containing --date for this country.")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="A chart date (with --country).")
        parser.add_argument(
            "--forecasts", choices=PERIODS, help="Also recompute stale forecasts of every series for this period."
        )

    def handle(self, *args, country=None, date=None, forecasts=None, **options) -> None:
        touched = {(country.upper(), date)} if country and date else None
        report = profiles_rebuild(touched=touched)
        self.stdout.write(
            f"{report.profiles} profiles ({report.periods} country periods, {report.entries} chart entries) "
            f"in {report.seconds:.2f} s."
        )
        if forecasts:
            count = forecasts_refresh(period=forecasts)
            self.stdout.write(f"{count} {forecasts}ly forecasts current.")
