"""Every notice is written in its recipient's language: a Korean owner and an English
owner told of the same kind of event each read it (title, body, email) in their own.
Writing notices to many people costs the same number of queries however many they are."""

import re
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.billing.models import Invoice
from backend.disputes.services import accept_dispute, raise_dispute
from backend.notifications.models import Notice, NoticeKind
from backend.notifications.services import Message, notify_all
from backend.pickup_requests.services import assign_request, complete_request, request_pickup
from backend.restaurants.models import Bin
from tests.owner.test_language import korean_outside_lang_ko

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def korean_left(text: str, *names: str) -> list[str]:
    """Korean words in `text` once the names from the register (which stay as they are) are taken out."""
    for name in names:
        text = text.replace(name, "")
    return HANGUL.findall(text)


@pytest.fixture
def english_owner(f, city):
    return f.UserFactory(username="smith", role="owner", email="smith@example.org", language="en")


@pytest.fixture
def two_restaurants(f, district, restaurant, owner, english_owner):
    """The shared owner's 할매순대국 (Korean: they never chose) and an English owner's 소담김밥,
    each with a bin in service since long before the months billed here."""
    owner.email = "owner@example.org"
    owner.save(update_fields=["email"])
    other = f.RestaurantFactory(district=district, owner=english_owner, name="소담김밥")
    for place in (restaurant, other):
        f.TagFactory(bin=f.BinFactory(restaurant=place, label="주방 1", capacity_liters=60))
    Bin.objects.update(created_at=seoul(2025, 1, 1))
    return restaurant, other


def mails_to(address: str) -> list[tuple[str, str]]:
    return [(message.subject, message.body) for message in mail.outbox if message.to == [address]]


def assert_told_in_each_language(kind: str, *, korean: list[str], english: list[str], names: list[str]) -> None:
    by_language = {notice.language: notice for notice in Notice.objects.filter(kind=kind)}
    assert set(by_language) == {"ko", "en"}
    ko, en = by_language["ko"], by_language["en"]
    assert ko.recipient.username == "owner" and en.recipient.username == "smith"
    for text in korean:
        assert text in ko.subject + ko.body, text
    for text in english:
        assert text in en.subject + en.body, text
    assert korean_left(en.subject + en.body, *names) == []
    # The email says what the notice centre says.
    assert (ko.subject, ko.body) in mails_to("owner@example.org")
    assert (en.subject, en.body) in mails_to("smith@example.org")


@pytest.mark.django_db(transaction=True)  # the invoices' snapshot must see the scans: commits in between
def test_an_invoice_issued_notice_in_korean_and_in_english(two_restaurants, tariff, scan, bill, eager_celery):
    for restaurant in two_restaurants:
        scan(restaurant.bins.get(), seoul(2026, 10, 3, 5), 10_000)
    with time_machine.travel(seoul(2026, 11, 1, 10), tick=False):
        bill("2026-10")
    assert Invoice.objects.count() == 2
    assert_told_in_each_language(
        NoticeKind.INVOICE_ISSUED,
        korean=["[음식물 종량제] 할매순대국 2026-10 청구서 (1,300원)", "사장님, 안녕하세요", "납부할 금액: 1,300원"],
        english=["[Food-waste fees] 소담김밥 invoice for 2026-10 (1,300 won)", "Amount to pay: 1,300 won", "Due date:"],
        names=["소담김밥"],
    )
    english = Notice.objects.get(language="en")
    assert re.search(r"Due date: \d+ [A-Z][a-z]{2} 2026\n", english.body)  # the English date format


def test_a_pickup_done_notice_in_korean_and_in_english(
    two_restaurants, official, collector, eager_celery, django_capture_on_commit_callbacks
):
    with time_machine.travel(seoul(2026, 10, 5, 10), tick=False):
        for restaurant in two_restaurants:
            owner = restaurant.owner
            with django_capture_on_commit_callbacks(execute=True):
                pickup = request_pickup(
                    restaurant=restaurant,
                    bin=restaurant.bins.get(),
                    kind="extra_pickup",
                    requested_for=date(2026, 10, 6),
                    by=owner,
                )
                assign_request(pickup=pickup, by=official, assignee=collector)
                complete_request(pickup=pickup, by=collector)
    assert_told_in_each_language(
        NoticeKind.PICKUP_REQUEST_DONE,
        korean=[
            "[음식물 수거] 할매순대국 추가 수거 요청 처리 완료",
            "10월 6일 주방 1 용기 추가 수거 요청이(가) 처리 완료되었습니다.",
        ],
        english=[
            "[Food-waste pickup] 소담김밥: extra pickup request done",
            "Your extra pickup request for the bin 주방 1 on 6 Oct is done.",
            "See how it is going: http",
        ],
        names=["소담김밥", "주방 1"],
    )


