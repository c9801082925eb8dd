"""Reading restaurants and bins as SQL, for set-based readers in apps above this one
(billing's runs). Statuses travel as query parameters: a caller adds BIN_SQL_PARAMS
to its own named (`%(name)s`) parameters."""

import uuid
from dataclasses import dataclass

from django.db import connection

from backend.restaurants.models import Bin, BinStatus, Restaurant

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
    """What an invoice copies from its restaurant; ids are text, as PostgreSQL prints them."""

    id: str
    name: str
    address: str
    business_number: str


def lock_range(municipality_id, *, after: uuid.UUID | None, through: uuid.UUID) -> list[RestaurantOnInvoice]:
    """The municipality's restaurants with `after` < id <= `through`, locked FOR UPDATE
    in id order (so that two lockers of overlapping ranges cannot deadlock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id::text, name, address, business_number FROM {_table(Restaurant)}
             WHERE municipality_id = %s AND (%s::uuid IS NULL OR id > %s::uuid) AND id <= %s::uuid
             ORDER BY id
               FOR UPDATE
            """,
            [municipality_id, after, after, through],
        )
        return [RestaurantOnInvoice(*row) for row in cursor.fetchall()]
