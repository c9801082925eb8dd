"""KakaoTalk AlimTalk through NHN Cloud, against the local stand-in over real HTTP: the
templates, a message sent and its result read back, the SMS/LMS fallback, the
provider's errors, retries and timeouts, never two messages for one notice (a task run
twice, a worker killed between its claim and the answer), quiet hours, the rate limit."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from backend.notifications import alimtalk, services, tasks
from backend.notifications.delivery import poll_results
from backend.notifications.models import (
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticeKind,
    NoticePreference,
    NoticeStatus,
    UndeliverableReason,
)
from backend.notifications.nhn_bizmessage import NhnAlimTalkNotifier, Outgoing
from backend.notifications.notifiers import ProviderUnavailable, Undeliverable
from tests.billing.conftest import seoul
from tests.notifications.conftest import MISSED

pytestmark = pytest.mark.django_db
# Every kind an owner receives; the one-time password links go by email, and the
# settlement check is the officials' own notice.
OWNER_KINDS = set(NoticeKind.values) - {
    NoticeKind.INVITATION,
    NoticeKind.PASSWORD_RESET,
    NoticeKind.SETTLEMENT_DIFFERENCES,
}


@pytest.fixture
def kakao_owner(owner):
    owner.phone = "010-1234-5678"
    owner.save(update_fields=["phone"])
    NoticePreference.objects.create(user=owner, email=False, alimtalk=True, quiet_hours=False)
    return owner


@pytest.fixture
def tell(eager_celery, django_capture_on_commit_callbacks):
    def run(person, about="visit-1", variables=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.notify(
                kind=NoticeKind.MISSED_PICKUP,
                about=about,
                recipient_id=person.id,
                template="collection_events/notices/missed_pickup",
                context={"event": None, "restaurant": None, "bin": None},
                variables=variables or MISSED,
            )

    return run


def test_every_owner_notice_has_a_template_within_kakaos_limits():
    assert set(alimtalk.TEMPLATES) == OWNER_KINDS
    codes = [template.code for template in alimtalk.TEMPLATES.values()]
    assert len(set(codes)) == len(codes)
    assert len(alimtalk.BUTTON_NAME) <= alimtalk.BUTTON_NAME_MAX_CHARS
    assert len(alimtalk.FALLBACK_TITLE) <= 20
    for template in alimtalk.TEMPLATES.values():
        assert len(template.code) <= alimtalk.CODE_MAX_CHARS
        assert template.variables, template.code
        # Filled with 30-character values (a long restaurant name), still within 1,000.
        filled = template.fill({name: "가" * 30 for name in template.variables})
        assert len(filled) <= alimtalk.BODY_MAX_CHARS
        values = {name: f"<{name}>" for name in template.variables}
        expected = template.text
        for name, value in values.items():
            expected = expected.replace("#{" + name + "}", value)
        assert template.fill(values) == expected and "#{" not in template.fill(values)
        fallback = alimtalk.fallback_for(filled, "https://waste.example.go.kr/notices/x/")
        limit = alimtalk.SMS_MAX_BYTES if fallback.type == "SMS" else alimtalk.LMS_MAX_BYTES
        assert alimtalk.euc_kr_bytes(fallback.text) <= limit


def test_sms_up_to_90_bytes_lms_beyond():
    assert alimtalk.fallback_for("가" * 20, "https://x.kr/n/").type == "SMS"  # 40 + 1 + 15 bytes
    assert alimtalk.fallback_for("가" * 40, "https://x.kr/n/").type == "LMS"  # 96 bytes


def test_a_notice_without_its_templates_facts_is_refused_where_it_is_written(owner, tell):
    with pytest.raises(ValueError, match="variables"):
        tell(owner, variables={"업소명": "할매순대국"})


def test_a_notice_goes_by_alimtalk_and_its_result_is_stored(nhn, kakao_owner, tell, client):
    notice = tell(kakao_owner)
    notice.refresh_from_db()
    [message] = nhn.messages
    assert notice.status == NoticeStatus.SENT
    assert message["recipientNo"] == "01012345678" and message["templateCode"] == "FW_MISSED_PICKUP"
    assert message["content"] == alimtalk.TEMPLATES[NoticeKind.MISSED_PICKUP].fill(MISSED)
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert delivery.status == DeliveryStatus.ACCEPTED and delivery.provider_message_id.startswith(message["requestId"])

    assert poll_results() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.result_code == "1000"
    assert delivery.delivered_at is not None and not delivery.fell_back
    assert poll_results() == 0  # read again (the overlap): nothing changes

    # The button opens the notice on its own page, which marks it read.
    client.force_login(kakao_owner)
    link = alimtalk.button_link("", str(notice.id))
    assert client.get(link).status_code == 200
    notice.refresh_from_db()
    assert notice.read_at is not None


@pytest.mark.parametrize(
    ("setup", "status", "fell_back", "reason"),
    [
        ("not_kakao_users", DeliveryStatus.DELIVERED, True, ""),
        ("sms_fails", DeliveryStatus.UNDELIVERABLE, True, UndeliverableReason.FALLBACK_FAILED),
        ("no_such_numbers", DeliveryStatus.UNDELIVERABLE, True, UndeliverableReason.INVALID_NUMBER),
    ],
)
def test_what_alimtalk_cannot_deliver_goes_as_a_text_message(nhn, kakao_owner, tell, setup, status, fell_back, reason):
    getattr(nhn, setup).add("01012345678")
    if setup == "sms_fails":
        nhn.not_kakao_users.add("01012345678")
    notice = tell(kakao_owner)
    poll_results()
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert (delivery.status, delivery.fell_back, delivery.reason) == (status, fell_back, reason)
    [message] = nhn.messages
    if status == DeliveryStatus.DELIVERED:
        assert message["resendContent"] == message["content"] + "\n" + notice.page_url
        assert delivery.fallback_type == "LMS"  # the missed-pickup text is over 90 bytes


def test_a_text_that_does_not_match_its_template_is_refused(nhn, kakao_owner, tell, settings):
    nhn.register("FW_MISSED_PICKUP", "[다른 문구] #{업소명}", settings.PUBLIC_BASE_URL + alimtalk.BUTTON_PATH)
    settings.NHN_BIZMESSAGE_FALLBACK_SEND_NO = ""  # no fallback: refused for good
    notice = tell(kakao_owner)
    poll_results()
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert delivery.status == DeliveryStatus.UNDELIVERABLE
    assert (delivery.result_code, delivery.reason) == ("3016", UndeliverableReason.TEMPLATE_REJECTED)


def test_a_person_without_a_mobile_number_is_undeliverable_on_this_channel(nhn, kakao_owner, tell):
    kakao_owner.phone = "02-123-4567"
    kakao_owner.save(update_fields=["phone"])
    notice = tell(kakao_owner)
    notice.refresh_from_db()
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert delivery.reason == UndeliverableReason.NO_PHONE and nhn.send_requests == 0
    assert notice.status == NoticeStatus.SKIPPED  # no other channel chosen


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"NHN_BIZMESSAGE_APP_KEY": "wrong"}, "-1000"),
        ({"NHN_BIZMESSAGE_SECRET_KEY": "wrong"}, "-1001"),
        ({"NHN_BIZMESSAGE_SENDER_KEY": "wrong"}, "-1006"),
    ],
)
def test_the_providers_refusals_of_our_configuration_fail_the_notice(nhn, kakao_owner, tell, settings, change, error):
    for name, value in change.items():
        setattr(settings, name, value)
    tell(kakao_owner)
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.FAILED and error in notice.last_error and nhn.messages == []


def test_the_providers_answers_as_the_client_reads_them(nhn):
    notifier = NhnAlimTalkNotifier()
    outgoing = Outgoing(recipient_no="0101234", template_code="FW_MISSED_PICKUP", content="x", link="x", fallback=None)
    with pytest.raises(Undeliverable) as refused:
        notifier.submit(outgoing, key="k-1")
    assert (refused.value.reason, refused.value.code) == (UndeliverableReason.REJECTED, "-2004")
    nhn.fail_next = 1
    with pytest.raises(ProviderUnavailable, match="500"):
        notifier.submit(outgoing, key="k-2")
    nhn.rate_per_second = 0
    with pytest.raises(ProviderUnavailable, match="429"):
        notifier.submit(outgoing, key="k-3")


def test_a_5xx_is_retried_and_sent_once(nhn, kakao_owner, tell):
    nhn.fail_next = 1
    notice = tell(kakao_owner)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(nhn.messages) == 1 and nhn.send_requests == 2
    assert NoticeDelivery.objects.get(notice=notice).attempts == 2


def test_a_timeout_is_retried_and_the_provider_asked_first(nhn, kakao_owner, tell):
    nhn.slow_next, nhn.delay = 1, 1.0  # the message is stored, the answer comes too late
    notice = tell(kakao_owner)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert len(nhn.messages) == 1 and nhn.send_requests == 1  # found by our key: not sent again
    delivery = NoticeDelivery.objects.get(notice=notice)
    assert delivery.status == DeliveryStatus.ACCEPTED and delivery.attempts == 1


def test_a_task_run_twice_sends_once(nhn, kakao_owner, tell):
    notice = tell(kakao_owner)
    tasks.send_notice.apply(args=[str(notice.id)])
    assert len(nhn.messages) == 1


def test_a_worker_killed_between_claim_and_answer_sends_once_after_restart(
    nhn, kakao_owner, tell, monkeypatch, time_machine
):
    time_machine.move_to(seoul(2026, 11, 2, 10, 0), tick=False)
    real_submit = NhnAlimTalkNotifier.submit

    def killed_after_the_call(self, outgoing, *, key):
        real_submit(self, outgoing, key=key)
        raise SystemExit("worker killed")  # not an Exception: nothing is cleaned up

    monkeypatch.setattr(NhnAlimTalkNotifier, "submit", killed_after_the_call)
    with pytest.raises(SystemExit):
        tell(kakao_owner)
    monkeypatch.setattr(NhnAlimTalkNotifier, "submit", real_submit)
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.SENDING and len(nhn.messages) == 1
    assert services.resume_stale_sends() == 0  # a fresh claim may still be working

    time_machine.move_to(seoul(2026, 11, 2, 10, 6), tick=False)  # past NOTICE_CLAIM_STALE_SECONDS
    assert services.resume_stale_sends() == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(nhn.messages) == 1 and nhn.send_requests == 1
    assert NoticeDelivery.objects.get(notice=notice).status == DeliveryStatus.ACCEPTED


def test_quiet_hours_hold_alimtalk_until_they_end(nhn, kakao_owner, tell, time_machine):
    NoticePreference.objects.filter(user=kakao_owner).update(quiet_hours=True)
    time_machine.move_to(seoul(2026, 11, 2, 22, 30), tick=False)
    notice = tell(kakao_owner)
    assert nhn.messages == []
    time_machine.move_to(seoul(2026, 11, 3, 8, 0), tick=False)
    assert services.release_held() == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(nhn.messages) == 1


def test_workers_share_the_providers_rate(nhn, settings):
    # Workers in one process here; across processes the same counter lives in Redis
    # (CACHE_URL), whose INCR is atomic. The database cache's is not (docs/notices.md).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    """Two workers, ten messages, a limit of four a second: the shared counter makes them
    wait instead of being refused (the stand-in answers 429 past five)."""
    # The provider refuses past 5 a second; we send at most 4 (a request sent at the end
    # of one second may arrive in the next).
    settings.NHN_BIZMESSAGE_RATE_PER_SECOND, nhn.rate_per_second = 4, 5
    template = alimtalk.TEMPLATES[NoticeKind.MISSED_PICKUP]
    link = alimtalk.button_link(settings.PUBLIC_BASE_URL, "00000000-0000-0000-0000-000000000000")
    outgoing = Outgoing("01012345678", template.code, template.fill(MISSED), link, None)
    errors = []

    def worker(keys):
        try:
            notifier = NhnAlimTalkNotifier()
            for key in keys:
                notifier.submit(outgoing, key=key)
        except Exception as error:  # a 429 would land here
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=([f"{w}-{n}" for n in range(5)],)) for w in range(2)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(nhn.messages) == 10
    assert time.monotonic() - start >= 1.0  # 10 at 4 a second span three windows


def test_a_password_link_does_not_go_by_alimtalk_and_is_not_undeliverable(
    nhn, kakao_owner, eager_celery, django_capture_on_commit_callbacks
):
    NoticePreference.objects.filter(user=kakao_owner).update(email=True)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notify(
            kind=NoticeKind.PASSWORD_RESET,
            about="link-1",
            recipient_id=kakao_owner.id,
            template="people/notices/password_reset",
            context={"user": kakao_owner, "url": "https://x.kr/reset/t/", "expires_at": timezone.now()},
        )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(mail.outbox) == 1
    assert nhn.messages == [] and not NoticeDelivery.objects.filter(channel="alimtalk").exists()


def test_a_retry_for_alimtalk_does_not_email_again(nhn, kakao_owner, tell):
    NoticePreference.objects.filter(user=kakao_owner).update(email=True)
    nhn.fail_next = 1  # email goes, AlimTalk gets a 500, the task retries
    notice = tell(kakao_owner)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.attempts == 2
    assert len(mail.outbox) == 1 and len(nhn.messages) == 1


def test_a_second_request_with_the_same_key_is_refused_by_the_provider_and_read_back(nhn, settings):
    template = alimtalk.TEMPLATES[NoticeKind.MISSED_PICKUP]
    link = alimtalk.button_link(settings.PUBLIC_BASE_URL, "00000000-0000-0000-0000-000000000000")
    outgoing = Outgoing("01012345678", template.code, template.fill(MISSED), link, None)
    notifier = NhnAlimTalkNotifier()
    first = notifier.submit(outgoing, key="same-key")
    assert notifier.submit(outgoing, key="same-key") == first  # -1005, then found by key
    assert nhn.send_requests == 2 and len(nhn.messages) == 1
