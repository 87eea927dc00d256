"""Load the demo data (idempotent: running it twice duplicates nothing)."""

from django.core.management.base import BaseCommand

from noktvrn.demo import (
    seed_demo_analysis,
    seed_demo_artists,
    seed_demo_evolution,
    seed_demo_markets,
    seed_demo_monitoring,
    seed_demo_performance,
    seed_demo_runs,
)


class Command(BaseCommand):
    help = "Load demo data: artists, a first batch of runs (one approved, so a release follows)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-runs", action="store_true", help="Only the artists (fast).")
        parser.add_argument("--no-markets", action="store_true", help="Skip the demo chart history (markets).")

    def handle(self, *args, no_runs: bool = False, no_markets: bool = False, **options) -> None:
        artists = seed_demo_artists()
        self.stdout.write(f"Demo artists ready: {len(artists)}.")
        if not no_markets:
            charts = seed_demo_markets()
            self.stdout.write(
                f"Demo chart history: {charts} new weekly charts, profiles, trends and alerts. See /markets/."
                if charts
                else "Demo chart history already loaded (/markets/)."
            )
        if no_runs:
            return
        self.stdout.write("Making the first demo batch with the local providers (about a minute, once)...")
        runs = seed_demo_runs(
            on_stage=lambda run_id, stage, outcome: self.stdout.write(f"  run {run_id}: {stage} {outcome}")
        )
        if runs:
            summary = ", ".join(f"#{run.pk} {run.status}" for run in runs)
            self.stdout.write(self.style.SUCCESS(f"Demo runs ready: {summary}. Review them at /review/."))
        else:
            self.stdout.write("Demo runs already exist.")
        job = seed_demo_analysis()
        if job is not None:
            self.stdout.write(f"Demo audio analysis job #{job.pk}: {job.status} (see /api/v1/analysis-jobs/).")
        rows = seed_demo_performance()
        self.stdout.write(f"Demo performance after release: {rows} new or changed rows.")
        scored, plans = seed_demo_evolution()
        self.stdout.write(f"Scores for {scored} artists; {plans} evolution plan proposed. See /evolution/.")
        monitoring = seed_demo_monitoring()
        checks = ", ".join(f"{name} {'up' if ok else 'DOWN'}" for name, ok in monitoring["providers"].items())
        self.stdout.write(f"Provider health: {checks} (/monitoring/health/). Weekly report at /monitoring/reports/.")
