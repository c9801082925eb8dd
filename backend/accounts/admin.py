from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from backend.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "municipality", "hauler", "is_active"]
    list_filter = ["role", "municipality"]
    fieldsets = [*BaseUserAdmin.fieldsets, ("역할 · Role", {"fields": ["role", "municipality", "hauler", "phone"]})]
