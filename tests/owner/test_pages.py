"""The owner's pages, read as each persona: the owner sees their own, another owner and a
stranger get 404 for someone else's pickup or bin, crews and officials are sent away."""

from datetime import datetime

import pytest
from django.urls import reverse

from backend.collection_events.scales import register_scale
from backend.disputes.models import Dispute
from backend.tags.models import TagReport
from tests.owner.conftest import SEOUL

pytestmark = pytest.mark.django_db


def test_home_shows_the_month_so_far_at_todays_price_and_the_invoices_to_pay(client, owner, pickup, now, bin, f):
    pickup(datetime(2026, 11, 2, 9, tzinfo=SEOUL), grams=12_345)
    pickup(datetime(2026, 11, 19, 9, tzinfo=SEOUL), grams=7_000)
    pickup(datetime(2026, 11, 19, 9, 5, tzinfo=SEOUL), grams=7_000, status="held")
    pickup(datetime(2026, 10, 31, 23, 59, tzinfo=SEOUL), grams=99_000)  # October, local time
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    assert "2회" in page and "19.345 kg" in page
    assert "2,901원" in page  # 19.345 kg × 150 KRW = 2,901.75, floored
    assert "확인 대기 1건" in page
    assert "납부할 청구서가 없습니다" in page


def test_home_lists_unpaid_invoices_with_a_pay_button(client, owner, bill, scan, old_bin, tariff, now):
    scan(old_bin, datetime(2026, 10, 5, 9, tzinfo=SEOUL), 20_000)
    bill("2026-10")
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    invoice = old_bin.restaurant.invoices.get()
    assert reverse("pay-invoice", args=[invoice.id]) in page
    assert f"{invoice.amount_due_krw:,}원" in page


def test_home_shows_each_restaurants_balance_in_words_with_a_link_to_its_wallet(
    client, owner, bill, scan, old_bin, tariff, now, f
):
    from backend.billing import ledger
    from backend.billing.models import EntryKind

    scan(old_bin, datetime(2026, 10, 5, 9, tzinfo=SEOUL), 20_000)  # 2,600 KRW
    bill("2026-10")
    second = f.RestaurantFactory(owner=owner, district=old_bin.restaurant.district, name="둘째 가게")
    ledger.post(restaurant_id=second.id, kind=EntryKind.TOP_UP, amount_krw=-48_670, source_id="t1", owner_id=owner.id)
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    balances = page[page.index('data-testid="balances"') : page.index('data-testid="unpaid"')]
    assert "낼 금액 2,600원" in balances and "남은 잔액 48,670원" in balances
    for restaurant in (old_bin.restaurant, second):
        assert reverse("payments:wallet", args=[restaurant.id]) in balances
    client.cookies["django_language"] = "en"
    page = client.get(reverse("home")).content.decode()
    assert "You owe 2,600 won" in page and "Your credit: 48,670 won" in page


