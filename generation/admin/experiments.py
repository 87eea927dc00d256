from django.contrib import admin

from generation.models import Experiment, ExperimentVariant


class ExperimentVariantInline(admin.TabularInline):
    model = ExperimentVariant
    extra = 2
    fields = ["name", "template_version", "parameter_offsets"]


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    """Set up A/B experiments here; allocation and adoption are automatic (see /evolution/experiments/)."""

    list_display = ["name", "kind", "artist", "template_name", "status", "winner", "created_at"]
    list_filter = ["kind", "status"]
    inlines = [ExperimentVariantInline]
    readonly_fields = ["winner", "decided_reason", "finished_at", "created_at"]
    fields = [
        "name",
        "kind",
        "artist",
        "template_name",
        "hypothesis",
        "status",
        "min_decisions",
        "threshold",
        "winner",
        "decided_reason",
        "finished_at",
        "created_at",
    ]
