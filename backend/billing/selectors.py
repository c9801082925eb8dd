"""What a billing run reads for a chunk of restaurants, as plain records.

The window statement (`read_window`) is the heart: in ONE statement, so in one
snapshot, it sums what the chunk's restaurants pay for now per (restaurant, bin,
tariff, month) and names the scans voided since; the credits those voids are due
are read from that list alone (the rules: billing/windows.py and
docs/decisions/0002-billing-runs.md). Other apps' tables and statuses come from
those apps' selectors (collection_events, restaurants, tags), which hand out SQL
fragments with their statuses as parameters; no status is spelled here.

Ids and dates come back as text, as PostgreSQL prints them, and stay text down to
the COPY rows: a run would otherwise build and print ~700,000 uuid.UUID objects.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from backend.billing.models import EntryKind, Invoice, LedgerEntry, Tariff
from backend.billing.periods import Period
from backend.collection_events import selectors as scans
from backend.restaurants import selectors as restaurants
from backend.tags import selectors as tags


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class DatabaseStateError(Exception):
    """The database cannot be billed from safely; never retried."""


@dataclass(frozen=True, slots=True)
class BinInService:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class ChainHead:
    """A restaurant's latest invoice: the snapshot it read in and its place in the chain."""

    snapshot: str
    window_number: int


@dataclass(slots=True)
class UsageRow:
    """The scans of one bin at one tariff in one month, summed: one usage line (this
    month) or prior-period line (a month already invoiced) to be."""

    restaurant_id: str
    bin_id: str
    tariff_id: str
    price_per_kg_krw: int
    service_period: str  # YYYY-MM-01
    weight_g: int
    collections: int
    first_date: str  # YYYY-MM-DD, local
    last_date: str


@dataclass(slots=True)
class CreditRow:
    """A scan some invoice billed and that was voided since: one credit line to be."""

    restaurant_id: str
    event_id: str
    bin_id: str
    bin_label: str
    weight_g: int
    price_per_kg_krw: int  # the tariff in force on its date
    local_date: str  # YYYY-MM-DD
    billed_on: str  # the number of the invoice that billed it


@dataclass
class Window:
    """What the window statement read for a chunk, per restaurant id, and the snapshot
    it read in (each new invoice's `snapshot`)."""

    snapshot: str
    usage: dict[str, list[UsageRow]] = field(default_factory=dict)
    credits: dict[str, list[CreditRow]] = field(default_factory=dict)