def test_my_bins_shows_each_tag_with_its_manual_code_qr_and_label(client, owner, tag, other_owner, f):
    f.TagFactory(bin=f.BinFactory(restaurant=other_owner.restaurants.first() or f.RestaurantFactory(owner=other_owner)))
    client.force_login(owner)
    page = client.get(reverse("owner-bins")).content.decode()
    assert tag.manual_code_display in page
    assert len(tag.manual_code_display) == 11 and tag.manual_code_display[4] == tag.manual_code_display[9] == "-"
    assert page.count('data-testid="bin"') == 1
    png = client.get(reverse("owner-bin-qr", args=[tag.bin_id]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    pdf = client.get(reverse("owner-bin-label", args=[tag.bin_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_owners_bin_and_its_qr_are_not_found(client, tag, other_owner):
    client.force_login(other_owner)
    assert tag.manual_code_display not in client.get(reverse("owner-bins")).content.decode()
    for name in ("owner-bin-qr", "owner-bin-label"):
        assert client.get(reverse(name, args=[tag.bin_id])).status_code == 404
    assert client.post(reverse("owner-tag-report", args=[tag.bin_id]), {"kind": "lost"}).status_code == 404
    assert not TagReport.objects.exists()


def test_a_tag_report_reaches_the_officials_once_and_a_new_tag_closes_it(client, owner, official, tag):
    from backend.tags.services import replace_tag

    client.force_login(owner)
    url = reverse("owner-tag-report", args=[tag.bin_id])
    client.post(url, {"kind": "damaged", "note": "비에 젖어 찢어졌어요"})
    again = client.post(url, {"kind": "lost"}, follow=True).content.decode()
    assert "이미 접수되어" in again
    assert 'data-testid="report-open"' in client.get(reverse("owner-bins")).content.decode()
    from backend.notifications.models import Notice

    assert not Notice.objects.filter(kind="tag_reported").exists()  # the owner's own report: no notice to them
    client.force_login(official)
    console = client.get(reverse("console:tag-reports")).content.decode()
    assert "비에 젖어 찢어졌어요" in console and tag.bin.label in console
    replace_tag(tag=tag, by=official, reason="훼손 신고")
    assert "열린 신고가 없습니다" in client.get(reverse("console:tag-reports")).content.decode()


def test_a_tag_reports_confirmation_names_the_restaurant_and_bin_in_one_language(client, owner, tag):
    from django.conf import settings

    client.force_login(owner)
    url = reverse("owner-tag-report", args=[tag.bin_id])
    page = client.post(url, {"kind": "lost"}, follow=True).content.decode()
    restaurant, label = tag.bin.restaurant.name, tag.bin.label
    assert f"{restaurant} {label} 용기: 신고를 접수했습니다. 담당 공무원이 새 태그를 보내 드립니다." in page
    assert "reached the officials" not in page

    from backend.tags.models import TagReport

    TagReport.objects.all().delete()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(url, {"kind": "lost"}, follow=True).content.decode()
    assert f"{restaurant}, bin {label}: your report has reached the officials; they will send a new tag." in page
    assert "신고를 접수했습니다" not in page


def test_a_tag_report_needs_a_kind(client, owner, tag):
    client.force_login(owner)
    page = client.post(reverse("owner-tag-report", args=[tag.bin_id]), {"kind": "stolen"}, follow=True)
    assert "분실인지 훼손인지 골라 주세요" in page.content.decode()
    assert not TagReport.objects.exists()


def test_another_municipalitys_official_cannot_see_or_close_our_tag_reports(client, owner, stranger, tag):
    from backend.tags.services import report_tag_problem

    report = report_tag_problem(bin=tag.bin, by=owner, kind="lost")
    client.force_login(stranger)
    assert tag.bin.label not in client.get(reverse("console:tag-reports")).content.decode()
    assert client.post(reverse("console:tag-report-close", args=[report.id])).status_code == 404


@pytest.mark.parametrize("role", ["collector", "official"])
def test_the_owners_pages_are_for_owners(client, role, request, tag):
    client.force_login(request.getfixturevalue(role))
    for url in (reverse("owner-bins"), reverse("owner-pickups")):
        assert client.get(url).status_code == 403


def test_pickups_list_newest_first_with_each_fee_and_filters_by_month_and_bin(client, owner, pickup, now, f, tag):
    october = pickup(datetime(2026, 10, 14, 23, 30, tzinfo=SEOUL))
    november = pickup(datetime(2026, 11, 3, 9, tzinfo=SEOUL))
    held = pickup(datetime(2026, 11, 4, 9, tzinfo=SEOUL), status="held")
    other_bin = f.BinFactory(restaurant=tag.bin.restaurant, label="홀")
    other = f.CollectionEventFactory(
        tag=f.TagFactory(bin=other_bin), collected_at=datetime(2026, 11, 5, 9, tzinfo=SEOUL)
    )
    client.force_login(owner)
    page = client.get(reverse("owner-pickups")).content.decode()
    order = [page.index(str(event.id)) for event in (other, held, november, october)]
    assert order == sorted(order)
    assert "1,300원" in page and "1,500원" in page and "확인 대기" in page
    october_only = client.get(reverse("owner-pickups"), {"month": "2026-10"}).content.decode()
    assert str(october.id) in october_only and str(november.id) not in october_only
    bin_only = client.get(reverse("owner-pickups"), {"bin": str(other_bin.id)}).content.decode()
    assert str(other.id) in bin_only and str(november.id) not in bin_only


def test_a_bad_month_or_someone_elses_bin_is_a_form_error_not_a_crash(client, owner, pickup, now, other_owner, f):
    pickup(datetime(2026, 11, 3, 9, tzinfo=SEOUL))
    foreign = f.BinFactory(restaurant=f.RestaurantFactory(owner=other_owner))
    client.force_login(owner)
    bad = client.get(reverse("owner-pickups"), {"month": "2026-13"})
    assert bad.status_code == 200 and "YYYY-MM" in bad.content.decode()
    wrong_bin = client.get(reverse("owner-pickups"), {"bin": str(foreign.id)}).content.decode()
    assert "errorlist" in wrong_bin


def test_pickups_page_over_years_by_keyset(client, owner, pickup, now):
    from backend.pages.pickup_list import PAGE_SIZE

    events = [pickup(datetime(2024 + i // 40, 1 + i % 12, 1 + i % 28, 9, tzinfo=SEOUL)) for i in range(PAGE_SIZE + 5)]
    client.force_login(owner)
    first = client.get(reverse("owner-pickups"))
    older = first.context["page"].older
    second = client.get(reverse("owner-pickups"), {"before": older}).context["page"]
    seen = [row.event.id for row in first.context["page"].rows] + [row.event.id for row in second.rows]
    assert sorted(seen) == sorted(event.id for event in events) and len(set(seen)) == len(events)
    assert second.older is None
    # A cursor we did not write starts from the top instead of failing.
    assert client.get(reverse("owner-pickups"), {"before": "not-a-cursor"}).status_code == 200


def test_collected_today_or_not_yet_on_a_collection_day(client, owner, pickup, now, f, tag):
    second = f.BinFactory(restaurant=tag.bin.restaurant, label="홀")
    pickup(datetime(2026, 11, 20, 8, tzinfo=SEOUL))
    client.force_login(owner)
    today = client.get(reverse("owner-pickups")).context["page"].today_bins
    assert {(item.bin.id, item.collected) for item in today} == {(tag.bin_id, True), (second.id, False)}
    page = client.get(reverse("owner-pickups")).content.decode()
    assert "오늘 수거됨" in page and "아직 수거 전" in page


def test_the_receipt_shows_what_the_crew_recorded_and_the_scale(client, owner, pickup, now, city, hauler):
    from datetime import date

    register_scale(
        municipality=city,
        hauler=hauler,
        serial="SC-7",
        model="CAS HB",
        inspected_on=date(2026, 5, 2),
        today=date(2026, 11, 20),
    )
    event = pickup(
        datetime(2026, 10, 15, 0, 30, tzinfo=SEOUL), grams=12_345, source="nfc", physically_tapped=True, scale_id="SC-7"
    )
    client.force_login(owner)
    page = client.get(reverse("owner-receipt", args=[event.id])).content.decode()
    assert "2026년 10월 15일 00:30" in page  # Seoul time, though UTC's day is the 14th
    assert "12.345 kg" in page and "1,851원" in page  # the new price of the 15th
    assert "NFC 태그를 대서 확인" in page and "칩 인증됨" in page
    assert "SC-7" in page and "2026년 5월 2일" in page


def test_a_visit_with_an_exception_shows_why_and_costs_nothing(client, owner, pickup, now):
    event = pickup(
        datetime(2026, 11, 3, 9, tzinfo=SEOUL), grams=None, status="not_collected", exception_code="not_put_out"
    )
    client.force_login(owner)
    page = client.get(reverse("owner-receipt", args=[event.id])).content.decode()
    assert "배출되지 않아" in page and "0원" in page
    # Nothing to dispute: neither a button nor talk of a window.
    assert reverse("disputes:new", args=[event.id]) not in page and "이의신청" not in page


@pytest.mark.parametrize("persona", ["other_owner", "stranger"])
def test_someone_elses_receipt_is_not_found(client, persona, pickup, now, request):
    event = pickup(datetime(2026, 11, 3, 9, tzinfo=SEOUL))
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(reverse("owner-receipt", args=[event.id])).status_code == (404 if user.is_owner else 403)
    assert client.post(reverse("disputes:new", args=[event.id]), {"reason": "x"}).status_code == 404
    assert not Dispute.objects.exists()


def test_this_is_wrong_opens_the_dispute_form_and_the_official_sees_the_receipt(client, owner, official, pickup, now):
    # Thursday morning's pickup, read on Friday afternoon: 2 working days, so until Monday.
    event = pickup(datetime(2026, 11, 19, 9, tzinfo=SEOUL), grams=12_000, scale_id="SC-9", source="manual")
    client.force_login(owner)
    receipt = client.get(reverse("owner-receipt", args=[event.id])).content.decode()
    url = reverse("disputes:new", args=[event.id])
    assert "11월 23일까지 이의신청 가능" in receipt and url in receipt
    form = client.get(url).content.decode()
    for fact in ("2026년 11월 19일 09:00", "12.000 kg", "1,800원", "수동 코드를 입력해서", "SC-9"):
        assert fact in form  # the receipt, above the form
    empty = client.post(url, {"reason": "   ", "proposed_weight_kg": "0"})
    assert "사유를 입력해 주세요" in empty.content.decode()
    assert not Dispute.objects.exists()
    client.post(url, {"reason": "이날은 휴무였습니다", "proposed_weight_kg": "0"})
    dispute = Dispute.objects.get()
    assert (dispute.reason, dispute.proposed_weight_g) == ("이날은 휴무였습니다", 0)  # the owner's words only
    receipt = client.get(reverse("owner-receipt", args=[event.id])).content.decode()
    assert "status-dispute-open" in receipt and url not in receipt
    # The official reads the same receipt from the collection itself.
    client.force_login(official)
    review = client.get(reverse("disputes:review")).content.decode()
    facts = ("이날은 휴무였습니다", "2026년 11월 19일 09:00", "12.000 kg", "1,800원", "수동 코드를 입력해서", "SC-9")
    for fact in facts:
        assert fact in review


def test_past_the_window_the_receipt_says_why_and_whom_to_call(client, owner, pickup, now, city):
    city.contact_phone = "02-3153-8114"
    city.save(update_fields=["contact_phone"])
    event = pickup(datetime(2026, 11, 3, 9, tzinfo=SEOUL), grams=12_000)
    client.force_login(owner)
    receipt = client.get(reverse("owner-receipt", args=[event.id])).content.decode()
    assert "온라인 이의신청 기간이 지났습니다" in receipt
    assert "수거일로부터 2 근무일" in receipt and "11월 5일까지" in receipt
    assert 'href="tel:02-3153-8114"' in receipt
    assert reverse("disputes:new", args=[event.id]) not in receipt and "이 기록이 잘못되었어요" not in receipt


def test_the_receipts_old_dispute_address_leads_to_the_dispute_form(client, owner, pickup, now):
    event = pickup(datetime(2026, 11, 19, 9, tzinfo=SEOUL))
    client.force_login(owner)
    response = client.get(f"/my/pickups/{event.id}/wrong/")
    assert response.status_code == 301 and response["Location"] == reverse("disputes:new", args=[event.id])