def test_a_dispute_decided_notice_in_korean_and_in_english(
    f, two_restaurants, official, collector, eager_celery, django_capture_on_commit_callbacks
):
    with time_machine.travel(seoul(2026, 8, 4, 11), tick=False):
        for restaurant in two_restaurants:
            event = f.CollectionEventFactory(
                tag=restaurant.bins.get().tags.get(), collector=collector, collected_at=seoul(2026, 8, 3, 5)
            )
            dispute = raise_dispute(event=event, by=restaurant.owner, reason="휴무일")
            with django_capture_on_commit_callbacks(execute=True):
                accept_dispute(dispute=dispute, by=official, reason="휴무 확인", weight_g=8_500)
    assert_told_in_each_language(
        NoticeKind.DISPUTE_DECIDED,
        korean=["[음식물 수거] 할매순대국 이의신청 인정", "8월 3일 05:00 수거 기록(12.340 kg)", "8.500 kg으로 정정"],
        english=[
            "[Food-waste pickup] 소담김밥: dispute accepted",
            "Your dispute of the pickup of 3 Aug, 05:00 (12.340 kg) was accepted.",
            "The weight is corrected to 8.500 kg.",
            "Reason: 휴무 확인",  # the official's own words, as written
        ],
        names=["소담김밥", "휴무 확인"],
    )


def test_notify_all_takes_the_same_queries_for_two_recipients_or_twenty(f):
    def write(count: int, start: int) -> int:
        people = [f.UserFactory(language="en" if n % 2 else "ko") for n in range(count)]
        original = SimpleNamespace(subject="10월 청구서", created_at=seoul(2026, 11, 1, 9))
        messages = [
            Message(
                kind=NoticeKind.REMINDER,
                about=f"about-{start + n}",
                recipient_id=person.id,
                template="notifications/notices/reminder",
                context={"original": original},
                variables={"보낸날": "2026-11-01", "제목": original.subject},
            )
            for n, person in enumerate(people)
        ]
        with CaptureQueriesContext(connection) as queries:
            written = notify_all(messages)
        assert len(written) == count
        return len(queries)

    assert write(2, 0) == write(20, 100)
    told = {notice.language: notice for notice in Notice.objects.order_by("about")}
    assert told["ko"].subject == "[다시 알림] 10월 청구서" and told["en"].subject == "[Reminder] 10월 청구서"
    assert "You have not opened the notice we sent on 1 Nov 2026 yet." in told["en"].body


def test_a_notice_is_plain_text_not_html(f, owner):
    """A name with & or quotes reaches the email as it is, not as HTML entities."""
    original = SimpleNamespace(subject='"김밥&국수" 청구서', created_at=seoul(2026, 11, 1, 9))
    [notice] = notify_all(
        [
            Message(
                kind=NoticeKind.REMINDER,
                about="x",
                recipient_id=owner.id,
                template="notifications/notices/reminder",
                context={"original": original},
                variables={"보낸날": "2026-11-01", "제목": original.subject},
            )
        ]
    )
    assert notice.subject == '[다시 알림] "김밥&국수" 청구서'


def test_an_english_page_marks_a_korean_notice_and_translates_its_kind(f, client, owner):
    korean = f.NoticeFactory(recipient=owner, kind=NoticeKind.INVOICE_ISSUED, subject="10월 청구서", body="본문")
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    detail = client.get(korean.page_path).content.decode()
    assert "<dd>Invoice issued</dd>" in detail
    assert '<h1 class="notice-heading" lang="ko">10월 청구서</h1>' in detail
    assert korean_outside_lang_ko(detail) == []
    assert korean_outside_lang_ko(client.get("/notices/").content.decode()) == []
    client.cookies["django_language"] = "ko"
    assert "<dd>청구서 발행 안내</dd>" in client.get(korean.page_path).content.decode()


def test_the_api_says_which_language_a_notice_is_in(f, api, owner):
    f.NoticeFactory(recipient=owner, subject="10월 청구서", language="ko")
    f.NoticeFactory(recipient=owner, subject="October invoice", language="en")
    rows = api.as_user(owner).get("/api/v1/notices/").json()["results"]
    assert {(row["title"], row["language"]) for row in rows} == {("10월 청구서", "ko"), ("October invoice", "en")}
