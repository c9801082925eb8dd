"""The statements that sum scans into the finer rollups (VolumeCell, RestaurantYear):
used by the rebuild and the check here, and, frozen, by the triggers of migrations 0004, 0005
and 0007.

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


YEAR_COLUMNS = "municipality_id, restaurant_id, year, district_id, dong, business_type, days, days_year_before"
DAYS = "bit(366)"
NO_DAYS = f"B'0'::{DAYS}"


def day_bit(day: str) -> str:
    """The bit string of one local day of its year (bit 0, the leftmost: 1 January)."""
    return f"(B'1'::{DAYS} >> (extract(doy FROM {day})::int - 1))"


def years_select(source: str) -> str:
    """SELECT RestaurantYear rows of `source`: the local days with a collection of each
    year (`days`) and again in the next year's row (`days_year_before`); the days of
    removed scans are recounted, not subtracted."""
    return f"""
        SELECT s.municipality_id, s.restaurant_id, extract(year FROM s.day)::int + k.later AS year,
               s.district_id, s.dong, s.business_type,
               bit_or(CASE k.later WHEN 0 THEN {day_bit("s.day")} ELSE {NO_DAYS} END) AS days,
               bit_or(CASE k.later WHEN 1 THEN {day_bit("s.day")} ELSE {NO_DAYS} END) AS days_year_before
          FROM ({source}) s CROSS JOIN (VALUES (0), (1)) AS k(later)
         WHERE s.sign > 0 AND s.status IN {WEIGHED}
         GROUP BY 1, 2, 3, 4, 5, 6"""


def years_upsert(source: str) -> str:
    """OR `source`'s days with a collection into their RestaurantYears, rows in key order."""
    return f"""
        INSERT INTO rollups_restaurantyear AS v ({YEAR_COLUMNS})
        SELECT * FROM ({years_select(source)}) c
         ORDER BY 2, 3
        ON CONFLICT (restaurant_id, year) DO UPDATE
           SET days = v.days | excluded.days, days_year_before = v.days_year_before | excluded.days_year_before;"""


def days_recount(removed: str, scans: str) -> str:
    """Recount the days with a collection of the restaurant years that `removed` (scans
    taken away: voided, moved, deleted) had one in, from the scans as they are now: the
    year's row's `days` and the next year's row's `days_year_before`."""
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
        -- One change per row: a year recounted sets its row's days and the next row's
        -- days_year_before, and two recounted years in a row meet in one row.
        merged AS (
            SELECT restaurant_id, year, bit_or(days) AS days, bit_or(days_year_before) AS days_year_before
              FROM (SELECT restaurant_id, year, days, NULL::{DAYS} AS days_year_before FROM recounted
                    UNION ALL
                    SELECT restaurant_id, year + 1, NULL::{DAYS}, days FROM recounted) c
             GROUP BY 1, 2)
        UPDATE rollups_restaurantyear v
           SET days = COALESCE(m.days, v.days), days_year_before = COALESCE(m.days_year_before, v.days_year_before)
          FROM merged m
         WHERE v.restaurant_id = m.restaurant_id AND v.year = m.year;"""


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
