"""Money never crosses a sale: the new owner's wallet starts at zero and shows none of
the old owner's movements; the old owner keeps their own account (credit used by
their final invoice first, the rest theirs to ask back), read-only otherwise."""

import uuid

import pytest
import time_machine

from tests.billing.conftest import seoul
from tests.handovers.conftest import SOLD_ON

# The final invoice reads its billing window by commit order (decision 0002).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def topped_up_then_sold(priced, restaurant, bin, tag, owner, new_owner, official, scan_at):
    """The old owner tops up 50,000 KRW in October; 30 kg collected in November before
    the sale on the 15th (3,900 KRW on the final invoice)."""
    from backend.handovers import services as handovers
    from backend.payments import services as payments
    from backend.payments.providers import CallbackEvent
    from backend.restaurants.models import Bin

    Bin.objects.filter(id=bin.id).update(created_at=seoul(2025, 1, 1))
    with time_machine.travel(seoul(2026, 10, 20, 12), tick=False):
        order = payments.create_top_up_order(restaurant=restaurant, amount_krw=50_000, by=owner)
        payments.record_callback(
            provider_name=order.provider,
            event=CallbackEvent(
                order_id=str(order.id),
                transaction_id=f"tx-{uuid.uuid4()}",
                succeeded=True,
                amount_krw=50_000,
                paid_at=seoul(2026, 10, 20, 12),
            ),
        )
    with time_machine.travel(seoul(2026, 11, 16, 12), tick=False):
        scan_at(seoul(2026, 11, 3, 9), 10_000)
        scan_at(seoul(2026, 11, 14, 9), 20_000)
        handover = handovers.report_handover(
            by=owner, restaurant=restaurant, kind="sale", proposed_on=SOLD_ON, new_owner_email="new@example.org"
        )
        return handovers.confirm_handover(handover=handover, by=official, effective_on=SOLD_ON)


def wallet(client, user, restaurant):
    client.force_login(user)
    return client.get(f"/payments/wallet/{restaurant.id}/")


def test_the_old_owner_s_credit_pays_their_final_invoice_and_stays_theirs(topped_up_then_sold, restaurant, owner):
    from backend.billing import ledger
    from backend.billing.models import InvoiceStatus

    final = topped_up_then_sold.final_invoice
    assert (final.owner_id, final.total_krw, final.prepaid_applied_krw) == (owner.id, 3_900, 3_900)
    assert final.status == InvoiceStatus.PAID
    assert ledger.balance_krw(restaurant.id, owner.id) == -(50_000 - 3_900)
    assert ledger.balance_krw(restaurant.id, topped_up_then_sold.new_owner_id) == 0


def test_the_new_owner_s_wallet_shows_zero_and_none_of_the_old_entries(
    client, api, topped_up_then_sold, restaurant, new_owner
):
    page = wallet(client, new_owner, restaurant)
    assert page.status_code == 200
    assert page.context["balance_krw"] == 0 and page.context["credit_krw"] == 0
    assert list(page.context["entries"]) == []
    html = page.content.decode()
    assert "50,000" not in html and "46,100" not in html and "3,900" not in html
    assert page.context["can_top_up"] and not page.context["former_owner"]
    body = api.as_user(new_owner).get(f"/api/v1/restaurants/{restaurant.id}/ledger/").json()
    assert (body["balance_krw"], body["count"]) == (0, 0)
    assert api.as_user(new_owner).get("/api/v1/ledger-entries/").json()["count"] == 0


def test_the_old_owner_still_reads_their_own_history_and_may_only_ask_for_their_credit_back(
    client, api, topped_up_then_sold, restaurant, owner, official
):
    from backend.billing import ledger
    from backend.payments import services as payments

    page = wallet(client, owner, restaurant)
    assert page.status_code == 200
    assert page.context["credit_krw"] == 46_100
    assert [entry.kind for entry in page.context["entries"]] == ["charge", "top_up"]
    assert page.context["former_owner"] and not page.context["can_top_up"]
    html = page.content.decode()
    assert 'data-testid="former-owner"' in html and "/top-up/" not in html and "/refund/" in html
    # Paying in is for the current owner: the page's form and the API refuse the old one.
    client.force_login(owner)
    assert client.post(f"/payments/wallet/{restaurant.id}/top-up/", {"top_up-amount_krw": 10_000}).status_code == 404
    top_up = api.as_user(owner).post(f"/api/v1/restaurants/{restaurant.id}/ledger/top-up/", {"amount_krw": 10_000})
    assert top_up.status_code == 404
    assert api.as_user(owner).get(f"/api/v1/restaurants/{restaurant.id}/ledger/").json()["balance_krw"] == -46_100
    # The credit left is theirs: asked for and approved, it leaves their account only.
    refund = payments.request_refund(restaurant=restaurant, amount_krw=46_100, bank_account="국민 1", by=owner)
    payments.decide_refund(refund=refund, approve=True, by=official)
    assert ledger.balance_krw(restaurant.id, owner.id) == 0
    assert ledger.balance_krw(restaurant.id, topped_up_then_sold.new_owner_id) == 0


def test_the_old_owner_s_later_payment_of_their_final_invoice_never_reaches_the_new_owner(
    priced, restaurant, bin, tag, owner, new_owner, official, scan_at
):
    from backend.billing import ledger
    from backend.handovers import services as handovers
    from backend.payments import services as payments
    from backend.payments.providers import CallbackEvent
    from backend.restaurants.models import Bin

    Bin.objects.filter(id=bin.id).update(created_at=seoul(2025, 1, 1))
    with time_machine.travel(seoul(2026, 11, 16, 12), tick=False):
        scan_at(seoul(2026, 11, 3, 9), 10_000)
        handover = handovers.report_handover(
            by=owner, restaurant=restaurant, kind="sale", proposed_on=SOLD_ON, new_owner_email="new@example.org"
        )
        final = handovers.confirm_handover(handover=handover, by=official, effective_on=SOLD_ON).final_invoice
    assert ledger.balance_krw(restaurant.id, owner.id) == 1_300  # the old owner's debt, on their invoice
    order = payments.create_payment_order(invoice=final, by=owner)
    payments.record_callback(
        provider_name=order.provider,
        event=CallbackEvent(
            order_id=str(order.id), transaction_id="tx-late", succeeded=True, amount_krw=5_000, paid_at=None
        ),
    )
    assert ledger.balance_krw(restaurant.id, owner.id) == 1_300 - 5_000  # overpaid: their credit
    assert ledger.balance_krw(restaurant.id, new_owner.id) == 0
