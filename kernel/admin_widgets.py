"""Small HTML helpers for admin columns: inline audio players, thumbnails, status badges."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db.models.fields.files import FieldFile
from django.utils.html import format_html

STATUS_COLOURS = {
    "awaiting_review": "#b7791f",
    "approved": "#2f855a",
    "released": "#2b6cb0",
    "delivered": "#2b6cb0",
    "rejected": "#9b2c2c",
    "failed": "#9b2c2c",
    "qc_failed": "#9b2c2c",
    "delivery_failed": "#9b2c2c",
    "release_failed": "#9b2c2c",
    "expired": "#718096",
    "active": "#2f855a",
    "candidate": "#b7791f",
    "retired": "#718096",
    "paused": "#718096",
    "success": "#2f855a",
    "succeeded": "#2f855a",
}


def audio_player(file: FieldFile | None) -> str:
    if not file:
        return "—"
    return format_html('<audio controls preload="none" src="{}" style="height:32px;max-width:260px"></audio>', file.url)


def video_player(file: FieldFile | None) -> str:
    if not file:
        return "—"
    return format_html('<video controls preload="none" src="{}" style="max-width:320px"></video>', file.url)


def thumbnail(file: FieldFile | None, size: int = 64) -> str:
    if not file:
        return "—"
    return format_html(
        '<a href="{0}" target="_blank"><img src="{0}" alt="" width="{1}" height="{1}" '
        'style="object-fit:cover;border-radius:4px" loading="lazy"></a>',
        file.url,
        size,
    )


def status_badge(status: str, label: str | None = None) -> str:
    colour = STATUS_COLOURS.get(status, "#4a5568")
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;font-size:11px">{}</span>',
        colour,
        label or status,
    )


class ReadOnlyInlineMixin:
    """A history shown beside its parent: nothing is added, edited or deleted from here."""

    extra = 0
    can_delete = False
    max_num = 0

    def get_readonly_fields(self, request, obj=None):
        return [*(self.fields or []), *self.readonly_fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyTabularInline(ReadOnlyInlineMixin, admin.TabularInline):
    pass


class ReadOnlyGenericTabularInline(ReadOnlyInlineMixin, GenericTabularInline):
    """For objects linked by a generic relation (e.g. LLM calls)."""


class HistoryAdmin(admin.ModelAdmin):
    """A history table (stages, transitions, versions, decisions, deliveries): browsed, never typed in.

    Rows are written by the services that make the history; the back office can neither add
    nor edit them. Deletion stays with superusers through the parent's cascade only.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
