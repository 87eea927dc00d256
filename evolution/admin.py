from django.contrib import admin

from evolution.models import PerformanceImport, PerformanceRecord


@admin.register(PerformanceImport)
class PerformanceImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "format", "channel", "rows_created", "rows_updated", "rows_skipped", "created_at"]
    list_filter = ["format", "channel"]
    readonly_fields = [field.name for field in PerformanceImport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PerformanceRecord)
class PerformanceRecordAdmin(admin.ModelAdmin):
    list_display = [
        "release",
        "artist",
        "platform",
        "date",
        "country",
        "streams",
        "listeners",
        "saves",
        "playlist_adds",
    ]
    list_filter = ["platform", "country", "artist"]
    search_fields = ["release__isrc", "release__upc", "release__title"]
    date_hierarchy = "date"
    list_select_related = ["release", "artist"]
    readonly_fields = [field.name for field in PerformanceRecord._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
