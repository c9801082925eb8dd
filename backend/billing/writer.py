"""Writing what a chunk priced: invoices, their lines and ledger entries, with COPY.

A record (billing/records.py) is copied to its table by field name: the COPY
column list is the record's fields, and each row is formatted from the same fields
by a function made once per record class (`_row_formatter`), so a column can never
receive another column's value. COPY in text format is several times faster than
a multi-row INSERT, whose parameters psycopg2 formats one by one in Python.
"""

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from functools import cache
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

from django.db import connection

from backend.billing.invoicing import InvoiceDraft
from backend.billing.models import Invoice, InvoiceLine, LedgerEntry
from backend.billing.periods import Period
from backend.billing.records import InvoiceLineRecord, InvoiceRecord, LedgerEntryRecord, Text


def write_lines_and_ledger(drafts: Sequence[InvoiceDraft]) -> None:
    """Lines and ledger entries point at invoices written later in the same
    transaction: their foreign keys are checked at commit."""
    copy_records(InvoiceLine, InvoiceLineRecord, [line for draft in drafts for line in draft.lines])
    copy_records(LedgerEntry, LedgerEntryRecord, [entry for draft in drafts for entry in draft.ledger])
    settle_draws(drafts)


def settle_draws(drafts: Sequence[InvoiceDraft]) -> None:
    """Mark a prepaid restaurant's pickup draws as settled by the invoice that now
    bills their scans (only drafts of prepaid restaurants have any)."""
    pairs = [(entry_id, draft.invoice.id) for draft in drafts for entry_id in draft.settles]
    if not pairs:
        return
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} d SET settled_by_id = s.invoice::uuid
                  FROM unnest(%s::text[], %s::text[]) AS s(entry, invoice)
                 WHERE d.id = s.entry::uuid AND d.settled_by_id IS NULL""",
            [[entry for entry, _ in pairs], [invoice for _, invoice in pairs]],
        )


def write_invoices(
    drafts: Sequence[InvoiceDraft], *, municipality_id, municipality_code: str, period: Period
) -> list[str]:
    """Number the invoices after those already issued for the month (so call this only
    once the chunk before has committed: numbers follow restaurant order, without
    gaps) and write them. Returns their ids."""
    if not drafts:
        return []
    sequence = Invoice.objects.filter(municipality_id=municipality_id, period=period.first_day).count()
    prefix = f"{municipality_code}-{period.year:04d}{period.month:02d}-"
    invoices = [draft.invoice for draft in drafts]
    for offset, invoice in enumerate(invoices, start=1):
        invoice.number = f"{prefix}{sequence + offset:06d}"
    copy_records(Invoice, InvoiceRecord, invoices)
    return [invoice.id for invoice in invoices]


def copy_records(model, record_class: type, records: Iterable[Any]) -> None:
    """COPY `records` (instances of `record_class`) into `model`'s table, each field
    into the column of the same name."""
    columns, row = copy_columns(record_class), _row_formatter(record_class)
    text = "".join([row(record) for record in records])
    if not text:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))


@cache
def copy_columns(record_class: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(record_class))


@cache
def _row_formatter(record_class: type) -> Callable[[Any], str]:
    """A function giving a record's COPY row (text format): its fields in
    `copy_columns` order, tab-separated, None as \\N, `Text` fields escaped.

    It is generated as one f-string over the fields (as `dataclasses` generates
    __init__), because formatting field by field in a loop costs about twice as
    much and a run formats ~1,000,000 values."""
    cells = []
    for field in fields(record_class):
        value = f"r.{field.name}"
        if field.type == Text:
            cells.append(f"{{_escape({value})}}")
        elif get_origin(field.type) in (Union, UnionType) and NoneType in get_args(field.type):  # X | None
            cells.append(f"{{_NULL if {value} is None else {value}}}")
        else:
            cells.append(f"{{{value}}}")
    tab, newline = "\\t", "\\n"  # as written in the generated f-string
    source = f'def row(r):\n    return f"{tab.join(cells)}{newline}"\n'
    namespace: dict[str, Any] = {"_escape": _escape, "_NULL": _NULL}
    exec(compile(source, f"<COPY row of {record_class.__name__}>", "exec"), namespace)
    return namespace["row"]


def _escape(value: str) -> str:
    """A text value escaped for COPY's text format (names and labels come from users).
    Most hold nothing to escape; checking first is ~5x cheaper than translating."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
