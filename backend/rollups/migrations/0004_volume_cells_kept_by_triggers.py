"""VolumeCell and RestaurantMonth kept current by the database, in the transaction of
every change to a scan, as 0002 keeps DailyVolume: statement triggers on the scans'
table (one grouped delta upsert per statement), and row triggers for the rare edits
that move a restaurant (municipality, district, 동, business type) or a crew member
(hauler) to other cells. A restaurant month's days with a collection are ORed in as
scans arrive and recounted from the scans when scans leave (voided, moved, deleted).
docs/reports.md explains the choice.

A frozen copy of backend/rollups/sums.py's statements, as migrations must be. The
functions are separate CREATE OR REPLACE FUNCTIONs so that the triggers can be made
again on another scans table by name."""

from django.db import migrations


WEIGHED = "('billable', 'held')"

CELL_KEYS = "municipality_id, dimension, grain, period, key, status"
# One row of a scan per grouping: the whole municipality, its district, its 동 (within the
# district: the same 동 name recurs in other districts), its 업태, its hauler, its crew.
_DIMENSIONS = {
    "all": "('all', '')",
    "district": "('district', s.district_id::text)",
    "dong": "('dong', s.district_id::text || ' ' || s.dong)",
    "business_type": "('business_type', s.business_type)",
    "hauler": "('hauler', COALESCE(s.hauler_id::text, ''))",
    "crew": "('crew', s.collector_id::text)",
}
_GRAINS = "(VALUES ('day'), ('month')) AS g(grain)"


def cells_select(source: str, dimensions=tuple(_DIMENSIONS)) -> str:
    """SELECT VolumeCell keys and sums of `source`, one row per cell of `dimensions`."""
    keys = ", ".join(_DIMENSIONS[name] for name in dimensions)
    return f"""
        SELECT s.municipality_id, k.dimension, g.grain,
               CASE g.grain WHEN 'day' THEN s.day ELSE date_trunc('month', s.day::timestamp)::date END AS period,
               k.key, s.status, SUM(s.sign * s.grams) AS weight_g, SUM(s.sign) AS scans
          FROM ({source}) s CROSS JOIN LATERAL (VALUES {keys}) AS k(dimension, key) CROSS JOIN {_GRAINS}
         GROUP BY 1, 2, 3, 4, 5, 6"""


def cells_upsert(source: str, dimensions=tuple(_DIMENSIONS)) -> str:
    """Add `source`'s signed sums to their VolumeCells, cells in key order (no deadlock
    between two batches)."""
    return f"""
        INSERT INTO rollups_volumecell AS v ({CELL_KEYS}, weight_g, scans)
        SELECT * FROM ({cells_select(source, dimensions)}) c
         WHERE c.weight_g <> 0 OR c.scans <> 0
         ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ({CELL_KEYS}) DO UPDATE
           SET weight_g = v.weight_g + excluded.weight_g, scans = v.scans + excluded.scans;"""


MONTH_COLUMNS = (
    "municipality_id, restaurant_id, month, district_id, dong, business_type, "
    "billable_g, held_g, collections, visits_not_collected, served_days"
)


def months_select(source: str) -> str:
    """SELECT RestaurantMonth rows of `source`: sums by status, and the days with a
    collection added (bits of removed scans are recounted, not subtracted)."""
    return f"""
        SELECT s.municipality_id, s.restaurant_id, date_trunc('month', s.day::timestamp)::date AS month,
               s.district_id, s.dong, s.business_type,
               COALESCE(SUM(s.sign * s.grams) FILTER (WHERE s.status = 'billable'), 0) AS billable_g,
               COALESCE(SUM(s.sign * s.grams) FILTER (WHERE s.status = 'held'), 0) AS held_g,
               COALESCE(SUM(s.sign) FILTER (WHERE s.status IN {WEIGHED}), 0) AS collections,
               COALESCE(SUM(s.sign) FILTER (WHERE s.status = 'not_collected'), 0) AS visits_not_collected,
               COALESCE(bit_or(1 << (extract(day FROM s.day)::int - 1))
                        FILTER (WHERE s.sign > 0 AND s.status IN {WEIGHED}), 0) AS served_days
          FROM ({source}) s
         GROUP BY 1, 2, 3, 4, 5, 6"""


