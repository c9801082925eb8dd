"""The date of a closing or sale is bound by what is already on record: not before the
last day invoiced (nor, for a closing, the last recorded pickup), and not more than
90 days ahead. The owner's report and the official's confirmation both check it."""

from datetime import date

import pytest
import time_machine

from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = seoul(2026, 11, 30, 10)


@pytest.fixture
def on_record(priced, restaurant, bin, tag, official, scan_at):
    """October invoiced (on 2 November); pickups up to 28 November."""
    from backend.billing import runs
    from backend.billing.periods import Period
    from backend.restaurants.models import Bin

    Bin.objects.filter(id=bin.id).update(created_at=seoul(2025, 1, 1))
    with time_machine.travel(seoul(2026, 11, 2, 9), tick=False):
        scan_at(seoul(2026, 10, 10, 9), 10_000)
        runs.bill_synchronously(municipality=official.municipality, period=Period.parse("2026-10"))
    with time_machine.travel(seoul(2026, 11, 28, 12), tick=False):
        scan_at(seoul(2026, 11, 28, 9), 4_000)
    return restaurant


def _refused(code, call, **kwargs):
    from backend.core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


@pytest.mark.parametrize(
    ("kind", "day", "code"),
    [
        ("closing", date(2020, 1, 1), "handover_date_too_early"),
        ("closing", date(2026, 11, 27), "handover_date_too_early"),  # the last pickup is on the 28th
        ("closing", date(2099, 12, 31), "handover_date_too_far"),
        ("closing", date(2027, 3, 1), "handover_date_too_far"),  # 91 days ahead
        ("sale", date(2020, 1, 1), "handover_date_too_early"),
        ("sale", date(2026, 10, 31), "handover_date_too_early"),  # October is invoiced
        ("sale", date(2099, 12, 31), "handover_date_too_far"),
    ],
)
def test_a_report_with_a_date_out_of_bounds_is_refused(on_record, owner, kind, day, code):
    from backend.handovers import services
    from backend.handovers.models import Handover

    with time_machine.travel(TODAY, tick=False):
        error = _refused(
            code,
            services.report_handover,
            by=owner,
            restaurant=on_record,
            kind=kind,
            proposed_on=day,
            new_owner_email="n@example.org",
        )
    assert "proposed_on" in error.fields
    assert not Handover.objects.exists()


@pytest.mark.parametrize(
    ("kind", "day"),
    [("closing", date(2026, 11, 28)), ("closing", date(2027, 2, 28)), ("sale", date(2026, 11, 1))],
)
def test_a_report_inside_the_bounds_is_received(on_record, owner, kind, day):
    from backend.handovers import services

    with time_machine.travel(TODAY, tick=False):
        handover = services.report_handover(
            by=owner, restaurant=on_record, kind=kind, proposed_on=day, new_owner_email="n@example.org"
        )
    assert handover.proposed_on == day


def test_the_confirmation_checks_the_date_again(on_record, owner, official):
    from backend.billing.models import Invoice
    from backend.handovers import services
    from backend.handovers.models import HandoverStatus
    from backend.restaurants.models import RestaurantStatus

    with time_machine.travel(TODAY, tick=False):
        handover = services.report_handover(
            by=owner, restaurant=on_record, kind="closing", proposed_on=date(2026, 11, 30)
        )
        error = _refused(
            "handover_date_too_early",
            services.confirm_handover,
            handover=handover,
            by=official,
            effective_on=date(2020, 1, 1),
        )
        assert "effective_on" in error.fields
        _refused(
            "handover_date_in_future",
            services.confirm_handover,
            handover=handover,
            by=official,
            effective_on=date(2099, 12, 31),
        )
    handover.refresh_from_db()
    on_record.refresh_from_db()
    assert handover.status == HandoverStatus.REPORTED
    assert on_record.status == RestaurantStatus.OPEN and on_record.closed_on is None
    assert Invoice.objects.filter(restaurant=on_record).count() == 1  # October's only


def test_a_pickup_after_the_report_moves_the_bound(on_record, owner, official, scan_at):
    from backend.handovers import services

    with time_machine.travel(seoul(2026, 11, 29, 10), tick=False):
        handover = services.report_handover(
            by=owner, restaurant=on_record, kind="closing", proposed_on=date(2026, 11, 29)
        )
    with time_machine.travel(TODAY, tick=False):
        scan_at(seoul(2026, 11, 30, 8), 2_000)
        _refused(
            "handover_date_too_early",
            services.confirm_handover,
            handover=handover,
            by=official,
            effective_on=date(2026, 11, 29),
        )
        confirmed = services.confirm_handover(handover=handover, by=official, effective_on=date(2026, 11, 30))
    assert confirmed.effective_on == date(2026, 11, 30)


def test_the_pages_show_the_refusal(client, on_record, owner, official):
    from backend.handovers import services
    from backend.handovers.models import Handover

    client.force_login(owner)
    with time_machine.travel(TODAY, tick=False):
        page = client.post(
            "/handover/", {"restaurant": str(on_record.id), "kind": "closing", "proposed_on": "2020-01-01"}
        )
        assert page.status_code == 200
        assert "2026-11-28" in page.content.decode()  # the earliest date it may be
        assert not Handover.objects.exists()
        handover = services.report_handover(
            by=owner, restaurant=on_record, kind="closing", proposed_on=date(2026, 11, 30)
        )
        client.force_login(official)
        page = client.post(f"/console/handovers/{handover.id}/", {"decision": "confirm", "effective_on": "2020-01-01"})
    assert page.status_code == 200 and "2026-11-28" in page.content.decode()
    handover.refresh_from_db()
    assert handover.status == "reported"


def test_after_closing_the_home_shows_the_restaurant_closed_with_its_final_invoice(client, on_record, owner, official):
    from backend.handovers import services

    with time_machine.travel(TODAY, tick=False):
        handover = services.report_handover(
            by=owner, restaurant=on_record, kind="closing", proposed_on=date(2026, 11, 30)
        )
        handover = services.confirm_handover(handover=handover, by=official, effective_on=date(2026, 11, 30))
        client.force_login(owner)
        page = client.get("/").content.decode()
    month = page[page.index('data-testid="month-so-far"') : page.index('data-testid="unpaid"')]
    assert 'class="card month"' not in month  # no "this month so far" for a closed restaurant
    assert 'data-testid="closed-restaurant"' in month and "폐업" in month
    assert f"/billing/invoices/{handover.final_invoice_id}/" in month
    assert handover.final_invoice.number in month
