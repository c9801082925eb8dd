"""The rollups kept current by the database, in the transaction of every change to a
scan: statement triggers on the scans' table (one grouped delta upsert per INSERT or
UPDATE statement, whatever its number of rows), and row triggers for the rare edits that
move a restaurant's scans to another cell (its district, business type, municipality)
or a collector's (their hauler). docs/reports.md explains the choice.

A frozen copy of backend/rollups/cells.py's statement, as migrations must be."""

from django.db import migrations

TABLE = "rollups_dailyvolume"
KEYS = "municipality_id, day, district_id, business_type, hauler_id, status"
UPSERT_TAIL = f"""
     HAVING SUM(d.sign * COALESCE(d.weight_g, 0)) <> 0 OR SUM(d.sign) <> 0
     ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ({KEYS}) DO UPDATE
       SET weight_g = v.weight_g + excluded.weight_g, scans = v.scans + excluded.scans"""


def delta_upsert(delta: str) -> str:
    """Add the signed rows of `delta` to their cells (keys from the restaurant and collector now)."""
    return f"""
    WITH d AS ({delta})
    INSERT INTO {TABLE} AS v ({KEYS}, weight_g, scans)
    SELECT r.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date, r.district_id,
           r.business_type, u.hauler_id, d.status, SUM(d.sign * COALESCE(d.weight_g, 0)), SUM(d.sign)
      FROM d
      JOIN restaurants_restaurant r ON r.id = d.restaurant_id
      JOIN municipalities_municipality m ON m.id = r.municipality_id
      JOIN accounts_user u ON u.id = d.collector_id
     GROUP BY 1, 2, 3, 4, 5, 6 {UPSERT_TAIL};"""


COLUMNS = "restaurant_id, collector_id, collected_at, status, weight_g"
ADDED = f"SELECT {COLUMNS}, 1 AS sign FROM new_scans"
TAKEN = f"SELECT {COLUMNS}, -1 AS sign FROM old_scans"

SCANS = "collection_events_collectionevent"

FORWARD = f"""
CREATE FUNCTION rollups_scans_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN {delta_upsert(ADDED)}
  ELSIF TG_OP = 'UPDATE' THEN {delta_upsert(f"{ADDED} UNION ALL {TAKEN}")}
  ELSE {delta_upsert(TAKEN)}
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER rollups_scans_inserted AFTER INSERT ON {SCANS}
  REFERENCING NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_scans_changed();
CREATE TRIGGER rollups_scans_updated AFTER UPDATE ON {SCANS}
  REFERENCING OLD TABLE AS old_scans NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_scans_changed();
CREATE TRIGGER rollups_scans_deleted AFTER DELETE ON {SCANS}
  REFERENCING OLD TABLE AS old_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_scans_changed();

CREATE FUNCTION rollups_restaurant_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {TABLE} AS v ({KEYS}, weight_g, scans)
  SELECT x.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date, x.district_id, x.business_type,
         u.hauler_id, d.status, SUM(x.sign * COALESCE(d.weight_g, 0)), SUM(x.sign)
    FROM {SCANS} d
   CROSS JOIN (VALUES (OLD.municipality_id, OLD.district_id, OLD.business_type, -1),
                      (NEW.municipality_id, NEW.district_id, NEW.business_type, 1))
         AS x(municipality_id, district_id, business_type, sign)
    JOIN municipalities_municipality m ON m.id = x.municipality_id
    JOIN accounts_user u ON u.id = d.collector_id
   WHERE d.restaurant_id = NEW.id
   GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM(x.sign * COALESCE(d.weight_g, 0)) <> 0 OR SUM(x.sign) <> 0
   ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ({KEYS}) DO UPDATE
     SET weight_g = v.weight_g + excluded.weight_g, scans = v.scans + excluded.scans;
  RETURN NULL;
END $$;

CREATE TRIGGER rollups_restaurant_moved
  AFTER UPDATE OF municipality_id, district_id, business_type ON restaurants_restaurant FOR EACH ROW
  WHEN (OLD.municipality_id IS DISTINCT FROM NEW.municipality_id OR OLD.district_id IS DISTINCT FROM NEW.district_id
        OR OLD.business_type IS DISTINCT FROM NEW.business_type)
  EXECUTE FUNCTION rollups_restaurant_moved();

CREATE FUNCTION rollups_collector_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {TABLE} AS v ({KEYS}, weight_g, scans)
  SELECT r.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date, r.district_id, r.business_type,
         x.hauler_id, d.status, SUM(x.sign * COALESCE(d.weight_g, 0)), SUM(x.sign)
    FROM {SCANS} d
   CROSS JOIN (VALUES (OLD.hauler_id, -1), (NEW.hauler_id, 1)) AS x(hauler_id, sign)
    JOIN restaurants_restaurant r ON r.id = d.restaurant_id
    JOIN municipalities_municipality m ON m.id = r.municipality_id
   WHERE d.collector_id = NEW.id
   GROUP BY 1, 2, 3, 4, 5, 6
  HAVING SUM(x.sign * COALESCE(d.weight_g, 0)) <> 0 OR SUM(x.sign) <> 0
   ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ({KEYS}) DO UPDATE
     SET weight_g = v.weight_g + excluded.weight_g, scans = v.scans + excluded.scans;
  RETURN NULL;
END $$;

CREATE TRIGGER rollups_collector_moved
  AFTER UPDATE OF hauler_id ON accounts_user FOR EACH ROW
  WHEN (OLD.hauler_id IS DISTINCT FROM NEW.hauler_id)
  EXECUTE FUNCTION rollups_collector_moved();

-- The scans stored before: CREATE TRIGGER's lock keeps new ones out until this commits.
{delta_upsert(f"SELECT {COLUMNS}, 1 AS sign FROM {SCANS}")}
"""

BACKWARD = f"""
DROP TRIGGER rollups_collector_moved ON accounts_user;
DROP FUNCTION rollups_collector_moved();
DROP TRIGGER rollups_restaurant_moved ON restaurants_restaurant;
DROP FUNCTION rollups_restaurant_moved();
DROP TRIGGER rollups_scans_inserted ON {SCANS};
DROP TRIGGER rollups_scans_updated ON {SCANS};
DROP TRIGGER rollups_scans_deleted ON {SCANS};
DROP FUNCTION rollups_scans_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0001_daily_volume"),
        ("collection_events", "0008_verbose_names_for_the_change_history"),
        ("restaurants", "0009_verbose_names_for_the_change_history"),
        ("accounts", "0007_account_labels_english_msgids"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
