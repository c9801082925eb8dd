"""Money owed to a municipality, for the officials' reports: per month billed and
district, what was billed, paid and is still owed; and what is past due, by district
and age. Grouped SQL over the invoices, in one query each.

An invoice counts once issued (issued, paid or overdue; never a draft or a voided one).
Paid is what is on the invoice, from payments and from wallet credit applied, up to its
total (a payment beyond it stays in the ledger as credit for the next invoice), so
billed = paid + outstanding on every row. Ages and buckets are the arrears page's
(billing/arrears.py): the same invoice is in the same bucket on both.
"""

from datetime import date
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, F, IntegerField, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least

from backend.billing.arrears import BUCKET_CODES, due_dates_of, past_due
from backend.billing.models import Invoice, InvoiceStatus

BILLED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.OVERDUE)

_PAID = Least(F("paid_krw") + F("prepaid_applied_krw"), F("total_krw"))
_OWED = Greatest(F("total_krw") - F("prepaid_applied_krw") - F("paid_krw"), Value(0))


def billed_by_period_and_district(
    *, municipality_id: UUID, first_period: date, last_period: date, using: str = DEFAULT_DB_ALIAS
) -> dict[tuple[date, UUID], dict[str, int]]:
    """{(period, district id): {invoices, billed_krw, paid_krw, outstanding_krw}} for
    the months billed first_period..last_period (each a month's 1st), read from the
    database `using` (a report: the reporting database)."""
    rows = (
        Invoice.objects.using(using)
        .filter(
            municipality_id=municipality_id,
            period__gte=first_period,
            period__lte=last_period,
            status__in=BILLED_STATUSES,
        )
        .values("period", "restaurant__district_id")
        # Named apart from the columns they sum: an annotation may not shadow a field it reads.
        .annotate(
            count=Count("id"),
            billed=Coalesce(Sum("total_krw"), 0),
            paid=Coalesce(Sum(_PAID, output_field=IntegerField()), 0),
            outstanding=Coalesce(Sum(_OWED, output_field=IntegerField()), 0),
        )
        .order_by()
    )
    return {
        (row["period"], row["restaurant__district_id"]): {
            "invoices": row["count"],
            "billed_krw": row["billed"],
            "paid_krw": row["paid"],
            "outstanding_krw": row["outstanding"],
        }
        for row in rows
    }


def arrears_by_district(
    *, municipality_id: UUID, today: date, using: str = DEFAULT_DB_ALIAS
) -> dict[UUID, dict[str, int]]:
    """{district id: {<bucket>_invoices, <bucket>_krw for each bucket}}: the invoices
    past due on `today` with something owed, by the days since their due date, read
    from the database `using`."""
    measures: dict = {}
    for code in BUCKET_CODES:
        within = due_dates_of(code, today)
        measures[f"{code}_invoices"] = Count("id", filter=within)
        measures[f"{code}_krw"] = Coalesce(Sum(_OWED, filter=within, output_field=IntegerField()), 0)
    rows = (
        Invoice.objects.using(using)
        .filter(past_due(today), municipality_id=municipality_id)
        .values("restaurant__district_id")
        .annotate(**measures)
        .order_by()
    )
    return {row["restaurant__district_id"]: {name: row[name] for name in measures} for row in rows}  # type: ignore[literal-required]
