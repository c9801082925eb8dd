"""Reading restaurants and bins as SQL, for set-based readers in apps above this one
(billing's runs). Statuses travel as query parameters: a caller adds BIN_SQL_PARAMS
to its own named (`%(name)s`) parameters."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from backend.accounts.models import User
from backend.municipalities.models import Municipality
from backend.restaurants.models import Bin, BinStatus, OwnershipPeriod, Restaurant

BIN_SQL_PARAMS = {"bin_active": BinStatus.ACTIVE.value}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def bins_table() -> str:
    """The bins' table (columns: id, restaurant_id, label, status, created_at)."""
    return _table(Bin)


def bin_is_active_sql(bin_alias: str) -> str:
    return f"{bin_alias}.status = %(bin_active)s"


def restaurant_closed_before_sql(restaurant_id: str, first_day_param: str) -> str:
    """True when the restaurant closed (폐업, `closed_on`) before that local day: its bins
    are in service no longer, although nobody retired them."""
    return (
        f"EXISTS (SELECT 1 FROM {_table(Restaurant)} r"
        f" WHERE r.id = {restaurant_id} AND r.closed_on < {first_day_param})"
    )


@dataclass(frozen=True, slots=True)
class RestaurantOnInvoice:
    """What an invoice copies from its restaurant, and whom it is billed to: the owner
    whose period holds the end of what is billed, from when (None: from the start).
    Ids and instants are text, as PostgreSQL prints them; `owner_since_day` is the
    local date."""

    id: str
    name: str
    address: str
    business_number: str
    owner_id: str | None = None
    owner_name: str = ""
    owner_since: str | None = None
    owner_since_day: str | None = None


def _select_for_invoice(where: str) -> str:
    """The restaurants matching `where` (alias r), each with the owner whose period
    holds the instant `%(until)s` (what is billed ends just before it), locked FOR
    UPDATE in id order (so that two lockers of overlapping ranges cannot deadlock)."""
    return f"""
        SELECT r.id::text, r.name, r.address, r.business_number, u.id::text,
               coalesce(nullif(trim(u.last_name || u.first_name), ''), u.username, ''),
               p.starts_at::text, to_char((p.starts_at AT TIME ZONE m.time_zone)::date, 'YYYY-MM-DD')
          FROM {_table(Restaurant)} r
          JOIN {_table(Municipality)} m ON m.id = r.municipality_id
          LEFT JOIN {_table(OwnershipPeriod)} p
            ON p.restaurant_id = r.id
           AND (p.starts_at IS NULL OR p.starts_at < %(until)s) AND (p.ends_at IS NULL OR p.ends_at >= %(until)s)
          LEFT JOIN {_table(User)} u ON u.id = p.owner_id
         WHERE {where}
         ORDER BY r.id
           FOR UPDATE OF r
    """


def lock_range(
    municipality_id, *, after: uuid.UUID | None, through: uuid.UUID, until: datetime
) -> list[RestaurantOnInvoice]:
    """The municipality's restaurants with `after` < id <= `through`, locked in id order,
    each with its owner at `until` (the end of the month billed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _select_for_invoice(
                "r.municipality_id = %(municipality)s AND (%(after)s::uuid IS NULL OR r.id > %(after)s::uuid)"
                " AND r.id <= %(through)s::uuid"
            ),
            {"municipality": municipality_id, "after": after, "through": through, "until": until},
        )
        return [RestaurantOnInvoice(*row) for row in cursor.fetchall()]


def lock_one(restaurant_id, *, until: datetime) -> RestaurantOnInvoice:
    """One restaurant, locked as a billing chunk locks it, with its owner at `until`
    (a final invoice at a handover: the old owner's part ends just before it)."""
    with connection.cursor() as cursor:
        cursor.execute(_select_for_invoice("r.id = %(id)s"), {"id": restaurant_id, "until": until})
        return RestaurantOnInvoice(*cursor.fetchone())
