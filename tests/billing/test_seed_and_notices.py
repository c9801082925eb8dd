"""Demo data shows last month's invoices; notices go out once per event."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from backend.billing import runs, services
from backend.billing.models import Invoice, InvoiceStatus, Tariff
from backend.billing.periods import Period
from backend.notifications.models import Notice
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db


def test_seed_demo_issues_last_months_invoices_once(eager_celery):
    call_command("seed_demo")
    last_month = Period.of_date(timezone.localdate()).previous()
    tariff = Tariff.objects.get()
    assert (tariff.price_per_kg_krw, tariff.effective_from) == (130, timezone.localdate().replace(month=1, day=1))
    invoices = Invoice.objects.filter(period=last_month.first_day)
    assert invoices.count() == 20  # every demo restaurant of Mapo had collections
    totals = sorted(invoices.values_list("total_krw", flat=True))
    call_command("seed_demo")
    assert sorted(Invoice.objects.values_list("total_krw", flat=True)) == totals


def test_the_owner_is_told_once_when_an_invoice_is_issued(
    tariff, old_bin, scan, bill, eager_celery, django_capture_on_commit_callbacks
):
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    with django_capture_on_commit_callbacks(execute=True):
        run = bill("2026-10")
    with django_capture_on_commit_callbacks(execute=True):
        runs.execute_billing_run(run_id=run.id)  # worked again (a redelivered task): nothing new
    invoice = Invoice.objects.get()
    notice = Notice.objects.get(kind="invoice_issued", about=str(invoice.id))
    assert notice.status == "sent"
    assert len(mail.outbox) == 1
    assert "청구서" in mail.outbox[0].subject and "1,300원" in mail.outbox[0].body
    # The email links to the notice's own page (opening it marks the notice read),
    # which leads on to the invoice.
    assert f"/notices/{notice.id}/" in mail.outbox[0].body
    assert notice.link.endswith(f"/billing/invoices/{invoice.id}/")


def test_overdue_invoices_are_marked_and_told_once(
    tariff, old_bin, scan, bill, eager_celery, django_capture_on_commit_callbacks
):
    scan(old_bin, seoul(2026, 9, 3, 5), 10_000)
    bill("2026-09")
    invoice = Invoice.objects.get()
    day_after = timezone.now() + timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_overdue_invoices(now=day_after) == [invoice.id]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_overdue_invoices(now=day_after) == []
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OVERDUE
    assert Notice.objects.filter(kind="invoice_overdue").count() == 1


def test_not_overdue_on_the_due_date_itself_in_local_time(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 9, 3, 5), 10_000)
    bill("2026-09")
    invoice = Invoice.objects.get()
    last_minute = seoul(invoice.due_date.year, invoice.due_date.month, invoice.due_date.day, 23, 59)
    assert services.mark_overdue_invoices(now=last_minute) == []
    assert services.mark_overdue_invoices(now=last_minute + timedelta(minutes=2)) == [invoice.id]
