from django.contrib import admin

from backend.registers.models import DistrictAlias, RegisterImport

admin.site.register(DistrictAlias, list_display=["name", "district", "municipality"], search_fields=["name"])
admin.site.register(
    RegisterImport,
    list_display=["file_name", "municipality", "status", "done", "total", "created_at"],
    exclude=["content"],
    readonly_fields=["counts", "refused", "warnings", "written"],
)
