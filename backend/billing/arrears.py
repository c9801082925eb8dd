"""Officials' arrears: their municipality's invoices past due and not fully paid, by age,
with what the owner was told about each; and a reminder, at most one per invoice a day.

Ages are counted in days past the due date, in the municipality's time zone: the due
date is the last day to pay, so the next local day is 1 day past due. Buckets: under
30 days, 30–59, 60–89, 90 and more. A bucket is a range of due dates, so filtering and
paginating stay in SQL.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast
from uuid import UUID

from django.db import transaction
from django.db.models import CharField, Count, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Cast, Left
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.billing.models import Invoice, InvoiceStatus
from backend.billing.notices import INVOICE_KINDS, invoice_page_url
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality
from backend.notifications import alimtalk
from backend.notifications.models import Notice, NoticeKind
from backend.notifications.services import Message, notify_all

# (code, first day past due, last day past due or None), oldest last.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under_30", 1, 29),
    ("30_59", 30, 59),
    ("60_89", 60, 89),
    ("90_plus", 90, None),
)
BUCKET_CODES = tuple(code for code, _first, _last in BUCKETS)
BUCKET_LABELS = {
    "under_30": _("Under 30 days"),
    "30_59": _("30–59 days"),
    "60_89": _("60–89 days"),
    "90_plus": _("90 days or more"),
}
# At most this many invoices in one reminder request.
MAX_REMINDERS = 500


def days_past_due(due_date: date, today: date) -> int:
    return (today - due_date).days


def bucket_of(days: int) -> str | None:
    """The bucket of an invoice `days` past due; None when it is not past due."""
    for code, first, last in BUCKETS:
        if days >= first and (last is None or days <= last):
            return code
    return None


def due_dates_of(bucket: str, today: date) -> Q:
    """The due dates that put an invoice in `bucket` on `today`."""
    first, last = next((first, last) for code, first, last in BUCKETS if code == bucket)
    condition = Q(due_date__lte=today - timedelta(days=first))
    if last is not None:
        condition &= Q(due_date__gte=today - timedelta(days=last))
    return condition


def past_due(today: date) -> Q:
    """Invoices in arrears on `today`: issued, their due date passed, something still owed.
    The arrears pages and the console's restaurant list ("unpaid") both ask this; an
    invoice not yet due is waiting for its payment, not unpaid."""
    return Q(
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE],
        due_date__lt=today,
        total_krw__gt=F("prepaid_applied_krw") + F("paid_krw"),
    )


def local_today(municipality: Municipality, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(municipality.zone).date()


def arrears_municipality(user: User) -> Municipality:
    """Whose arrears: the official's own municipality."""
    if user.municipality is None:
        raise DomainError(
            "permission_denied",
            _("Only an official of a municipality sees its arrears."),
            status_code=403,
        )
    return user.municipality


def arrears(
    *, user: User, municipality: Municipality, today: date, bucket: str | None = None, district_id: UUID | None = None
) -> "QuerySet[Invoice]":
    """The municipality's invoices past due on `today` with something owed (`owed_krw`),
    oldest due date first, each with its district's name (`district_name`)."""
    owed = ExpressionWrapper(F("total_krw") - F("prepaid_applied_krw") - F("paid_krw"), output_field=IntegerField())
    invoices = (
        Invoice.objects.visible_to(user)
        .filter(past_due(today), municipality=municipality)
        .annotate(owed_krw=owed, district_name=F("restaurant__district__name"))
    )
    if bucket is not None:
        invoices = invoices.filter(due_dates_of(bucket, today))
    if district_id is not None:
        invoices = invoices.filter(restaurant__district_id=district_id)
    return cast("QuerySet[Invoice]", invoices.order_by("due_date", "number"))


@dataclass(frozen=True)
class BucketTotal:
    code: str
    label: str
    invoices: int
    owed_krw: int


def bucket_totals(invoices: "QuerySet[Invoice]", today: date) -> list[BucketTotal]:
    """Count and amount owed per bucket, in one query."""
    aggregates: dict[str, Count | Sum] = {}
    for code in BUCKET_CODES:
        aggregates[f"{code}_n"] = Count("id", filter=due_dates_of(code, today))
        aggregates[f"{code}_krw"] = Sum("owed_krw", filter=due_dates_of(code, today))
    row = invoices.order_by().aggregate(**aggregates)
    return [
        BucketTotal(code, str(BUCKET_LABELS[code]), row[f"{code}_n"], row[f"{code}_krw"] or 0) for code in BUCKET_CODES
    ]


