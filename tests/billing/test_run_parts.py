"""The billing run's parts: records written by column name, ids, statuses from the choices."""

import re
import uuid
from dataclasses import fields
from decimal import Decimal
from pathlib import Path

import pytest

from backend.billing import invoicing, writer
from backend.billing.models import Invoice, InvoiceLine, LedgerEntry
from backend.billing.records import InvoiceLineRecord, InvoiceRecord, LedgerEntryRecord

BACKEND = Path(__file__).resolve().parents[2] / "backend"


@pytest.mark.parametrize(
    ("record", "model"),
    [(InvoiceRecord, Invoice), (InvoiceLineRecord, InvoiceLine), (LedgerEntryRecord, LedgerEntry)],
)
def test_each_record_field_is_a_column_and_each_required_column_a_field(record, model):
    columns = {field.column: field for field in model._meta.concrete_fields}
    names = [field.name for field in fields(record)]
    assert set(names) <= columns.keys()
    required = {
        column
        for column, field in columns.items()
        if not field.null and not field.has_default() and not field.has_db_default() and not field.primary_key
    }
    assert required - {"id"} <= set(names)
    assert writer.copy_columns(record) == tuple(names)


def test_a_copy_row_puts_each_value_under_its_own_column_and_escapes_text():
    line = InvoiceLineRecord(
        id="line",
        invoice_id="invoice",
        kind="usage",
        service_period="2026-10-01",
        exact_amount=Decimal("1604.85"),
        amount_krw=1605,
        description="주방\t1\n정정\\",
        position=3,
        bin_label="A\rB",
        weight_g=12_345,
    )
    cells = writer._row_formatter(InvoiceLineRecord)(line).removesuffix("\n").split("\t")
    row = dict(zip(writer.copy_columns(InvoiceLineRecord), cells, strict=True))
    assert row["position"] == "3"
    assert row["weight_g"] == "12345"
    assert row["exact_amount"] == "1604.85"
    assert row["amount_krw"] == "1605"
    assert row["tariff_id"] == row["first_date"] == row["credited_event_id"] == "\\N"
    assert row["description"] == "주방\\t1\\n정정\\\\"
    assert row["bin_label"] == "A\\rB"


def test_new_ids_are_random_version_4_uuids():
    ids = {invoicing.new_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in list(ids)[:100]:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)


@pytest.mark.parametrize(
    "path",
    [
        "billing/selectors.py",
        "billing/windows.py",
        "billing/runs.py",
        "collection_events/selectors.py",
        "restaurants/selectors.py",
        "tags/selectors.py",
    ],
)
def test_no_status_is_spelled_in_the_billing_sql(path):
    """Statuses go into the SQL as parameters from the models' choices, so renaming one
    cannot leave a query comparing with the old word."""
    source = (BACKEND / path).read_text()
    spelled = re.findall(r"'(billable|held|void|active|retired|revoked|usage|prior_period|issued|paid)'", source)
    assert spelled == []
