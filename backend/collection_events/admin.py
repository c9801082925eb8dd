from django.contrib import admin

from backend.collection_events.models import CollectionEvent


@admin.register(CollectionEvent)
class CollectionEventAdmin(admin.ModelAdmin):
    """Read-only: events are never edited in place (a correction is a status change)."""

    list_display = ["id", "restaurant", "bin", "weight_g", "collected_at", "status"]
    list_filter = ["status", "source"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
