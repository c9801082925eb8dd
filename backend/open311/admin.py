from django.contrib import admin

from backend.open311.models import ApiKey, ServiceRequest


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["app_name", "prefix", "municipality", "created_by", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_by", "created_at", "revoked_at", "revoked_by"]

    def has_add_permission(self, request) -> bool:
        return False  # a key is made in the console or the API, which show it once


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "service_code", "api_key", "created_at"]
    readonly_fields = ["api_key", "municipality", "service_code", "pickup_request", "tag_report", "created_at"]
