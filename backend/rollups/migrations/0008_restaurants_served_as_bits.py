"""Restaurants served counted as bits by restaurant number (docs/reports.md,
"Restaurants served"): `rollups_servedday` holds each local day's restaurants with a
weighed collection, `rollups_grouprestaurants` each district's, 동's and business type's
restaurants of today. The restaurants served in a range, and in a group, are the OR of
its days ANDed with the group, counted with bit_count: 9,125 rows of 512 bytes for a
year of a city of 100,000 restaurants, where `rollups_restaurantyear` needed a row per
restaurant and year (200,000 rows for a range and the year before it), which no report
could read in under 100 ms. Each batch of scans now ORs a few day
rows instead of writing two rows per restaurant.

The scans' statement trigger keeps the days (an OR as scans come in; a recount of the
restaurant's day as scans go); new triggers on the restaurants keep the groups, and the
regrouping trigger moves a restaurant between groups, and its days to its new
municipality. The VolumeCell statements are 0004's frozen copy; the new ones are frozen
here (backend/rollups/sums.py holds the live ones). Backwards: 0007's trigger function,
and the restaurant years recounted from the scans."""

import importlib

from django.db import migrations, models

import backend.rollups.models

v4 = importlib.import_module("backend.rollups.migrations.0004_volume_cells_kept_by_triggers")
v7 = importlib.import_module("backend.rollups.migrations.0007_restaurant_years_keep_the_year_before")

WEIGHED = "('billable', 'held')"
CHUNK_BITS = 4096
BITS = f"bit({CHUNK_BITS})"
NO_RESTAURANTS = f"B'0'::{BITS}"
SERVED = "rollups_servedday"
GROUPS = "rollups_grouprestaurants"
SERVED_KEYS = "municipality_id, day, chunk"
GROUP_KEYS = "municipality_id, dimension, key, chunk"
GROUPINGS = "('district', s.district_id::text), ('dong', s.district_id::text || ' ' || s.dong), ('business_type', s.business_type)"


def chunk_of(number: str) -> str:
    return f"({number} >> {CHUNK_BITS.bit_length() - 1})::int"


def restaurant_bit(number: str) -> str:
    return f"(B'1'::{BITS} >> ({number} & {CHUNK_BITS - 1})::int)"


def scans_source(scans: str, *, sign: str = "1", where: str = "TRUE") -> str:
    return f"""
        SELECT r.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date AS day, r.district_id, r.dong,
               r.business_type, u.hauler_id, d.collector_id, d.restaurant_id, r.number AS restaurant_number,
               d.status, COALESCE(d.weight_g, 0) AS grams, {sign} AS sign
          FROM {scans} d
          JOIN restaurants_restaurant r ON r.id = d.restaurant_id
          JOIN municipalities_municipality m ON m.id = r.municipality_id
          JOIN accounts_user u ON u.id = d.collector_id
         WHERE {where}"""


ADDED = scans_source("new_scans")
TAKEN = scans_source("old_scans", sign="-1")
BOTH = f"{ADDED} UNION ALL {TAKEN}"


def served_upsert(source: str) -> str:
    return f"""
        INSERT INTO {SERVED} AS v ({SERVED_KEYS}, restaurants)
        SELECT * FROM (
            SELECT s.municipality_id, s.day, {chunk_of("s.restaurant_number")} AS chunk,
                   bit_or({restaurant_bit("s.restaurant_number")}) AS restaurants
              FROM ({source}) s
             WHERE s.sign > 0 AND s.status IN {WEIGHED}
             GROUP BY 1, 2, 3) c
         ORDER BY 1, 2, 3
        ON CONFLICT ({SERVED_KEYS}) DO UPDATE SET restaurants = v.restaurants | excluded.restaurants
         WHERE v.restaurants | excluded.restaurants <> v.restaurants;"""


def served_recount(removed: str, scans: str) -> str:
    return f"""
        WITH gone AS (
            SELECT DISTINCT r.municipality_id, r.number, o.restaurant_id,
                   (o.collected_at AT TIME ZONE m.time_zone)::date AS day, m.time_zone
              FROM {removed} o
              JOIN restaurants_restaurant r ON r.id = o.restaurant_id
              JOIN municipalities_municipality m ON m.id = r.municipality_id
             WHERE o.status IN {WEIGHED}),
        emptied AS (
            SELECT g.municipality_id, g.day, {chunk_of("g.number")} AS chunk,
                   bit_or({restaurant_bit("g.number")}) AS restaurants
              FROM gone g
             WHERE NOT EXISTS (
                   SELECT FROM {scans} e
                    WHERE e.restaurant_id = g.restaurant_id AND e.status IN {WEIGHED}
                      AND e.collected_at >= (g.day::timestamp AT TIME ZONE g.time_zone)
                      AND e.collected_at < ((g.day + 1)::timestamp AT TIME ZONE g.time_zone))
             GROUP BY 1, 2, 3)
        UPDATE {SERVED} v SET restaurants = v.restaurants & ~e.restaurants
          FROM emptied e
         WHERE v.municipality_id = e.municipality_id AND v.day = e.day AND v.chunk = e.chunk;"""


def groups_select(restaurants: str) -> str:
    return f"""
        SELECT s.municipality_id, k.dimension, k.key, {chunk_of("s.number")} AS chunk,
               bit_or({restaurant_bit("s.number")}) AS restaurants
          FROM {restaurants} s CROSS JOIN LATERAL (VALUES {GROUPINGS}) AS k(dimension, key)
         GROUP BY 1, 2, 3, 4"""


