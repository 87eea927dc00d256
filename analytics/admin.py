from django.contrib import admin

from analytics.models import AudioFeatures
from kernel.admin_widgets import thumbnail


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
