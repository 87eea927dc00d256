from django.contrib import admin

from analytics.models import AnalysisJob, AudioFeatures
from kernel.admin_widgets import status_badge, thumbnail


@admin.register(AudioFeatures)
class AudioFeaturesAdmin(admin.ModelAdmin):
    list_display = [
        "track",
        "duration",
        "tempo",
        "key",
        "mode",
        "loudness_lufs",
        "energy",
        "waveform_thumb",
        "analyzed_at",
    ]
    list_filter = ["mode", "key", "analyzed_at"]
    search_fields = ["track__run__title"]
    date_hierarchy = "analyzed_at"
    list_select_related = ["track", "track__run"]
    readonly_fields = ["waveform_preview", "spectrogram_preview", "structure", "analyzed_at"]

    @admin.display(description="waveform")
    def waveform_thumb(self, obj: AudioFeatures) -> str:
        return thumbnail(obj.waveform, 48)

    @admin.display(description="waveform")
    def waveform_preview(self, obj: AudioFeatures) -> str:
        return thumbnail(obj.waveform, 400)

    @admin.display(description="structure")
    def structure(self, obj: AudioFeatures) -> str:
        sections = (obj.data or {}).get("sections") or []
        return ", ".join(f"{s['label']} {s['start']:.0f}-{s['end']:.0f} s" for s in sections) or "-"

    @admin.display(description="spectrogram")
    def spectrogram_preview(self, obj: AudioFeatures) -> str:
        return thumbnail(obj.spectrogram, 400)


@admin.register(AnalysisJob)
class AnalysisJobAdmin(admin.ModelAdmin):
    """Analyses of uploaded files: read-only (jobs are made by the API and ended by the workers)."""

    list_display = ["id", "filename", "status_label", "created_by", "size", "duration_ms", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["filename", "created_by__username"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: AnalysisJob) -> str:
        return status_badge(obj.status, obj.get_status_display())

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
