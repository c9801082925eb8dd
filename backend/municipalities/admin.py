from django.contrib import admin

from backend.municipalities.models import District, Hauler, Municipality

admin.site.register(Municipality)
admin.site.register(District, list_display=["name", "code", "municipality"])
admin.site.register(Hauler, filter_horizontal=["districts"])
