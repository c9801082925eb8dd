from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from backend.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "municipality", "hauler", "is_active"]
    list_filter = ["role", "municipality"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        ("역할 · Role", {"fields": ["role", "municipality", "hauler", "invited_through", "phone"]}),
    ]

    def save_model(self, request, obj, form, change):
        # An owner made by an official is invited through the official's municipality.
        if not change and obj.is_owner and obj.invited_through_id is None and request.user.is_official:
            obj.invited_through_id = request.user.municipality_id
        super().save_model(request, obj, form, change)
