"""An official at a PC finds a KakaoTalk message that could not reach an owner (no
mobile number), types a wrong number, then the right one, and the message goes; the
owner, on a 360 px phone, opens the message's button and lands on the notice, now read.
Every state passes the accessibility checks."""

import pytest
from playwright.sync_api import expect

from backend.notifications.models import Notice, NoticeKind, NoticePreference
from backend.notifications.services import notify
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.standins import nhn_bizmessage as standin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nhn(settings):
    with standin.serving(settings) as state:
        yield state


def test_an_official_corrects_a_number_and_the_owner_opens_the_message(
    settings, desk, phone, nhn, official, owner, restaurant, eager_celery
):
    for person, password in ((official, "official-password-1"), (owner, "owner-password-1")):
        person.set_password(password)
        person.save()
    NoticePreference.objects.create(user=owner, email=False, alimtalk=True, quiet_hours=False)
    notify(
        kind=NoticeKind.MISSED_PICKUP,
        about="visit-1",
        recipient_id=owner.id,
        template="collection_events/notices/missed_pickup",
        context={"event": None, "restaurant": restaurant, "bin": None},
        variables={"업소명": restaurant.name, "용기": "주방 1", "방문일시": "2026-11-02 10:00", "사유": "미배출"},
    )
    assert nhn.messages == []

    sign_in(desk, "official", "official-password-1", "/console/people/")
    desk.get_by_role("link", name="전달 안 된 알림").click()
    expect(desk.get_by_role("heading", name="전달되지 못한 알림")).to_be_visible()
    expect(desk.locator("table.undeliverable tbody tr")).to_contain_text("휴대전화 번호가 없거나 올바르지 않음")
    assert_usable(desk, "the undelivered messages")

    number = desk.get_by_label("owner의 휴대전화 번호")
    number.fill("02-123-4567")
    desk.get_by_role("button", name="저장하고 다시 보내기").click()
    expect(desk.get_by_role("status")).to_contain_text("010-XXXX-XXXX")
    assert_usable(desk, "the undelivered messages after a wrong number")

    desk.get_by_label("owner의 휴대전화 번호").fill("010-9876-5432")
    desk.get_by_role("button", name="저장하고 다시 보내기").click()
    expect(desk.get_by_role("status")).to_contain_text("번호를 저장하고 알림을 다시 보냅니다")
    expect(desk.locator("table.undeliverable tbody")).to_contain_text("없음")
    assert_usable(desk, "the undelivered messages, none left")
    [message] = nhn.messages
    assert message["recipientNo"] == "01098765432"

    # The owner taps the message's 「알림 보기」 button on their phone.
    [button] = message["buttons"]
    notice = Notice.objects.get()
    path = f"/notices/{notice.id}/"
    assert button["name"] == "알림 보기" and button["linkMo"] == settings.PUBLIC_BASE_URL + path
    sign_in(phone, "owner", "owner-password-1", path)
    expect(phone.locator("main")).to_contain_text(notice.subject)
    assert_usable(phone, "the notice opened from its KakaoTalk button")
    notice.refresh_from_db()
    assert notice.read_at is not None
