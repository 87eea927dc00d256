"""Create the recurring jobs once; later edits made in the admin are kept."""

from django.core.management.base import BaseCommand

from generation.services.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create the django-q schedules (batch, lifecycle sweep, stuck-run sweep) if missing."

    def handle(self, *args, **options) -> None:
        created = schedules_ensure()
        self.stdout.write(f"Schedules ready ({len(created)} created: {', '.join(created) or 'none'}).")
