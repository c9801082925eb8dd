"""A status change records its scan's collected_at, the scans' partition key: billing
then looks a voided scan up in its own month's partition, and the window statement's
plan no longer grows with every month stored (billing/selectors.py).

Existing changes take it from their scans (a few rows a day: disputes and the review
queue's decisions)."""

from django.db import migrations, models

BACKFILL = """
UPDATE collection_events_collectioneventstatuschange c
   SET event_collected_at = e.collected_at
  FROM collection_events_collectionevent e
 WHERE e.id = c.event_id AND c.event_collected_at IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("collection_events", "0012_scan_indexes_with_status_and_weight")]

    operations = [
        migrations.AddField(
            model_name="collectioneventstatuschange",
            name="event_collected_at",
            field=models.DateTimeField(null=True, help_text="the scan's collected_at: locates its partition"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
        migrations.AlterField(
            model_name="collectioneventstatuschange",
            name="event_collected_at",
            field=models.DateTimeField(help_text="the scan's collected_at: locates its partition"),
        ),
    ]
