"""Load the demo roster (idempotent: running it twice duplicates nothing)."""

from django.core.management.base import BaseCommand

from noktvrn.demo import seed_demo_artists


class Command(BaseCommand):
    help = "Load demo data: artists (and, as features land, runs, releases and charts)."

    def handle(self, *args, **options) -> None:
        artists = seed_demo_artists()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(artists)} artists."))
