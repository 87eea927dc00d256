from django.apps import AppConfig


class KernelConfig(AppConfig):
    """Shared plumbing with no domain knowledge; registers the project-wide system checks."""

    name = "kernel"
    verbose_name = "kernel"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kernel import checks  # noqa: F401  (registers the checks)

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="kernel-create-cache-table")


def create_cache_table(sender, using: str = "default", verbosity: int = 1, **kwargs) -> None:
    """Create the database cache's table after `migrate`, so a fresh machine has it (idempotent).

    The table is made even when this process uses another cache (the tests' per-process one),
    so that worker processes started on the base settings find it.
    """
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.commands.createcachetable import Command

    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))
    table = getattr(settings, "CACHE_TABLE", "")
    if table:
        command = Command()
        command.verbosity = 0
        command.create_table(using, table, dry_run=False)