def invoiced_restaurants(restaurant_ids: list[str], period: Period) -> set[str]:
    """Those of the restaurants that already have the month's invoice (a final invoice
    at a handover bills only the old owner's part: the month's invoice follows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT restaurant_id::text FROM {_table(Invoice)}
                 WHERE period = %s AND restaurant_id = ANY(%s::uuid[]) AND last_day IS NULL""",
            [period.first_day, restaurant_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def bins_in_service(restaurant_ids: list[str], *, start, end, first_day: date) -> dict[str, list[BinInService]]:
    """Per restaurant, its bins in service at any time in [start, end), by label:
    created before the end, not retired before the start (a retired bin's tags were
    revoked when it was retired) and of a restaurant not closed before the month's
    first (local) day, or weighed in it. Each pays the base fee; a restaurant with none
    and nothing weighed or credited gets no invoice."""
    bins = restaurants.bins_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT b.id::text, b.restaurant_id::text, b.label FROM {bins} b
             WHERE b.restaurant_id = ANY(%(ids)s::uuid[])
               AND ((b.created_at < %(end)s
                     AND ({restaurants.bin_is_active_sql("b")} OR {tags.tag_revoked_since_sql("b.id", "%(start)s")})
                     AND NOT {restaurants.restaurant_closed_before_sql("b.restaurant_id", "%(first_day)s")})
                    OR {scans.billable_scan_between_sql("b.id", "%(start)s", "%(end)s")})
             ORDER BY b.label, b.id
            """,
            {
                "ids": restaurant_ids,
                "start": start,
                "end": end,
                "first_day": first_day,
                **restaurants.BIN_SQL_PARAMS,
                **scans.SCAN_SQL_PARAMS,
            },
        )
        in_service: dict[str, list[BinInService]] = defaultdict(list)
        for bin_id, restaurant_id, label in cursor.fetchall():
            in_service[restaurant_id].append(BinInService(bin_id, label))
        return in_service


def bin_labels(bin_ids: set[str]) -> dict[str, str]:
    bins = restaurants.bins_table()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id::text, label FROM {bins} WHERE id = ANY(%s::uuid[])", [list(bin_ids)])
        return dict(cursor.fetchall())


def chain_heads(restaurant_ids: list[str]) -> dict[str, ChainHead]:
    """Each restaurant's latest invoice. Read under the restaurants' locks, so no
    other run can extend these chains meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT ON (restaurant_id) restaurant_id::text, snapshot::text, window_number,
                   pg_snapshot_xmax(snapshot) > pg_snapshot_xmax(pg_current_snapshot())
              FROM {_table(Invoice)}
             WHERE restaurant_id = ANY(%s::uuid[])
             ORDER BY restaurant_id, window_number DESC
            """,
            [restaurant_ids],
        )
        heads = {}
        for restaurant_id, snapshot, window_number, from_the_future in cursor.fetchall():
            if from_the_future:
                # Transaction ids went backwards (a logical dump restored into a new
                # cluster): windows would be wrong, so bill nothing (decision 0002).
                raise DatabaseStateError(
                    f"invoice snapshot {snapshot} of restaurant {restaurant_id} is ahead of this server's "
                    "transaction ids; advance them (pg_resetwal --next-transaction-id/--epoch) before billing"
                )
            heads[restaurant_id] = ChainHead(snapshot, window_number)
        return heads


def balances(owners: dict[str, str | None]) -> dict[str, int]:
    """The balance of each restaurant's account held by the owner given (negative:
    credit or prepaid): the account the restaurant's new invoice is billed to."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT l.restaurant_id::text, sum(l.amount_krw)
                  FROM {_table(LedgerEntry)} l
                  JOIN unnest(%s::uuid[], %s::bigint[]) AS a(restaurant_id, owner_id)
                    ON a.restaurant_id = l.restaurant_id AND l.owner_id IS NOT DISTINCT FROM a.owner_id
                 GROUP BY l.restaurant_id""",
            [list(owners), [None if owner is None else int(owner) for owner in owners.values()]],
        )
        return {row[0]: int(row[1]) for row in cursor.fetchall()}


@dataclass(frozen=True, slots=True)
class Draws:
    """A prepaid restaurant's pickup draws that its new invoice settles."""

    total_krw: int
    entry_ids: tuple[str, ...]


def _horizon(end, zone: str):
    """Where the scans a window can bill end: with the month of now() or of the period
    billed, whichever is later, as the window's segments do (no later scan is on a
    line). A constant of the statement, so the months made ahead past it are not
    planned, nor the default partition once every month in between has its own."""
    local = ZoneInfo(zone)
    return max(end, Period.containing(timezone.now(), local).bounds(local)[1])


