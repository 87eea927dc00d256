"""A deterministic closed loop of evolution on the demo artists (see evolution/simulation.py)."""

from django.core.management.base import BaseCommand, CommandError

from evolution.simulation import simulate
from noktvrn.demo import DEMO_ARTISTS


class Command(BaseCommand):
    help = (
        "Simulate N weeks: the market drifts, a batch runs per artist (parameter adaptation only, no audio), an "
        "autopilot reviewer prefers runs near the market, plans are proposed and approved. Prints each week's "
        "compatibility, what moved and whether the bounds held. Everything is rolled back afterwards."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--weeks", type=int, default=12)
        parser.add_argument("--runs-per-week", type=int, default=6)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, weeks: int, runs_per_week: int, seed: int, **options) -> None:
        if not 1 <= weeks <= 104 or not 1 <= runs_per_week <= 50:
            raise CommandError("--weeks is 1 to 104 and --runs-per-week 1 to 50.")
        rows = simulate(specs=DEMO_ARTISTS, weeks=weeks, runs_per_week=runs_per_week, seed=seed, out=self.stdout.write)
        if not all(row.bounds_held for row in rows):
            raise CommandError("A step exceeded its bounds.")
