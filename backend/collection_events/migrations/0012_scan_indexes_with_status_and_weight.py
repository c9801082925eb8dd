"""The scans' indexes, fewer and fuller.

- bin, restaurant and collector lose their single-column indexes: the (bin,
  collected_at), (restaurant, collected_at) and (collector, collected_at) indexes serve
  a lookup by the key alone as well, and every scan stored paid for all of them.
- (bin, collected_at) and (restaurant, collected_at) carry status and weight_g
  (INCLUDE): the weight rule's latest weights of each bin in a batch, and the
  per-restaurant report's sums, are read from the index alone.

On the partitioned table: a dropped index goes from every partition at once (a catalogue
change); the two rebuilt indexes are built on every partition while writes to the
scans wait (minutes for a Seoul-sized year: docs/operations.md, "Scan partitions")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "collection_events_collectionevent"
# As Django named them for the plain table; migration 0011 kept the names on the partitions' parent.
DROPPED = {
    "bin": ("collection_events_collectionevent_bin_id_a1ed4dbf", "bin_id"),
    "collector": ("collection_events_collectionevent_collector_id_37a45403", "collector_id"),
    "restaurant": ("collection_events_collectionevent_restaurant_id_d6473ee7", "restaurant_id"),
}
FIELDS = {
    "bin": models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="collection_events",
        to="restaurants.bin",
    ),
    "collector": models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
    ),
    "restaurant": models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="restaurants.restaurant"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("collection_events", "0011_events_partitioned_by_month"),
        ("restaurants", "0011_restaurant_number"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="collectionevent", name=name, field=field)
                for name, field in FIELDS.items()
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {index}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {index} ON {TABLE} ({column})",
                )
                for index, column in DROPPED.values()
            ],
        ),
        migrations.RemoveIndex(model_name="collectionevent", name="event_bin_time"),
        migrations.RemoveIndex(model_name="collectionevent", name="event_restaurant_time"),
        migrations.AddIndex(
            model_name="collectionevent",
            index=models.Index(fields=["bin", "collected_at"], include=("status", "weight_g"), name="event_bin_time"),
        ),
        migrations.AddIndex(
            model_name="collectionevent",
            index=models.Index(
                fields=["restaurant", "collected_at"], include=("status", "weight_g"), name="event_restaurant_time"
            ),
        ),
    ]
