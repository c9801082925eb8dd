"""Money for officials: per month billed and per district, what was billed, what has
been paid and what is still owed; and the arrears (past due and unpaid) by age and
district, as of today. The sums come from billing's own reads (billing/receivables.py);
this module lays them out by the months of the range and the municipality's districts,
with zeros where nothing was billed. Integer KRW throughout.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.analytics.ranges import DateRange
from backend.billing.arrears import BUCKET_CODES, BUCKET_LABELS
from backend.billing.receivables import arrears_by_district, billed_by_period_and_district
from backend.core.replica import reads, reporting_db
from backend.municipalities.models import District, Municipality

MONEY_MEASURES = ("invoices", "billed_krw", "paid_krw", "outstanding_krw")


@dataclass(frozen=True)
class MoneyRow:
    key: str
    label: "str | Promise"
    invoices: int = 0
    billed_krw: int = 0
    paid_krw: int = 0
    outstanding_krw: int = 0

    @property
    def paid_percent(self) -> float | None:
        return round(100 * self.paid_krw / self.billed_krw, 1) if self.billed_krw else None


@dataclass(frozen=True)
class MoneyCell:
    """One month billed in one district (the CSV's rows)."""

    month: date
    district_id: UUID
    district: str
    invoices: int
    billed_krw: int
    paid_krw: int
    outstanding_krw: int


@dataclass(frozen=True)
class Bucket:
    code: str
    label: "str | Promise"
    invoices: int
    owed_krw: int


@dataclass(frozen=True)
class ArrearsRow:
    key: str
    label: "str | Promise"
    buckets: list[Bucket]

    @property
    def invoices(self) -> int:
        return sum(bucket.invoices for bucket in self.buckets)

    @property
    def owed_krw(self) -> int:
        return sum(bucket.owed_krw for bucket in self.buckets)


@dataclass(frozen=True)
class MoneyReport:
    municipality: Municipality
    days: DateRange
    today: date
    by_month: list[MoneyRow]
    by_district: list[MoneyRow]
    cells: list[MoneyCell]
    arrears: list[ArrearsRow]

    @property
    def totals(self) -> MoneyRow:
        return _summed("total", _("Total"), self.by_month)

    @property
    def arrears_totals(self) -> ArrearsRow:
        buckets = [
            Bucket(
                code,
                BUCKET_LABELS[code],
                sum(row.buckets[i].invoices for row in self.arrears),
                sum(row.buckets[i].owed_krw for row in self.arrears),
            )
            for i, code in enumerate(BUCKET_CODES)
        ]
        return ArrearsRow("total", _("Total"), buckets)


def _summed(key: str, label, rows) -> MoneyRow:
    return MoneyRow(key, label, *(sum(getattr(row, measure) for row in rows) for measure in MONEY_MEASURES))


def money(*, municipality: Municipality, days: DateRange, today: date) -> MoneyReport:
    """The months billed that the range touches (an invoice belongs to the month it
    bills, whenever it was issued or paid), and the arrears on `today`. Three queries."""
    months = days.months
    found = billed_by_period_and_district(
        municipality_id=municipality.id, first_period=months[0], last_period=months[-1], using=reporting_db()
    )
    districts = list(reads(District).filter(municipality_id=municipality.id).order_by("name", "code"))
    empty = dict.fromkeys(MONEY_MEASURES, 0)
    cells = [
        MoneyCell(month, district.id, district.name, **found.get((month, district.id), empty))
        for month in months
        for district in districts
    ]
    by_month = [
        _summed(f"{month:%Y-%m}", date_format(month, "YEAR_MONTH_FORMAT"), [c for c in cells if c.month == month])
        for month in months
    ]
    by_district = [
        _summed(str(district.id), district.name, [c for c in cells if c.district_id == district.id])
        for district in districts
    ]
    owed = arrears_by_district(municipality_id=municipality.id, today=today, using=reporting_db())
    arrears = []
    for district in districts:
        row = owed.get(district.id, {})
        buckets = [
            Bucket(code, BUCKET_LABELS[code], row.get(f"{code}_invoices", 0), row.get(f"{code}_krw", 0))
            for code in BUCKET_CODES
        ]
        arrears.append(ArrearsRow(str(district.id), district.name, buckets))
    return MoneyReport(
        municipality=municipality,
        days=days,
        today=today,
        by_month=by_month,
        by_district=by_district,
        cells=cells,
        arrears=arrears,
    )
