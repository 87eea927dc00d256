from django.contrib import admin

from noktvrn.admin_widgets import status_badge, thumbnail
from releases.models import Delivery, Release, ReleaseAsset


class ReleaseAssetInline(admin.TabularInline):
    model = ReleaseAsset
    extra = 0
    fields = ["kind", "file", "sha256", "size", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["distributor", "attempt", "status", "error", "started_at", "finished_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["title", "artist", "isrc", "upc", "release_date", "status_label", "cover_thumb", "created_at"]
    list_filter = ["status", "release_date", "created_at"]
    search_fields = ["title", "isrc", "upc", "artist__name"]
    date_hierarchy = "created_at"
    list_select_related = ["artist", "run"]
    readonly_fields = ["run", "cover_preview", "created_at", "updated_at"]
    inlines = [ReleaseAssetInline, DeliveryInline]

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: Release) -> str:
        return status_badge(obj.status, obj.get_status_display())

    @admin.display(description="cover")
    def cover_thumb(self, obj: Release) -> str:
        return thumbnail(obj.run.cover, 48)

    @admin.display(description="cover")
    def cover_preview(self, obj: Release) -> str:
        return thumbnail(obj.run.cover, 240)


@admin.register(ReleaseAsset)
class ReleaseAssetAdmin(admin.ModelAdmin):
    list_display = ["release", "kind", "size", "sha256", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["release__title", "sha256"]
    date_hierarchy = "created_at"
    list_select_related = ["release"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["release", "distributor", "attempt", "status_label", "started_at", "finished_at"]
    list_filter = ["distributor", "status", "started_at"]
    search_fields = ["release__title", "error"]
    date_hierarchy = "started_at"
    list_select_related = ["release"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.display(description="status", ordering="status")
    def status_label(self, obj: Delivery) -> str:
        return status_badge(obj.status, obj.get_status_display())
