from django.contrib import admin

from backend.pickup_requests.models import PickupRequest, PickupRequestStep


class StepInline(admin.TabularInline):
    model = PickupRequestStep
    readonly_fields = ("status", "at", "by", "reason", "hauler", "assignee", "collection")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PickupRequest)
class PickupRequestAdmin(admin.ModelAdmin):
    """Read-only: a request moves only through its steps (services.py), which tell the owner."""

    list_display = ["restaurant", "bin", "kind", "requested_for", "status", "hauler", "created_at"]
    list_filter = ["status", "kind", "requested_for"]
    search_fields = ["restaurant__name"]
    inlines = [StepInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