def prepaid_draws(
    owners: dict[str, str | None], heads: dict[str, ChainHead], *, zone: str, start, end, lookback_start
) -> dict[str, Draws]:
    """The unsettled pickup draws whose scans the chunk's window bills: the same
    predicate as `read_window`'s (this month's billable scans; scans of invoiced months
    that became billable since the restaurant's latest invoice), read right after it
    under the same restaurant locks. The draws' writer (billing/prepaid.py) takes those
    locks too, so no draw appears in between; a scan voided in between (after the
    window counted it) is left unsettled and given back by the next sweep, while the
    next invoice credits it: the account still pays for it once, net nothing.

    Only the draws of the account the invoice is billed to (`owners`: restaurant →
    owner): a draw from another owner's wallet is never netted against this one's bill."""
    ledger, invoices, events = _table(LedgerEntry), _table(Invoice), scans.scans_table()
    restaurant_ids = list(owners)
    previous = [(restaurant_id, head.snapshot) for restaurant_id, head in heads.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH previous (restaurant_id, snapshot) AS MATERIALIZED (
                SELECT * FROM unnest(%(previous_ids)s::uuid[], %(previous_snapshots)s::pg_snapshot[])
            ), accounts (restaurant_id, owner_id) AS MATERIALIZED (
                SELECT * FROM unnest(%(ids)s::uuid[], %(owner_ids)s::bigint[])
            )
            SELECT d.restaurant_id::text, d.id::text, d.amount_krw
              FROM {ledger} d
              JOIN accounts a ON a.restaurant_id = d.restaurant_id AND d.owner_id IS NOT DISTINCT FROM a.owner_id
              JOIN {events} e ON e.id = d.event_id
              LEFT JOIN previous p ON p.restaurant_id = e.restaurant_id
             WHERE d.kind = %(draw)s AND d.settled_by_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM {ledger} r WHERE r.key = %(reversal)s || d.event_id::text)
               AND {scans.weighed_billable_sql("e")}
               AND e.collected_at >= %(lookback)s AND e.collected_at < %(horizon)s
               AND ((e.collected_at >= %(start)s AND e.collected_at < %(end)s)
                    OR (NOT pg_visible_in_snapshot({scans.billable_since_xid_sql("e")}, p.snapshot)
                        AND EXISTS (SELECT 1 FROM {invoices} i
                                     WHERE i.restaurant_id = e.restaurant_id
                                       AND i.period = date_trunc('month', e.collected_at AT TIME ZONE %(zone)s)::date)))
             ORDER BY d.restaurant_id, d.id
            """,
            {
                "ids": restaurant_ids,
                "owner_ids": [None if owner is None else int(owner) for owner in owners.values()],
                "previous_ids": [restaurant_id for restaurant_id, _ in previous],
                "previous_snapshots": [snapshot for _, snapshot in previous],
                "draw": EntryKind.PICKUP_CHARGE.value,
                "reversal": f"{EntryKind.PICKUP_REVERSAL.value}:",
                "start": start,
                "end": end,
                "lookback": lookback_start,
                "horizon": _horizon(end, zone),
                "zone": zone,
                **scans.SCAN_SQL_PARAMS,
            },
        )
        found: dict[str, tuple[int, list[str]]] = {}
        for restaurant_id, entry_id, amount in cursor.fetchall():
            total, ids = found.get(restaurant_id, (0, []))
            ids.append(entry_id)
            found[restaurant_id] = (total + int(amount), ids)
        return {restaurant_id: Draws(total, tuple(ids)) for restaurant_id, (total, ids) in found.items()}


def tariff_at_month_end(municipality_id, period: Period) -> Tariff | None:
    """Base fee and minimum charge come from the tariff in force when the month closes."""
    return Tariff.objects.filter(municipality_id=municipality_id).in_force_on(period.last_day).first()


def read_window(
    restaurant_ids: list[str],
    heads: dict[str, ChainHead],
    *,
    municipality_id,
    zone: str,
    start,
    end,
    lookback_start,
    owners_since: dict[str, str] | None = None,
    until=None,
) -> Window:
    """In ONE statement, so in one snapshot: sum what these restaurants pay for now
    per (restaurant, bin, tariff, month), and name the scans voided since some
    previous invoice; then, only if there are any, find the credits they are due.

    - this month's scans: billable in this snapshot (no earlier invoice could bill them);
    - scans of other months that have an invoice: billable now but not in the
      snapshot of the restaurant's latest invoice (arrived, or released, since);
    - credits: scans voided since that snapshot that some invoice billed.
    Each scan is priced at the tariff in force on its local date. Nothing is written
    per scan: the invoice's snapshot is the record (billing/windows.py reads it back).

    The credits are read by a second statement (`_credits`) from the voids the first
    one saw, so they belong to the same snapshot. Apart, each statement's plan visits
    only the months it can need: the lines' scans lie between the lookback and the last
    month a segment covers, and each voided scan in its own month (a status change
    names it). Joined by scan id in one statement, the plan took in every month stored.

    After a handover, an invoice is billed to one owner for their part only: scans
    and credits collected before `owners_since[restaurant]` (the start of the owner's
    period) are not theirs, and a final invoice stops this month's scans at `until`
    (the new owner's first instant; their invoice bills the rest of the month).
    """
    owners_since = owners_since or {}
    events, invoices, tariffs = scans.scans_table(), _table(Invoice), _table(Tariff)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH previous (restaurant_id, snapshot) AS MATERIALIZED (
                SELECT * FROM unnest(%(previous_ids)s::uuid[], %(previous_snapshots)s::pg_snapshot[])
            ),
            owners (restaurant_id, since) AS MATERIALIZED (
                SELECT * FROM unnest(%(since_ids)s::uuid[], %(since_instants)s::timestamptz[])
            ),
            -- Releases and voids not visible to some previous snapshot (older ones are
            -- visible to all of them, so they cannot open anyone's window).
            recent AS MATERIALIZED ({
                scans.releases_and_voids_since_sql(
                    "(SELECT coalesce(min(pg_snapshot_xmin(snapshot)), '0'::xid8) FROM previous)"
                )
            }
            ),
            -- Each tariff's days in each month that can hold billed scans, as instants
            -- (local midnights, the convention of Period.bounds): a scan falls in one
            -- segment or in none (no tariff in force that day: not billed).
            segments AS MATERIALIZED (
                SELECT t.id AS tariff_id, t.price_per_kg_krw, m.first_day AS service_period,
                       (greatest(t.effective_from, m.first_day)::timestamp AT TIME ZONE %(zone)s) AS starts,
                       ((least(coalesce(t.effective_to, m.last_day), m.last_day) + 1)::timestamp
                          AT TIME ZONE %(zone)s) AS ends
                  FROM generate_series(
                         date_trunc('month', %(lookback)s::timestamptz AT TIME ZONE %(zone)s),
                         greatest(date_trunc('month', now() AT TIME ZONE %(zone)s),
                                  date_trunc('month', %(start)s::timestamptz AT TIME ZONE %(zone)s)),
                         interval '1 month') g (month)
                 CROSS JOIN LATERAL (SELECT g.month::date AS first_day,
                                            (g.month + interval '1 month')::date - 1 AS last_day) m
                  JOIN {tariffs} t
                    ON t.municipality_id = %(municipality)s
                   AND t.effective_from <= m.last_day
                   AND (t.effective_to IS NULL OR t.effective_to >= m.first_day)
            ),
            bounds AS MATERIALIZED (
                SELECT array_agg(instant ORDER BY instant) AS instants
                  FROM (SELECT starts FROM segments UNION SELECT ends FROM segments) b (instant)
            ),
            -- The scans themselves are only bucketed by instant (a binary search in
            -- `bounds`), not converted to local dates: that is done per line below.
            buckets AS (
                SELECT e.restaurant_id, e.bin_id,
                       width_bucket(e.collected_at, (SELECT instants FROM bounds)) AS bucket,
                       sum(e.weight_g) AS weight_g, count(*) AS collections,
                       min(e.collected_at) AS first_at, max(e.collected_at) AS last_at
                  FROM {events} e
                  LEFT JOIN previous p ON p.restaurant_id = e.restaurant_id
                  LEFT JOIN owners o ON o.restaurant_id = e.restaurant_id
                  LEFT JOIN recent released ON released.event_id = e.id AND released.to_status = %(scan_billable)s
                 WHERE e.restaurant_id = ANY(%(ids)s::uuid[])
                   AND {scans.weighed_billable_sql("e")}
                   AND e.collected_at >= %(lookback)s AND e.collected_at < %(horizon)s
                   AND (o.since IS NULL OR e.collected_at >= o.since)
                   AND ((e.collected_at >= %(start)s AND e.collected_at < %(until)s)
                        OR (NOT pg_visible_in_snapshot(coalesce(released.changed_xid, e.recorded_xid), p.snapshot)
                            AND EXISTS (SELECT 1 FROM {invoices} i
                                         WHERE i.restaurant_id = e.restaurant_id
                                           AND i.period = date_trunc('month',
                                                                     e.collected_at AT TIME ZONE %(zone)s)::date)))
                 GROUP BY e.restaurant_id, e.bin_id, bucket
            ),
            lines AS (
                SELECT b.restaurant_id, b.bin_id, s.tariff_id, s.price_per_kg_krw, s.service_period,
                       b.weight_g, b.collections,
                       (b.first_at AT TIME ZONE %(zone)s)::date AS first_date,
                       (b.last_at AT TIME ZONE %(zone)s)::date AS last_date
                  FROM buckets b
                  JOIN segments s ON s.starts <= b.first_at AND b.first_at < s.ends
            )
            -- Ids and dates leave as text; rows are ordered by their own types. A void
            -- leaves as its scan's id, collected_at (`text`) and transaction (`number`).
            SELECT kind, restaurant_id::text, bin_id::text, tariff_id::text, price_per_kg_krw,
                   to_char(service_period, 'YYYY-MM-DD'), weight_g, collections, to_char(first_date, 'YYYY-MM-DD'),
                   to_char(last_date, 'YYYY-MM-DD'), event_id::text, text, number
              FROM (
                    SELECT 'line' AS kind, restaurant_id, bin_id, tariff_id, price_per_kg_krw, service_period, weight_g,
                           collections, first_date, last_date, NULL::uuid AS event_id, NULL AS text, NULL AS number
                      FROM lines
                    UNION ALL
                    SELECT 'voided', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, event_id,
                           event_collected_at::text, changed_xid::text
                      FROM recent
                     WHERE to_status = %(scan_void)s AND from_status = %(scan_billable)s
                    UNION ALL
                    SELECT 'snapshot', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                           pg_current_snapshot()::text, NULL
                   ) w
             ORDER BY kind, restaurant_id, service_period, first_date, bin_id, event_id
            """,
            {
                "zone": zone,
                "municipality": municipality_id,
                "ids": restaurant_ids,
                "previous_ids": list(heads),
                "previous_snapshots": [head.snapshot for head in heads.values()],
                "lookback": lookback_start,
                "horizon": _horizon(end, zone),
                "start": start,
                "end": end,
                "until": end if until is None else min(until, end),
                "since_ids": list(owners_since),
                "since_instants": list(owners_since.values()),
                **scans.SCAN_SQL_PARAMS,
            },
        )
        rows = cursor.fetchall()
    usage: dict[str, list[UsageRow]] = defaultdict(list)
    voids: list[tuple[str, str, str]] = []
    snapshot = ""
    for kind, restaurant_id, bin_id, tariff_id, price, day, weight, count, first, last, event_id, text, number in rows:
        if kind == "line":
            usage[restaurant_id].append(
                UsageRow(restaurant_id, bin_id, tariff_id, price, day, int(weight), count, first, last)
            )
        elif kind == "voided":
            voids.append((event_id, text, number))
        else:
            snapshot = text
    credits = (
        _credits(restaurant_ids, heads, voids, municipality_id=municipality_id, zone=zone, owners_since=owners_since)
        if voids and heads
        else {}
    )
    return Window(snapshot=snapshot, usage=usage, credits=credits)


