from django.contrib import admin

from backend.tags.models import Tag

admin.site.register(Tag, list_display=["code", "bin", "status", "issued_at", "revoked_at"], search_fields=["code"])