def notices_about(invoice_ids: Iterable[UUID]) -> dict[str, list[Notice]]:
    """What owners were told about each invoice, oldest first: its invoice notices, their
    unread reminders and the officials' arrears reminders. One query for any number of
    invoices (the list's page)."""
    ids = [str(invoice_id) for invoice_id in invoice_ids]
    if not ids:
        return {}
    told = Notice.objects.filter(kind__in=INVOICE_KINDS, about__in=ids).annotate(
        id_text=Cast("id", output_field=CharField())
    )
    notices = (
        Notice.objects.annotate(invoice_key=Left("about", 36))
        .filter(
            Q(kind__in=INVOICE_KINDS, about__in=ids)
            | Q(kind=NoticeKind.REMINDER, about__in=told.values("id_text"))
            | Q(kind=NoticeKind.ARREARS_REMINDER, invoice_key__in=ids)
        )
        .order_by("created_at", "id")
    )
    notices_list = list(notices)
    invoice_of_notice = {str(n.id): n.about for n in notices_list if n.kind in INVOICE_KINDS}
    by_invoice: dict[str, list[Notice]] = defaultdict(list)
    for notice in notices_list:
        if notice.kind in INVOICE_KINDS:
            invoice_id = notice.about
        elif notice.kind == NoticeKind.REMINDER:
            invoice_id = invoice_of_notice[notice.about]
        else:
            invoice_id = notice.about[:36]
        by_invoice[invoice_id].append(notice)
    return by_invoice


@dataclass(frozen=True)
class Reminded:
    """What a reminder request did, invoice by invoice."""

    sent: int  # reminders written now (sent after commit, outside the owner's quiet hours)
    already_today: int  # invoices reminded earlier today: nothing sent again
    no_owner: int  # invoices billed to nobody: nobody to remind
    not_in_arrears: int  # paid meanwhile, not past due, or not the official's


def remind_arrears(
    *, user: User, municipality: Municipality, invoice_ids: Iterable[UUID], now: datetime | None = None
) -> Reminded:
    """One reminder notice per selected invoice still in arrears, to the owner billed on
    it, at most once per invoice a local day: the notice's (kind, about) is unique and
    `about` names the invoice and the day, so a second click, a double submit or two
    officials at once write nothing more."""
    wanted = {UUID(str(invoice_id)) for invoice_id in invoice_ids}
    if len(wanted) > MAX_REMINDERS:
        raise DomainError(
            "too_many_invoices",
            _("At most %(most)s invoices at a time.") % {"most": MAX_REMINDERS},
            fields={"invoices": [f"at most {MAX_REMINDERS}"]},
        )
    today = local_today(municipality, now)
    with transaction.atomic():
        late = list(arrears(user=user, municipality=municipality, today=today).filter(id__in=wanted))
        owned = [invoice for invoice in late if invoice.owner_id is not None]
        created = notify_all(
            Message(
                kind=NoticeKind.ARREARS_REMINDER,
                about=f"{invoice.id}:{today.isoformat()}",
                recipient_id=cast(int, invoice.owner_id),
                template="billing/notices/arrears_reminder",
                context={
                    "invoice": invoice,
                    "owed_krw": invoice.owed_krw,  # type: ignore[attr-defined]
                    "days": days_past_due(invoice.due_date, today),
                },
                link=invoice_page_url(invoice),
                variables={
                    "업소명": invoice.restaurant_name,
                    "청구월": str(invoice.billing_period),
                    "청구서번호": invoice.number,
                    "연체일수": str(days_past_due(invoice.due_date, today)),
                    "남은금액": alimtalk.won(invoice.owed_krw),  # type: ignore[attr-defined]
                },
            )
            for invoice in owned
        )
    return Reminded(
        sent=len(created),
        already_today=len(owned) - len(created),
        no_owner=len(late) - len(owned),
        not_in_arrears=len(wanted) - len(late),
    )