def months_upsert(source: str) -> str:
    return f"""
        INSERT INTO rollups_restaurantmonth AS v ({MONTH_COLUMNS})
        SELECT * FROM ({months_select(source)}) c
         WHERE c.billable_g <> 0 OR c.held_g <> 0 OR c.collections <> 0 OR c.visits_not_collected <> 0
            OR c.served_days <> 0
         ORDER BY 2, 3
        ON CONFLICT (restaurant_id, month) DO UPDATE
           SET billable_g = v.billable_g + excluded.billable_g, held_g = v.held_g + excluded.held_g,
               collections = v.collections + excluded.collections,
               visits_not_collected = v.visits_not_collected + excluded.visits_not_collected,
               served_days = v.served_days | excluded.served_days;"""


def served_days_recount(removed: str, scans: str) -> str:
    """Recount the days with a collection of the restaurant months that `removed` (scans
    taken away: voided, moved, deleted) had one in, from the scans as they are now."""
    return f"""
        WITH touched AS (
            SELECT DISTINCT o.restaurant_id,
                   date_trunc('month', o.collected_at AT TIME ZONE m.time_zone)::date AS month, m.time_zone
              FROM {removed} o
              JOIN restaurants_restaurant r ON r.id = o.restaurant_id
              JOIN municipalities_municipality m ON m.id = r.municipality_id
             WHERE o.status IN {WEIGHED})
        UPDATE rollups_restaurantmonth v
           SET served_days = (
               SELECT COALESCE(bit_or(1 << (extract(day FROM e.collected_at AT TIME ZONE t.time_zone)::int - 1)), 0)
                 FROM {scans} e
                WHERE e.restaurant_id = t.restaurant_id AND e.status IN {WEIGHED}
                  AND e.collected_at >= (t.month::timestamp AT TIME ZONE t.time_zone)
                  AND e.collected_at < ((t.month + interval '1 month') AT TIME ZONE t.time_zone))
          FROM touched t
         WHERE v.restaurant_id = t.restaurant_id AND v.month = t.month;"""


def scans_source(scans: str, *, sign: str = "1", where: str = "TRUE") -> str:
    """`source` rows of the scans in `scans` (a table or transition table), keys from the
    restaurant and collector as they are now."""
    return f"""
        SELECT r.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date AS day, r.district_id, r.dong,
               r.business_type, u.hauler_id, d.collector_id, d.restaurant_id, d.status,
               COALESCE(d.weight_g, 0) AS grams, {sign} AS sign
          FROM {scans} d
          JOIN restaurants_restaurant r ON r.id = d.restaurant_id
          JOIN municipalities_municipality m ON m.id = r.municipality_id
          JOIN accounts_user u ON u.id = d.collector_id
         WHERE {where}"""


SCANS = "collection_events_collectionevent"
ADDED = scans_source("new_scans")
TAKEN = scans_source("old_scans", sign="-1")
BOTH = f"{ADDED} UNION ALL {TAKEN}"

# A restaurant moved to another municipality, district, 동 or business type: its scans
# leave the old cells and join the new ones (its crew and hauler cells stay).
REGROUPED_RESTAURANT = f"""
    SELECT x.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date AS day, x.district_id, x.dong,
           x.business_type, u.hauler_id, d.collector_id, d.restaurant_id, d.status,
           COALESCE(d.weight_g, 0) AS grams, x.sign
      FROM {SCANS} d
     CROSS JOIN (VALUES (OLD.municipality_id, OLD.district_id, OLD.dong, OLD.business_type, -1),
                        (NEW.municipality_id, NEW.district_id, NEW.dong, NEW.business_type, 1))
           AS x(municipality_id, district_id, dong, business_type, sign)
      JOIN municipalities_municipality m ON m.id = x.municipality_id
      JOIN accounts_user u ON u.id = d.collector_id
     WHERE d.restaurant_id = NEW.id"""
