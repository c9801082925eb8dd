from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import AccountLink, Deactivation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "municipality", "hauler", "is_active"]
    list_filter = ["role", "municipality"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role"), {"fields": ["role", "municipality", "hauler", "invited_through", "phone"]}),
    ]

    def save_model(self, request, obj, form, change):
        # An owner made by an official is invited through the official's municipality.
        if not change and obj.is_owner and obj.invited_through_id is None and request.user.is_official:
            obj.invited_through_id = request.user.municipality_id
        super().save_model(request, obj, form, change)


@admin.register(Deactivation)
class DeactivationAdmin(admin.ModelAdmin):
    """Who switched which account off, and why (undo: tick `is_active` on the user)."""

    list_display = ["user", "by", "at", "reason"]
    readonly_fields = ["user", "by", "at", "reason"]
    search_fields = ["user__username", "reason"]

    def has_add_permission(self, request):
        return False


@admin.register(AccountLink)
class AccountLinkAdmin(admin.ModelAdmin):
    """Invitation and reset links: when made, for whom, whether used. The token itself
    is not stored."""

    list_display = ["user", "kind", "channel", "created_at", "expires_at", "used_at"]
    list_filter = ["kind", "channel"]
    exclude = ["token_hash"]
    readonly_fields = [
        "kind",
        "user",
        "municipality",
        "channel",
        "sent_to",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
    ]

    def has_add_permission(self, request):
        return False
