"""Scans summed into the rollups: the statements that do it, used by the database
triggers (the migrations hold frozen copies), by the rebuild and by the check that
compares the kept rollups with a recomputation from the scans.

Once months of scans have been archived (`event_partitions detach`), the rollups keep
those months for the reports while their scans are gone from the table: the check
compares, and the rebuild recomputes, only the days from the first month still in the
table (`partitions.live_since`), and the rebuild leaves the archived months' rows as
they are.

The statements themselves: backend/rollups/sums.py."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from backend.collection_events import partitions
from backend.collection_events.selectors import scans_table
from backend.municipalities.models import Municipality
from backend.rollups import sums
from backend.rollups.models import GroupRestaurants, ServedDay, VolumeCell


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _scans(municipality: Municipality | None, since: date | None) -> tuple[str, list]:
    """The condition on the scans (`d`, their restaurant `r` and its municipality `m`)
    that keeps `municipality`'s of local days from `since` on, and its parameters."""
    conditions: list[str] = ["TRUE"]
    params: list[object] = []
    if municipality is not None:
        conditions.append("r.municipality_id = %s")
        params.append(municipality.id)
    if since is not None:
        conditions.append("(d.collected_at AT TIME ZONE m.time_zone)::date >= %s")
        params.append(since)
    return " AND ".join(conditions), params


@dataclass(frozen=True)
class Rollup:
    """A rollup table as the check compares it: its keys, its figures, and the SELECT
    that recomputes its rows (`select` of a query of the scans, or of the restaurants,
    that `municipality` keeps)."""

    name: str
    table: str
    keys: tuple[str, ...]
    figures: tuple[str, ...]
    select: Callable[[str], str]
    of_restaurants: bool = False
    # What a figure is when its row is absent (restaurants: a bit string).
    zero: str = "0"
    # The key holding a row's local day (or the first day of its month); None for a
    # rollup of restaurants, which archiving leaves alone.
    dated_by: str | None = None

    def fresh(self, municipality: Municipality | None, since: date | None) -> tuple[str, list]:
        if self.of_restaurants:
            where, params = _scans(municipality, None)
            return self.select(f"(SELECT * FROM restaurants_restaurant r WHERE {where})"), params
        where, params = _scans(municipality, since)
        return self.select(sums.scans_source(scans_table(), where=where)), params

    def kept(self, municipality: Municipality | None, since: date | None) -> tuple[str, list]:
        """The condition on this rollup's rows that keeps the same cells as `fresh`."""
        conditions: list[str] = ["TRUE"]
        params: list[object] = []
        if municipality is not None:
            conditions.append("municipality_id = %s")
            params.append(municipality.id)
        if since is not None and self.dated_by:
            conditions.append(f"{self.dated_by} >= %s")
            params.append(since)
        return " AND ".join(conditions), params


def rollups() -> list[Rollup]:
    return [
        Rollup(
            "volume cells",
            _table(VolumeCell),
            tuple(sums.CELL_KEYS.split(", ")),
            ("weight_g", "scans"),
            select=sums.cells_select,
            dated_by="period",
        ),
        Rollup(
            "restaurants served by day",
            _table(ServedDay),
            tuple(sums.SERVED_KEYS.split(", ")),
            ("restaurants",),
            select=sums.served_select,
            zero=sums.NO_RESTAURANTS,
            dated_by="day",
        ),
        Rollup(
            "restaurants by group",
            _table(GroupRestaurants),
            tuple(sums.GROUP_KEYS.split(", ")),
            ("restaurants",),
            select=sums.groups_select,
            of_restaurants=True,
            zero=sums.NO_RESTAURANTS,
        ),
    ]


def rebuild(*, municipality: Municipality | None = None) -> dict[str, int]:
    """Recompute the rollups from the scans (a first deploy, or after a check found a
    difference); returns the number of rows written into each. Scans cannot be stored
    or change status meanwhile (a SHARE lock on the scans' table), so no change is lost
    between the delete and the sums; reports go on reading the old rows until the commit.
    Archived months keep their rows (module docstring)."""
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {scans_table()} IN SHARE MODE")
        since = partitions.live_since()
        for rollup in rollups():
            kept, kept_params = rollup.kept(municipality, since)
            cursor.execute(f"DELETE FROM {rollup.table} WHERE {kept}", kept_params)
            select, params = rollup.fresh(municipality, since)
            columns = ", ".join((*rollup.keys, *rollup.figures))
            cursor.execute(f"INSERT INTO {rollup.table} ({columns}) SELECT {columns} FROM ({select}) f", params)
            written[rollup.name] = cursor.rowcount
    return written


@dataclass(frozen=True)
class Difference:
    """A row whose kept figures are not what the scans add up to."""

    rollup: str
    cell: dict
    kept: dict
    scans: dict

    def __str__(self) -> str:
        cell = " ".join(f"{key}={value}" for key, value in self.cell.items())
        kept = " / ".join(f"{value} {name}" for name, value in self.kept.items())
        found = " / ".join(f"{value} {name}" for name, value in self.scans.items())
        return f"{self.rollup}: {cell}: kept {kept}, scans say {found}"


def differences(*, municipality: Municipality | None = None) -> list[Difference]:
    """Rows where a rollup and a recomputation from the scans disagree (a row of zeros
    on one side and absent on the other agrees), archived months left out (module
    docstring). Empty when they match."""
    found = []
    since = partitions.live_since()
    for rollup in rollups():
        select, params = rollup.fresh(municipality, since)
        kept_where, kept_params = rollup.kept(municipality, since)
        keys, figures = ", ".join(rollup.keys), ", ".join(rollup.figures)
        # A FULL JOIN needs equalities; the one key that can be null (a scan by someone
        # without a hauler) is compared as text.
        matched = " AND ".join(
            f"COALESCE(k.{key}::text, '') = COALESCE(f.{key}::text, '')" if key == "hauler_id" else f"k.{key} = f.{key}"
            for key in rollup.keys
        )
        zero = rollup.zero
        differ = " OR ".join(f"COALESCE(k.{name}, {zero}) <> COALESCE(f.{name}, {zero})" for name in rollup.figures)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH fresh AS ({select}),
                     kept AS (SELECT {keys}, {figures} FROM {rollup.table} WHERE {kept_where})
                SELECT {", ".join(f"COALESCE(k.{key}, f.{key})" for key in rollup.keys)},
                       {", ".join(f"COALESCE(k.{name}, {zero})" for name in rollup.figures)},
                       {", ".join(f"COALESCE(f.{name}, {zero})" for name in rollup.figures)}
                  FROM kept k FULL JOIN fresh f ON {matched}
                 WHERE {differ}
                 ORDER BY {", ".join(str(n + 1) for n in range(len(rollup.keys)))}
                """,
                [*params, *kept_params],
            )
            for row in cursor.fetchall():
                width = len(rollup.figures)
                cell, kept, scans = row[: len(rollup.keys)], row[len(rollup.keys) : -width], row[-width:]
                found.append(
                    Difference(
                        rollup.name,
                        dict(zip(rollup.keys, cell, strict=True)),
                        dict(zip(rollup.figures, kept, strict=True)),
                        dict(zip(rollup.figures, scans, strict=True)),
                    )
                )
    return found
