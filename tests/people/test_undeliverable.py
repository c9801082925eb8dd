"""The officials' page of messages that could not be delivered: their municipality's
only, with the reason; correcting the owner's number sends the message again, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from backend.notifications import services
from backend.notifications.delivery import poll_results
from backend.notifications.models import DeliveryStatus, NoticeDelivery, NoticeKind, NoticePreference
from backend.notifications.nhn_bizmessage import NhnAlimTalkNotifier
from backend.notifications.services import notify
from backend.people.services import correct_phone_and_resend
from tests.notifications.conftest import MISSED
from tests.owner.test_language import korean_outside_lang_ko

pytestmark = pytest.mark.django_db
PAGE = "/console/people/undeliverable/"


@pytest.fixture
def undelivered(nhn, owner, restaurant, eager_celery, django_capture_on_commit_callbacks):
    """A notice to an owner without a mobile number: emailed, undeliverable on AlimTalk."""
    NoticePreference.objects.create(user=owner, email=True, alimtalk=True, quiet_hours=False)
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(
            kind=NoticeKind.MISSED_PICKUP,
            about="visit-1",
            recipient_id=owner.id,
            template="collection_events/notices/missed_pickup",
            context={"event": None, "restaurant": None, "bin": None},
            variables=MISSED,
        )
    return NoticeDelivery.objects.get(notice=notice, channel="alimtalk")


def test_officials_see_their_owners_undeliverable_messages_with_the_reason(client, official, undelivered, f):
    client.force_login(official)
    page = client.get(PAGE).content.decode()
    assert "휴대전화 번호가 없거나 올바르지 않음" in page and undelivered.notice.subject in page
    stranger = f.UserFactory(username="stranger", role="official", municipality=f.MunicipalityFactory())
    client.force_login(stranger)
    assert undelivered.notice.subject not in client.get(PAGE).content.decode()
    client.force_login(undelivered.notice.recipient)
    assert client.get(PAGE).status_code == 403


def test_a_corrected_number_sends_the_message_again_once(
    client, official, undelivered, nhn, django_capture_on_commit_callbacks
):
    client.force_login(official)
    resend = f"/console/people/undeliverable/{undelivered.id}/resend/"
    response = client.post(resend, {"phone": "02-123-4567"}, follow=True)
    assert "010-XXXX-XXXX" in response.content.decode() and nhn.messages == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, {"phone": "010 9876 5432"}, follow=True)
    assert "번호를 저장하고 알림을 다시 보냅니다" in response.content.decode()
    undelivered.refresh_from_db()
    assert undelivered.notice.recipient.phone == "010-9876-5432"
    assert undelivered.status == DeliveryStatus.ACCEPTED and [m["recipientNo"] for m in nhn.messages] == ["01098765432"]
    poll_results()
    undelivered.refresh_from_db()
    assert undelivered.status == DeliveryStatus.DELIVERED
    assert undelivered.notice.subject not in client.get(PAGE).content.decode()
    # Sending again what is no longer undeliverable is refused, and sends nothing; the
    # notice's email went once, before, and is not sent again.
    client.post(resend, {"phone": "010-9876-5432"})
    assert len(nhn.messages) == 1 and len(mail.outbox) == 1


def test_the_page_reads_in_english_with_korean_only_where_marked(client, official, undelivered, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(official)
    page = client.get(PAGE).content.decode()
    assert "Messages that could not be delivered" in page and "No valid mobile number" in page
    assert "Save and send again" in page and "Undelivered messages" in page
    assert korean_outside_lang_ko(page) == []


def test_a_retry_whose_worker_died_is_taken_again_and_sent_once(
    official, undelivered, nhn, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now(), tick=False)
    real_submit = NhnAlimTalkNotifier.submit

    def killed_after_the_call(self, outgoing, *, key):
        real_submit(self, outgoing, key=key)
        raise SystemExit("worker killed")

    monkeypatch.setattr(NhnAlimTalkNotifier, "submit", killed_after_the_call)
    with pytest.raises(SystemExit), django_capture_on_commit_callbacks(execute=True):
        correct_phone_and_resend(by=official, delivery_id=str(undelivered.id), phone="010-9876-5432")
    monkeypatch.setattr(NhnAlimTalkNotifier, "submit", real_submit)
    undelivered.refresh_from_db()
    assert undelivered.status == DeliveryStatus.SENDING and len(nhn.messages) == 1
    time_machine.shift(timedelta(minutes=6))
    assert services.resume_stale_sends() == 1
    undelivered.refresh_from_db()
    assert undelivered.status == DeliveryStatus.ACCEPTED and len(nhn.messages) == 1 and nhn.send_requests == 1
