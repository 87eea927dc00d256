from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Wires the kernel hooks: the failure recorder, the critical-provider batch gate, schedules, Sentry."""

    name = "monitoring"
    verbose_name = "Monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.signals import got_request_exception

        from kernel.events import event_name_register
        from kernel.monitoring import failure_reported, register_batch_gate
        from kernel.schedules import schedules_register
        from monitoring.services import errors, health, reports, schedules, sentry

        failure_reported.connect(errors.on_failure_reported, dispatch_uid="monitoring.errors")
        got_request_exception.connect(errors.on_request_exception, dispatch_uid="monitoring.request_errors")
        register_batch_gate("critical providers", health.critical_provider_blockers)
        schedules_register(schedules.schedule_specs)
        event_name_register(
            reports.REPORT_EVENT, "The weekly report: runs, approvals, failures, LLM, deliveries, errors, uptime."
        )
        if settings.SENTRY_DSN:
            sentry.sentry_init(dsn=settings.SENTRY_DSN)
