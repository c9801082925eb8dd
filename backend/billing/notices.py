"""Notices about invoices: an invoice issued, an invoice overdue, and what officials
see of them (`told_about`: what was sent, when, and whether it was read).

Written through the notify service (backend/notifications/services.py) in the same
transaction as the fact they tell about, and sent after commit, once: a rerun or a
retried task never tells an owner twice.
"""

from collections.abc import Iterable
from typing import cast
from uuid import UUID

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse

from backend.billing.models import Invoice
from backend.notifications import alimtalk
from backend.notifications.models import Channel, Notice, NoticeDelivery, NoticeKind
from backend.notifications.services import Message, notify_all

INVOICE_KINDS = (NoticeKind.INVOICE_ISSUED, NoticeKind.INVOICE_OVERDUE)


def told_about(invoice: Invoice) -> "QuerySet[Notice]":
    """The invoice's notices and their reminders, oldest first, with their recipients
    and how each went on KakaoTalk (delivered, by text message, undeliverable)."""
    return (
        Notice.objects.about_with_reminders(str(invoice.id), INVOICE_KINDS)
        .select_related("recipient")
        .prefetch_related(Prefetch("deliveries", queryset=NoticeDelivery.objects.exclude(channel=Channel.EMAIL)))
        .order_by("created_at", "id")
    )


def invoice_page_url(invoice: Invoice) -> str:
    return settings.PUBLIC_BASE_URL + reverse("billing:invoice-page", args=[invoice.id])


def _owned_invoices(invoice_ids: Iterable[UUID | str]) -> "QuerySet[Invoice]":
    """The invoices among `invoice_ids` billed to an owner, who is told. The ids
    go to the database as one uuid[] parameter: a billing chunk passes 2,000 of them,
    which `id__in=` would turn into 2,000 UUID objects and placeholders."""
    return Invoice.objects.filter(
        id__in=RawSQL("SELECT unnest(%s::uuid[])", [[str(invoice_id) for invoice_id in invoice_ids]]),
        owner__isnull=False,
    ).select_related("restaurant")


def _notify_owners(invoice_ids: Iterable[UUID | str], kind: str) -> None:
    notify_all(
        Message(
            kind=kind,
            about=str(invoice.id),
            recipient_id=cast(int, invoice.owner_id),  # billed to an owner: the one at the time
            template=f"billing/notices/{kind}",
            context={"invoice": invoice},
            link=invoice_page_url(invoice),
            variables=invoice_variables(invoice, kind),
        )
        for invoice in _owned_invoices(invoice_ids)
    )


def invoice_variables(invoice: Invoice, kind: str) -> dict[str, object]:
    """What an invoice's KakaoTalk message fills in (notifications/alimtalk.py)."""
    common = {
        "업소명": invoice.restaurant_name,
        "청구월": str(invoice.billing_period),
        "청구서번호": invoice.number,
        "납부기한": alimtalk.day(invoice.due_date),
    }
    if kind == NoticeKind.INVOICE_ISSUED:
        return {**common, "납부금액": alimtalk.won(invoice.amount_due_krw)}
    return {**common, "남은금액": alimtalk.won(invoice.amount_due_krw)}


def notify_invoices_issued(*, invoice_ids: Iterable[UUID | str]) -> None:
    _notify_owners(invoice_ids, NoticeKind.INVOICE_ISSUED)


def notify_invoices_overdue(*, invoice_ids: Iterable[UUID | str]) -> None:
    _notify_owners(invoice_ids, NoticeKind.INVOICE_OVERDUE)
