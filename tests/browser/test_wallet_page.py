"""The owner's wallet on a phone: the balance, the movements newest first over pages,
a top-up through the sandbox provider, a form error, and a refund request; every
state passes `assert_usable`. The official's account page at a desk records a
counter payment."""

import pytest
from django.utils import timezone

from backend.billing import ledger
from backend.billing.models import EntryKind
from backend.payments.models import RefundRequest
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.browser.layout import settled_box

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "galbi-since-1988"


def test_an_owner_tops_up_reads_the_movements_and_asks_for_a_refund_on_a_phone(phone, owner, restaurant):
    owner.set_password(PASSWORD)
    owner.save()
    for n in range(25):  # more than a page of history
        ledger.post(
            restaurant_id=restaurant.id,
            owner_id=restaurant.owner_id,
            kind=EntryKind.TOP_UP,
            amount_krw=-1000,
            source_id=f"old-{n}",
        )
    wallet = f"/payments/wallet/{restaurant.id}/"
    sign_in(phone, "owner", PASSWORD, wallet)
    assert phone.get_by_test_id("balance").inner_text() == "25,000원"
    assert_usable(phone, "the wallet with credit")
    movement = phone.get_by_test_id("entry-amount").first  # in words, no sign to decode
    assert movement.inner_text() == "들어온 돈 1,000원"
    width = phone.viewport_size["width"]
    settled_box(movement, lambda box: box["x"] + box["width"] <= width, what="wider than the phone")
    phone.get_by_role("link", name="이전").click()
    assert "2 / 2" in phone.content()
    assert_usable(phone, "the wallet's second page")

    phone.goto(wallet)
    phone.get_by_label("충전할 금액").fill("500")
    phone.get_by_role("button", name="결제하러 가기").click()
    assert "1,000원 이상 충전할 수 있습니다" in phone.content()
    assert_usable(phone, "the top-up form with an error")

    phone.get_by_label("충전할 금액").fill("30000")
    phone.get_by_role("button", name="결제하러 가기").click()
    assert "/payments/sandbox/" in phone.url
    assert_usable(phone, "the sandbox checkout of a top-up")
    phone.get_by_role("button", name="결제하기").click()
    assert "선불 충전" in phone.content()
    phone.get_by_role("link", name="내 지갑으로 돌아가기").click()
    assert phone.get_by_test_id("balance").inner_text() == "55,000원"
    assert phone.locator(".entries li").first.inner_text().startswith("선불 충전")

    phone.get_by_label("환불받을 금액").fill("90000")
    phone.get_by_label("환불받을 계좌").fill("농협 123-4567-8901 김사장")
    phone.get_by_role("button", name="환불 요청하기").click()
    assert "환불 가능한 금액은 55,000원입니다" in phone.content(), phone.locator("main").inner_text()
    assert_usable(phone, "the refund form with an error")
    phone.get_by_label("환불받을 금액").fill("20000")
    phone.get_by_role("button", name="환불 요청하기").click()
    assert "환불 요청을 접수했습니다" in phone.content()
    assert_usable(phone, "the wallet after a refund request")
    assert RefundRequest.objects.get().amount_krw == 20_000


def test_an_official_records_a_counter_payment(desk, official, restaurant):
    official.set_password(PASSWORD)
    official.save()
    account = f"/console/accounts/{restaurant.id}/"
    sign_in(desk, "official", PASSWORD, account)
    assert_usable(desk, "the account page")
    desk.get_by_label("받은 금액").fill("0")
    desk.get_by_role("button", name="기록하기").click()
    assert_usable(desk, "the counter payment form with an error")
    desk.get_by_label("받은 금액").fill("12000")
    desk.get_by_label("결제 수단").select_option("cash")
    desk.get_by_role("button", name="기록하기").click()
    assert "창구 납부를 기록했습니다" in desk.content()
    assert desk.get_by_test_id("balance").inner_text() == "-12,000원"
    assert_usable(desk, "the account after a counter payment")


def test_a_former_owner_reads_their_own_account_of_a_restaurant_they_sold(phone, desk, f, owner, official, restaurant):
    """After a sale the old owner's credit stays theirs: their page says so, shows their
    movements, offers no top-up; the official sees it beside the new owner's account
    and sets the municipality's low-balance warning on the same page."""
    owner.set_password(PASSWORD)
    owner.save()
    official.set_password(PASSWORD)
    official.save()
    ledger.post(
        restaurant_id=restaurant.id, owner_id=owner.id, kind=EntryKind.TOP_UP, amount_krw=-7000, source_id="before"
    )
    buyer = f.UserFactory(role="owner", invited_through=restaurant.municipality)
    restaurant.hand_over(to=buyer, at=timezone.now())  # what a confirmed sale does
    sign_in(phone, "owner", PASSWORD, f"/payments/wallet/{restaurant.id}/")
    assert phone.get_by_test_id("balance").inner_text() == "7,000원"
    assert phone.get_by_test_id("former-owner").is_visible()
    assert phone.get_by_role("button", name="결제하러 가기").count() == 0
    assert_usable(phone, "a former owner's wallet")

    sign_in(desk, "official", PASSWORD, f"/console/accounts/{restaurant.id}/")
    assert desk.get_by_test_id("balance").inner_text() == "0원"
    assert "-7,000원" in desk.get_by_test_id("former-account").inner_text()
    desk.get_by_label("지자체 전체 선불 지갑의 잔액 부족 알림 기준").fill("-5")
    desk.get_by_role("button", name="지자체 기준 저장").click()
    assert_usable(desk, "the municipality's threshold with an error")
    desk.get_by_label("지자체 전체 선불 지갑의 잔액 부족 알림 기준").fill("15000")
    desk.get_by_role("button", name="지자체 기준 저장").click()
    assert "15,000원" in desk.get_by_test_id("threshold").inner_text()
    assert_usable(desk, "the account page with a former owner's account")
