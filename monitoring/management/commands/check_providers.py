"""Check every configured provider now (what the scheduled job does) and print the results."""

from django.core.management.base import BaseCommand

from monitoring.services.health import providers_check


class Command(BaseCommand):
    help = "Run the provider health checks now; exits 1 when a provider is down."

    def add_arguments(self, parser) -> None:
        parser.add_argument("providers", nargs="*", help="kind:name keys (default: every configured provider).")

    def handle(self, *args, **options) -> None:
        results = providers_check(options["providers"] or None)
        for result in results:
            state = "up  " if result.ok else "DOWN"
            self.stdout.write(f"{state} {result.provider:<24} {result.latency_ms:>6} ms  {result.detail}")
        if any(not result.ok for result in results):
            raise SystemExit(1)
