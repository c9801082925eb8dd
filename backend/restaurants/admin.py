from django.contrib import admin

from backend.restaurants.models import Bin, Restaurant

admin.site.register(
    Restaurant,
    list_display=["name", "business_number", "register_id", "district", "status", "owner"],
    list_filter=["status", "business_type"],
    search_fields=["name", "register_id"],
)
admin.site.register(Bin, list_display=["restaurant", "label", "capacity_liters", "status"])
