"""Restaurants served from one row per restaurant and local year (RestaurantYear: the
year's days with a collection as bit(366)) instead of the restaurant months: a range
within a year is one AND per restaurant, without grouping by restaurant (docs/reports.md).
The months' sums were read by nothing, so the months go; the scans' statement trigger
and the restaurant's row trigger are replaced to keep the years instead.

The VolumeCell statements are 0004's frozen copy; the year statements are frozen here
(backend/rollups/sums.py holds the live ones). Not reversible: 0004's functions keep
the months."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

import backend.rollups.models

v4 = importlib.import_module("backend.rollups.migrations.0004_volume_cells_kept_by_triggers")

WEIGHED = "('billable', 'held')"
YEAR_COLUMNS = "municipality_id, restaurant_id, year, district_id, dong, business_type, days"
NO_DAYS = "B'0'::bit(366)"


def day_bit(day: str) -> str:
    return f"(B'1'::bit(366) >> (extract(doy FROM {day})::int - 1))"


def years_upsert(source: str) -> str:
    return f"""
        INSERT INTO rollups_restaurantyear AS v ({YEAR_COLUMNS})
        SELECT * FROM (
            SELECT s.municipality_id, s.restaurant_id, extract(year FROM s.day)::int AS year,
                   s.district_id, s.dong, s.business_type, bit_or({day_bit("s.day")}) AS days
              FROM ({source}) s
             WHERE s.sign > 0 AND s.status IN {WEIGHED}
             GROUP BY 1, 2, 3, 4, 5, 6) c
         ORDER BY 2, 3
        ON CONFLICT (restaurant_id, year) DO UPDATE SET days = v.days | excluded.days;"""


def days_recount(removed: str, scans: str) -> str:
    return f"""
        WITH touched AS (
            SELECT DISTINCT o.restaurant_id,
                   extract(year FROM o.collected_at AT TIME ZONE m.time_zone)::int AS year, m.time_zone
              FROM {removed} o
              JOIN restaurants_restaurant r ON r.id = o.restaurant_id
              JOIN municipalities_municipality m ON m.id = r.municipality_id
             WHERE o.status IN {WEIGHED})
        UPDATE rollups_restaurantyear v
           SET days = (
               SELECT COALESCE(bit_or({day_bit("(e.collected_at AT TIME ZONE t.time_zone)")}), {NO_DAYS})
                 FROM {scans} e
                WHERE e.restaurant_id = t.restaurant_id AND e.status IN {WEIGHED}
                  AND e.collected_at >= (make_date(t.year, 1, 1)::timestamp AT TIME ZONE t.time_zone)
                  AND e.collected_at < (make_date(t.year + 1, 1, 1)::timestamp AT TIME ZONE t.time_zone))
          FROM touched t
         WHERE v.restaurant_id = t.restaurant_id AND v.year = t.year;"""


FORWARD = f"""
CREATE OR REPLACE FUNCTION rollups_cells_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {v4.cells_upsert(v4.ADDED)}
    {years_upsert(v4.ADDED)}
  ELSIF TG_OP = 'UPDATE' THEN
    {v4.cells_upsert(v4.BOTH)}
    {years_upsert(v4.BOTH)}
    {days_recount("old_scans", v4.SCANS)}
  ELSE
    {v4.cells_upsert(v4.TAKEN)}
    {days_recount("old_scans", v4.SCANS)}
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION rollups_restaurant_regrouped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {v4.cells_upsert(v4.REGROUPED_RESTAURANT)}
  UPDATE rollups_restaurantyear
     SET municipality_id = NEW.municipality_id, district_id = NEW.district_id, dong = NEW.dong,
         business_type = NEW.business_type
   WHERE restaurant_id = NEW.id;
  RETURN NULL;
END $$;

-- The scans stored before: the trigger function's replacement waits for no lock, so
-- the scans' table is locked against writes until this commits.
LOCK TABLE {v4.SCANS} IN SHARE MODE;
{years_upsert(v4.scans_source(v4.SCANS))}
"""


class Migration(migrations.Migration):
    dependencies = [
        ("municipalities", "0003_wallet_low_balance"),
        ("restaurants", "0010_restaurant_dong"),
        ("rollups", "0004_volume_cells_kept_by_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="RestaurantYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.IntegerField(help_text="the local year")),
                ("dong", models.CharField(blank=True, max_length=20)),
                ("business_type", models.CharField(max_length=16)),
                (
                    "days",
                    backend.rollups.models.DayBits(
                        help_text="bit n (from the left) set: a collection on local day n + 1 of the year"
                    ),
                ),
                (
                    "district",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="municipalities.district",
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="municipalities.municipality",
                    ),
                ),
                (
                    "restaurant",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="restaurants.restaurant",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="restaurantyear",
            index=models.Index(fields=["municipality", "year"], name="restaurant_year_by_city"),
        ),
        migrations.AddConstraint(
            model_name="restaurantyear",
            constraint=models.UniqueConstraint(fields=("restaurant", "year"), name="restaurant_year"),
        ),
        migrations.RunSQL(FORWARD),
        migrations.DeleteModel(
            name="RestaurantMonth",
        ),
    ]
