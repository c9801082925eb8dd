"""Quiet hours and channels: a non-urgent notice written in its recipient's quiet hours
waits until they end (and is then sent once), an urgent one goes at once, one outside
them at once; the notice centre shows them all at once; the channels chosen are used."""

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail

from backend.notifications import tasks
from backend.notifications.models import NoticeKind, NoticePreference, NoticeStatus
from backend.notifications.quiet_hours import quiet_until
from backend.notifications.services import notify, release_held
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def quiet_by_default(settings):
    settings.NOTICE_QUIET_HOURS_BY_DEFAULT = True  # as in production


VARIABLES = {
    NoticeKind.MISSED_PICKUP: {
        "업소명": "할매순대국",
        "용기": "주방 1",
        "방문일시": "2026-11-02 10:00",
        "사유": "미배출",
    },
    NoticeKind.PASSWORD_RESET: {},
    NoticeKind.INVITATION: {},
}


def tell(owner, kind=NoticeKind.MISSED_PICKUP, about="visit-1"):
    return notify(
        kind=kind,
        about=about,
        recipient_id=owner.id,
        template="collection_events/notices/missed_pickup",
        context={"event": None, "restaurant": None, "bin": None},
        variables=VARIABLES[kind],
    )


@pytest.fixture
def send(eager_celery, django_capture_on_commit_callbacks):
    def run(owner, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return tell(owner, **kwargs)

    return run


def sweep() -> int:
    return release_held()


def test_a_notice_at_22_30_goes_out_at_08_00(owner, send, time_machine, client):
    time_machine.move_to(seoul(2026, 11, 2, 22, 30), tick=False)
    notice = send(owner)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PENDING and mail.outbox == []
    assert notice.hold_until == seoul(2026, 11, 3, 8, 0)
    # The notice centre has it at once.
    client.force_login(owner)
    assert notice.subject in client.get("/notices/").content.decode()

    time_machine.move_to(seoul(2026, 11, 3, 7, 59), tick=False)
    assert sweep() == 0 and mail.outbox == []
    time_machine.move_to(seoul(2026, 11, 3, 8, 0), tick=False)
    assert sweep() == 1
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.sent_at == seoul(2026, 11, 3, 8, 0)
    # The next sweeps find nothing more to send: once, not twice.
    assert sweep() == 0
    tasks.send_notice(str(notice.id))  # a hand-over the broker delivered twice
    assert len(mail.outbox) == 1


def test_after_midnight_it_waits_until_08_00_the_same_morning(owner, send, time_machine):
    time_machine.move_to(seoul(2026, 11, 3, 1, 15), tick=False)
    notice = send(owner)
    notice.refresh_from_db()
    assert notice.hold_until == seoul(2026, 11, 3, 8, 0) and mail.outbox == []


def test_a_hand_over_lost_by_the_broker_is_made_again_by_the_next_sweep(owner, send, time_machine, monkeypatch):
    time_machine.move_to(seoul(2026, 11, 2, 23, 0), tick=False)
    send(owner)
    time_machine.move_to(seoul(2026, 11, 3, 8, 0), tick=False)
    monkeypatch.setattr(tasks.send_notice, "delay", lambda notice_id: None)  # lost on the way
    assert sweep() == 1 and mail.outbox == []
    monkeypatch.undo()
    time_machine.move_to(seoul(2026, 11, 3, 8, 1), tick=False)
    assert sweep() == 1 and len(mail.outbox) == 1


def test_an_urgent_notice_goes_at_once_in_quiet_hours(owner, send, time_machine):
    time_machine.move_to(seoul(2026, 11, 2, 22, 30), tick=False)
    notice = send(owner, kind=NoticeKind.PASSWORD_RESET)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(mail.outbox) == 1


def test_a_notice_at_noon_goes_at_once(owner, send, time_machine):
    time_machine.move_to(seoul(2026, 11, 2, 12, 0), tick=False)
    notice = send(owner)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(mail.outbox) == 1


def test_own_quiet_hours_are_used_and_can_be_turned_off(owner, send, time_machine):
    NoticePreference.objects.create(user=owner, quiet_start=time(23, 0), quiet_end=time(6, 30))
    time_machine.move_to(seoul(2026, 11, 2, 22, 30), tick=False)
    assert send(owner, about="a") and len(mail.outbox) == 1  # before their 23:00
    time_machine.move_to(seoul(2026, 11, 2, 23, 30), tick=False)
    held = send(owner, about="b")
    held.refresh_from_db()
    assert held.hold_until == seoul(2026, 11, 3, 6, 30)
    NoticePreference.objects.filter(user=owner).update(quiet_hours=False)
    assert send(owner, about="c") and len(mail.outbox) == 2


def test_the_hours_are_the_municipalitys_local_time(f, send, time_machine):
    la = f.MunicipalityFactory(name="LA", code="99999", time_zone="America/Los_Angeles")
    owner = f.UserFactory(username="la-owner", role="owner", email="la@example.org", invited_through=la)
    time_machine.move_to(seoul(2026, 11, 2, 22, 30), tick=False)  # 05:30 in Los Angeles
    notice = send(owner)
    notice.refresh_from_db()
    assert notice.hold_until == datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


def test_a_person_who_chose_no_channel_still_has_the_notice_in_the_centre(owner, send, time_machine, client):
    NoticePreference.objects.create(user=owner, email=False, quiet_hours=False)
    notice = send(owner)
    notice.refresh_from_db()
    assert mail.outbox == [] and notice.status == NoticeStatus.SKIPPED
    client.force_login(owner)
    assert notice.subject in client.get("/notices/").content.decode()


def test_channels_without_a_notifier_are_not_used_and_configured_ones_are(owner, send, settings):
    sent = []

    class FakeAlimTalk:
        def send(self, *, recipient, subject, body):
            sent.append((recipient.username, subject))

    settings.ALIMTALK_NOTIFIER_CLASS = f"{__name__}.FakeAlimTalkNotifier"
    globals()["FakeAlimTalkNotifier"] = FakeAlimTalk
    NoticePreference.objects.create(user=owner, email=False, alimtalk=True, quiet_hours=False)
    notice = send(owner)
    assert mail.outbox == [] and sent == [("owner", notice.subject)]
    NoticePreference.objects.filter(user=owner).update(alimtalk=False, email=True)
    send(owner, about="visit-2")
    assert len(mail.outbox) == 1 and len(sent) == 1


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        (time(20, 59), None),
        (time(21, 0), datetime(2026, 11, 3, 8, 0, tzinfo=SEOUL)),
        (time(23, 59), datetime(2026, 11, 3, 8, 0, tzinfo=SEOUL)),
        (time(0, 0), datetime(2026, 11, 2, 8, 0, tzinfo=SEOUL)),
        (time(7, 59), datetime(2026, 11, 2, 8, 0, tzinfo=SEOUL)),
        (time(8, 0), None),
        (time(12, 0), None),
    ],
)
def test_quiet_until_across_midnight(clock, expected):
    moment = datetime.combine(datetime(2026, 11, 2).date(), clock, tzinfo=SEOUL)
    assert quiet_until(moment, start=time(21, 0), end=time(8, 0), zone=SEOUL) == expected


