"""The final invoice at a handover and the month's run after it: each owner billed
for their part of the month, every scan once, and the invoice names the owner at the time."""

from datetime import date

import pytest
import time_machine

from tests.billing.conftest import seoul
from tests.handovers.conftest import SOLD_ON

# A billing window is a span of commit order: scans, the final invoice and the
# month's run commit one after the other, as crews, officials and workers do.
pytestmark = pytest.mark.django_db(transaction=True)


def _invoices(restaurant):
    from backend.billing.models import Invoice

    return list(Invoice.objects.filter(restaurant=restaurant).order_by("window_number"))


def test_the_final_invoice_bills_the_old_owner_up_to_the_day_before_the_sale(sold, restaurant, owner):
    [final] = _invoices(restaurant)
    assert final == sold["handover"].final_invoice
    assert (final.owner, final.owner_name) == (owner, owner.username)
    assert final.last_day == date(2026, 11, 14) and final.first_day is None
    assert final.period == date(2026, 11, 1)
    # 10 kg + 20 kg at 130 KRW/kg; the 00:30 scan of the 15th is the new owner's, and
    # the base fee goes on the month's invoice.
    assert final.total_krw == 3_900
    assert [line.kind for line in final.lines.all()] == ["usage"]
    assert final.lines.get().weight_g == 30_000


def test_the_month_s_run_bills_the_rest_of_the_month_to_the_new_owner(month_billed, restaurant, owner, new_owner):
    final, month = _invoices(restaurant)
    assert final.owner == owner and month.owner == new_owner
    assert month.owner_name == "new_owner"  # the existing account, as it names itself
    assert month.first_day == SOLD_ON and month.last_day is None
    usage = month.lines.filter(kind="usage").get()
    assert usage.weight_g == 15_000  # 3 + 5 + 7 kg, from the 15th
    assert usage.first_date == SOLD_ON
    assert month.total_krw == 15 * 130 + 1_000  # one bin's base fee
    assert month.window_number == final.window_number + 1


def test_no_scan_is_billed_twice_and_a_second_run_adds_nothing(month_billed, restaurant, official):
    from backend.billing import runs
    from backend.billing.models import InvoiceLine
    from backend.billing.periods import Period

    billed = sum(InvoiceLine.objects.filter(invoice__restaurant=restaurant).values_list("weight_g", flat=True))
    assert billed == 10_000 + 20_000 + 3_000 + 5_000 + 7_000
    with time_machine.travel(seoul(2027, 1, 2, 9), tick=False):
        run = runs.start_billing_run(municipality=official.municipality, period=Period.parse("2026-12"))
        runs.execute_billing_run(run_id=run.id)
    december = _invoices(restaurant)[-1]
    assert december.period == date(2026, 12, 1)
    assert not december.lines.filter(kind__in=["usage", "prior_period"]).exists()


def test_the_scans_behind_each_invoice_are_its_owner_s(month_billed, restaurant):
    from backend.billing import windows

    final, month = _invoices(restaurant)
    on_final = {scan["id"] for scans in windows.scans_on_lines(final).values() for scan in scans}
    on_month = {scan["id"] for scans in windows.scans_on_lines(month).values() for scan in scans}
    assert on_final == {month_billed["nov3"].id, month_billed["nov14_late_evening"].id}
    assert on_month == {month_billed["nov15_early"].id, month_billed["nov20"].id, month_billed["nov25"].id}
    assert windows.billed_on(month_billed["nov20"].id) == month.number
    assert windows.billed_on(month_billed["nov3"].id) == final.number


