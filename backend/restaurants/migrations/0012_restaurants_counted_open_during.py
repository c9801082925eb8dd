"""Restaurants indexed by (municipality, closed_on): the per-restaurant report counts
the restaurants open during a range from this index alone. It also serves every lookup
by municipality, so the municipality's own index (as Django named it) goes."""

import django.db.models.deletion
from django.db import migrations, models

MUNICIPALITY_INDEX = "restaurants_restaurant_municipality_id_1054ddae"


class Migration(migrations.Migration):
    dependencies = [
        ("municipalities", "0003_wallet_low_balance"),
        ("restaurants", "0011_restaurant_number"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="restaurant",
                    name="municipality",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="municipalities.municipality",
                        verbose_name="Municipality",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {MUNICIPALITY_INDEX}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {MUNICIPALITY_INDEX} "
                    "ON restaurants_restaurant (municipality_id)",
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="restaurant",
            index=models.Index(fields=["municipality", "closed_on"], name="restaurant_open_during"),
        ),
    ]
