"""Bench: notices sent per second by KakaoTalk AlimTalk through the real notifier,
against the local NHN Cloud stand-in over real HTTP.

    .venv/bin/python bench/bench_notices.py [--notices 500] [--keep]

Creates a database of its own (`bench_notices_<pid>`) on the configured server (the
embedded one by default), migrates it, makes `--notices` owners with a mobile number
who chose AlimTalk only, and three times `--notices` missed-pickup notices, unsent.
Then, in this process, against the stand-in (tests/standins/nhn_bizmessage.py, a
threaded http.server on 127.0.0.1 with our templates registered):

1. the floor: raw HTTP posts of the same payloads (what the notifier sends for each
   notice) through one keep-alive `requests` session: the HTTP and the stand-in alone;
2. the notifier's path: `delivery.deliver` for each notice (claim the notice, write its
   delivery row, the shared rate limiter in the cache, the template filled, the POST,
   the answer stored, the notice marked sent);
3. the task's path: `notifications.send_notice` applied in this process (Celery's task
   wrapper around the same call; no broker or worker in between).

Prints notices per second for each, and the ratio of each path to the floor. The rate
limit is set far above what is sent (NHN_BIZMESSAGE_RATE_PER_SECOND=100000): the bench
measures our cost per message, not the provider's limit.
"""

import argparse
import cProfile
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from databases import bench_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notices", type=int, default=500, help="notices sent on each path")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--profile-out", default="", help="write a cProfile of the notifier's path here")
    args = parser.parse_args()

    from tests.standins import nhn_bizmessage as standin

    os.environ.pop("CELERY_BROKER_URL", None)
    with bench_database("bench_notices", keep=args.keep), standin.running() as (base_url, state):
        os.environ.update(
            {
                "ALIMTALK_NOTIFIER_CLASS": "backend.notifications.nhn_bizmessage.NhnAlimTalkNotifier",
                "NHN_BIZMESSAGE_BASE_URL": base_url,
                "NHN_BIZMESSAGE_APP_KEY": standin.APP_KEY,
                "NHN_BIZMESSAGE_SECRET_KEY": standin.SECRET_KEY,
                "NHN_BIZMESSAGE_SENDER_KEY": standin.SENDER_KEY,
                "NHN_BIZMESSAGE_FALLBACK_SEND_NO": "0212345678",
                "NHN_BIZMESSAGE_RATE_PER_SECOND": "100000",
            }
        )
        _bench(args.notices, state, base_url, args.profile_out)


def _bench(count: int, state, base_url: str, profile_out: str = "") -> None:
    import django

    django.setup()
    import requests
    from django.conf import settings
    from django.core.management import call_command

    from backend.accounts.models import Role, User
    from backend.notifications import tasks
    from backend.notifications.delivery import deliver
    from backend.notifications.models import Notice, NoticeKind, NoticePreference, NoticeStatus
    from backend.notifications.nhn_bizmessage import NhnAlimTalkNotifier
    from backend.notifications.services import Message
    from tests.standins.nhn_bizmessage import with_our_templates

    call_command("migrate", verbosity=0)
    with_our_templates(state, settings.PUBLIC_BASE_URL)
    owners = User.objects.bulk_create(
        User(username=f"bench-owner-{n}", role=Role.OWNER, phone=f"010-{5000 + n // 10000:04d}-{n % 10000:04d}")
        for n in range(count)
    )
    NoticePreference.objects.bulk_create(
        NoticePreference(user=owner, email=False, alimtalk=True, quiet_hours=False) for owner in owners
    )
    variables = {"업소명": "벤치 식당", "용기": "주방 1", "방문일시": "2026-11-02 10:00", "사유": "미배출"}
    notices = Notice.objects.bulk_create(
        Message(
            kind=NoticeKind.MISSED_PICKUP,
            about=f"bench-{path}-{n}",
            recipient_id=owner.id,
            template="collection_events/notices/missed_pickup",
            context={"event": None, "restaurant": None, "bin": None},
            variables=variables,
        ).to_notice(language="ko")
        for path in ("floor", "notifier", "task")
        for n, owner in enumerate(owners)
    )
    floor_notices, notifier_notices, task_notices = notices[:count], notices[count : 2 * count], notices[2 * count :]
    for notice in floor_notices:  # what prepare() reads
        notice.recipient = next(owner for owner in owners if owner.id == notice.recipient_id)
    notifier = NhnAlimTalkNotifier()
    bodies = [
        {
            "senderKey": settings.NHN_BIZMESSAGE_SENDER_KEY,
            "templateCode": outgoing.template_code,
            "recipientList": [outgoing.as_recipient(f"floor-{n}", send_no=settings.NHN_BIZMESSAGE_FALLBACK_SEND_NO)],
        }
        for n, outgoing in enumerate(notifier.prepare(notice) for notice in floor_notices)
    ]
    url = f"{base_url}/alimtalk/v2.3/appkeys/{settings.NHN_BIZMESSAGE_APP_KEY}/raw-messages"
    session = requests.Session()
    session.headers.update({"X-Secret-Key": settings.NHN_BIZMESSAGE_SECRET_KEY})

    started = time.perf_counter()
    for body in bodies:
        response = session.post(url, json=body, timeout=10)
        assert response.json()["header"]["isSuccessful"], response.text
    floor = count / (time.perf_counter() - started)

    profile = cProfile.Profile() if profile_out else None
    started = time.perf_counter()
    if profile:
        profile.enable()
    for notice in notifier_notices:
        assert deliver(notice_id=str(notice.id), final_attempt=True)
    via_notifier = count / (time.perf_counter() - started)
    if profile:
        profile.disable()
        profile.dump_stats(profile_out)

    started = time.perf_counter()
    for notice in task_notices:
        assert tasks.send_notice.apply(args=[str(notice.id)]).get() is True
    via_task = count / (time.perf_counter() - started)

    sent = Notice.objects.filter(status=NoticeStatus.SENT).count()
    assert sent == 2 * count and len(state.messages) == 3 * count, (sent, len(state.messages))
    print(f"notices: {count} per path, against the NHN Cloud stand-in over HTTP on 127.0.0.1")
    print(f"floor (raw HTTP posts, same payloads):  {floor:8.1f} /s")
    print(f"real notifier (delivery.deliver):       {via_notifier:8.1f} /s   ratio to floor {via_notifier / floor:.2f}")
    print(f"Celery task (send_notice, in process):  {via_task:8.1f} /s   ratio to floor {via_task / floor:.2f}")


if __name__ == "__main__":
    main()
