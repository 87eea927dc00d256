from django.apps import AppConfig


class KernelConfig(AppConfig):
    """Shared plumbing with no domain knowledge; registers the project-wide system checks."""

    name = "kernel"
    verbose_name = "kernel"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kernel import checks  # noqa: F401  (registers the checks)
        from kernel.health import register_readiness_check

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="kernel-create-cache-table")
        register_readiness_check("task signatures", check_task_signatures)


def check_task_signatures() -> str:
    """Not ready while workers recently dropped tasks signed with another SECRET_KEY (hosts disagree on it)."""
    import time

    from django.conf import settings

    from kernel.brokers import foreign_task_incident

    incident = foreign_task_incident()
    window = settings.TASK_SIGNATURE_ALERT_MINUTES * 60
    if incident and time.time() - incident["last"] < window:
        minutes = (time.time() - incident["last"]) / 60
        raise RuntimeError(
            f"{incident['count']} task(s) signed with another SECRET_KEY dropped by the {incident['broker']} broker, "
            f"the last {minutes:.0f} min ago: every web and worker host needs the same DJANGO_SECRET_KEY."
        )
    return "no task signed with another key seen recently"


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
