"""An owner's month on a 360 px phone, end to end, with the real background worker.

The restaurant was billed monthly until October and pays from a prepaid wallet since
today. A crew syncs a batch of scans through `POST /api/v1/collections/batch/` over
HTTP, as the crew app does; the pickup is on the owner's pickup list at once, its
"pickup done" notice follows (one task queued by the sync), and the draw from the
wallet (billing.charge_prepaid_pickups, run by Celery's beat every
PREPAID_SWEEP_SECONDS on a real worker, as in production) writes the owner's receipt:
both must be in the notice centre within a minute of the sync. The owner opens the
pickup's receipt and disputes it ("this is wrong"); an official decides it on a PC
(a second browser context); the owner gets the decision's notice, pays October's
invoice through the sandbox provider, tops up the wallet, reads a notice (it turns
read) and switches to English and back. Every state, messages included, passes
`assert_usable` (axe-core WCAG 2.1 AA, tap targets, no sideways scrolling).

Elements are found by ids, hrefs, form field names and data attributes rather than by
their text, which is being translated.
"""

import time
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backend.billing import ledger, prepaid
from backend.billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.disputes.models import Dispute
from backend.notifications.models import Notice, NoticeKind, NoticeStatus
from tests.billing.conftest import seoul
from tests.browser.a11y import assert_usable
from tests.celery_worker import CeleryWorker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-month-of-pickups-1"
WITHIN_S = 60  # "a pickup is on the owner's phone within a minute of the crew's sync"


