"""Create the `admin` superuser once; its password comes from the environment or is printed once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from kernel.env import env_str


class Command(BaseCommand):
    help = "Create the admin superuser if it does not exist (password: DJANGO_SUPERUSER_PASSWORD or generated)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        username = env_str("DJANGO_SUPERUSER_USERNAME", "admin")
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Superuser {username!r} already exists.")
            return
        from_env = env_str("DJANGO_SUPERUSER_PASSWORD")
        password = from_env or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=f"{username}@localhost", password=password)
        if from_env:
            self.stdout.write(
                self.style.SUCCESS(f"Created superuser {username!r} (password from DJANGO_SUPERUSER_PASSWORD).")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Created superuser {username!r} with password: {password}  (shown only this once)")
            )