def test_a_sale_on_the_first_of_a_month_already_invoiced_needs_no_final_invoice(
    priced, restaurant, bin, tag, owner, new_owner, official, scan_at
):
    from backend.billing import runs
    from backend.billing.models import Invoice
    from backend.billing.periods import Period
    from backend.handovers import services

    with time_machine.travel(seoul(2026, 12, 2, 9), tick=False):
        scan_at(seoul(2026, 11, 10, 9), 10_000)
        runs.bill_synchronously(municipality=official.municipality, period=Period.parse("2026-11"))
        handover = services.report_handover(
            by=owner, restaurant=restaurant, kind="sale", proposed_on=date(2026, 12, 1), new_owner_email="n@example.org"
        )
        handover = services.confirm_handover(handover=handover, by=official, effective_on=date(2026, 12, 1))
    assert handover.final_invoice is None
    assert Invoice.objects.get(restaurant=restaurant).owner == owner


def test_a_sale_inside_a_month_already_invoiced_is_refused(priced, restaurant, owner, official, scan_at):
    from backend.billing import runs
    from backend.billing.periods import Period
    from backend.core.errors import DomainError
    from backend.handovers import services
    from backend.handovers.models import HandoverStatus

    with time_machine.travel(seoul(2026, 11, 25, 9), tick=False):
        handover = services.report_handover(
            by=owner,
            restaurant=restaurant,
            kind="sale",
            proposed_on=date(2026, 11, 20),
            new_owner_email="n@example.org",
        )
    with time_machine.travel(seoul(2026, 12, 2, 9), tick=False):
        scan_at(seoul(2026, 11, 10, 9), 10_000)
        runs.bill_synchronously(municipality=official.municipality, period=Period.parse("2026-11"))
        try:
            services.confirm_handover(handover=handover, by=official, effective_on=date(2026, 11, 20))
        except DomainError as error:
            assert error.code == "handover_date_too_early"
        else:
            raise AssertionError("a billed month was split")
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.REPORTED
    restaurant.refresh_from_db()
    assert restaurant.owner == owner  # nothing changed: one transaction


def test_closing_bills_the_month_up_to_the_closing_day_once(priced, restaurant, bin, tag, owner, official, scan_at):
    from backend.billing import runs
    from backend.billing.models import Invoice
    from backend.billing.periods import Period
    from backend.handovers import services
    from backend.restaurants.models import Bin, RestaurantStatus

    Bin.objects.filter(id=bin.id).update(created_at=seoul(2025, 1, 1))
    with time_machine.travel(seoul(2026, 11, 21, 9), tick=False):
        scan_at(seoul(2026, 11, 10, 9), 10_000)
        scan_at(seoul(2026, 11, 20, 21), 2_000)
        handover = services.report_handover(
            by=owner, restaurant=restaurant, kind="closing", proposed_on=date(2026, 11, 20)
        )
        handover = services.confirm_handover(handover=handover, by=official, effective_on=date(2026, 11, 20))
    restaurant.refresh_from_db()
    assert (restaurant.status, restaurant.closed_on) == (RestaurantStatus.CLOSED, date(2026, 11, 20))
    final = handover.final_invoice
    assert final.owner == owner and final.last_day is None  # the month's invoice, issued early
    assert final.total_krw == 12 * 130 + 1_000
    with time_machine.travel(seoul(2026, 12, 2, 9), tick=False):
        runs.bill_synchronously(municipality=official.municipality, period=Period.parse("2026-11"))
    with time_machine.travel(seoul(2027, 1, 2, 9), tick=False):
        runs.bill_synchronously(municipality=official.municipality, period=Period.parse("2026-12"))
    assert list(Invoice.objects.filter(restaurant=restaurant)) == [final]  # not billed twice, nothing after closing


def test_invoices_keep_the_owner_they_were_billed_to(month_billed, restaurant, owner, f):
    """Whoever owns the restaurant when someone looks, the invoice names the owner at the time."""
    final, month = _invoices(restaurant)
    restaurant.owner = f.UserFactory(role="owner")
    restaurant.save(update_fields=["owner"])
    final.refresh_from_db()
    month.refresh_from_db()
    assert final.owner == owner and month.owner.username == "new_owner"