def sign_in(page, username: str, next_path: str) -> None:
    page.goto(f"/login/?next={next_path}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def wait_for(condition, timeout: float = WITHIN_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def won(amount: int) -> str:
    return f"{amount:,}원"


@pytest.fixture
def month(owner, official, collector, restaurant, old_bin, tag, tariff, scan, bill):
    """October billed (an invoice to pay), then the restaurant made prepaid today."""
    for person in (owner, official, collector):
        person.set_password(PASSWORD)
        person.save()
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    bill("2026-10")
    prepaid.set_billing_mode(restaurant=restaurant, mode="prepaid", by=official)
    return Invoice.objects.get(restaurant=restaurant)


def test_an_owners_month_on_a_phone(phone, desk, live_server, month, restaurant, tag, tmp_path):
    invoice = month
    mail = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(tmp_path)}
    # The beat's sweep every 5 s rather than production's 30: the same schedule and task,
    # without half a minute of waiting in every run of the suite.
    with CeleryWorker(beat=True, concurrency=1, env={**mail, "PREPAID_SWEEP_SECONDS": "5"}) as worker:
        # The owner's bins.
        sign_in(phone, "owner", "/")
        expect(phone.get_by_test_id("month-so-far")).to_be_visible()
        assert_usable(phone, "owner home, start of the month")
        phone.locator("a.action[href='/my/bins/']").click()
        expect(phone.get_by_test_id("manual-code")).to_have_text(tag.manual_code_display)
        assert_usable(phone, "my bins")

        # A crew syncs its batch over HTTP, as the crew app does.
        crew = phone.context.browser.new_context(base_url=live_server.url)
        token = crew.request.post("/api/v1/auth/token/", data={"username": "collector", "password": PASSWORD})
        assert token.ok, token.text()
        scan_id = str(uuid.uuid4())
        event = {
            "id": scan_id,
            "tag": tag.url,
            "weight_kg": "12.500",
            "collected_at": timezone.now().isoformat(),
            "source": "nfc",
        }
        synced = crew.request.post(
            "/api/v1/collections/batch/",
            data={"events": [event]},
            headers={"Authorization": f"Token {token.json()['token']}"},
        )
        synced_at = time.monotonic()
        assert synced.ok, synced.text()
        assert synced.json()["results"] == [{"id": scan_id, "status": "created"}]
        crew.close()

        # On the pickup list at once.
        phone.goto("/my/pickups/")
        receipt_link = phone.locator(f"a[href='/my/pickups/{scan_id}/']")
        expect(receipt_link).to_be_visible()
        assert_usable(phone, "pickups with today's pickup")

        # "Pickup done", written by the task the sync queued, then the wallet's draw,
        # written by the worker's sweep: both in the notice centre within a minute.
        phone.goto("/notices/")
        done = phone.locator("li[data-kind='pickup_done']")
        drawn = phone.locator("li[data-kind='pickup_charged']")
        while done.count() == 0 and time.monotonic() - synced_at < WITHIN_S:
            time.sleep(0.5)
            phone.reload()
        assert done.count() == 1, f"no pickup-done notice {time.monotonic() - synced_at:.0f} s after the sync"
        while drawn.count() == 0 and time.monotonic() - synced_at < WITHIN_S:
            time.sleep(1)
            phone.reload()
        waited = time.monotonic() - synced_at
        assert drawn.count() == 1, f"no pickup notice {waited:.0f} s after the sync:\n{worker.log()[-3000:]}"
        expect(drawn.locator(".status-notice-unread")).to_be_visible()
        expect(phone.get_by_test_id("unread-count")).to_be_visible()
        assert_usable(phone, "notice centre with the pickup's notice")

        # The receipt, and "this is wrong".
        phone.goto("/my/pickups/")
        receipt_link.click()
        expect(phone.get_by_test_id("receipt-weight")).to_contain_text("12.500")
        expect(phone.get_by_test_id("receipt-fee")).to_have_text(won(12_500 * 130 // 1000))
        assert_usable(phone, "the pickup's receipt")
        phone.locator(f"a[href='/disputes/new/{scan_id}/']").click()
        expect(phone.get_by_test_id("dispute-deadline")).to_be_visible()
        assert_usable(phone, "the dispute form")
        phone.locator("textarea[name=reason]").fill("통이 반만 차 있었습니다")
        phone.locator("input[name=proposed_weight_kg]").fill("10.5")
        phone.locator("form:has(textarea[name=reason]) button").click()
        expect(phone.locator(".messages[role=status]")).to_be_visible()
        assert_usable(phone, "my disputes with the message that it was received")
        dispute = Dispute.objects.get(event_id=scan_id)
        assert dispute.proposed_weight_g == 10_500

        # An official decides it at a PC: the weight is corrected.
        sign_in(desk, "official", "/disputes/review/")
        form = desk.locator(f"form[action='/disputes/review/{dispute.id}/']")
        expect(form).to_be_visible()
        assert_usable(desk, "the review queue with the owner's dispute")
        form.locator("input[name=reason]").fill("재계량 결과 10.5 kg")
        form.locator("input[name=outcome][value=correct]").check()
        form.locator("input[name=weight_kg]").fill("10.5")
        form.locator("button[name=decision][value=accept]").click()
        expect(desk.locator(".messages[role=status]")).to_be_visible()
        expect(desk.locator(f"form[action='/disputes/review/{dispute.id}/']")).to_have_count(0)
        assert_usable(desk, "the review queue after the decision, with its message")

        # The owner is told.
        phone.goto("/notices/")
        decided = phone.locator("li[data-kind='dispute_decided']")
        expect(decided.locator(".status-notice-unread")).to_be_visible()
        assert_usable(phone, "notice centre with the decision")
        decided.locator("a").click()
        expect(phone.get_by_test_id("read-at")).not_to_be_empty()
        expect(phone.locator(".notice-body")).to_contain_text("10.500")
        assert_usable(phone, "the decision's notice")

        # October's invoice, paid through the sandbox provider.
        phone.goto("/billing/invoices/")
        phone.locator(f"a[href='/billing/invoices/{invoice.id}/']").click()
        expect(phone.get_by_test_id("amount-due")).to_have_text(won(invoice.amount_due_krw))
        assert_usable(phone, "October's invoice")
        phone.locator(f"form[action='/billing/invoices/{invoice.id}/pay/'] button").click()
        phone.wait_for_url("**/payments/sandbox/**")
        assert_usable(phone, "the sandbox checkout of the invoice")
        phone.locator("button[name=outcome][value=pay]").click()
        expect(phone.get_by_test_id("paid-amount")).to_have_text(won(invoice.amount_due_krw))
        expect(phone.locator(".messages[role=status]")).to_be_visible()
        assert_usable(phone, "the payment's receipt, with its message")
        phone.locator(f"a[href='/billing/invoices/{invoice.id}/']").click()
        expect(phone.locator(".status-paid")).to_be_visible()
        expect(phone.get_by_test_id("amount-due")).to_have_text(won(0))
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID

        # The correction reaches the wallet through the next sweeps: the first draw given
        # back, the corrected pickup drawn.
        corrected = CollectionEvent.objects.exclude(id=scan_id).get(
            bin_id=tag.bin_id, collected_at__gte=seoul(2026, 11, 1), status=CollectionStatus.BILLABLE
        )
        assert corrected.weight_g == 10_500
        assert wait_for(
            lambda: (
                LedgerEntry.objects.filter(kind=EntryKind.PICKUP_REVERSAL, event_id=scan_id).exists()
                and LedgerEntry.objects.filter(kind=EntryKind.PICKUP_CHARGE, event_id=corrected.id).exists()
            )
        ), worker.log()[-3000:]

        # The wallet, topped up.
        wallet = f"/payments/wallet/{restaurant.id}/"
        phone.goto(wallet)
        before = ledger.balance_krw(restaurant.id, restaurant.owner_id)  # > 0: owed; < 0: credit
        assert before == 10_500 * 130 // 1000  # the corrected pickup's fee, not yet covered
        expect(phone.get_by_test_id("balance")).to_have_text(won(abs(before)))
        assert_usable(phone, "the wallet, the corrected pickup owed")
        phone.locator(f"form[action='{wallet}top-up/'] input[name=top_up-amount_krw]").fill("20000")
        phone.locator(f"form[action='{wallet}top-up/'] button").click()
        phone.wait_for_url("**/payments/sandbox/**")
        assert_usable(phone, "the sandbox checkout of a top-up")
        phone.locator("button[name=outcome][value=pay]").click()
        expect(phone.get_by_test_id("paid-amount")).to_have_text(won(20_000))
        expect(phone.locator(".messages[role=status]")).to_be_visible()
        assert_usable(phone, "the top-up's receipt, with its message")
        phone.locator(f"a[href='{wallet}']").click()
        expect(phone.get_by_test_id("balance")).to_have_text(won(20_000 - before))
        expect(phone.locator(".balance.credit")).to_be_visible()
        assert_usable(phone, "the wallet in credit")

        # A notice read turns read.
        phone.goto("/notices/")
        first_draw = phone.locator("li[data-kind='pickup_charged']").last  # newest first: the first draw is last
        expect(first_draw.locator(".status-notice-unread")).to_be_visible()
        first_draw.locator("a").click()
        expect(phone.get_by_test_id("read-at")).not_to_be_empty()
        assert_usable(phone, "the pickup's notice, read")
        phone.goto("/notices/")
        expect(phone.locator("li[data-kind='pickup_charged']").last.locator(".status-notice-read")).to_be_visible()
        assert_usable(phone, "notice centre after reading")

        # The worker sent the pickup's notice too (by email: the owner has no other channel).
        pickup_notice = Notice.objects.filter(kind=NoticeKind.PICKUP_CHARGED).order_by("created_at").first()
        assert wait_for(lambda: Notice.objects.get(id=pickup_notice.id).status == NoticeStatus.SENT, 30)

    # English and back, from the notice centre.
    phone.locator("form.language-switch button[value=en]").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    assert phone.url.endswith("/notices/")
    assert_usable(phone, "notice centre in English")
    phone.locator("form.language-switch button[value=ko]").click()
    expect(phone.locator("html")).to_have_attribute("lang", "ko")
    assert_usable(phone, "notice centre in Korean again")
    print(f"the pickup's notice was in the notice centre {waited:.1f} s after the crew's sync")
