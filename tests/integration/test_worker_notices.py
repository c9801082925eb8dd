"""A visit without a weighing tells the owner why, through a real Celery worker and
broker (the database broker by default; Redis in CI), exactly once."""

import email
import time
import uuid

import pytest
from django.utils import timezone

from backend.notifications.models import Notice
from backend.notifications.tasks import send_notice
from tests.celery_worker import CeleryWorker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_owner_is_told_once_why_the_bin_was_left(api, collector, tag, tmp_path):
    body = {
        "id": str(uuid.uuid4()),
        "tag": tag.url,
        "exception_code": "contaminated",
        "collected_at": timezone.now().isoformat(),
        "source": "nfc",
    }
    mail_env = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(tmp_path)}
    with CeleryWorker(env=mail_env, concurrency=1):
        client = api.as_user(collector)
        assert client.post("/api/v1/collections/", body, format="json").status_code == 201
        assert client.post("/api/v1/collections/", body, format="json").status_code == 200  # a retry

        assert wait_for(lambda: Notice.objects.filter(status="sent").exists()), "the worker sent no notice"
        notice = Notice.objects.get()
        send_notice.delay(str(notice.id))  # a redelivered task must not send again
        time.sleep(3)

    mails = list(tmp_path.iterdir())
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes().rsplit(b"\n" + b"-" * 79, 1)[0])
    assert message["To"] == "owner@example.org"
    assert "이물질" in message.get_payload(decode=True).decode("utf-8")
    assert Notice.objects.get().attempts == 1
