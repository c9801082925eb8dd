"""Scans summed into DailyVolume cells: the one statement that does it, used by the
database triggers (migrations/0001_initial.py holds a frozen copy), by the rebuild and
by the check that compares the kept rollups with a recomputation from the scans.

A scan's cell: its restaurant's municipality, district and business type (업태), its
collector's hauler, the municipality's local day of collected_at, its status."""

from dataclasses import dataclass

from django.db import connection, transaction

from backend.accounts.models import User
from backend.collection_events.selectors import scans_table
from backend.municipalities.models import Municipality
from backend.restaurants.models import Restaurant
from backend.rollups.models import DailyVolume

_KEYS = "municipality_id, day, district_id, business_type, hauler_id, status"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def cells_select(source: str, *, where: str = "TRUE") -> str:
    """SELECT the cells' keys and sums of `source` (rows with restaurant_id,
    collector_id, collected_at, status, weight_g and a `sign`: 1 to add, -1 to take away)."""
    return f"""
        SELECT r.municipality_id, (d.collected_at AT TIME ZONE m.time_zone)::date AS day, r.district_id,
               r.business_type, u.hauler_id, d.status,
               SUM(d.sign * COALESCE(d.weight_g, 0)) AS weight_g, SUM(d.sign) AS scans
          FROM {source} d
          JOIN {_table(Restaurant)} r ON r.id = d.restaurant_id
          JOIN {_table(Municipality)} m ON m.id = r.municipality_id
          JOIN {_table(User)} u ON u.id = d.collector_id
         WHERE {where}
         GROUP BY 1, 2, 3, 4, 5, 6"""


def _scans(municipality: Municipality | None) -> tuple[str, str, list]:
    source = f"(SELECT restaurant_id, collector_id, collected_at, status, weight_g, 1 AS sign FROM {scans_table()})"
    if municipality is None:
        return source, "TRUE", []
    return source, "r.municipality_id = %s", [municipality.id]


def rebuild(*, municipality: Municipality | None = None) -> int:
    """Recompute the rollups from the scans (a first deploy, or after a check found a
    difference); returns the number of cells written. Scans cannot be stored or change
    status meanwhile (a SHARE lock on the scans' table), so no change is lost between
    the delete and the sums; reports go on reading the old rows until the commit."""
    source, where, params = _scans(municipality)
    rollups = _table(DailyVolume)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {scans_table()} IN SHARE MODE")
        if municipality is None:
            cursor.execute(f"DELETE FROM {rollups}")
        else:
            cursor.execute(f"DELETE FROM {rollups} WHERE municipality_id = %s", [municipality.id])
        cursor.execute(f"INSERT INTO {rollups} ({_KEYS}, weight_g, scans) {cells_select(source, where=where)}", params)
        return cursor.rowcount


@dataclass(frozen=True)
class Difference:
    """A cell whose kept sums are not what the scans add up to."""

    municipality_id: object
    day: object
    district_id: object
    business_type: str
    hauler_id: object
    status: str
    kept_weight_g: int
    kept_scans: int
    scans_weight_g: int
    scans_scans: int


def differences(*, municipality: Municipality | None = None) -> list[Difference]:
    """Cells where the rollups and a recomputation from the scans disagree (a cell of
    zeros on one side and absent on the other agrees). Empty when they match."""
    source, where, params = _scans(municipality)
    kept_where = "TRUE" if municipality is None else "municipality_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH fresh AS ({cells_select(source, where=where)}),
                 kept AS (SELECT {_KEYS}, weight_g, scans FROM {_table(DailyVolume)} WHERE {kept_where})
            SELECT COALESCE(k.municipality_id, f.municipality_id), COALESCE(k.day, f.day),
                   COALESCE(k.district_id, f.district_id), COALESCE(k.business_type, f.business_type),
                   COALESCE(k.hauler_id, f.hauler_id), COALESCE(k.status, f.status),
                   COALESCE(k.weight_g, 0), COALESCE(k.scans, 0), COALESCE(f.weight_g, 0), COALESCE(f.scans, 0)
              FROM kept k FULL JOIN fresh f
                ON (k.municipality_id, k.day, k.district_id, k.business_type, k.status)
                 = (f.municipality_id, f.day, f.district_id, f.business_type, f.status)
               AND k.hauler_id IS NOT DISTINCT FROM f.hauler_id
             WHERE COALESCE(k.weight_g, 0) <> COALESCE(f.weight_g, 0) OR COALESCE(k.scans, 0) <> COALESCE(f.scans, 0)
             ORDER BY 1, 2, 3, 4, 5, 6
            """,
            [*params, *([] if municipality is None else [municipality.id])],
        )
        return [Difference(*row) for row in cursor.fetchall()]
