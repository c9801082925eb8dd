"""The statements that keep the rollups (VolumeCell, ServedDay, GroupRestaurants): used
by the rebuild and the check here, and, frozen, by the triggers of migrations 0004 and
0008.

The scans' statements take a `source` query of rows with the scan's municipality_id,
local `day`, district_id, dong, business_type (its restaurant's), hauler_id (its
collector's), collector_id, restaurant_id, restaurant_number, status, `grams` (0 for a
visit without a weighing) and a `sign` (1 to add, -1 to take away). Pure text: no
database access here."""

from backend.rollups.models import CHUNK_BITS

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


BITS = f"bit({CHUNK_BITS})"
NO_RESTAURANTS = f"B'0'::{BITS}"
SERVED_KEYS = "municipality_id, day, chunk"
GROUP_KEYS = "municipality_id, dimension, key, chunk"


def chunk_of(number: str) -> str:
    """The chunk of restaurant number `number` (rollups.models.RestaurantBits)."""
    return f"({number} >> {CHUNK_BITS.bit_length() - 1})::int"


def restaurant_bit(number: str) -> str:
    """The bit string of restaurant number `number` within its chunk."""
    return f"(B'1'::{BITS} >> ({number} & {CHUNK_BITS - 1})::int)"


def served_select(source: str) -> str:
    """SELECT ServedDay rows of `source`: the restaurants with a weighed collection on each local day."""
    return f"""
        SELECT s.municipality_id, s.day, {chunk_of("s.restaurant_number")} AS chunk,
               bit_or({restaurant_bit("s.restaurant_number")}) AS restaurants
          FROM ({source}) s
         WHERE s.sign > 0 AND s.status IN {WEIGHED}
         GROUP BY 1, 2, 3"""


def served_upsert(source: str) -> str:
    """OR `source`'s restaurants into their ServedDays, rows in key order; a row whose bits
    are all set already is left as it is (a second bin of the restaurant that day)."""
    return f"""
        INSERT INTO rollups_servedday AS v ({SERVED_KEYS}, restaurants)
        SELECT * FROM ({served_select(source)}) c
         ORDER BY 1, 2, 3
        ON CONFLICT ({SERVED_KEYS}) DO UPDATE SET restaurants = v.restaurants | excluded.restaurants
         WHERE v.restaurants | excluded.restaurants <> v.restaurants;"""


def served_recount(removed: str, scans: str) -> str:
    """Take the restaurants out of the days that `removed` (scans taken away: voided, moved,
    deleted) had them in, where no weighed scan of theirs is left that day."""
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
        UPDATE rollups_servedday v SET restaurants = v.restaurants & ~e.restaurants
          FROM emptied e
         WHERE v.municipality_id = e.municipality_id AND v.day = e.day AND v.chunk = e.chunk;"""


# The groupings restaurants are counted in, as VolumeCell keys of a restaurant row `s`.
GROUPS = {name: _DIMENSIONS[name] for name in ("district", "dong", "business_type")}


def groups_select(restaurants: str) -> str:
    """SELECT GroupRestaurants rows of `restaurants` (rows with municipality_id,
    district_id, dong, business_type and number)."""
    return f"""
        SELECT s.municipality_id, k.dimension, k.key, {chunk_of("s.number")} AS chunk,
               bit_or({restaurant_bit("s.number")}) AS restaurants
          FROM {restaurants} s CROSS JOIN LATERAL (VALUES {", ".join(GROUPS.values())}) AS k(dimension, key)
         GROUP BY 1, 2, 3, 4"""


def groups_add(restaurants: str) -> str:
    """Put `restaurants` in their groups."""
    return f"""
        INSERT INTO rollups_grouprestaurants AS v ({GROUP_KEYS}, restaurants)
        SELECT * FROM ({groups_select(restaurants)}) c
         ORDER BY 1, 2, 3, 4
        ON CONFLICT ({GROUP_KEYS}) DO UPDATE SET restaurants = v.restaurants | excluded.restaurants;"""


def groups_remove(restaurants: str) -> str:
    """Take `restaurants` out of their groups."""
    return f"""
        UPDATE rollups_grouprestaurants v SET restaurants = v.restaurants & ~c.restaurants
          FROM ({groups_select(restaurants)}) c
         WHERE v.municipality_id = c.municipality_id AND v.dimension = c.dimension AND v.key = c.key
           AND v.chunk = c.chunk;"""


def scans_source(scans: str, *, sign: str = "1", where: str = "TRUE") -> str:
    """`source` rows of the scans in `scans` (a table or transition table), keys from the
    restaurant and collector as they are now."""
    return f"""
        SELECT r.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date AS day, r.district_id, r.dong,
               r.business_type, u.hauler_id, d.collector_id, d.restaurant_id, r.number AS restaurant_number,
               d.status, COALESCE(d.weight_g, 0) AS grams, {sign} AS sign
          FROM {scans} d
          JOIN restaurants_restaurant r ON r.id = d.restaurant_id
          JOIN municipalities_municipality m ON m.id = r.municipality_id
          JOIN accounts_user u ON u.id = d.collector_id
         WHERE {where}"""
