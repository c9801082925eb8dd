"""The statements that sum scans into the finer rollups (VolumeCell, RestaurantMonth):
used by the rebuild and the check here, and, frozen, by the triggers of migration 0004.

Each takes a `source` query of rows with the scan's municipality_id, local `day`,
district_id, dong, business_type (its restaurant's), hauler_id (its collector's),
collector_id, restaurant_id, status, `grams` (0 for a visit without a weighing) and a
`sign` (1 to add, -1 to take away). Pure text: no database access here."""

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
