"""DailyVolume goes: the trends report reads the volume cells now, and nothing else read
it, while every batch of scans still paid its trigger. Its triggers and functions are
dropped first (0002's own backward statements); going back makes them, and the table,
again and fills it from the scans (0002's forward statements)."""

import importlib

from django.db import migrations

v2 = importlib.import_module("backend.rollups.migrations.0002_kept_by_triggers")


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0005_restaurant_years_for_restaurants_served"),
    ]

    operations = [
        migrations.RunSQL(v2.BACKWARD, v2.FORWARD),
        migrations.DeleteModel(
            name="DailyVolume",
        ),
    ]
