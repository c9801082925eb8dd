from django.contrib import admin

from backend.restaurants.models import Bin, Restaurant

admin.site.register(Restaurant, list_display=["name", "business_number", "district", "owner"], search_fields=["name"])
admin.site.register(Bin, list_display=["restaurant", "label", "capacity_liters", "status"])