# A crew member joined another hauler: their scans move between hauler cells.
REGROUPED_CREW = f"""
    SELECT r.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date AS day, r.district_id, r.dong,
           r.business_type, x.hauler_id, d.collector_id, d.restaurant_id, d.status,
           COALESCE(d.weight_g, 0) AS grams, x.sign
      FROM {SCANS} d
     CROSS JOIN (VALUES (OLD.hauler_id, -1), (NEW.hauler_id, 1)) AS x(hauler_id, sign)
      JOIN restaurants_restaurant r ON r.id = d.restaurant_id
      JOIN municipalities_municipality m ON m.id = r.municipality_id
     WHERE d.collector_id = NEW.id"""

FORWARD = f"""
CREATE OR REPLACE FUNCTION rollups_cells_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {cells_upsert(ADDED)}
    {months_upsert(ADDED)}
  ELSIF TG_OP = 'UPDATE' THEN
    {cells_upsert(BOTH)}
    {months_upsert(BOTH)}
    {served_days_recount("old_scans", SCANS)}
  ELSE
    {cells_upsert(TAKEN)}
    {months_upsert(TAKEN)}
    {served_days_recount("old_scans", SCANS)}
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER rollups_cells_inserted AFTER INSERT ON {SCANS}
  REFERENCING NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_cells_changed();
CREATE TRIGGER rollups_cells_updated AFTER UPDATE ON {SCANS}
  REFERENCING OLD TABLE AS old_scans NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_cells_changed();
CREATE TRIGGER rollups_cells_deleted AFTER DELETE ON {SCANS}
  REFERENCING OLD TABLE AS old_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_cells_changed();

CREATE OR REPLACE FUNCTION rollups_restaurant_regrouped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {cells_upsert(REGROUPED_RESTAURANT, ("all", "district", "dong", "business_type", "hauler", "crew"))}
  UPDATE rollups_restaurantmonth
     SET municipality_id = NEW.municipality_id, district_id = NEW.district_id, dong = NEW.dong,
         business_type = NEW.business_type
   WHERE restaurant_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER rollups_restaurant_regrouped
  AFTER UPDATE OF municipality_id, district_id, dong, business_type ON restaurants_restaurant FOR EACH ROW
  WHEN (OLD.municipality_id IS DISTINCT FROM NEW.municipality_id OR OLD.district_id IS DISTINCT FROM NEW.district_id
        OR OLD.dong IS DISTINCT FROM NEW.dong OR OLD.business_type IS DISTINCT FROM NEW.business_type)
  EXECUTE FUNCTION rollups_restaurant_regrouped();

CREATE OR REPLACE FUNCTION rollups_crew_regrouped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {cells_upsert(REGROUPED_CREW, ("hauler",))}
  RETURN NULL;
END $$;

CREATE TRIGGER rollups_crew_regrouped
  AFTER UPDATE OF hauler_id ON accounts_user FOR EACH ROW
  WHEN (OLD.hauler_id IS DISTINCT FROM NEW.hauler_id)
  EXECUTE FUNCTION rollups_crew_regrouped();

-- The scans stored before: CREATE TRIGGER's lock keeps new ones out until this commits.
{cells_upsert(scans_source(SCANS))}
{months_upsert(scans_source(SCANS))}
"""

BACKWARD = f"""
DROP TRIGGER rollups_crew_regrouped ON accounts_user;
DROP FUNCTION rollups_crew_regrouped();
DROP TRIGGER rollups_restaurant_regrouped ON restaurants_restaurant;
DROP FUNCTION rollups_restaurant_regrouped();
DROP TRIGGER rollups_cells_inserted ON {SCANS};
DROP TRIGGER rollups_cells_updated ON {SCANS};
DROP TRIGGER rollups_cells_deleted ON {SCANS};
DROP FUNCTION rollups_cells_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0003_volume_cells_and_restaurant_months"),
        ("restaurants", "0010_restaurant_dong"),
        # The triggers go on the partitioned scans table, which 0011 makes.
        ("collection_events", "0011_events_partitioned_by_month"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
