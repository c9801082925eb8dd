"""Each restaurant year also keeps the year before's days (`days_year_before`), so that
"restaurants served" over a range of up to two years that ends in a year, such as the
last 365 days, is a plain count over that year's rows, without COUNT(DISTINCT) across
two rows a restaurant (docs/reports.md, "Restaurants served"). The scans' statement
trigger now sets each day in two rows: its year's `days` and the next year's
`days_year_before` (that row is made if need be), and a recount sets both.

The VolumeCell statements are 0004's frozen copy; the year statements are frozen here
(backend/rollups/sums.py holds the live ones). Backwards: 0005's trigger function, and
the column dropped."""

import importlib

from django.db import migrations

import backend.rollups.models

v4 = importlib.import_module("backend.rollups.migrations.0004_volume_cells_kept_by_triggers")
v5 = importlib.import_module("backend.rollups.migrations.0005_restaurant_years_for_restaurants_served")

WEIGHED = "('billable', 'held')"
YEARS = "rollups_restaurantyear"
YEAR_COLUMNS = "municipality_id, restaurant_id, year, district_id, dong, business_type, days, days_year_before"
DAYS = "bit(366)"
NO_DAYS = f"B'0'::{DAYS}"


def day_bit(day: str) -> str:
    return f"(B'1'::{DAYS} >> (extract(doy FROM {day})::int - 1))"


def years_upsert(source: str) -> str:
    return f"""
        INSERT INTO {YEARS} AS v ({YEAR_COLUMNS})
        SELECT * FROM (
            SELECT s.municipality_id, s.restaurant_id, extract(year FROM s.day)::int + k.later AS year,
                   s.district_id, s.dong, s.business_type,
                   bit_or(CASE k.later WHEN 0 THEN {day_bit("s.day")} ELSE {NO_DAYS} END) AS days,
                   bit_or(CASE k.later WHEN 1 THEN {day_bit("s.day")} ELSE {NO_DAYS} END) AS days_year_before
              FROM ({source}) s CROSS JOIN (VALUES (0), (1)) AS k(later)
             WHERE s.sign > 0 AND s.status IN {WEIGHED}
             GROUP BY 1, 2, 3, 4, 5, 6) c
         ORDER BY 2, 3
        ON CONFLICT (restaurant_id, year) DO UPDATE
           SET days = v.days | excluded.days, days_year_before = v.days_year_before | excluded.days_year_before;"""


def days_recount(removed: str, scans: str) -> str:
    return f"""
        WITH touched AS (
            SELECT DISTINCT o.restaurant_id,
                   extract(year FROM o.collected_at AT TIME ZONE m.time_zone)::int AS year, m.time_zone
              FROM {removed} o
              JOIN restaurants_restaurant r ON r.id = o.restaurant_id
              JOIN municipalities_municipality m ON m.id = r.municipality_id
             WHERE o.status IN {WEIGHED}),
        recounted AS (
            SELECT t.restaurant_id, t.year, (
                SELECT COALESCE(bit_or({day_bit("(e.collected_at AT TIME ZONE t.time_zone)")}), {NO_DAYS})
                  FROM {scans} e
                 WHERE e.restaurant_id = t.restaurant_id AND e.status IN {WEIGHED}
                   AND e.collected_at >= (make_date(t.year, 1, 1)::timestamp AT TIME ZONE t.time_zone)
                   AND e.collected_at < (make_date(t.year + 1, 1, 1)::timestamp AT TIME ZONE t.time_zone)) AS days
              FROM touched t),
        merged AS (
            SELECT restaurant_id, year, bit_or(days) AS days, bit_or(days_year_before) AS days_year_before
              FROM (SELECT restaurant_id, year, days, NULL::{DAYS} AS days_year_before FROM recounted
                    UNION ALL
                    SELECT restaurant_id, year + 1, NULL::{DAYS}, days FROM recounted) c
             GROUP BY 1, 2)
        UPDATE {YEARS} v
           SET days = COALESCE(m.days, v.days), days_year_before = COALESCE(m.days_year_before, v.days_year_before)
          FROM merged m
         WHERE v.restaurant_id = m.restaurant_id AND v.year = m.year;"""


FORWARD = f"""
-- No scan stored or changed until this commits: the copy below sees them all.
LOCK TABLE {v4.SCANS} IN SHARE MODE;

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

-- The years kept so far: each row gets the year before's days, and a year's days go
-- into a new row for the next year where there is none.
UPDATE {YEARS} n SET days_year_before = p.days
  FROM {YEARS} p
 WHERE p.restaurant_id = n.restaurant_id AND p.year = n.year - 1;
INSERT INTO {YEARS} ({YEAR_COLUMNS})
SELECT p.municipality_id, p.restaurant_id, p.year + 1, p.district_id, p.dong, p.business_type, {NO_DAYS}, p.days
  FROM {YEARS} p
 WHERE p.days <> {NO_DAYS}
   AND NOT EXISTS (SELECT 1 FROM {YEARS} n WHERE n.restaurant_id = p.restaurant_id AND n.year = p.year + 1)
 ORDER BY p.restaurant_id, p.year;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0006_daily_volume_dropped"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # A default in the database, so that the rows kept so far get empty bits.
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE {YEARS} ADD COLUMN days_year_before {DAYS} NOT NULL DEFAULT {NO_DAYS}",
                    f"ALTER TABLE {YEARS} DROP COLUMN days_year_before",
                )
            ],
            state_operations=[
                migrations.AddField(
                    model_name="restaurantyear",
                    name="days_year_before",
                    field=backend.rollups.models.DayBits(
                        help_text="the same bits for the year before (that year's row's days)"
                    ),
                ),
            ],
        ),
        # Backwards, 0005's function again (its copy of the years is harmless: it ORs).
        migrations.RunSQL(FORWARD, v5.FORWARD),
    ]