def test_quiet_hours_within_one_day():
    lunch = dict(start=time(12, 0), end=time(13, 0), zone=SEOUL)
    assert quiet_until(datetime(2026, 11, 2, 12, 30, tzinfo=SEOUL), **lunch) == datetime(2026, 11, 2, 13, tzinfo=SEOUL)
    assert quiet_until(datetime(2026, 11, 2, 13, 0, tzinfo=SEOUL), **lunch) is None


def test_the_settings_page_saves_choices_and_refuses_empty_quiet_hours(client, owner):
    client.force_login(owner)
    page = client.get("/notices/settings/").content.decode()
    assert "준비 중" in page and 'value="21:00"' in page and 'value="08:00"' in page
    bad = client.post(
        "/notices/settings/", {"email": "on", "quiet_hours": "on", "quiet_start": "22:00", "quiet_end": "22:00"}
    )
    assert bad.status_code == 400 and "시작과 끝이 같습니다" in bad.content.decode()
    good = client.post(
        "/notices/settings/",
        {"email": "on", "sms": "on", "quiet_hours": "on", "quiet_start": "22:00", "quiet_end": "07:00"},
        follow=True,
    )
    assert "저장했습니다" in good.content.decode()
    saved = NoticePreference.objects.get(user=owner)
    assert (saved.email, saved.quiet_start, saved.quiet_end) == (True, time(22, 0), time(7, 0))
    assert saved.sms is False  # not configured: the box is disabled and keeps its value


def test_a_channel_not_ready_shows_unticked_and_keeps_the_stored_choice(client, owner):
    NoticePreference.objects.create(user=owner, email=True, alimtalk=True)
    client.force_login(owner)
    page = client.get("/notices/settings/").content.decode()
    box = re.search(r'<input type="checkbox" name="alimtalk"[^>]*>', page).group(0)
    assert "disabled" in box and "checked" not in box  # "coming soon" must not read as on
    assert re.search(r'name="email"[^>]*checked', page)
    client.post("/notices/settings/", {"email": "on", "quiet_start": "21:00", "quiet_end": "08:00"})
    assert NoticePreference.objects.get(user=owner).alimtalk is True


def test_the_quiet_hours_are_said_in_seoul_time_not_the_zones_code(client, owner):
    client.force_login(owner)
    page = client.get("/notices/settings/").content.decode()
    assert "시각은 서울 시각 기준입니다." in page and "Asia/Seoul" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/notices/settings/").content.decode()
    assert "Times are Seoul time." in page and "Asia/Seoul" not in page


def test_quiet_hours_off_need_no_times_and_on_they_do(client, owner):
    client.force_login(owner)
    off = client.post("/notices/settings/", {"email": "on", "quiet_start": "", "quiet_end": ""}, follow=True)
    assert off.status_code == 200 and "저장했습니다" in off.content.decode()
    saved = NoticePreference.objects.get(user=owner)
    assert (saved.quiet_hours, saved.quiet_start, saved.quiet_end) == (False, time(21, 0), time(8, 0))

    on = client.post(
        "/notices/settings/", {"email": "on", "quiet_hours": "on", "quiet_start": "", "quiet_end": "07:00"}
    )
    assert on.status_code == 400 and "시작: 이 필드는 필수 항목입니다." in on.content.decode()
    assert NoticePreference.objects.get(user=owner).quiet_hours is False


def test_with_alimtalk_falling_back_to_texts_the_sms_box_says_so_not_coming_soon(client, owner, settings):
    settings.ALIMTALK_NOTIFIER_CLASS = "backend.notifications.nhn_bizmessage.NhnAlimTalkNotifier"
    settings.NHN_BIZMESSAGE_FALLBACK_SEND_NO = "0212345678"
    client.force_login(owner)
    page = client.get("/notices/settings/").content.decode()
    sms = re.search(r'<label class="choice" for="id_sms">.*?</label>', page, re.S).group(0)
    assert "알림톡이 닿지 않으면 문자(SMS/LMS)로 대신 보냅니다" in sms and "준비 중" not in sms
    settings.NHN_BIZMESSAGE_FALLBACK_SEND_NO = ""  # no sender number: no fallback
    page = client.get("/notices/settings/").content.decode()
    assert "준비 중" in re.search(r'<label class="choice" for="id_sms">.*?</label>', page, re.S).group(0)
