"""Billing windows: which scans an invoice covers, read back from snapshots.

An invoice records `snapshot`, the PostgreSQL snapshot of the statement that read its
scans, and its place in the restaurant's chain (`window_number`). Every scan and
status change records the transaction that wrote it (`recorded_xid`,
`changed_xid`). "Was this scan billable when invoice i was made?" is then a question
about commit order, answered exactly by `pg_visible_in_snapshot`, with no clock and
no per-scan claim row (docs/decisions/0002-billing-runs.md):

- a scan became billable in the transaction that inserted it as billable, or in the
  one that released it from held; it stopped being billable in the one that voided it;
- invoice k of a restaurant for month P covers the scans of P billable at its
  snapshot, and the scans of other months already invoiced that became billable
  after invoice k - 1's snapshot (prior-period lines), and gives back the billed scans
  voided after it (credit lines, which also name the scan).

runs.py bills with the same rules (billing/selectors.py: one statement for the lines
and the voids it saw, then the credits those voids are due); this module reads them
back for people (the scans behind a line, the invoice that billed a scan).
"""

import uuid
from collections.abc import Iterable

from django.db import connection

from backend.billing.models import Invoice, InvoiceLine, LineKind
from backend.collection_events.selectors import SCAN_SQL_PARAMS, became_billable_sql, billable_at_sql, scans_table

# Statuses and kinds travel as parameters, from the models' choices.
_PARAMS = {**SCAN_SQL_PARAMS, "usage": LineKind.USAGE.value, "prior_period": LineKind.PRIOR_PERIOD.value}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def scans_on_lines(invoice: Invoice) -> dict[uuid.UUID, list[dict]]:
    """The scans behind each usage, prior-period and credit line of one invoice,
    oldest first: {line id: [{id, collected_at, weight_g, status}]}."""
    invoices, lines, events = _table(Invoice), _table(InvoiceLine), scans_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH inv AS (
                SELECT i.id, i.time_zone, i.snapshot, p.snapshot AS previous
                  FROM {invoices} i
                  LEFT JOIN {invoices} p ON p.restaurant_id = i.restaurant_id AND p.window_number = i.window_number - 1
                 WHERE i.id = %(invoice)s
            )
            SELECT l.id, e.id, e.collected_at, e.weight_g, e.status
              FROM inv
              JOIN {lines} l ON l.invoice_id = inv.id AND l.kind IN (%(usage)s, %(prior_period)s)
              JOIN {events} e
                ON e.bin_id = l.bin_id AND e.weight_g IS NOT NULL
               AND e.collected_at >= (l.first_date::timestamp AT TIME ZONE inv.time_zone)
               AND e.collected_at < ((l.last_date + 1)::timestamp AT TIME ZONE inv.time_zone)
              {became_billable_sql("e")}
             WHERE {billable_at_sql("inv.snapshot")}
               AND (l.kind = %(usage)s OR NOT pg_visible_in_snapshot(made.billable_xid, inv.previous))
            UNION ALL
            SELECT l.id, e.id, e.collected_at, e.weight_g, e.status
              FROM {lines} l JOIN {events} e ON e.id = l.credited_event_id
             WHERE l.invoice_id = %(invoice)s
             ORDER BY 3, 2
            """,
            {"invoice": invoice.id, **_PARAMS},
        )
        scans: dict[uuid.UUID, list[dict]] = {}
        for line_id, event_id, collected_at, weight_g, status in cursor.fetchall():
            scans.setdefault(line_id, []).append(
                {"id": event_id, "collected_at": collected_at, "weight_g": weight_g, "status": status}
            )
        return scans


def billed_on(event_id: uuid.UUID) -> str | None:
    """The number of the invoice that billed this scan, if any: the first invoice of
    its restaurant, from its month's invoice on, whose snapshot saw it billable and
    that has a line for its bin and date."""
    return billed_on_many([event_id]).get(event_id)


def billed_on_many(event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """`billed_on` for many scans in one query: {scan id: invoice number}, for the
    scans that were billed (a list of disputes asks once, not once per row)."""
    wanted = list(event_ids)
    if not wanted:
        return {}
    invoices, lines, events = _table(Invoice), _table(InvoiceLine), scans_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT ON (e.id) e.id, i.number
              FROM {events} e
              {became_billable_sql("e")}
              JOIN {invoices} own_month
                ON own_month.restaurant_id = e.restaurant_id
               AND own_month.period = date_trunc('month', e.collected_at AT TIME ZONE own_month.time_zone)::date
              JOIN {invoices} i ON i.restaurant_id = e.restaurant_id AND i.window_number >= own_month.window_number
             WHERE e.id = ANY(%(events)s) AND {billable_at_sql("i.snapshot")}
               AND EXISTS (
                   SELECT 1 FROM {lines} l
                    WHERE l.invoice_id = i.id AND l.kind IN (%(usage)s, %(prior_period)s) AND l.bin_id = e.bin_id
                      AND (e.collected_at AT TIME ZONE i.time_zone)::date BETWEEN l.first_date AND l.last_date)
             ORDER BY e.id, i.window_number
            """,
            {"events": wanted, **_PARAMS},
        )
        return dict(cursor.fetchall())


def with_scans(invoice: Invoice) -> Invoice:
    """Give each of the invoice's lines (prefetched or not) a `scans` list."""
    scans = scans_on_lines(invoice)
    for line in invoice.lines.all():
        line.scans = scans.get(line.id, [])  # type: ignore[attr-defined]  # for the page, not a field
    return invoice
