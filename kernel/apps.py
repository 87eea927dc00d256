from django.apps import AppConfig


class KernelConfig(AppConfig):
    """Shared plumbing with no domain knowledge; registers the project-wide system checks."""

    name = "kernel"
    verbose_name = "kernel"

    def ready(self) -> None:
        from kernel import checks  # noqa: F401  (registers the checks)
