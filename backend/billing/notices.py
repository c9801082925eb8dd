"""Notices about money: an invoice issued, an invoice overdue, a payment received.

Each is a Notice row whose (kind, about) is unique, written in the same transaction
as the fact it tells about, and sent by the notifications task after commit, so a
rerun, a replayed callback or a retried task never tells an owner twice.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.urls import reverse

from backend.notifications.models import Notice, NoticeKind


def _create_and_send(notices: list[Notice]) -> None:
    if not notices:
        return
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    # ignore_conflicts hands back every object, inserted or not: ask which exist.
    created = list(Notice.objects.filter(id__in=[n.id for n in notices]).values_list("id", flat=True))
    from backend.notifications.tasks import send_notice

    def send() -> None:
        for notice_id in created:
            send_notice.delay(str(notice_id))

    transaction.on_commit(send)


def _render(kind: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"billing/notices/{kind}_subject.txt", context).strip()
    body = render_to_string(f"billing/notices/{kind}_body.txt", context)
    return subject, body


def invoice_page_url(invoice) -> str:
    return settings.PUBLIC_BASE_URL + reverse("billing:invoice-page", args=[invoice.id])


def _invoice_notices(invoices, kind: str) -> list[Notice]:
    notices = []
    for invoice in invoices:
        owner_id = invoice.restaurant.owner_id
        if owner_id is None:
            continue
        subject, body = _render(kind, {"invoice": invoice, "url": invoice_page_url(invoice)})
        notices.append(Notice(kind=kind, about=str(invoice.id), recipient_id=owner_id, subject=subject, body=body))
    return notices


def _owned_invoices(invoice_ids):
    """The invoices among `invoice_ids` whose restaurant has an owner to tell. The ids
    go to the database as one uuid[] parameter: a billing chunk passes 2,000 of them,
    which `id__in=` would turn into 2,000 UUID objects and placeholders."""
    from backend.billing.models import Invoice

    return Invoice.objects.filter(
        id__in=RawSQL("SELECT unnest(%s::uuid[])", [[str(invoice_id) for invoice_id in invoice_ids]]),
        restaurant__owner__isnull=False,
    ).select_related("restaurant")


def notify_invoices_issued(*, invoice_ids) -> None:
    _create_and_send(_invoice_notices(_owned_invoices(invoice_ids), NoticeKind.INVOICE_ISSUED))


def notify_invoices_overdue(*, invoice_ids) -> None:
    _create_and_send(_invoice_notices(_owned_invoices(invoice_ids), NoticeKind.INVOICE_OVERDUE))


def notify_payment_received(*, payment) -> None:
    owner_id = payment.restaurant.owner_id
    if owner_id is None:
        return
    url = settings.PUBLIC_BASE_URL + reverse("payments:receipt", args=[payment.id])
    subject, body = _render(NoticeKind.PAYMENT_RECEIVED, {"payment": payment, "invoice": payment.invoice, "url": url})
    _create_and_send(
        [
            Notice(
                kind=NoticeKind.PAYMENT_RECEIVED,
                about=str(payment.id),
                recipient_id=owner_id,
                subject=subject,
                body=body,
            )
        ]
    )