def groups_add(restaurants: str) -> str:
    return f"""
        INSERT INTO {GROUPS} AS v ({GROUP_KEYS}, restaurants)
        SELECT * FROM ({groups_select(restaurants)}) c
         ORDER BY 1, 2, 3, 4
        ON CONFLICT ({GROUP_KEYS}) DO UPDATE SET restaurants = v.restaurants | excluded.restaurants;"""


def groups_remove(restaurants: str) -> str:
    return f"""
        UPDATE {GROUPS} v SET restaurants = v.restaurants & ~c.restaurants
          FROM ({groups_select(restaurants)}) c
         WHERE v.municipality_id = c.municipality_id AND v.dimension = c.dimension AND v.key = c.key
           AND v.chunk = c.chunk;"""


def one_restaurant(row: str) -> str:
    """The restaurant trigger's OLD or NEW as a one-row table for groups_select."""
    columns = ("municipality_id", "district_id", "dong", "business_type", "number")
    return f"(SELECT {', '.join(f'{row}.{column} AS {column}' for column in columns)})"


FORWARD = f"""
-- No scan stored or changed until this commits: the copy below sees them all.
LOCK TABLE {v4.SCANS} IN SHARE MODE;
LOCK TABLE restaurants_restaurant IN SHARE MODE;

CREATE OR REPLACE FUNCTION rollups_cells_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {v4.cells_upsert(ADDED)}
    {served_upsert(ADDED)}
  ELSIF TG_OP = 'UPDATE' THEN
    {v4.cells_upsert(BOTH)}
    {served_upsert(BOTH)}
    {served_recount("old_scans", v4.SCANS)}
  ELSE
    {v4.cells_upsert(TAKEN)}
    {served_recount("old_scans", v4.SCANS)}
  END IF;
  RETURN NULL;
END $$;

-- A restaurant moved: its scans to its new cells (as before), itself to its new groups,
-- and, when it moved to another municipality, its days with it.
CREATE OR REPLACE FUNCTION rollups_restaurant_regrouped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {v4.cells_upsert(v4.REGROUPED_RESTAURANT)}
  {groups_remove(one_restaurant("OLD"))}
  {groups_add(one_restaurant("NEW"))}
  IF OLD.municipality_id IS DISTINCT FROM NEW.municipality_id THEN
    UPDATE {SERVED} SET restaurants = restaurants & ~{restaurant_bit("OLD.number")}
     WHERE municipality_id = OLD.municipality_id AND chunk = {chunk_of("OLD.number")};
    {served_upsert(scans_source(v4.SCANS, where="d.restaurant_id = NEW.id"))}
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION rollups_restaurants_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {groups_add("new_restaurants")}
  RETURN NULL;
END $$;
CREATE TRIGGER rollups_restaurants_added AFTER INSERT ON restaurants_restaurant
  REFERENCING NEW TABLE AS new_restaurants FOR EACH STATEMENT EXECUTE FUNCTION rollups_restaurants_added();

CREATE FUNCTION rollups_restaurants_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {groups_remove("old_restaurants")}
  RETURN NULL;
END $$;
CREATE TRIGGER rollups_restaurants_removed AFTER DELETE ON restaurants_restaurant
  REFERENCING OLD TABLE AS old_restaurants FOR EACH STATEMENT EXECUTE FUNCTION rollups_restaurants_removed();

-- What is here so far.
{served_upsert(scans_source(v4.SCANS))}
{groups_add("restaurants_restaurant")}
"""

BACKWARD = f"""
LOCK TABLE {v4.SCANS} IN SHARE MODE;
DROP TRIGGER rollups_restaurants_added ON restaurants_restaurant;
DROP FUNCTION rollups_restaurants_added();
DROP TRIGGER rollups_restaurants_removed ON restaurants_restaurant;
DROP FUNCTION rollups_restaurants_removed();
{v7.FORWARD.split("-- The years kept so far")[0]}
CREATE OR REPLACE FUNCTION rollups_restaurant_regrouped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {v4.cells_upsert(v4.REGROUPED_RESTAURANT)}
  UPDATE {v7.YEARS}
     SET municipality_id = NEW.municipality_id, district_id = NEW.district_id, dong = NEW.dong,
         business_type = NEW.business_type
   WHERE restaurant_id = NEW.id;
  RETURN NULL;
END $$;
{v7.years_upsert(v4.scans_source(v4.SCANS))}
"""


class Migration(migrations.Migration):
    dependencies = [
        ("restaurants", "0011_restaurant_number"),
        ("rollups", "0007_restaurant_years_keep_the_year_before"),
    ]

    operations = [
        migrations.CreateModel(
            name="ServedDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(help_text="the local day")),
                ("chunk", models.IntegerField(help_text="restaurant numbers chunk × CHUNK_BITS onwards")),
                (
                    "restaurants",
                    backend.rollups.models.RestaurantBits(
                        help_text="bit n (from the left): restaurant number chunk × CHUNK_BITS + n"
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="municipalities.municipality",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("municipality", "day", "chunk"), name="served_day")],
            },
        ),
        migrations.CreateModel(
            name="GroupRestaurants",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "dimension",
                    models.CharField(
                        choices=[
                            ("all", "All"),
                            ("district", "District"),
                            ("dong", "Dong"),
                            ("business_type", "Business Type"),
                            ("hauler", "Hauler"),
                            ("crew", "Crew"),
                        ],
                        max_length=16,
                    ),
                ),
                ("key", models.CharField(blank=True, help_text="as VolumeCell.key", max_length=64)),
                ("chunk", models.IntegerField()),
                ("restaurants", backend.rollups.models.RestaurantBits()),
                (
                    "municipality",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="municipalities.municipality",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("municipality", "dimension", "key", "chunk"), name="group_restaurants"
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.DeleteModel(name="RestaurantYear"),
    ]
