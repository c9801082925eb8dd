"""Reading collections as SQL, for set-based readers in apps above this one. (A crew's day
of stops: routes/selectors.py.)"""

from django.db import connection

from backend.collection_events.models import CollectionEvent, CollectionEventStatusChange, CollectionStatus

# SQL for set-based readers in apps above this one (billing's window statement and
# its read-back). These fragments name this app's tables and encode what its
# statuses mean; the statuses themselves travel as query parameters: a caller adds
# SCAN_SQL_PARAMS to its own (named, `%(name)s`) parameters, so renaming a status
# in CollectionStatus changes every such query with it.

SCAN_SQL_PARAMS = {
    "scan_billable": CollectionStatus.BILLABLE.value,
    "scan_void": CollectionStatus.VOID.value,
}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def scans_table() -> str:
    """The scans' table (columns: id, restaurant_id, bin_id, weight_g, collected_at,
    status, recorded_xid — the transaction that inserted the scan)."""
    return _table(CollectionEvent)


def weighed_billable_sql(scan: str) -> str:
    """True for the scan aliased `scan` if it is billable now and was weighed."""
    return f"{scan}.status = %(scan_billable)s AND {scan}.weight_g IS NOT NULL"


def billable_scan_between_sql(bin_expr: str, start: str, end: str) -> str:
    """True if the bin `bin_expr` has a billable scan collected in [start, end)."""
    return f"""EXISTS (
        SELECT 1 FROM {scans_table()} e
         WHERE e.bin_id = {bin_expr} AND e.status = %(scan_billable)s
           AND e.collected_at >= {start} AND e.collected_at < {end})"""


def releases_and_voids_since_sql(oldest_xid: str) -> str:
    """Rows (event_id, event_collected_at, from_status, to_status, changed_xid): the
    status changes that made a scan billable (a release from held) or void, written by
    transaction `oldest_xid` or later. Compare to_status with %(scan_billable)s /
    %(scan_void)s; event_collected_at names the scan's partition."""
    return f"""
        SELECT c.event_id, c.event_collected_at, c.from_status, c.to_status, c.changed_xid
          FROM {_table(CollectionEventStatusChange)} c
         WHERE c.changed_xid >= {oldest_xid} AND c.to_status IN (%(scan_billable)s, %(scan_void)s)"""


def billable_since_xid_sql(scan: str) -> str:
    """For a scan that was billable at some point: the transaction that made it so
    (its release from held, if it was held; otherwise the one that inserted it)."""
    return f"""coalesce(
        (SELECT c.changed_xid FROM {_table(CollectionEventStatusChange)} c
          WHERE c.event_id = {scan}.id AND c.to_status = %(scan_billable)s LIMIT 1),
        {scan}.recorded_xid)"""


def became_billable_sql(scan: str = "e") -> str:
    """Lateral joins for the scan aliased `scan`: `made.billable_xid`, the transaction
    that made it billable (NULL if it never was), and `voided.changed_xid`, the one
    that voided it (NULL if it was not)."""
    changes = _table(CollectionEventStatusChange)
    return f"""
      LEFT JOIN LATERAL (SELECT c.changed_xid FROM {changes} c
                          WHERE c.event_id = {scan}.id AND c.to_status = %(scan_billable)s LIMIT 1) released ON true
      LEFT JOIN LATERAL (SELECT c.changed_xid, c.from_status FROM {changes} c
                          WHERE c.event_id = {scan}.id AND c.to_status = %(scan_void)s LIMIT 1) voided ON true
     CROSS JOIN LATERAL (SELECT CASE
                                  WHEN released.changed_xid IS NOT NULL THEN released.changed_xid
                                  WHEN {scan}.status = %(scan_billable)s OR voided.from_status = %(scan_billable)s
                                  THEN {scan}.recorded_xid
                                END AS billable_xid) made
    """


def billable_at_sql(snapshot: str) -> str:
    """True when the scan was billable in `snapshot` (use with became_billable_sql)."""
    return (
        f"(made.billable_xid IS NOT NULL AND pg_visible_in_snapshot(made.billable_xid, {snapshot})"
        f" AND (voided.changed_xid IS NULL OR NOT pg_visible_in_snapshot(voided.changed_xid, {snapshot})))"
    )