def _credits(
    restaurant_ids: list[str],
    heads: dict[str, ChainHead],
    voids: list[tuple[str, str, str]],
    *,
    municipality_id,
    zone: str,
    owners_since: dict[str, str],
) -> dict[str, list[CreditRow]]:
    """The credits `read_window`'s snapshot owes these restaurants, from the voids it
    saw (scan id, its collected_at, the voiding transaction): each voided scan that was
    billable, is one of theirs, was voided after their latest invoice's snapshot and
    was billed by some invoice. Read later in the same transaction, but only the voids
    that snapshot saw count: one committed since is the next invoice's credit. The scan
    ids and instants are constants of the statement, so its plan visits only their
    months."""
    events, invoices, tariffs = scans.scans_table(), _table(Invoice), _table(Tariff)
    ids, instants, xids = (list(column) for column in zip(*voids, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH previous (restaurant_id, snapshot) AS MATERIALIZED (
                SELECT * FROM unnest(%(previous_ids)s::uuid[], %(previous_snapshots)s::pg_snapshot[])
            ),
            owners (restaurant_id, since) AS MATERIALIZED (
                SELECT * FROM unnest(%(since_ids)s::uuid[], %(since_instants)s::timestamptz[])
            ),
            voided (event_id, changed_xid) AS MATERIALIZED (
                SELECT * FROM unnest(%(void_ids)s::uuid[], %(void_xids)s::xid8[])
            )
            SELECT e.restaurant_id::text, e.id::text, e.bin_id::text, b.label, e.weight_g, t.price_per_kg_krw,
                   to_char((e.collected_at AT TIME ZONE %(zone)s)::date, 'YYYY-MM-DD'), billed.number
              FROM {events} e
              JOIN voided ON voided.event_id = e.id
              JOIN previous p ON p.restaurant_id = e.restaurant_id
              LEFT JOIN owners o ON o.restaurant_id = e.restaurant_id
              JOIN {restaurants.bins_table()} b ON b.id = e.bin_id
              JOIN {tariffs} t
                ON t.municipality_id = %(municipality)s
               AND t.effective_from <= (e.collected_at AT TIME ZONE %(zone)s)::date
               AND (t.effective_to IS NULL OR (e.collected_at AT TIME ZONE %(zone)s)::date <= t.effective_to)
             CROSS JOIN LATERAL (SELECT {scans.billable_since_xid_sql("e")} AS billable_xid) made
             CROSS JOIN LATERAL (
                   -- The invoice that billed it: the first, from its month's own invoice on,
                   -- whose snapshot saw it billable. None: it was never billed.
                   SELECT i.number FROM {invoices} own_month
                     JOIN {invoices} i
                       ON i.restaurant_id = e.restaurant_id AND i.window_number >= own_month.window_number
                    WHERE own_month.restaurant_id = e.restaurant_id
                      AND own_month.period = date_trunc('month', e.collected_at AT TIME ZONE %(zone)s)::date
                      AND pg_visible_in_snapshot(made.billable_xid, i.snapshot)
                      AND NOT pg_visible_in_snapshot(voided.changed_xid, i.snapshot)
                    ORDER BY i.window_number LIMIT 1) billed
             WHERE e.id = ANY(%(void_ids)s::uuid[]) AND e.collected_at = ANY(%(void_instants)s::timestamptz[])
               AND e.restaurant_id = ANY(%(ids)s::uuid[])
               AND NOT pg_visible_in_snapshot(voided.changed_xid, p.snapshot)
               AND (o.since IS NULL OR e.collected_at >= o.since)
             ORDER BY e.restaurant_id, (e.collected_at AT TIME ZONE %(zone)s)::date, e.bin_id, e.collected_at, e.id
            """,
            {
                "zone": zone,
                "municipality": municipality_id,
                "ids": restaurant_ids,
                "previous_ids": list(heads),
                "previous_snapshots": [head.snapshot for head in heads.values()],
                "since_ids": list(owners_since),
                "since_instants": list(owners_since.values()),
                "void_ids": ids,
                "void_instants": instants,
                "void_xids": xids,
                **scans.SCAN_SQL_PARAMS,
            },
        )
        credits: dict[str, list[CreditRow]] = defaultdict(list)
        for restaurant_id, event_id, bin_id, label, weight, price, day, number in cursor.fetchall():
            credits[restaurant_id].append(CreditRow(restaurant_id, event_id, bin_id, label, weight, price, day, number))
        return credits
